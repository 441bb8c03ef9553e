//! Checks of the shared test harness itself (`tests/support`), so that a broken harness shows
//! up as its own failure instead of as confusing failures in every end-to-end test.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{
    Emulator, PROVIDER_ADDRESS, PROVIDER_VERSION, Workspace, run_with_timeout, terraform_binaries,
};

#[test]
fn both_terraform_versions_are_available() {
    let tfs = terraform_binaries();
    assert_eq!(tfs.len(), 2);
    assert!(tfs[0].version.starts_with("1."), "{}", tfs[0]);
    assert!(
        !tfs[0].is_1_0(),
        "PATH terraform should be the current release, got {}",
        tfs[0]
    );
    assert!(tfs[1].is_1_0() && tfs[1].version == "1.0.3", "{}", tfs[1]);
}

#[test]
fn workspace_has_mirror_and_cli_config() {
    let tf = &terraform_binaries()[0];
    let ws = Workspace::new(tf);
    let root = ws.path().parent().unwrap();
    let installed = root
        .join("mirror")
        .join(PROVIDER_ADDRESS)
        .join(PROVIDER_VERSION)
        .join(format!(
            "linux_amd64/terraform-provider-azureai_v{PROVIDER_VERSION}"
        ));
    assert!(installed.is_file(), "{} missing", installed.display());
    let rc = std::fs::read_to_string(root.join("terraformrc")).unwrap();
    assert!(
        rc.contains("filesystem_mirror") && rc.contains("exclude"),
        "{rc}"
    );
    ws.write_main_tf("");
    let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).unwrap();
    assert!(
        main_tf.contains(r#"source = "azureai/azureai""#),
        "{main_tf}"
    );
}

#[test]
fn commands_that_hang_are_killed() {
    let mut cmd = Command::new("sleep");
    cmd.arg("30");
    let started = Instant::now();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_with_timeout(cmd, Duration::from_millis(200))
    }));
    assert!(panicked.is_err(), "a hung command must fail the test");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn emulator_starts_and_answers_control_requests() {
    let emu = Emulator::start(&[]);
    assert!(
        emu.endpoint.starts_with("http://127.0.0.1:")
            && emu.endpoint.ends_with("/api/projects/test"),
        "{}",
        emu.endpoint
    );
    assert_eq!(
        emu.identity_endpoint(),
        format!("{}/msi/token", emu.origin())
    );
    let env = emu.env();
    assert!(env.contains(&("IDENTITY_HEADER".to_string(), "emulator".to_string())));

    let before = emu.stats();
    assert!(before["requests"].is_u64(), "stats: {before}");
    assert_eq!(before["writes"], 0, "stats: {before}");
    emu.reset_stats();
    assert!(emu.state().is_object());
}

#[test]
fn lifecycle_helpers_apply_show_import_destroy() {
    let tf = &terraform_binaries()[0];
    let emu = Emulator::start(&["--provision-delay-ms", "50"]);
    let config = r#"
resource "azureai_hosted_agent_version" "h" {
  agent_name = "harness"
  image      = "example.azurecr.io/harness:1.0.0"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
"#;
    let ws = Workspace::builder(tf).emulator(&emu).build();
    ws.write_main_tf(config);
    ws.init();
    ws.apply();
    let values = ws.resource_values("azureai_hosted_agent_version.h");
    let id = values["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {values}"))
        .to_string();
    assert!(id.starts_with("harness/"), "{id}");
    assert!(!ws.plan().has_changes, "apply then plan must be clean");

    // A second workspace adopts the same version with `terraform import`.
    let other = Workspace::builder(tf).emulator(&emu).build();
    other.write_main_tf(config);
    other.init();
    other.import("azureai_hosted_agent_version.h", &id);
    assert_eq!(
        other.resource_values("azureai_hosted_agent_version.h")["id"],
        id.as_str()
    );

    ws.destroy();
    let state = ws.show_json();
    assert!(
        state["values"].is_null() || state["values"]["root_module"]["resources"].is_null(),
        "state not empty: {state}"
    );
    assert!(
        emu.stats()["writes"].as_u64().unwrap() >= 2,
        "create and delete: {}",
        emu.stats()
    );
}
