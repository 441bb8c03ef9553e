//! Every example under `examples/` passes `terraform validate` against this build of the
//! provider, with both Terraform versions, so the docs never show configuration that the
//! provider rejects (a renamed attribute or a tightened rule fails here first).

mod support;

use std::fs;
use std::path::Path;

use support::{REQUIRED_PROVIDERS, Workspace, repo_root, terraform_binaries};

/// Copies the example's `.tf` files into a fresh workspace and runs init + validate.
/// Snippets without a `terraform {}` block (resource and data source examples) get the
/// provider's `required_providers`, as a user's configuration would have.
fn validate_example(dir: &str) {
    let example = repo_root().join("examples").join(dir);
    let files = tf_files(&example);
    assert!(!files.is_empty(), "examples/{dir} has no .tf files");
    let has_terraform_block = files
        .iter()
        .any(|(_, body)| body.contains("required_providers"));
    for tf in terraform_binaries() {
        let ws = Workspace::new(&tf);
        for (name, body) in &files {
            ws.write_file(name, body);
        }
        if !has_terraform_block {
            ws.write_file("versions.tf", REQUIRED_PROVIDERS);
        }
        ws.init();
        let out = ws.validate();
        assert!(
            out.stdout.contains("The configuration is valid"),
            "examples/{dir} with {}: {out}",
            ws.describe()
        );
    }
}

fn tf_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn provider_example_validates() {
    validate_example("provider");
}

#[test]
fn resource_example_validates() {
    validate_example("resources/azureai_hosted_agent_version");
}

#[test]
fn versions_data_source_example_validates() {
    validate_example("data-sources/azureai_hosted_agent_versions");
}

#[test]
fn version_data_source_example_validates() {
    validate_example("data-sources/azureai_hosted_agent_version");
}

#[test]
fn endpoint_resource_example_validates() {
    validate_example("resources/azureai_agent_endpoint");
}

#[test]
fn agent_data_source_example_validates() {
    validate_example("data-sources/azureai_agent");
}

#[test]
fn rollout_example_validates() {
    validate_example("rollout-create-before-destroy");
}

#[test]
fn quickstart_example_validates() {
    validate_example("quickstart");
}

#[test]
fn seed_workflow_example_validates() {
    validate_example("seed-workflow");
}

/// Guards the list above: a new example directory must get its own validate test.
#[test]
fn every_example_directory_is_validated() {
    let validated = [
        "provider",
        "resources/azureai_hosted_agent_version",
        "data-sources/azureai_hosted_agent_versions",
        "data-sources/azureai_hosted_agent_version",
        "resources/azureai_agent_endpoint",
        "data-sources/azureai_agent",
        "rollout-create-before-destroy",
        "quickstart",
        "seed-workflow",
    ];
    let mut found = Vec::new();
    collect_tf_dirs(
        &repo_root().join("examples"),
        &repo_root().join("examples"),
        &mut found,
    );
    found.sort();
    let mut expected: Vec<String> = validated.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        found, expected,
        "example directories with .tf files vs. the validated list"
    );
}

fn collect_tf_dirs(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut has_tf = false;
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_tf_dirs(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "tf") {
            has_tf = true;
        }
    }
    if has_tf {
        out.push(
            dir.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
}
