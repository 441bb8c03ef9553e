//! Crash recovery: the provider process is SIGKILLed in the middle of an apply of 20 versions,
//! while the service has made some versions whose ApplyResourceChange has not returned yet
//! (they are still provisioning), so Terraform's state never learns of them.
//!
//! Guarantee checked: the next `terraform apply` converges with no duplicates. Every version
//! the service created but state never recorded is found by the creation token in its
//! metadata and adopted (with an "Adopted an existing version" warning naming it), never
//! created a second time and never left behind: the emulator ends with exactly 20 versions,
//! all in state, and exactly 20 creates were performed in total.
//!
//! The provider is the one Terraform launches itself (handshake, AutoMTLS); the test finds its
//! PID as the process whose executable lives in this test's workspace.

mod reliability_common;
mod support;

use std::time::Duration;

use reliability_common::{
    assert_consistent, consistency, emulator_versions, processes_under, signal, spawn_terraform,
    versions_config, wait_until, workspace_root,
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
        "the kill left no unrecorded version, so adoption is not exercised: {after_crash:#?}"
    );
    assert!(after_crash.duplicates.is_empty(), "{after_crash:#?}");

    // `-json` lists every diagnostic (the human view folds similar warnings together).
    let second = ws
        .run(&["apply", "-auto-approve", "-input=false", "-json"])
        .assert_success();
    let adoptions: Vec<String> = second
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["type"] == "diagnostic" && m["diagnostic"]["summary"] == "Adopted an existing version"
        })
        .map(|m| m["diagnostic"]["detail"].as_str().unwrap_or("").to_owned())
        .collect();
    let adopted = adoptions.len();
    let c = assert_consistent(&emu, &ws, VERSIONS, "after the recovering apply");
    assert_eq!(
        adopted, unrecorded,
        "each unrecorded version must be adopted once: {adoptions:#?}\n{after_crash:#?}"
    );
    for orphan in &after_crash.orphans {
        let (agent, version) = orphan.split_once('/').unwrap();
        assert!(
            adoptions
                .iter()
                .any(|d| d.contains(&format!("Version {version} of agent \"{agent}\""))),
            "adoption of {orphan} was not reported: {adoptions:#?}"
        );
    }
    let writes = emu.stats()["writes"].as_u64().unwrap();
    assert_eq!(
        writes, VERSIONS as u64,
        "exactly one create per version in total"
    );
    assert!(
        emulator_versions(&emu)
            .values()
            .all(|h| h.status == "active")
    );
    assert!(
        !ws.plan().has_changes,
        "the recovered configuration must plan empty"
    );
    println!(
        "crash ({}): versions={VERSIONS} created_before_kill={created_before_kill} unrecorded_after_kill={unrecorded} adopted={adopted} creates_total={writes} orphans={} duplicates={}",
        tf.version,
        c.orphans.len(),
        c.duplicates.len()
    );
}

#[test]
fn sigkill_mid_apply_then_apply_adopts_and_converges_terraform_current() {
    crash_recovery(terraform_on_path());
}

#[test]
fn sigkill_mid_apply_then_apply_adopts_and_converges_terraform_1_0_3() {
    crash_recovery(terraform_1_0_3());
}
