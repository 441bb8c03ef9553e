//! Write-only environment variables (`environment_variables_wo`, Terraform 1.11 and later),
//! end to end against the emulator:
//!
//! - an `ephemeral = true, sensitive = true` variable feeds `environment_variables_wo`: the
//!   emulator receives the value, and it appears nowhere else: not in `terraform.tfstate`, the
//!   saved plan (`terraform show -json`), the plan and apply output, the `TF_LOG=trace` logs
//!   of plan and apply, nor any other file of the working directory; the next plan is empty;
//! - raising `environment_variables_wo_version` replaces the version, which gets the new value;
//! - a version made outside Terraform with a secret imports, and once the configuration
//!   declares the secret in `environment_variables_wo` the plan is an in-place update (no new
//!   version, no API write) after which the state holds no secret;
//! - Terraform 1.0.3 (no write-only support) gets an error naming the argument and the
//!   minimum Terraform version, and nothing is created or stored.

mod resource_support;
mod support;

use std::ffi::OsStr;
use std::path::Path;

use resource_support::{ApiVersion, FAST, call_api, live_versions, wait_status, writes};
use serde_json::json;
use support::{CmdOutput, Emulator, Scenario, terraform_1_0_3, terraform_on_path};

const ADDR: &str = "azureai_hosted_agent_version.bot";
/// Distinctive values, so a search for them cannot match anything else.
const SECRET: &str = "wo-secret-7c1e9a4f";
const ROTATED: &str = "wo-secret-rotated-3b52d0";

/// The configuration: `secret_variable` feeds `API_KEY`, `number` is the version number.
fn config(secret_variable: &str, number: u32) -> String {
    format!(
        r#"
variable "api_key" {{
  type      = string
  ephemeral = true
  sensitive = true
}}

variable "api_key_rotated" {{
  type      = string
  ephemeral = true
  sensitive = true
}}

resource "azureai_hosted_agent_version" "bot" {{
  agent_name = "wo-bot"
  image      = "contosoacr.azurecr.io/wo-bot:1.0.0"
  cpu        = "0.5"
  memory     = "1Gi"

  environment_variables = {{
    MODEL = "gpt-5-mini"
  }}
  environment_variables_wo = {{
    API_KEY = var.{secret_variable}
  }}
  environment_variables_wo_version = {number}

  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#
    )
}

/// `terraform ARGS` with extra environment (the trace log settings).
fn run_with_env(s: &Scenario, env: &[(&str, &str)], args: &[&str]) -> CmdOutput {
    let mut wrapper: Vec<String> = vec!["env".into()];
    wrapper.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
    let wrapper: Vec<&OsStr> = wrapper.iter().map(OsStr::new).collect();
    s.ws.run_wrapped(&wrapper, args)
}

#[track_caller]
fn assert_absent(ctx: &str, what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{ctx}: a write-only value is in {what}"
        );
    }
}

/// Every file under `dir` (recursively) holding one of `secrets`, by path.
fn files_holding(dir: &Path, secrets: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            if secrets.iter().any(|s| text.contains(s)) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn tfstate(s: &Scenario) -> String {
    std::fs::read_to_string(s.ws.path().join("terraform.tfstate")).expect("terraform.tfstate")
}

/// The environment variables of the one live version of `wo-bot` in the emulator's store.
fn received_environment(s: &Scenario) -> serde_json::Value {
    let live = live_versions(&s.emu, "wo-bot");
    assert_eq!(live.len(), 1, "{}: live versions {live:?}", s.context());
    live[0].1["definition"]["environment_variables"].clone()
}

/// Plan to a file and apply that file, both with `TF_LOG=trace`; the value must not be in
/// either output, either log, or the saved plan as `terraform show -json` renders it.
fn plan_and_apply_a_saved_plan(s: &Scenario) {
    let ctx = s.context();
    // `terraform validate` announces write-only support too.
    s.ws.validate();
    let dir = tempfile::tempdir().expect("log dir");
    let plan_log = dir.path().join("plan.log");
    let apply_log = dir.path().join("apply.log");
    let trace = |log: &Path| {
        [
            ("TF_LOG", "trace".to_owned()),
            ("TF_LOG_PATH", log.display().to_string()),
        ]
    };

    let env = trace(&plan_log);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let plan =
        run_with_env(s, &env, &["plan", "-input=false", "-out=saved.tfplan"]).assert_success();
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.contains("+ environment_variables_wo ")
                && l.ends_with("= (write-only attribute)")),
        "{ctx}: the plan shows the write-only argument as such:\n{plan}"
    );
    assert_absent(&ctx, "the plan output", &plan.combined(), &[SECRET]);
    let shown =
        s.ws.run(&["show", "-json", "saved.tfplan"])
            .assert_success();
    assert!(
        shown
            .stdout
            .contains("\"environment_variables_wo_version\":1"),
        "{ctx}: {shown}"
    );
    assert_absent(
        &ctx,
        "`terraform show -json` of the saved plan",
        &shown.stdout,
        &[SECRET],
    );

    let env = trace(&apply_log);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let apply = run_with_env(s, &env, &["apply", "-input=false", "saved.tfplan"]).assert_success();
    assert_absent(&ctx, "the apply output", &apply.combined(), &[SECRET]);

    for (what, log) in [
        ("the plan's trace log", &plan_log),
        ("the apply's trace log", &apply_log),
    ] {
        let text = std::fs::read_to_string(log).unwrap_or_else(|e| panic!("{ctx}: {what}: {e}"));
        // The log is real: it holds the provider's own calls.
        assert!(
            text.contains("PlanResourceChange") || text.contains("ApplyResourceChange"),
            "{ctx}: {what} is empty"
        );
        assert_absent(&ctx, what, &text, &[SECRET]);
    }
}

/// Terraform 1.11 or later (write-only arguments do not exist before).
#[test]
fn a_write_only_secret_reaches_the_service_and_nothing_else() {
    let tf = terraform_on_path();
    Scenario::with_workspace(&tf, ApiVersion::V1, Emulator::start(FAST), |b| {
        b.env("TF_VAR_api_key", SECRET)
            .env("TF_VAR_api_key_rotated", ROTATED)
    })
    .config(&config("api_key", 1))
    .check(plan_and_apply_a_saved_plan)
    .check(|s| {
        let ctx = s.context();
        assert_eq!(
            received_environment(s),
            json!({"API_KEY": SECRET, "MODEL": "gpt-5-mini"}),
            "{ctx}: the emulator received the value"
        );
        let values = s.values(ADDR);
        assert_eq!(values["environment_variables_wo"], json!(null), "{ctx}");
        assert_eq!(
            values["environment_variables_wo_version"],
            json!(1),
            "{ctx}"
        );
        assert_absent(&ctx, "terraform.tfstate", &tfstate(s), &[SECRET]);
        // Nor anywhere else in the working directory (the saved plan, state backups, .terraform/).
        let holding = files_holding(s.ws.path(), &[SECRET]);
        assert!(holding.is_empty(), "{ctx}: the value is in {holding:?}");
    })
    // The next plan is empty and writes nothing.
    .expect_empty_plan()
    // A new number: a new version, sent the new value.
    .apply(&config("api_key_rotated", 2))
    .expect_replace(ADDR)
    .check(|s| {
        let ctx = s.context();
        assert_eq!(
            received_environment(s),
            json!({"API_KEY": ROTATED, "MODEL": "gpt-5-mini"}),
            "{ctx}: the new version got the new value"
        );
        assert_absent(&ctx, "terraform.tfstate", &tfstate(s), &[SECRET, ROTATED]);
        let holding = files_holding(s.ws.path(), &[SECRET, ROTATED]);
        assert!(holding.is_empty(), "{ctx}: a value is in {holding:?}");
    })
    .destroy();
}

/// What `terraform import` stores for a version made outside Terraform with a secret, and how
/// declaring the secret write-only takes it out of the state without a new version.
#[test]
fn an_imported_secret_leaves_the_state_without_a_new_version() {
    let tf = terraform_on_path();
    let emu = Emulator::start(FAST);
    let body = json!({"definition": {
        "kind": "hosted", "cpu": "0.5", "memory": "1Gi",
        "container_configuration": {"image": "contosoacr.azurecr.io/wo-bot:1.0.0"},
        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
        "environment_variables": {"MODEL": "gpt-5-mini", "API_KEY": SECRET}
    }});
    let (status, made) = call_api(
        &emu,
        "POST",
        "/agents/wo-bot/versions?api-version=v1",
        Some(body),
    );
    assert_eq!(status, 200, "{made}");
    let version = made["version"].as_str().expect("version").to_owned();
    wait_status(&emu, "wo-bot", &version, "active");

    Scenario::with_workspace(&tf, ApiVersion::V1, emu, |b| {
        b.env("TF_VAR_api_key", SECRET)
            .env("TF_VAR_api_key_rotated", ROTATED)
    })
    .config(&config("api_key", 1))
    .check(|s| {
        let ctx = s.context();
        let writes_before = writes(&s.emu);
        s.ws.import(ADDR, &format!("wo-bot/{version}"));
        assert_eq!(writes(&s.emu), writes_before, "{ctx}: importing wrote");
        // Right after the import the state holds what the service returned: every
        // variable, the secret included (nothing tells an import which ones are
        // write-only), and no number (README "Secrets").
        let values = s.values(ADDR);
        assert_eq!(
            values["environment_variables"],
            json!({"API_KEY": SECRET, "MODEL": "gpt-5-mini"}),
            "{ctx}"
        );
        assert_eq!(values["environment_variables_wo"], json!(null), "{ctx}");
        assert_eq!(
            values["environment_variables_wo_version"],
            json!(null),
            "{ctx}"
        );
        let plan = s.ws.plan();
        assert!(plan.has_changes, "{ctx}: {}", plan.output);
        assert!(
            plan.output
                .stdout
                .contains(&format!("# {ADDR} will be updated in-place"))
                && !plan.output.stdout.contains("must be replaced"),
            "{ctx}: the import plans an in-place update, no new version:\n{}",
            plan.output
        );
    })
    // The in-place update calls no API and drops the secret from the state.
    .apply(&config("api_key", 1))
    .expect_update_in_place(ADDR)
    .expect_no_writes()
    .check(|s| {
        let ctx = s.context();
        assert_absent(&ctx, "terraform.tfstate", &tfstate(s), &[SECRET]);
        let values = s.values(ADDR);
        assert_eq!(
            values["environment_variables"],
            json!({"MODEL": "gpt-5-mini"}),
            "{ctx}"
        );
        assert_eq!(
            values["environment_variables_wo_version"],
            json!(1),
            "{ctx}"
        );
        assert_eq!(
            values["version"],
            json!(version),
            "{ctx}: still the imported version"
        );
    })
    .destroy();
}

/// Terraform 1.0.3 does not know write-only arguments: it would store the value. The
/// configuration is refused at plan (and apply) with the argument and the minimum version
/// named; nothing reaches the service and no file holds the value.
#[test]
fn terraform_1_0_3_is_refused_and_stores_nothing() {
    let tf = terraform_1_0_3();
    // 1.0.3 has no ephemeral variables: a sensitive one.
    let config = config("api_key", 1).replace("  ephemeral = true\n", "");
    Scenario::with_workspace(&tf, ApiVersion::V1, Emulator::start(FAST), |b| {
        b.env("TF_VAR_api_key", SECRET)
            .env("TF_VAR_api_key_rotated", ROTATED)
    })
    .config(&config)
    .check(|s| {
        let ctx = s.context();
        for args in [
            &["plan", "-input=false"][..],
            &["apply", "-auto-approve", "-input=false"][..],
        ] {
            let out = s.ws.run(args).assert_failure();
            let text = out.combined();
            // Terraform wraps long lines.
            let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for needle in [
                "Error: Write-only argument not supported",
                "environment_variables_wo = {",
                "`environment_variables_wo` is a write-only argument",
                "need Terraform 1.11 or later",
            ] {
                assert!(
                    collapsed.contains(needle),
                    "{ctx}: {args:?} does not say {needle:?}:\n{out}"
                );
            }
            assert_absent(&ctx, "the output", &text, &[SECRET]);
        }
        assert_eq!(writes(&s.emu), 0, "{ctx}: the service was written to");
        assert!(s.live_versions().is_empty(), "{ctx}: a version was created");
        let holding = files_holding(s.ws.path(), &[SECRET]);
        assert!(holding.is_empty(), "{ctx}: the value is in {holding:?}");
    });
}
