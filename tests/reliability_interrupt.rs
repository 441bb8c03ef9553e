//! Ctrl-C: SIGINT reaches `terraform apply` (and, as from a terminal, the provider too) while
//! the provider polls ApiVersion B versions that take minutes to become active.
//!
//! Guarantees checked: Terraform calls Stop, the provider's polling returns promptly (well
//! before the provisioning would end), Terraform exits with an error instead of hanging, the
//! provider process exits, and the state keeps every version that was created (recorded and
//! tainted, so the next apply replaces it): the emulator holds no version that the state does
//! not know.

mod reliability_common;
mod support;

use std::time::{Duration, Instant};

use reliability_common::{
    assert_consistent, processes_under, signal_group, spawn_terraform, versions_config, wait_until,
    workspace_root,
};
use support::{Emulator, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

const VERSIONS: usize = 3;

fn interrupt(tf: TerraformBin) {
    // Two minutes of provisioning: only Stop can end the wait within the 60 s the test allows.
    let emu = Emulator::start(&["--provision-delay-ms", "120000"]);
    let ws = Workspace::builder(&tf).emulator(&emu).build();
    ws.write_main_tf(&versions_config(VERSIONS, 1, "intr", ""));
    ws.init();

    let apply = spawn_terraform(
        &tf,
        &ws,
        &emu.env(),
        &["apply", "-auto-approve", "-input=false"],
    );
    // All creates done and each version polled at least once: the provider is in its wait loop.
    let polled = || {
        let s = emu.stats();
        s["writes"].as_u64().unwrap_or(0) >= VERSIONS as u64
            && s["by_route"]["GET /api/projects/{project}/agents/{name}/versions/{version}"]
                .as_u64()
                .unwrap_or(0)
                >= VERSIONS as u64
    };
    assert!(
        wait_until(Duration::from_secs(60), polled),
        "the provider never started polling: {}",
        emu.stats()
    );
    let providers = processes_under(&workspace_root(&ws));
    assert_eq!(providers.len(), 1, "{providers:?}");

    let interrupted = Instant::now();
    // Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group, Terraform
    // and the provider alike. (Terraform 1.0.x re-executes itself under panicwrap, whose
    // parent ignores a SIGINT sent to it alone.) The provider must ignore the signal and wait
    // for Terraform's Stop instead of dying with state unsaved.
    signal_group(apply.pid(), "INT");
    let out = apply.wait(Duration::from_secs(60));
    let took = interrupted.elapsed();
    assert!(
        !out.status.success(),
        "an interrupted apply must fail:\n{out}"
    );
    assert!(
        took < Duration::from_secs(15),
        "Terraform took {took:?} to stop after Ctrl-C:\n{out}"
    );
    // Terraform wraps diagnostics at 78 columns.
    let text = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Interrupt received"), "{out}");
    assert!(
        text.contains("Terraform was interrupted"),
        "the provider's wait did not end through Stop:\n{out}"
    );
    assert!(
        !text.contains("plugin crashed") && !text.contains("Plugin did not respond"),
        "{out}"
    );
    assert!(
        wait_until(Duration::from_secs(10), || processes_under(
            &workspace_root(&ws)
        )
        .is_empty()),
        "the provider process outlived Terraform"
    );

    let c = assert_consistent(&emu, &ws, VERSIONS, "after Ctrl-C");
    let state = ws.show_json();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in &resources {
        assert_eq!(r["values"]["status"], "creating", "{r:#}");
        assert_eq!(
            r["tainted"], true,
            "an interrupted create must be tainted: {r:#}"
        );
    }
    println!(
        "interrupt ({}): versions={VERSIONS} stop_to_exit={took:?} recorded={} tainted={} orphans={}",
        tf.version,
        c.in_state,
        resources.iter().filter(|r| r["tainted"] == true).count(),
        c.orphans.len()
    );
}

#[test]
fn ctrl_c_stops_polling_promptly_and_keeps_created_versions_terraform_current() {
    interrupt(terraform_on_path());
}

#[test]
fn ctrl_c_stops_polling_promptly_and_keeps_created_versions_terraform_1_0_3() {
    interrupt(terraform_1_0_3());
}
