//! The data sources through the real Terraform CLI: `azureai_hosted_agent_versions` lists what
//! exists (and nothing deleted), `azureai_hosted_agent_version` reads one version or the latest.

mod resource_support;
mod support;

use resource_support::{
    ApiVersion, ApiVersionExt, BOTH, FAST, create_version_out_of_band, delete_version_out_of_band,
    wait_status,
};
use serde_json::Value;
use support::{Emulator, TerraformBin, Workspace, terraform_binaries};

fn outputs(ws: &Workspace) -> Value {
    let out = ws.run(&["output", "-json"]).assert_success();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("output -json ({e}):\n{out}"))
}

fn data_sources(tf: &TerraformBin, api: ApiVersion) {
    let emu = Emulator::start(FAST);
    let v1 = create_version_out_of_band(&emu, api, "listed", "contosoacr.azurecr.io/listed:1");
    let v2 = create_version_out_of_band(&emu, api, "listed", "contosoacr.azurecr.io/listed:2");
    let v3 = create_version_out_of_band(&emu, api, "listed", "contosoacr.azurecr.io/listed:3");
    wait_status(&emu, "listed", &v3, "active");
    delete_version_out_of_band(&emu, "listed", &v3);

    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = format!("{} / api_version {}", ws.describe(), api.as_str());
    ws.write_main_tf(&format!(
        r#"{provider}
data "azureai_hosted_agent_versions" "all" {{
  agent_name = "listed"
}}
data "azureai_hosted_agent_version" "latest" {{
  agent_name = "listed"
}}
data "azureai_hosted_agent_version" "first" {{
  agent_name = "listed"
  version    = "{v1}"
}}
data "azureai_hosted_agent_versions" "none" {{
  agent_name = "no-such-agent"
}}
output "all" {{
  value = data.azureai_hosted_agent_versions.all.versions
}}
output "none" {{
  value = data.azureai_hosted_agent_versions.none.versions
}}
output "latest" {{
  value = [data.azureai_hosted_agent_version.latest.version, data.azureai_hosted_agent_version.latest.image, data.azureai_hosted_agent_version.latest.id]
}}
output "first" {{
  value = [data.azureai_hosted_agent_version.first.image, data.azureai_hosted_agent_version.first.cpu, data.azureai_hosted_agent_version.first.memory]
}}
"#,
        provider = api.provider_block()
    ));
    ws.init();
    ws.apply();
    let o = outputs(&ws);
    let all = o["all"]["value"].as_array().cloned().unwrap_or_default();
    let listed: Vec<(&str, &str)> = all
        .iter()
        .map(|v| (v["version"].as_str().unwrap(), v["image"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (v1.as_str(), "contosoacr.azurecr.io/listed:1"),
            (v2.as_str(), "contosoacr.azurecr.io/listed:2")
        ],
        "{ctx}: {o:#}"
    );
    assert_eq!(all[0]["id"], format!("listed/{v1}"), "{ctx}");
    assert_eq!(all[0]["cpu"], "0.5", "{ctx}");
    assert!(
        all[0]["created_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "{ctx}"
    );
    assert_eq!(o["none"]["value"], serde_json::json!([]), "{ctx}");
    assert_eq!(
        o["latest"]["value"],
        serde_json::json!([v2, "contosoacr.azurecr.io/listed:2", format!("listed/{v2}")]),
        "{ctx}"
    );
    assert_eq!(
        o["first"]["value"],
        serde_json::json!(["contosoacr.azurecr.io/listed:1", "0.5", "1Gi"]),
        "{ctx}"
    );

    // A version that does not exist is an error, not an empty result.
    ws.write_main_tf(&format!(
        "{}\ndata \"azureai_hosted_agent_version\" \"x\" {{\n  agent_name = \"listed\"\n  version = \"{v3}\"\n}}\n",
        api.provider_block()
    ));
    let out = ws.run(&["plan", "-input=false"]);
    assert_ne!(out.code(), 0, "{ctx}: a deleted version was read");
}

#[test]
fn data_sources_both_terraform_versions_and_generations() {
    for tf in terraform_binaries() {
        for api in BOTH {
            data_sources(&tf, api);
        }
    }
}
