//! End to end with the real Terraform CLI, both versions (1.11.x from PATH and 1.0.3): the
//! provider is installed offline from a filesystem mirror and loaded either the normal way
//! (Terraform launches it: magic cookie, handshake, AutoMTLS) or through reattach (`--debug`).
//! The configuration uses the provider by its source address `azureai/azureai`, configures it
//! against the local emulator and plans a hosted agent version.

mod support;

use support::{Emulator, Launch, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

/// Provider block plus one resource: enough for validate to check the resource schema and for
/// plan to configure the provider and plan a create.
const CONFIG: &str = r#"
provider "azureai" {
  api_version = "v1"
}

resource "azureai_hosted_agent_version" "e2e" {
  agent_name = "plugin-e2e"
  image      = "example.azurecr.io/plugin-e2e:1.0.0"
  cpu        = "1"
  memory     = "2Gi"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
"#;

fn workspace(
    tf: &TerraformBin,
    launch: Launch,
    emu: &Emulator,
    extra_env: &[(&str, &str)],
) -> Workspace {
    let mut b = Workspace::builder(tf)
        .launch(launch)
        .emulator(emu)
        .env("TF_LOG_PROVIDER", "debug");
    for (k, v) in extra_env {
        b = b.env(*k, *v);
    }
    let ws = b.build();
    ws.write_main_tf(CONFIG);
    ws
}

/// validate + plan must work, and the plan must propose creating the version without having
/// written anything to the service.
fn validate_and_plan(ws: &Workspace, emu: &Emulator) {
    ws.validate().assert_contains("The configuration is valid");
    let plan = ws.plan();
    assert!(
        plan.has_changes,
        "a new resource must plan a create ({}):\n{}",
        ws.describe(),
        plan.output
    );
    plan.output
        .assert_contains("azureai_hosted_agent_version.e2e will be created");
    plan.output
        .assert_contains("1 to add, 0 to change, 0 to destroy");
    assert_eq!(emu.stats()["writes"], 0, "plan must not write");
}

/// A provider-level validation error reaches the user as a diagnostic on the attribute.
fn bad_api_version_is_a_diagnostic(ws: &Workspace) {
    ws.write_main_tf(&CONFIG.replace(r#"api_version = "v1""#, r#"api_version = "2019-01-01""#));
    let out = ws.run(&["validate"]).assert_failure();
    out.assert_contains("Unsupported api_version");
    // Terraform quotes the offending line when the diagnostic carries an attribute path.
    out.assert_contains(r#"api_version = "2019-01-01""#);
    ws.write_main_tf(CONFIG);
}

/// init (offline) → validate → plan, launched by Terraform over AutoMTLS; then a traced run
/// shows Terraform parsed our hclog lines at their level and saw us exit after Shutdown
/// without having to kill us.
fn managed(tf: &TerraformBin) {
    let emu = Emulator::start(&[]);
    let ws = workspace(tf, Launch::Managed, &emu, &[]);
    ws.init()
        .assert_contains("Installing azureai/azureai v0.1.0");
    assert!(
        ws.path().join(".terraform.lock.hcl").is_file(),
        "{}",
        ws.describe()
    );
    validate_and_plan(&ws, &emu);
    bad_api_version_is_a_diagnostic(&ws);

    // This run also takes the TCP listener (inside Terraform's PLUGIN_MIN/MAX_PORT range).
    let traced = workspace(
        tf,
        Launch::Managed,
        &emu,
        &[("TF_LOG", "trace"), ("AZUREAI_PLUGIN_TCP", "1")],
    );
    traced.init();
    let out = traced.run(&["validate"]).assert_success();
    let log = &out.stderr;
    assert!(
        log.contains("configuring client automatic mTLS"),
        "AutoMTLS not in use:\n{log}"
    );
    assert!(
        log.contains("[DEBUG] provider.terraform-provider-azureai_v0.1.0: plugin listening:")
            && log.contains("tls=true"),
        "our hclog line was not re-emitted at DEBUG with tls=true:\n{log}"
    );
    assert!(
        log.contains("network=tcp"),
        "AZUREAI_PLUGIN_TCP=1 must select TCP:\n{log}"
    );
    assert!(log.contains("GRPCController.Shutdown received"), "{log}");
    assert!(log.contains("plugin exited"), "{log}");
    for bad in [
        "plugin failed to exit gracefully",
        "signal: killed",
        "connection refused",
        "tls: ",
    ] {
        assert!(!log.contains(bad), "Terraform log contains {bad:?}:\n{log}");
    }
}

/// The same commands with a `--debug` provider reattached; it must serve them all and survive.
fn reattach(tf: &TerraformBin) {
    let emu = Emulator::start(&[]);
    let mut ws = workspace(tf, Launch::Reattach, &emu, &[]);
    ws.init();
    validate_and_plan(&ws, &emu);
    bad_api_version_is_a_diagnostic(&ws);
    let provider = ws.debug_provider().expect("reattach mode has a provider");
    assert!(
        provider.try_wait().is_none(),
        "the reattached provider must outlive Terraform runs"
    );
    let log = provider.log();
    let connections = log.matches("plugin connection accepted").count();
    assert!(
        connections >= 3,
        "Terraform did not use the reattached provider ({connections} connections):\n{log}"
    );
    assert!(
        log.contains("\"tls\":false"),
        "reattach must be plaintext:\n{log}"
    );
}

#[test]
fn terraform_current_managed_automtls() {
    managed(&terraform_on_path());
}

#[test]
fn terraform_1_0_3_managed_automtls() {
    managed(&terraform_1_0_3());
}

#[test]
fn terraform_current_reattach() {
    reattach(&terraform_on_path());
}

#[test]
fn terraform_1_0_3_reattach() {
    reattach(&terraform_1_0_3());
}
