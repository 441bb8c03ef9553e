//! Soak under faults: Terraform applies 50 versions with `-parallelism=10` against an emulator
//! that throttles 30% of agents API requests, fails 10% with 500/503 and drops 5% of
//! responses after acting on them; then destroys them. Several seeds.
//!
//! Guarantees checked: the apply and the destroy succeed (retries absorb every fault); the
//! emulator then holds exactly the 50 versions, each in Terraform's state exactly once
//! (0 orphans), no two sharing a creation token or a definition (0 duplicates, although
//! dropped create responses force the provider to find what its lost creates made); the
//! destroy leaves nothing. The figures (faults injected, attempts retried, writes) are printed
//! for docs/reliability.md (`cargo test --test reliability_soak -- --nocapture`).

mod reliability_common;
mod support;

use reliability_common::{Figures, assert_consistent, emulator_versions, figures, versions_config};
use support::{Emulator, Workspace, terraform_on_path};

const VERSIONS: usize = 50;

fn soak(seed: u64) -> Figures {
    let tf = terraform_on_path();
    let emu = Emulator::start(&[
        "--fault-429",
        "0.3",
        "--fault-5xx",
        "0.1",
        "--fault-drop",
        "0.05",
        "--seed",
        &seed.to_string(),
        "--provision-delay-ms",
        "50",
    ]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let ws = Workspace::builder(&tf)
        .emulator(&emu)
        .env("TF_LOG_PROVIDER", "debug")
        .env("TF_LOG_PATH", log.path().to_string_lossy())
        .build();
    ws.write_main_tf(&versions_config(VERSIONS, 5, &format!("soak{seed}"), ""));
    ws.init();

    let started = std::time::Instant::now();
    let apply = ws.run(&["apply", "-auto-approve", "-input=false", "-parallelism=10"]);
    let apply_took = started.elapsed();
    assert!(
        apply.status.success(),
        "seed {seed}: apply under faults failed:\n{apply}"
    );
    let c = assert_consistent(&emu, &ws, VERSIONS, &format!("seed {seed} after apply"));
    let held = emulator_versions(&emu);
    assert!(
        held.values().all(|h| h.status == "active"),
        "seed {seed}: not all active: {held:#?}"
    );
    let after_apply = figures(
        &emu,
        &std::fs::read_to_string(log.path()).unwrap_or_default(),
    );

    let started = std::time::Instant::now();
    let destroy = ws.run(&[
        "destroy",
        "-auto-approve",
        "-input=false",
        "-parallelism=10",
    ]);
    let destroy_took = started.elapsed();
    assert!(
        destroy.status.success(),
        "seed {seed}: destroy under faults failed:\n{destroy}"
    );
    let left = emulator_versions(&emu);
    assert!(
        left.is_empty(),
        "seed {seed}: destroy left {} versions: {:?}",
        left.len(),
        left.keys()
    );
    assert!(
        reliability_common::state_ids(&ws).is_empty(),
        "seed {seed}: state not empty after destroy"
    );

    let total = figures(
        &emu,
        &std::fs::read_to_string(log.path()).unwrap_or_default(),
    );
    // The faults really happened and were really retried: without them the run proves nothing.
    assert!(
        total.faults() > 50,
        "seed {seed}: too few faults injected: {total}"
    );
    assert!(
        total.retried_attempts >= total.faults_429,
        "seed {seed}: retries not seen in the provider log: {total}"
    );
    // Writes = creates + deletes that the service performed. Exactly one create per version
    // and one delete per version: a lost create that was sent again would show as a third.
    assert_eq!(total.writes, 2 * VERSIONS as u64, "seed {seed}: {total}");
    println!(
        "soak seed {seed}: versions={VERSIONS} orphans={} duplicates={} apply={apply_took:.1?} destroy={destroy_took:.1?} | apply: {after_apply} | apply+destroy: {total}",
        c.orphans.len(),
        c.duplicates.len()
    );
    total
}

#[test]
fn soak_seed_1() {
    soak(1);
}

#[test]
fn soak_seed_2() {
    soak(2);
}

#[test]
fn soak_seed_3() {
    soak(3);
}
