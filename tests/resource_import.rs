//! Importing versions made outside Terraform: `terraform import` fills every attribute so the
//! next plan is empty, and a second import reads every value back the same; with Terraform ≥ 1.5 an `import {}` block plus
//! `-generate-config-out` writes a configuration that validates and plans empty; a malformed
//! id is an error stating the expected form.

mod resource_support;
mod support;

use resource_support::{
    ApiVersion, ApiVersionExt, BOTH, FAST, create_version_out_of_band,
    create_version_out_of_band_with, wait_status,
};
use support::{Emulator, Scenario, TerraformBin, Workspace, terraform_1_0_3, terraform_on_path};

const ADDR: &str = "azureai_hosted_agent_version.imported";
const IMAGE: &str = "contosoacr.azurecr.io/sdk-bot:3.1.4";

/// The configuration a user writes from the version's definition (as made by
/// `create_version_out_of_band`), without computed attributes.
fn hand_written(api: ApiVersion, image: &str) -> String {
    format!(
        r#"
resource "azureai_hosted_agent_version" "imported" {{
  agent_name  = "sdk-bot"
  image       = "{image}"
  cpu         = "0.5"
  memory      = "1Gi"
  description = "made with the SDK"
  metadata = {{
    team = "ops"
  }}
  environment_variables = {{
    MODEL = "gpt-5-mini"
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

fn import_round_trip(tf: &TerraformBin, api: ApiVersion) {
    let emu = Emulator::start(FAST);
    let version = create_version_out_of_band(&emu, api, "sdk-bot", IMAGE);
    wait_status(&emu, "sdk-bot", &version, "active");
    Scenario::with_emulator(tf, api, emu)
        .config(&hand_written(api, IMAGE))
        .check(malformed_and_missing_ids_are_refused)
        .import(ADDR, &format!("sdk-bot/{version}"))
        .check(|s| assert_eq!(s.values(ADDR)["image"], IMAGE, "{}", s.context()))
        .check(|s| assert_eq!(s.values(ADDR)["force_delete"], false, "{}", s.context()))
        .import_verify(ADDR, &[])
        .destroy();
}

fn malformed_and_missing_ids_are_refused(s: &Scenario) {
    let ctx = s.context();
    let out = s.ws.run(&["import", "-input=false", ADDR, "sdk-bot"]);
    assert_ne!(out.code(), 0, "{ctx}: malformed id accepted");
    out.assert_contains("<agent_name>/<version>");
    out.assert_contains("my-agent/3");
    let out = s.ws.run(&["import", "-input=false", ADDR, "sdk-bot/999"]);
    assert_ne!(out.code(), 0, "{ctx}: missing version imported");
    out.assert_contains("not found");
}

#[test]
fn import_then_plan_is_empty_terraform_on_path() {
    for api in BOTH {
        import_round_trip(&terraform_on_path(), api);
    }
}

#[test]
fn import_then_plan_is_empty_terraform_1_0_3() {
    for api in BOTH {
        import_round_trip(&terraform_1_0_3(), api);
    }
}

/// The runner's import check compares every value: a value that reads back differently after
/// an import (here `force_delete`, which lives only in the state) fails the scenario unless
/// the test lists it as expected to differ.
#[test]
#[should_panic(expected = "reads back differently after import")]
fn import_verify_catches_a_value_that_reads_back_differently() {
    let forced =
        hand_written(ApiVersion::V1, IMAGE).replace("  image ", "  force_delete = true\n  image ");
    Scenario::new(&terraform_on_path(), ApiVersion::V1)
        .apply(&forced)
        .import_verify(ADDR, &[]);
}

/// Terraform ≥ 1.5 only (1.0.3 has no import blocks), so this runs with the Terraform on PATH.
/// The version has no environment variables: Terraform writes sensitive attributes into
/// generated configuration as `null # sensitive` for the user to fill in (see
/// `generated_config_leaves_sensitive_values_to_the_user`).
#[test]
fn generate_config_out_round_trip() {
    let tf = terraform_on_path();
    for api in BOTH {
        let emu = Emulator::start(FAST);
        let image = "contosoacr.azurecr.io/sdk-bot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let version = create_version_out_of_band_with(&emu, api, "sdk-bot", image, false);
        wait_status(&emu, "sdk-bot", &version, "active");
        let ws = Workspace::builder(&tf).emulator(&emu).build();
        let ctx = format!("{} / api_version {}", ws.describe(), api.as_str());
        ws.write_main_tf(&format!(
            "{}\nimport {{\n  to = azureai_hosted_agent_version.generated\n  id = \"sdk-bot/{version}\"\n}}\n",
            api.provider_block()
        ));
        ws.init();
        let out = ws.run(&["plan", "-input=false", "-generate-config-out=generated.tf"]);
        assert_eq!(out.code(), 0, "{ctx}: generate failed:\n{out}");
        let generated =
            std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf");
        for key in top_level_keys(&generated) {
            assert!(
                ![
                    "id",
                    "version",
                    "status",
                    "created_at",
                    "instance_identity_principal_id",
                    "instance_identity_client_id"
                ]
                .contains(&key.as_str()),
                "{ctx}: computed-only {key:?} in generated config:\n{generated}"
            );
        }
        assert!(
            generated.contains("force_delete") && generated.contains("false"),
            "{ctx}: defaults explicit:\n{generated}"
        );
        assert!(
            generated.contains("container_protocol_version {"),
            "{ctx}:\n{generated}"
        );
        ws.validate();
        ws.apply();
        let plan = ws.plan();
        assert!(
            !plan.has_changes,
            "{ctx}: generated config does not plan empty:\n{generated}\n{}",
            plan.output
        );
    }
}

/// Argument names written directly in the resource block (not in nested blocks).
fn top_level_keys(hcl: &str) -> Vec<String> {
    let mut depth = 0i32;
    let mut keys = Vec::new();
    for line in hcl.lines() {
        let t = line.trim();
        if depth == 1
            && let Some((k, _)) = t.split_once('=')
            && !k.contains('{')
        {
            keys.push(k.trim().to_owned());
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
    }
    keys
}

#[test]
fn generated_config_leaves_sensitive_values_to_the_user() {
    let tf = terraform_on_path();
    let api = ApiVersion::V1;
    let emu = Emulator::start(FAST);
    let version =
        create_version_out_of_band(&emu, api, "sdk-bot", "contosoacr.azurecr.io/sdk-bot:1");
    wait_status(&emu, "sdk-bot", &version, "active");
    let ws = Workspace::builder(&tf).emulator(&emu).build();
    ws.write_main_tf(&format!(
        "{}\nimport {{\n  to = azureai_hosted_agent_version.generated\n  id = \"sdk-bot/{version}\"\n}}\n",
        api.provider_block()
    ));
    ws.init();
    let out = ws.run(&["plan", "-input=false", "-generate-config-out=generated.tf"]);
    assert_eq!(out.code(), 0, "generate failed:\n{out}");
    let generated = std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf");
    assert!(
        !generated.contains("gpt-5-mini"),
        "a sensitive value was written out:\n{generated}"
    );
    // Filling in the sensitive value makes the configuration plan empty.
    let filled: String = generated
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("environment_variables ") {
                "  environment_variables = { MODEL = \"gpt-5-mini\" }"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    ws.write_file("generated.tf", &filled);
    ws.apply();
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "filled-in generated config does not plan empty:\n{filled}\n{}",
        plan.output
    );
}
