//! Emulator restart during an apply: the service goes away (SIGKILL) while Terraform applies
//! 20 versions, stays down for a few seconds, and comes back on the same port with the same
//! `--state-file`.
//!
//! Guarantees checked: the apply succeeds without the user doing anything (the provider
//! retries refused and broken connections with back-off, within its timeouts, and its cached
//! token stays valid because the emulator's signing key is persisted); nothing is lost (every
//! version created before the outage is still there); nothing is doubled (a create whose
//! connection broke is looked up by creation token before being sent again); the emulator ends
//! with exactly the 20 versions, all in state.

mod reliability_common;
mod support;

use std::time::{Duration, Instant};

use reliability_common::{
    OwnedEmulator, assert_consistent_with, held_versions, spawn_terraform, versions_config,
    wait_until,
};
use support::{Workspace, terraform_on_path};

const VERSIONS: usize = 20;
const OUTAGE: Duration = Duration::from_secs(3);

#[test]
fn emulator_restart_mid_apply_loses_and_doubles_nothing() {
    let tf = terraform_on_path();
    let mut emu = OwnedEmulator::start(&["--latency-ms", "100", "--provision-delay-ms", "1500"]);
    let mut builder = Workspace::builder(&tf);
    for (k, v) in emu.env() {
        builder = builder.env(k, v);
    }
    let ws = builder.build();
    ws.write_main_tf(&versions_config(VERSIONS, 2, "restart", ""));
    ws.init();

    let started = Instant::now();
    let apply = spawn_terraform(
        &tf,
        &ws,
        &emu.env(),
        &["apply", "-auto-approve", "-input=false", "-parallelism=10"],
    );
    let writes = || {
        emu.control("GET", "/_emulator/stats")["writes"]
            .as_u64()
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(60), || writes() >= 5),
        "no creates seen:\n{}",
        emu.log()
    );
    let before = held_versions(&emu.control("GET", "/_emulator/state"));
    emu.stop();
    std::thread::sleep(OUTAGE);
    emu.start_again();
    let after_restart = held_versions(&emu.control("GET", "/_emulator/state"));
    for id in before.keys() {
        assert!(
            after_restart.contains_key(id),
            "{id} was lost by the restart"
        );
    }

    let out = apply.wait(Duration::from_secs(240));
    assert!(
        out.status.success(),
        "apply did not ride out a {OUTAGE:?} outage:\n{out}\n--- emulator ---\n{}",
        emu.log()
    );
    let elapsed = started.elapsed();
    let state = emu.control("GET", "/_emulator/state");
    let c = assert_consistent_with(&state, &ws, VERSIONS, "after the outage");
    let held = held_versions(&state);
    assert!(held.values().all(|h| h.status == "active"), "{held:#?}");
    println!(
        "restart: versions={VERSIONS} created_before_outage={} outage={OUTAGE:?} apply_total={elapsed:?} orphans={} duplicates={}",
        before.len(),
        c.orphans.len(),
        c.duplicates.len()
    );
}
