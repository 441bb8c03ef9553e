//! `UpgradeResourceState` through the real Terraform CLI: a state written by schema version 0
//! (protocols as a `container_protocol_versions` list attribute, `cpu` a number, no
//! `force_delete`/`timeouts`/`tool`) is upgraded on the next plan, which is empty against the
//! equivalent version 1 configuration, and the upgraded state is stored at version 1.

mod resource_support;
mod support;

use resource_support::{
    ApiVersion, ApiVersionExt, FAST, create_version_out_of_band_with, wait_status, writes,
};
use serde_json::json;
use support::{Emulator, TerraformBin, Workspace, terraform_binaries};

fn upgrade_from_v0(tf: &TerraformBin) {
    let emu = Emulator::start(FAST);
    let api = ApiVersion::V1;
    let image = "contosoacr.azurecr.io/old-bot:1";
    let version = create_version_out_of_band_with(&emu, api, "old-bot", image, false);
    wait_status(&emu, "old-bot", &version, "active");
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = ws.describe();
    ws.write_main_tf(&format!(
        r#"{provider}
resource "azureai_hosted_agent_version" "bot" {{
  agent_name  = "old-bot"
  image       = "{image}"
  cpu         = "0.5"
  memory      = "1Gi"
  description = "made with the SDK"
  metadata = {{
    team = "ops"
  }}
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#,
        provider = api.provider_block()
    ));
    ws.init();
    // A state file as the version 0 schema wrote it. terraform_version is the oldest Terraform
    // under test, so neither version refuses the file as "written by a newer Terraform".
    let sensitive_paths = if tf.is_1_0() {
        json!([])
    } else {
        json!([
            [{"type": "get_attr", "value": "environment_variables"}],
            [{"type": "get_attr", "value": "environment_variables_wo"}]
        ])
    };
    let state = json!({
        "version": 4,
        "terraform_version": "1.0.3",
        "serial": 1,
        "lineage": "2f0c8f3e-5d7a-4c37-9a55-0b8e43d1f0aa",
        "outputs": {},
        "resources": [{
            "mode": "managed",
            "type": "azureai_hosted_agent_version",
            "name": "bot",
            "provider": "provider[\"registry.terraform.io/azureai/azureai\"]",
            "instances": [{
                "schema_version": 0,
                "attributes": {
                    "id": format!("old-bot/{version}"),
                    "agent_name": "old-bot",
                    "image": image,
                    "cpu": 0.5,
                    "memory": "1Gi",
                    "description": "made with the SDK",
                    "metadata": {"team": "ops"},
                    "environment_variables": null,
                    "container_protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
                    "version": version,
                    "status": "active",
                    "created_at": "2026-01-01T00:00:00Z",
                    "instance_identity_principal_id": null,
                    "instance_identity_client_id": null
                },
                // What the Terraform under test itself records (newer versions also store
                // schema-sensitive paths): a mismatch alone would plan an in-place update.
                "sensitive_attributes": sensitive_paths
            }]
        }]
    });
    ws.write_file(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).unwrap(),
    );

    let before = writes(&emu);
    // Without refresh, the plan compares the configuration with the upgraded state alone, so
    // an upgrade that missed a field shows up as a change (a read would paper over it).
    let out = ws.run(&[
        "plan",
        "-refresh=false",
        "-input=false",
        "-detailed-exitcode",
    ]);
    assert_eq!(
        out.code(),
        0,
        "{ctx}: upgraded v0 state does not plan empty without refresh:\n{out}"
    );
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "{ctx}: upgraded v0 state does not plan empty:\n{}",
        plan.output
    );
    // Store the upgraded state, then check what was written.
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
        .assert_success();
    assert_eq!(
        writes(&emu),
        before,
        "{ctx}: an upgrade must not touch the service"
    );
    let stored: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    let instance = &stored["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 1, "{ctx}: {instance:#}");
    assert_eq!(instance["attributes"]["cpu"], "0.5", "{ctx}");
    assert_eq!(instance["attributes"]["force_delete"], false, "{ctx}");
    assert_eq!(
        instance["attributes"]["container_protocol_version"],
        json!([{"protocol": "responses", "version": "1.0.0"}]),
        "{ctx}"
    );
    assert!(
        instance["attributes"]
            .get("container_protocol_versions")
            .is_none(),
        "{ctx}"
    );
}

#[test]
fn v0_state_upgrades_and_plans_empty_both_terraform_versions() {
    for tf in terraform_binaries() {
        upgrade_from_v0(&tf);
    }
}
