//! The examples are what users copy first, and the docs embed them: they must be in the
//! Terraform Registry's layout and `terraform fmt` clean.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn terraform_on_path() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .find(|candidate| candidate.is_file())
        .expect("no `terraform` on PATH; the tests need the current Terraform (1.11.x) there")
}

fn fmt_check(terraform: &Path, dir: &Path) -> std::process::Output {
    Command::new(terraform)
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .arg(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .expect("run terraform fmt")
}

#[test]
fn examples_are_fmt_clean() {
    let out = fmt_check(&terraform_on_path(), &repo_root().join("examples"));
    assert!(
        out.status.success(),
        "`terraform fmt -check -recursive examples/` reports unformatted files (run `terraform fmt -recursive examples/`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same check must be able to fail: a misformatted copy is reported.
#[test]
fn fmt_check_catches_misformatted_hcl() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.tf"),
        "resource \"azureai_hosted_agent_version\" \"x\" {\nagent_name = \"a\"\n  image=\"r/i:1\"\n}\n",
    )
    .unwrap();
    let out = fmt_check(&terraform_on_path(), dir.path());
    assert!(
        !out.status.success(),
        "fmt -check accepted misformatted HCL"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad.tf"));
}

/// tfplugindocs' fixed names: the docs generator and the registry look for exactly these.
#[test]
fn examples_follow_the_registry_layout() {
    let examples = repo_root().join("examples");
    for file in [
        "provider/provider.tf",
        "resources/azureai_hosted_agent_version/resource.tf",
        "resources/azureai_hosted_agent_version/import.sh",
        "data-sources/azureai_hosted_agent_versions/data-source.tf",
        "data-sources/azureai_hosted_agent_version/data-source.tf",
        "resources/azureai_agent_endpoint/resource.tf",
        "resources/azureai_agent_endpoint/import.sh",
        "data-sources/azureai_agent/data-source.tf",
        "rollout-create-before-destroy/main.tf",
        "quickstart/main.tf",
        "seed-workflow/main.tf",
    ] {
        assert!(examples.join(file).is_file(), "examples/{file} is missing");
    }
    let import =
        std::fs::read_to_string(examples.join("resources/azureai_hosted_agent_version/import.sh"))
            .unwrap();
    assert!(
        import
            .lines()
            .any(|l| l.starts_with("terraform import azureai_hosted_agent_version.")),
        "import.sh has no `terraform import` command:\n{import}"
    );
}
