//! Keeps the benchmark from rotting: runs `scripts/bench.sh --smoke` (tiny N, the debug binaries
//! cargo built for this test, the real Terraform, emulator and Python SDK) and requires every
//! ratio line of the report. The driver itself fails when a step does not do what it measures
//! (plan counts, versions present in the emulator after apply, none after destroy), so a passing
//! smoke run means each measured path really ran end to end.

use std::path::PathBuf;
use std::process::Command;

/// Every ratio the full benchmark reports (benches/bench.py `report`).
const RATIOS: &[&str] = &[
    "handshake_vs_go_published",
    "idle_rss_vs_go_published",
    "plan_vs_terraform_data",
    "apply_speedup_vs_python_seed",
    "destroy_speedup_vs_python_seed",
    "apply_speedup_vs_python_loop_only",
    "plan_minimal_provider_vs_terraform_data",
    "plan_minimal_azureai_schema_vs_terraform_data",
    "apply_vs_terraform_data_apply",
    "destroy_vs_terraform_data_destroy",
    "apply_speedup_ceiling_vs_python_seed",
];

fn ratio(stdout: &str, name: &str) -> Option<f64> {
    let prefix = format!("RATIO {name}: ");
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse::<f64>().ok())
}

#[test]
fn smoke_run_prints_every_ratio() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let provider = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-azureai"));
    // Cargo has no CARGO_BIN_EXE for examples; `cargo test --all-targets` (the test command)
    // builds them beside the binaries. Running cargo from here would wait on cargo's own lock.
    let minimal = provider.with_file_name("examples").join("minimal-provider");
    assert!(
        minimal.is_file(),
        "{} is missing: run the tests with --all-targets (or cargo build --example minimal-provider)",
        minimal.display()
    );
    let out = Command::new(repo.join("scripts/bench.sh"))
        .arg("--smoke")
        .arg("--provider")
        .arg(env!("CARGO_BIN_EXE_terraform-provider-azureai"))
        .arg("--emulator")
        .arg(env!("CARGO_BIN_EXE_azureai-emulator"))
        .arg("--minimal-provider")
        .arg(&minimal)
        .current_dir(&repo)
        .output()
        .expect("run scripts/bench.sh --smoke");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench.sh --smoke failed:\n{stdout}\n{stderr}"
    );

    assert!(
        stdout.contains("| metric | azureai | reference | ratio | target | met |"),
        "no results table:\n{stdout}"
    );
    for name in RATIOS {
        let value = ratio(&stdout, name)
            .unwrap_or_else(|| panic!("no `RATIO {name}: <number>` line in:\n{stdout}"));
        assert!(
            value.is_finite() && value > 0.0,
            "RATIO {name} = {value} is not a positive figure:\n{stdout}"
        );
    }
}

#[test]
fn ratio_lines_parse_only_numbers() {
    // The parser above must not accept a missing or garbled figure as a pass.
    assert_eq!(ratio("RATIO a: 1.250\n", "a"), Some(1.25));
    assert_eq!(ratio("RATIO a: nan-ish\n", "a"), None);
    assert_eq!(ratio("RATIO ab: 2.0\n", "a"), None);
    assert_eq!(ratio("", "a"), None);
}
