//! Data loss: a version that a Terraform state tracks is never deleted or taken over by another
//! resource instance, another apply or another workspace (docs/reliability.md, guarantee 3).
//!
//! These are the four workflows in which creation-token adoption used to delete or steal live
//! versions (a token derived from the definition, so every create with the same definition
//! "found" every earlier version with it), plus the `create_before_destroy` rollout that the
//! endpoint docs recommend. Each ends with the same checks (`assert_nothing_lost`): every id in
//! every state exists in the emulator and is not being deleted, no version is tracked twice, and
//! the emulator deleted exactly what the user asked to delete. Both Terraform versions.

mod reliability_common;
mod support;

use std::time::Duration;

use reliability_common::{
    OwnedEmulator, assert_nothing_lost, spawn_terraform, state_ids, wait_until,
};
use support::{Emulator, TerraformBin, Workspace};

/// One version on `agent`; `lifecycle` goes into the resource block as is.
fn version(name: &str, agent: &str, image: &str, extra: &str) -> String {
    format!(
        r#"
resource "azureai_hosted_agent_version" "{name}" {{
  agent_name = "{agent}"
  image      = "{image}"
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
{extra}
}}
"#
    )
}

const CBD: &str = "  lifecycle {\n    create_before_destroy = true\n  }";

fn id(ws: &Workspace, address: &str) -> String {
    ws.resource_values(address)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id"))
        .to_owned()
}

fn workspace(tf: &TerraformBin, emu: &Emulator) -> Workspace {
    Workspace::builder(tf).emulator(emu).build()
}

/// 1. `create_before_destroy` plus a replacement with an unchanged definition (`-replace`, the
///    same as `replace_triggered_by`): the new object must be a new version, and only the old
///    one is deleted.
fn replace_with_create_before_destroy(tf: &TerraformBin) {
    let emu = Emulator::start(&["--provision-delay-ms", "50"]);
    let ws = workspace(tf, &emu);
    ws.write_main_tf(&format!(
        "provider \"azureai\" {{}}\n{}",
        version("a", "cbd", "acr.io/app:1", CBD)
    ));
    ws.init();
    ws.apply();
    let old = id(&ws, "azureai_hosted_agent_version.a");
    ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-replace=azureai_hosted_agent_version.a",
    ])
    .assert_success();
    let new = id(&ws, "azureai_hosted_agent_version.a");
    assert_ne!(
        new,
        old,
        "{}: the replacement took over the old version",
        ws.describe()
    );
    assert_nothing_lost(&emu.state(), &emu.log(), &[&ws], &[old], &ws.describe());
    assert!(!ws.plan().has_changes, "{}", ws.describe());
}

/// 2. A create in an apply that also deletes a version with the same definition: `r1` is
///    tainted (so replaced, destroy first), `r2` is a new sibling with the same definition, and
///    `r1`'s dependent `d` is destroyed first, which delays `r1`'s destroy. Nobody may record the
///    deleted version, and `r1` and `r2` get versions of their own.
fn create_beside_a_delete_in_one_apply(tf: &TerraformBin) {
    let emu = Emulator::start(&["--provision-delay-ms", "50", "--latency-ms", "100"]);
    let ws = workspace(tf, &emu);
    let r1 = version("r1", "race", "acr.io/app:1", "");
    let d = version(
        "d",
        "race-dep",
        "acr.io/dep:1",
        "  description = \"after ${azureai_hosted_agent_version.r1.id}\"",
    );
    ws.write_main_tf(&format!("provider \"azureai\" {{}}\n{r1}{d}"));
    ws.init();
    ws.apply();
    let (r1_old, d_old) = (
        id(&ws, "azureai_hosted_agent_version.r1"),
        id(&ws, "azureai_hosted_agent_version.d"),
    );
    ws.run(&["taint", "azureai_hosted_agent_version.r1"])
        .assert_success();
    let r2 = version("r2", "race", "acr.io/app:1", "");
    ws.write_main_tf(&format!("provider \"azureai\" {{}}\n{r1}{r2}{d}"));
    ws.apply();
    let (r1_new, r2_id) = (
        id(&ws, "azureai_hosted_agent_version.r1"),
        id(&ws, "azureai_hosted_agent_version.r2"),
    );
    assert_ne!(r1_new, r1_old, "{}", ws.describe());
    assert_ne!(
        r1_new,
        r2_id,
        "{}: two resources share one version",
        ws.describe()
    );
    assert_nothing_lost(
        &emu.state(),
        &emu.log(),
        &[&ws],
        &[r1_old, d_old],
        &ws.describe(),
    );
    assert!(!ws.plan().has_changes, "{}", ws.describe());
}

/// 3. Two working directories with the same configuration (a staging copy, a CI preview)
///    applied half a second apart: each gets versions of its own, and destroying one leaves the
///    other's alone.
fn two_workspaces_with_one_configuration(tf: &TerraformBin) {
    let emu = Emulator::start(&["--provision-delay-ms", "300", "--latency-ms", "50"]);
    let config = format!(
        "provider \"azureai\" {{}}\n{}",
        version("v", "shared", "acr.io/app:1", "  count = 5")
    );
    let (a, b) = (workspace(tf, &emu), workspace(tf, &emu));
    for ws in [&a, &b] {
        ws.write_main_tf(&config);
        ws.init();
    }
    let args = ["apply", "-auto-approve", "-input=false"];
    let first = spawn_terraform(tf, &a, &emu.env(), &args);
    std::thread::sleep(Duration::from_millis(500));
    let second = spawn_terraform(tf, &b, &emu.env(), &args);
    first.wait(Duration::from_secs(120)).assert_success();
    second.wait(Duration::from_secs(120)).assert_success();
    assert_eq!(state_ids(&a).len(), 5);
    assert_eq!(state_ids(&b).len(), 5);
    assert_nothing_lost(&emu.state(), &emu.log(), &[&a, &b], &[], &a.describe());

    let a_ids = state_ids(&a);
    a.destroy();
    assert_nothing_lost(&emu.state(), &emu.log(), &[&b], &a_ids, &b.describe());
    assert!(!b.plan().has_changes, "{}", b.describe());
}

/// 4. A version that failed (the image could not be pulled) under `create_before_destroy`:
///    once the cause is fixed, the next apply replaces it with a new version (never the failed
///    one again), deletes the failed one, and leaves no deposed objects behind.
fn failed_version_then_fixed(tf: &TerraformBin) {
    let mut emu = OwnedEmulator::start(&["--provision-delay-ms", "50", "--fail-image", "app:1"]);
    let mut builder = Workspace::builder(tf);
    for (k, v) in emu.env() {
        builder = builder.env(k, v);
    }
    let ws = builder.build();
    ws.write_main_tf(&format!(
        "provider \"azureai\" {{}}\n{}",
        version("a", "pull", "acr.io/app:1", CBD)
    ));
    ws.init();
    let failed = ws.try_apply();
    assert!(
        !failed.status.success() && failed.combined().contains("failed to provision"),
        "{failed}"
    );
    let failed_id = id(&ws, "azureai_hosted_agent_version.a");
    // The user grants AcrPull: the same image now pulls.
    emu.stop();
    emu.start_again_with(&["--provision-delay-ms", "50"]);
    for _ in 0..2 {
        ws.apply();
    }
    let new = id(&ws, "azureai_hosted_agent_version.a");
    assert_ne!(
        new,
        failed_id,
        "{}: the failed version was taken again",
        ws.describe()
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state file"),
    )
    .expect("state JSON");
    let deposed = state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["instances"].as_array().cloned().unwrap_or_default())
        .filter(|i| i.get("deposed").is_some())
        .count();
    assert_eq!(deposed, 0, "deposed objects piled up: {state:#}");
    assert_nothing_lost(
        &emu.control("GET", "/_emulator/state"),
        &emu.log(),
        &[&ws],
        &[failed_id],
        &ws.describe(),
    );
    assert!(!ws.plan().has_changes, "{}", ws.describe());
}

/// The rollout pattern (`create_before_destroy` and a new image): the old version is deleted
/// only after the new one is `active`. The emulator's store is sampled while the apply runs.
fn rollout_deletes_the_old_version_only_after_the_new_one_is_active(tf: &TerraformBin) {
    let emu = Emulator::start(&["--provision-delay-ms", "1500"]);
    let ws = workspace(tf, &emu);
    let write = |image: &str| {
        ws.write_main_tf(&format!(
            "provider \"azureai\" {{}}\n{}",
            version("a", "roll", image, CBD)
        ))
    };
    write("acr.io/app:1");
    ws.init();
    ws.apply();
    let old = id(&ws, "azureai_hosted_agent_version.a");
    write("acr.io/app:2");
    let apply = spawn_terraform(
        tf,
        &ws,
        &emu.env(),
        &["apply", "-auto-approve", "-input=false"],
    );
    let mut samples = 0;
    let mut saw_new_creating = false;
    let done = wait_until(Duration::from_secs(60), || {
        let held = reliability_common::emulator_versions(&emu);
        samples += 1;
        let new_versions: Vec<_> = held.values().filter(|h| h.id != old).collect();
        saw_new_creating |= new_versions.iter().any(|h| h.status == "creating");
        if !held.contains_key(&old) {
            assert!(
                new_versions.iter().any(|h| h.status == "active"),
                "{}: the old version was deleted while no new one was active: {held:#?}",
                ws.describe()
            );
            return true;
        }
        false
    });
    apply.wait(Duration::from_secs(120)).assert_success();
    assert!(done, "{}: the old version was never deleted", ws.describe());
    assert!(
        saw_new_creating,
        "{}: the sampling never saw the new version provisioning ({samples} samples), so it proved nothing",
        ws.describe()
    );
    let new = id(&ws, "azureai_hosted_agent_version.a");
    assert_nothing_lost(&emu.state(), &emu.log(), &[&ws], &[old], &ws.describe());
    assert_ne!(new, "", "{}", ws.describe());
}

macro_rules! on_both_terraforms {
    ($($name:ident => $scenario:ident;)*) => {
        mod terraform_current {
            $(#[test] fn $name() { super::$scenario(&super::support::terraform_on_path()); })*
        }
        mod terraform_1_0_3 {
            $(#[test] fn $name() { super::$scenario(&super::support::terraform_1_0_3()); })*
        }
    };
}

on_both_terraforms! {
    replace_with_create_before_destroy_makes_a_new_version => replace_with_create_before_destroy;
    a_create_never_records_a_version_deleted_in_the_same_apply => create_beside_a_delete_in_one_apply;
    two_workspaces_never_share_versions => two_workspaces_with_one_configuration;
    a_failed_version_is_replaced_not_taken_again => failed_version_then_fixed;
    rollout_deletes_the_old_version_only_after_the_new_one_is_active => rollout_deletes_the_old_version_only_after_the_new_one_is_active;
}
