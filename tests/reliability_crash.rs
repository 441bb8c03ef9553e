//! Crash recovery: the provider process is SIGKILLed in the middle of an apply of 20 versions,
//! while the service has made some versions whose ApplyResourceChange has not returned yet
//! (they are still provisioning), so Terraform's state never learns of them.
//!
//! Guarantee checked (docs/reliability.md, guarantee 4): nothing that any state tracks is lost
//! or taken over, and every version the dead process left untracked is *named*. The next
//! `terraform apply` converges (creating the versions its state lacks) and warns once per
//! left-over version ("Version left over by an interrupted apply", naming agent and version);
//! it never takes such a version over, because nothing proves no other state owns it. Then the
//! documented remedies: one left-over is imported into a resource of its own (its warning
//! stops and the plan is empty), the others are deleted outside Terraform (their warnings stop).
//!
//! The provider is the one Terraform launches itself (handshake, AutoMTLS); the test finds its
//! PID as the process whose executable lives in this test's workspace.

mod reliability_common;
mod support;

use std::time::Duration;

use reliability_common::{
    assert_nothing_lost, consistency, emulator_versions, processes_under, signal, spawn_terraform,
    state_ids, versions_config, wait_until, workspace_root,
};
use support::{Emulator, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

const VERSIONS: usize = 20;

fn crash_recovery(tf: TerraformBin) {
    // Each request waits 100 ms and each version provisions for 4 s: the kill lands while
    // several creates have been performed but are still being waited on.
    let emu = Emulator::start(&["--latency-ms", "100", "--provision-delay-ms", "4000"]);
    let ws = Workspace::builder(&tf).emulator(&emu).build();
    ws.write_main_tf(&versions_config(VERSIONS, 2, "crash", ""));
    ws.init();

    let apply = spawn_terraform(
        &tf,
        &ws,
        &emu.env(),
        &["apply", "-auto-approve", "-input=false", "-parallelism=10"],
    );
    let writes = || emu.stats()["writes"].as_u64().unwrap_or(0);
    assert!(
        wait_until(Duration::from_secs(60), || writes() >= 6),
        "the emulator never saw 6 creates:\n{}",
        emu.log()
    );
    let providers = processes_under(&workspace_root(&ws));
    assert_eq!(
        providers.len(),
        1,
        "expected exactly one provider process from this workspace, found {providers:?}"
    );
    signal(providers[0], "KILL");
    let crashed = apply.wait(Duration::from_secs(120));
    assert!(
        !crashed.status.success(),
        "the apply survived its provider being killed?\n{crashed}"
    );
    assert!(
        crashed.combined().contains("plugin") || crashed.combined().contains("provider"),
        "Terraform did not report the provider crash:\n{crashed}"
    );

    // What the crash left: versions the service made that the state does not know.
    let after_crash = consistency(&emu, &ws);
    let created_before_kill = after_crash.in_emulator;
    let unrecorded = after_crash.orphans.len();
    assert!(
        unrecorded > 0,
        "the kill left no unrecorded version, so recovery is not exercised: {after_crash:#?}"
    );
    assert!(after_crash.duplicates.is_empty(), "{after_crash:#?}");

    let warnings = |out: &support::CmdOutput| -> Vec<String> {
        // `-json` lists every diagnostic (the human view folds similar warnings together).
        out.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| {
                m["type"] == "diagnostic"
                    && m["diagnostic"]["summary"] == "Version left over by an interrupted apply"
            })
            .map(|m| m["diagnostic"]["detail"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let names = |warnings: &[String], id: &str| {
        let (agent, version) = id.split_once('/').unwrap();
        warnings
            .iter()
            .filter(|d| d.contains(&format!("Version {version} of agent \"{agent}\"")))
            .count()
    };
    let second = ws
        .run(&["apply", "-auto-approve", "-input=false", "-json"])
        .assert_success();
    let reported = warnings(&second);
    assert_eq!(
        reported.len(),
        unrecorded,
        "one warning per left-over version: {reported:#?}\n{after_crash:#?}"
    );
    for orphan in &after_crash.orphans {
        assert_eq!(
            names(&reported, orphan),
            1,
            "{orphan} not named once: {reported:#?}"
        );
    }
    // The state converged on versions of its own; the left-overs are untouched.
    assert_nothing_lost(
        &emu.state(),
        &emu.log(),
        &[&ws],
        &[],
        "after the recovering apply",
    );
    assert_eq!(state_ids(&ws).len(), VERSIONS);
    let writes = emu.stats()["writes"].as_u64().unwrap();
    assert_eq!(
        writes,
        (VERSIONS + unrecorded) as u64,
        "one create per version in the state plus the left-overs, nothing more"
    );
    assert!(
        !ws.plan().has_changes,
        "the recovered configuration must plan empty"
    );

    // Remedy 1: keep a left-over by importing it into a resource of its own.
    let (kept, deleted) = after_crash.orphans.split_first().unwrap();
    let held = emulator_versions(&emu)[kept].definition.clone();
    let (agent, version) = kept.split_once('/').unwrap();
    ws.write_main_tf(&format!(
        r#"{config}
resource "azureai_hosted_agent_version" "kept" {{
  agent_name  = "{agent}"
  image       = "{image}"
  description = "{description}"
  cpu         = "0.5"
  memory      = "1Gi"
  metadata = {{
    index = "{index}"
  }}
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#,
        config = versions_config(VERSIONS, 2, "crash", ""),
        image = held["definition"]["container_configuration"]["image"]
            .as_str()
            .unwrap(),
        description = held["description"].as_str().unwrap(),
        index = held["metadata"]["index"].as_str().unwrap(),
    ));
    ws.import(
        "azureai_hosted_agent_version.kept",
        &format!("{agent}/{version}"),
    );
    let plan = ws.run(&["plan", "-input=false", "-detailed-exitcode", "-json"]);
    assert_eq!(
        plan.code(),
        0,
        "the imported left-over plans empty:\n{plan}"
    );
    let still = warnings(&plan);
    assert_eq!(
        names(&still, kept),
        0,
        "an imported version is tracked: {still:#?}"
    );
    assert_eq!(still.len(), deleted.len(), "{still:#?}");

    // Remedy 2: delete the others outside Terraform (the portal, the SDK).
    for id in deleted {
        let (agent, version) = id.split_once('/').unwrap();
        emu.api(
            "DELETE",
            &format!("agents/{agent}/versions/{version}?api-version=v1"),
            None,
        );
    }
    let plan = ws.run(&["plan", "-input=false", "-detailed-exitcode", "-json"]);
    assert_eq!(plan.code(), 0, "{plan}");
    assert!(
        warnings(&plan).is_empty(),
        "deleted left-overs are not reported again:\n{plan}"
    );
    assert!(
        std::fs::read_dir(ws.path().join(".terraform/azureai-pending-creates"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "the journal is empty once every left-over is imported or deleted"
    );
    let c = consistency(&emu, &ws);
    assert!(c.orphans.is_empty() && c.missing.is_empty(), "{c:#?}");
    println!(
        "crash ({}): versions={VERSIONS} created_before_kill={created_before_kill} left_over={unrecorded} named={} creates_total={writes} imported=1 deleted={}",
        tf.version,
        reported.len(),
        deleted.len(),
    );
}

#[test]
fn sigkill_mid_apply_names_every_left_over_and_loses_nothing_terraform_current() {
    crash_recovery(terraform_on_path());
}

#[test]
fn sigkill_mid_apply_names_every_left_over_and_loses_nothing_terraform_1_0_3() {
    crash_recovery(terraform_1_0_3());
}
