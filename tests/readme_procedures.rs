//! README.md's procedures run as written, against the emulator (Terraform from PATH: import
//! blocks need 1.5, write-only arguments 1.11):
//!
//! - "Importing existing versions": the `import` block, `-generate-config-out`, the generated
//!   lines the README quotes, the plan it says they would give (a replacement), the lines that
//!   replace them, the variable, then plan (its `Plan:` line as the README's comment says) and
//!   apply, on a version that has a plain and a secret environment variable. The blocks are read
//!   from the README itself, so a change there is tested here; the only liberty taken is
//!   `-auto-approve`, since nobody is there to type "yes";
//! - "Secrets": the example configuration applies, the emulator receives the secret and the
//!   state does not hold it.

mod resource_support;
mod support;

use std::ffi::OsStr;

use resource_support::{call_api, live_versions, wait_status, writes};
use serde_json::json;
use support::{CmdOutput, Emulator, REQUIRED_PROVIDERS, Workspace, repo_root, terraform_on_path};

const SECRET: &str = "readme-secret-5e0f2b";

/// The fenced code blocks of the README section titled `heading` (up to the next heading of
/// the same or a higher level), as (info string, body without the fence's indentation).
fn blocks(heading: &str) -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = readme.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "README.md has no {heading:?}");
    let mut out = Vec::new();
    let mut current: Option<(String, usize, Vec<String>)> = None;
    for line in lines {
        let trimmed = line.trim_start();
        if current.is_none() {
            let hashes = line.chars().take_while(|c| *c == '#').count();
            if hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
                break;
            }
        }
        if let Some(info) = trimmed.strip_prefix("```") {
            match current.take() {
                None => {
                    current = Some((info.to_owned(), line.len() - trimmed.len(), Vec::new()));
                }
                Some((info, _, body)) => out.push((info, body.join("\n") + "\n")),
            }
            continue;
        }
        if let Some((_, indent, body)) = current.as_mut() {
            body.push(line.get(*indent..).unwrap_or(line.trim_start()).to_owned());
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `terraform ARGS` with `env` added.
fn terraform(ws: &Workspace, env: &[(String, String)], args: &[&str]) -> CmdOutput {
    let mut wrapper: Vec<String> = vec!["env".into()];
    wrapper.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
    let wrapper: Vec<&OsStr> = wrapper.iter().map(OsStr::new).collect();
    ws.run_wrapped(&wrapper, args)
}

/// Version 4 of `orders-bot`, made outside Terraform (versions 1 to 3 with other images), with
/// the README's variables.
fn orders_bot_4(emu: &Emulator) {
    for n in 1..=4 {
        let body = json!({"definition": {
            "kind": "hosted", "cpu": "1", "memory": "2Gi",
            "container_configuration": {"image": format!("contosoacr.azurecr.io/orders-bot:2026.01.0{n}")},
            "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
            "environment_variables": {"MODEL_DEPLOYMENT_NAME": "gpt-5-mini", "API_KEY": SECRET}
        }});
        let (status, made) = call_api(
            emu,
            "POST",
            "/agents/orders-bot/versions?api-version=v1",
            Some(body),
        );
        assert_eq!(status, 200, "{made}");
        assert_eq!(made["version"], json!(n.to_string()));
    }
    wait_status(emu, "orders-bot", "4", "active");
}

#[test]
fn readme_import_with_generated_configuration_step_by_step() {
    let tf = terraform_on_path();
    let steps = blocks("### Importing existing versions");
    let kinds: Vec<&str> = steps.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["sh", "hcl", "sh", "hcl", "hcl", "hcl", "sh"],
        "the README's import section changed shape; update this test with it:\n{steps:#?}"
    );
    let (import_block, generate, generated_lines, replacement, variable, plan_and_apply) = (
        &steps[1].1,
        &steps[2].1,
        &steps[3].1,
        &steps[4].1,
        &steps[5].1,
        &steps[6].1,
    );

    let emu = Emulator::start(&["--provision-delay-ms", "100"]);
    orders_bot_4(&emu);
    let ws = Workspace::builder(&tf).emulator(&emu).build();
    let ctx = ws.describe();
    ws.write_main_tf("provider \"azureai\" {\n  api_version = \"v1\"\n}\n");
    ws.init();

    // 1. The import block.
    ws.write_file("import.tf", import_block);
    // 2. Generate.
    let args: Vec<&str> = generate.split_whitespace().collect();
    assert_eq!(args[0], "terraform", "{generate}");
    let out = ws.run(&args[1..]);
    assert_eq!(out.code(), 0, "{ctx}: {generate}{out}");
    let generated = std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf");
    assert!(
        !generated.contains(SECRET) && !generated.contains("gpt-5-mini"),
        "{ctx}: generated.tf holds a sensitive value:\n{generated}"
    );
    // 3. The lines the README quotes are in the file, as it says...
    let quoted: Vec<String> = generated_lines.lines().map(collapse).collect();
    let generated_collapsed: Vec<String> = generated.lines().map(collapse).collect();
    let at = generated_collapsed
        .windows(quoted.len())
        .position(|w| w == quoted.as_slice())
        .unwrap_or_else(|| {
            panic!("{ctx}: generated.tf lacks the README's lines\n{generated_lines}in\n{generated}")
        });
    // ... and as generated the configuration would replace the version.
    let plan = ws.run(&["plan", "-input=false"]);
    assert_eq!(plan.code(), 0, "{ctx}: {plan}");
    assert!(
        plan.stdout
            .contains("Plan: 1 to import, 1 to add, 0 to change, 1 to destroy."),
        "{ctx}: the README says the generated configuration replaces the version:\n{plan}"
    );
    // The replacement lines, then the variable.
    let mut lines: Vec<String> = generated.lines().map(str::to_owned).collect();
    let indent = lines[at].len() - lines[at].trim_start().len();
    let new_lines: Vec<String> = replacement
        .lines()
        .map(|l| format!("{}{l}", " ".repeat(indent)))
        .collect();
    lines.splice(at..at + quoted.len(), new_lines);
    ws.write_file("generated.tf", &(lines.join("\n") + "\n"));
    ws.write_file("variables.tf", variable);

    // 4. Plan and apply, line by line.
    let writes_before = writes(&emu);
    let mut env: Vec<(String, String)> = Vec::new();
    let mut ran = 0;
    for line in plan_and_apply.lines() {
        let (command, comment) = match line.split_once('#') {
            Some((c, comment)) => (c.trim(), Some(comment.trim())),
            None => (line.trim(), None),
        };
        if let Some(assignment) = command.strip_prefix("export ") {
            let (name, _placeholder) = assignment.split_once('=').expect("export NAME=VALUE");
            assert_eq!(name, "TF_VAR_api_key", "{line}");
            env.push((name.to_owned(), SECRET.to_owned()));
            continue;
        }
        let mut args: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(args.first(), Some(&"terraform"), "{line}");
        if args[1] == "apply" {
            args.push("-auto-approve");
        }
        let out = terraform(&ws, &env, &args[1..]).assert_success();
        if let Some(expected) = comment {
            assert!(
                out.stdout.contains(expected),
                "{ctx}: `{command}` does not say {expected:?}, as the README says:\n{out}"
            );
        }
        assert!(
            !out.combined().contains(SECRET),
            "{ctx}: `{command}` printed the secret"
        );
        ran += 1;
    }
    assert_eq!(ran, 2, "{ctx}: plan and apply");

    // No new version, no API call, and the secret is in no file.
    assert_eq!(
        writes(&emu),
        writes_before,
        "{ctx}: the apply wrote to the service"
    );
    let live: Vec<String> = live_versions(&emu, "orders-bot")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(live, ["1", "2", "3", "4"], "{ctx}");
    let values = ws.resource_values("azureai_hosted_agent_version.orders_bot");
    assert_eq!(values["version"], json!("4"), "{ctx}");
    assert_eq!(
        values["environment_variables"],
        json!({"MODEL_DEPLOYMENT_NAME": "gpt-5-mini"}),
        "{ctx}"
    );
    for entry in walk(ws.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap_or_default()).into_owned();
        assert!(
            !text.contains(SECRET),
            "{ctx}: the secret is in {}",
            entry.display()
        );
    }
    let next = terraform(&ws, &env, &["plan", "-input=false", "-detailed-exitcode"]);
    assert_eq!(next.code(), 0, "{ctx}: the next plan is not empty:\n{next}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn readme_secrets_example_applies_without_storing_the_secret() {
    let tf = terraform_on_path();
    let steps = blocks("## Secrets");
    assert_eq!(steps.len(), 1, "{steps:#?}");
    let (kind, example) = &steps[0];
    assert_eq!(kind, "hcl");
    let emu = Emulator::start(&["--provision-delay-ms", "100"]);
    let ws = Workspace::builder(&tf)
        .emulator(&emu)
        .env("TF_VAR_api_key", SECRET)
        .build();
    let ctx = ws.describe();
    ws.write_file(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nprovider \"azureai\" {{}}\n\n{example}"),
    );
    ws.init();
    ws.apply();
    let live = live_versions(&emu, "orders-bot");
    assert_eq!(live.len(), 1, "{ctx}");
    assert_eq!(
        live[0].1["definition"]["environment_variables"],
        json!({"API_KEY": SECRET, "MODEL_DEPLOYMENT_NAME": "gpt-5-mini"}),
        "{ctx}"
    );
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state");
    assert!(!state.contains(SECRET), "{ctx}: the secret is in the state");
    assert!(!ws.plan().has_changes, "{ctx}: the next plan is not empty");
    ws.destroy();
}
