//! `azureai_hosted_agent_version` through the real Terraform CLI against the emulator, for both
//! Terraform versions and both API generations: apply makes exactly the configured version,
//! the next plan is empty (also with `2048Mi` / `1.0` spellings), an image change replaces it,
//! a version deleted out of band is planned for creation, destroy removes it.

mod resource_support;
mod support;

use resource_support::{FAST, Gen, delete_version_out_of_band, image_of, live_versions, writes};
use serde_json::json;
use support::{Emulator, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

fn config(api: Gen, image: &str) -> String {
    format!(
        r#"{provider}
resource "azureai_hosted_agent_version" "bot" {{
  agent_name  = "orders-bot"
  image       = "{image}"
  cpu         = "1.0"
  memory      = "2048Mi"
  description = "nightly build"
  metadata = {{
    git_sha = "9f2c1e0"
  }}
  environment_variables = {{
    MODEL_DEPLOYMENT_NAME = "gpt-5-mini"
  }}

  container_protocol_version {{
    protocol = "responses"
    version  = "{pv}"
  }}
}}

output "id" {{
  value = azureai_hosted_agent_version.bot.id
}}
"#,
        provider = api.provider_block(),
        pv = api.protocol_version()
    )
}

fn lifecycle(tf: &TerraformBin, api: Gen) {
    let emu = Emulator::start(FAST);
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = format!("{} / api_version {}", ws.describe(), api.api_version());
    ws.write_main_tf(&config(api, "contosoacr.azurecr.io/orders-bot:2026.01.01"));
    ws.init();

    // Apply: exactly one version, with exactly the configured definition.
    ws.apply();
    let versions = live_versions(&emu, "orders-bot");
    assert_eq!(versions.len(), 1, "{ctx}: {versions:?}");
    let (number, stored) = &versions[0];
    assert_eq!(
        image_of(stored),
        "contosoacr.azurecr.io/orders-bot:2026.01.01",
        "{ctx}"
    );
    let def = &stored["definition"];
    assert_eq!(
        def["cpu"], "1",
        "{ctx}: sent as the service spells it (configured: 1.0)"
    );
    assert_eq!(
        def["memory"], "2Gi",
        "{ctx}: sent as the service spells it (configured: 2048Mi)"
    );
    assert_eq!(
        def["environment_variables"],
        json!({"MODEL_DEPLOYMENT_NAME": "gpt-5-mini"}),
        "{ctx}"
    );
    let protocols = def
        .get("protocol_versions")
        .or(def.get("container_protocol_versions"))
        .unwrap();
    assert_eq!(
        protocols,
        &json!([{"protocol": "responses", "version": api.protocol_version()}]),
        "{ctx}"
    );
    assert_eq!(stored["description"], "nightly build", "{ctx}");
    assert_eq!(stored["metadata"]["git_sha"], "9f2c1e0", "{ctx}");
    let token = stored["metadata"]["terraform-creation-token"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(token.len(), 32, "{ctx}: creation token stored: {stored}");

    let values = ws.resource_values("azureai_hosted_agent_version.bot");
    assert_eq!(values["id"], format!("orders-bot/{number}"), "{ctx}");
    assert_eq!(values["status"], "active", "{ctx}");
    assert_eq!(values["memory"], "2048Mi", "{ctx}");
    assert_eq!(
        values["metadata"],
        json!({"git_sha": "9f2c1e0"}),
        "{ctx}: the token is hidden"
    );
    assert!(
        values["created_at"]
            .as_str()
            .unwrap_or_default()
            .ends_with('Z'),
        "{ctx}: {values}"
    );
    if api == Gen::B {
        assert!(
            values["instance_identity_principal_id"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{ctx}: {values}"
        );
    }

    // Second plan: empty, with no write to the service.
    let before = writes(&emu);
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "{ctx}: second plan not empty:\n{}",
        plan.output
    );
    assert_eq!(writes(&emu), before, "{ctx}: plan wrote");

    // Equivalent spellings of the same amounts: still nothing to do.
    ws.write_main_tf(
        &config(api, "contosoacr.azurecr.io/orders-bot:2026.01.01")
            .replace("\"2048Mi\"", "\"2Gi\"")
            .replace("\"1.0\"", "\"1000m\""),
    );
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "{ctx}: 2Gi vs 2048Mi planned a change:\n{}",
        plan.output
    );

    // force_delete only: an in-place update that calls nothing.
    ws.write_main_tf(
        &config(api, "contosoacr.azurecr.io/orders-bot:2026.01.01")
            .replace("  image ", "  force_delete = true\n  image "),
    );
    let plan = ws.plan();
    assert!(plan.has_changes, "{ctx}");
    plan.output.assert_contains("1 to change, 0 to destroy");
    let before = writes(&emu);
    ws.apply();
    assert_eq!(
        writes(&emu),
        before,
        "{ctx}: force_delete change called the service"
    );

    // New image: replace (a new version, the old one deleted).
    ws.write_main_tf(&config(api, "contosoacr.azurecr.io/orders-bot:2026.01.02"));
    let plan = ws.plan();
    assert!(plan.has_changes, "{ctx}");
    plan.output.assert_contains("must be replaced");
    ws.apply();
    let versions = live_versions(&emu, "orders-bot");
    assert_eq!(
        versions.len(),
        1,
        "{ctx}: old version not deleted: {versions:?}"
    );
    assert_ne!(&versions[0].0, number, "{ctx}: a new version number");
    assert_eq!(
        image_of(&versions[0].1),
        "contosoacr.azurecr.io/orders-bot:2026.01.02",
        "{ctx}"
    );
    assert!(!ws.plan().has_changes, "{ctx}");

    // Deleted behind Terraform's back: the plan recreates it.
    delete_version_out_of_band(&emu, "orders-bot", &versions[0].0);
    let plan = ws.plan();
    assert!(plan.has_changes, "{ctx}");
    plan.output.assert_contains("will be created");
    ws.apply();
    assert_eq!(live_versions(&emu, "orders-bot").len(), 1, "{ctx}");

    // Destroy removes it.
    ws.destroy();
    assert!(
        live_versions(&emu, "orders-bot").is_empty(),
        "{ctx}: {}",
        emu.state()
    );
}

// One test per Terraform version and generation, so they run side by side (Terraform spends
// much of each command waiting on plugin start-up).
#[test]
fn lifecycle_gen_b_terraform_on_path() {
    lifecycle(&terraform_on_path(), Gen::B);
}

#[test]
fn lifecycle_gen_b_terraform_1_0_3() {
    lifecycle(&terraform_1_0_3(), Gen::B);
}

#[test]
fn lifecycle_gen_a_terraform_on_path() {
    lifecycle(&terraform_on_path(), Gen::A);
}

#[test]
fn lifecycle_gen_a_terraform_1_0_3() {
    lifecycle(&terraform_1_0_3(), Gen::A);
}
