//! Failure paths through the real Terraform CLI: a version that fails to provision is reported
//! with the service's code and kept (tainted) in state; a delete refused with 409 (active
//! sessions) names `force_delete` and keeps the state; `force_delete = true` then deletes.

mod resource_support;
mod support;

use resource_support::{ApiVersion, ApiVersionExt, FAST, live_versions, writes};
use support::{
    Emulator, TerraformBin, Workspace, terraform_1_0_3, terraform_binaries, terraform_on_path,
};

fn config(api: ApiVersion, image: &str, force_delete: bool) -> String {
    format!(
        r#"{provider}
resource "azureai_hosted_agent_version" "bot" {{
  agent_name   = "fail-bot"
  image        = "{image}"
  force_delete = {force_delete}
  container_protocol_version {{
    protocol = "responses"
    version  = "{pv}"
  }}
}}
"#,
        provider = api.provider_block(),
        pv = api.protocol_version()
    )
}

fn failed_image_is_tainted(tf: &TerraformBin) {
    let emu = Emulator::start(FAST);
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = ws.describe();
    ws.write_main_tf(&config(
        ApiVersion::V1,
        "contosoacr.azurecr.io/fail-bot:missing-1",
        false,
    ));
    ws.init();
    let out = ws.try_apply();
    assert_ne!(
        out.code(),
        0,
        "{ctx}: a failed version applied cleanly:\n{out}"
    );
    out.assert_contains("ImageError");
    out.assert_contains("AcrPull");

    // Not an orphan: the version is in state, tainted, and the next plan replaces it.
    let state = ws.show_json();
    let res = &state["values"]["root_module"]["resources"][0];
    assert_eq!(
        res["address"], "azureai_hosted_agent_version.bot",
        "{ctx}: {state:#}"
    );
    assert_eq!(res["tainted"], true, "{ctx}: {state:#}");
    assert_eq!(res["values"]["status"], "failed", "{ctx}");
    let stored = live_versions(&emu, "fail-bot");
    assert_eq!(stored.len(), 1, "{ctx}");
    assert_eq!(res["values"]["version"], stored[0].0.as_str(), "{ctx}");
    let plan = ws.plan();
    assert!(plan.has_changes, "{ctx}");
    plan.output.assert_contains("tainted");

    // Fixing the image replaces the failed version.
    ws.write_main_tf(&config(
        ApiVersion::V1,
        "contosoacr.azurecr.io/fail-bot:1.0.0",
        false,
    ));
    ws.apply();
    let stored = live_versions(&emu, "fail-bot");
    assert_eq!(
        stored.len(),
        1,
        "{ctx}: failed version not cleaned up: {stored:?}"
    );
    assert_eq!(stored[0].1["status"], "active", "{ctx}");
}

#[test]
fn failed_image_error_and_tainted_state_terraform_on_path() {
    failed_image_is_tainted(&terraform_on_path());
}

#[test]
fn failed_image_error_and_tainted_state_terraform_1_0_3() {
    failed_image_is_tainted(&terraform_1_0_3());
}

fn conflict_then_force_delete(tf: &TerraformBin, api: ApiVersion) {
    let emu = Emulator::start(FAST);
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = format!("{} / api_version {}", ws.describe(), api.as_str());
    ws.write_main_tf(&config(api, "contosoacr.azurecr.io/fail-bot:1.0.0", false));
    ws.init();
    ws.apply();
    let version = live_versions(&emu, "fail-bot")[0].0.clone();
    emu.set_sessions("fail-bot", &version, 2);

    let out = ws.run(&["destroy", "-auto-approve", "-input=false"]);
    assert_ne!(
        out.code(),
        0,
        "{ctx}: delete with active sessions succeeded"
    );
    out.assert_contains("force_delete");
    out.assert_contains("active sessions");
    assert_eq!(live_versions(&emu, "fail-bot").len(), 1, "{ctx}");
    let values = ws.resource_values("azureai_hosted_agent_version.bot");
    assert_eq!(
        values["version"],
        version.as_str(),
        "{ctx}: state kept after the refused delete"
    );

    // force_delete is an in-place change: no new version, no API write.
    ws.write_main_tf(&config(api, "contosoacr.azurecr.io/fail-bot:1.0.0", true));
    let before = writes(&emu);
    ws.apply();
    assert_eq!(writes(&emu), before, "{ctx}");
    ws.destroy();
    assert!(
        live_versions(&emu, "fail-bot").is_empty(),
        "{ctx}: {}",
        emu.state()
    );
}

#[test]
fn delete_conflict_names_force_delete_terraform_on_path() {
    conflict_then_force_delete(&terraform_on_path(), ApiVersion::V1);
}

#[test]
fn delete_conflict_names_force_delete_terraform_1_0_3() {
    conflict_then_force_delete(&terraform_1_0_3(), ApiVersion::V1);
}

#[test]
fn delete_conflict_preview() {
    for tf in terraform_binaries() {
        conflict_then_force_delete(&tf, ApiVersion::Preview);
    }
}
