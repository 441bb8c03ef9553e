//! `azureai_hosted_agent_version` through the real Terraform CLI against the emulator, for both
//! Terraform versions and both API versions: apply makes exactly the configured version, the
//! next plan is empty (also with `2048Mi` / `1.0` spellings), every value reads back the same
//! after an import, `force_delete` alone updates in place without calling the service, an
//! image change replaces the version, a version deleted out of band is planned for creation,
//! destroy removes it.

mod resource_support;
mod support;

use resource_support::{
    ApiVersion, ApiVersionExt, delete_version_out_of_band, image_of, live_versions,
};
use serde_json::json;
use support::Scenario;

const ADDR: &str = "azureai_hosted_agent_version.bot";
const IMAGE: &str = "contosoacr.azurecr.io/orders-bot:2026.01.01";
const IMAGE_2: &str = "contosoacr.azurecr.io/orders-bot:2026.01.02";

fn config(api: ApiVersion, image: &str) -> String {
    format!(
        r#"
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
"#,
        pv = api.protocol_version()
    )
}

fn lifecycle(tf: &support::TerraformBin, api: ApiVersion) {
    let c = |image| config(api, image);
    Scenario::new(tf, api)
        .apply(&c(IMAGE))
        .check(|s| stored_exactly_as_configured(s, api))
        .plan_empty(
            &c(IMAGE)
                .replace("\"2048Mi\"", "\"2Gi\"")
                .replace("\"1.0\"", "\"1000m\""),
        )
        // An import has no configuration to take a spelling from: it records the service's
        // (`1`, `2Gi`), where the state kept the configured `1.0` / `2048Mi`.
        .import_verify(ADDR, &["cpu", "memory"])
        .apply(&c(IMAGE).replace("  image ", "  force_delete = true\n  image "))
        .expect_update_in_place(ADDR)
        .expect_no_writes()
        .apply(&c(IMAGE_2))
        .expect_replace(ADDR)
        .check(|s| assert_eq!(image_of(&only_version(s).1), IMAGE_2, "{}", s.context()))
        .check(|s| delete_version_out_of_band(&s.emu, "orders-bot", &only_version(s).0))
        .apply(&c(IMAGE_2))
        .expect_create(ADDR)
        .destroy();
}

/// The one live version of the agent (number, stored object): a replacement deletes the old.
fn only_version(s: &Scenario) -> (String, serde_json::Value) {
    let mut versions = live_versions(&s.emu, "orders-bot");
    assert_eq!(versions.len(), 1, "{}: {versions:?}", s.context());
    versions.remove(0)
}

/// Exactly one version, with exactly the configured definition (cpu and memory as the service
/// spells them); the state keeps the configured spelling, hides the creation token and holds
/// the service's computed values.
fn stored_exactly_as_configured(s: &Scenario, api: ApiVersion) {
    let ctx = s.context();
    let (number, stored) = &only_version(s);
    assert_eq!(image_of(stored), IMAGE, "{ctx}");
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

    let values = s.values(ADDR);
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
        "{ctx}: {values:?}"
    );
    if api == ApiVersion::V1 {
        assert!(
            values["instance_identity_principal_id"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{ctx}: {values:?}"
        );
    }
}

// One test per Terraform version and API version, so they run side by side (Terraform spends
// much of each command waiting on plugin start-up).
both_terraform_versions!(lifecycle_v1, |tf| lifecycle(tf, ApiVersion::V1));
both_terraform_versions!(lifecycle_preview, |tf| lifecycle(tf, ApiVersion::Preview));
