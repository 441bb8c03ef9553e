//! End to end with the real Terraform CLI, both versions (1.11.x from PATH and 1.0.3): the
//! provider is installed offline from a filesystem mirror and loaded either the normal way
//! (Terraform launches it: magic cookie, handshake, AutoMTLS) or through reattach (`--debug`).

mod support;

use support::{Launch, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

/// A configuration that uses the provider through its registry source address.
const CONFIG: &str = r#"
provider "azureai" {}
"#;

fn workspace(tf: &TerraformBin, launch: Launch) -> Workspace {
    let ws = Workspace::builder(tf)
        .launch(launch)
        // Loopback http is allowed by the provider; nothing listens there and nothing is called.
        .env(
            "AZURE_AI_PROJECT_ENDPOINT",
            "http://127.0.0.1:9/api/projects/test",
        )
        .env("TF_LOG_PROVIDER", "debug")
        .build();
    ws.write_main_tf(CONFIG);
    ws
}

/// init (offline) → validate → plan; checks Terraform launched us over AutoMTLS, parsed our
/// hclog lines at their level, and saw us exit after Shutdown without having to kill us.
fn managed(tf: &TerraformBin) {
    let ws = workspace(tf, Launch::Managed);
    let init = ws.init();
    init.assert_contains("Installing azureai/azureai v0.1.0");
    assert!(
        ws.path().join(".terraform.lock.hcl").is_file(),
        "{}",
        ws.describe()
    );

    let validate = ws.run(&["validate"]).assert_success();
    validate.assert_contains("The configuration is valid");

    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "empty config must plan no changes:\n{}",
        plan.output
    );

    // A second workspace with Terraform's own trace log on stderr, to see the transport.
    let traced = Workspace::builder(tf)
        .env("TF_LOG", "trace")
        .env("TF_LOG_PROVIDER", "debug")
        .build();
    traced.write_main_tf(CONFIG);
    traced.init();
    let traced = traced.run(&["validate"]).assert_success();
    let log = &traced.stderr;
    assert!(
        log.contains("configuring client automatic mTLS"),
        "AutoMTLS not in use:\n{log}"
    );
    assert!(
        log.contains("[DEBUG] provider.terraform-provider-azureai_v0.1.0: plugin listening:")
            && log.contains("tls=true"),
        "our hclog line was not re-emitted at DEBUG with tls=true:\n{log}"
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

/// Same commands with a `--debug` provider reattached; it must serve them all and survive.
fn reattach(tf: &TerraformBin) {
    let mut ws = workspace(tf, Launch::Reattach);
    ws.init();
    ws.validate().assert_contains("The configuration is valid");
    let plan = ws.plan();
    assert!(!plan.has_changes, "{}", plan.output);
    let provider = ws.debug_provider().expect("reattach mode has a provider");
    assert!(
        provider.try_wait().is_none(),
        "the reattached provider must outlive Terraform runs"
    );
    let log = provider.log();
    let connections = log.matches("plugin connection accepted").count();
    // init and validate and plan each attach at least once.
    assert!(
        connections >= 2,
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
