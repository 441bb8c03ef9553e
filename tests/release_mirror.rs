//! The release artefacts written by `scripts/release.sh` are what the Terraform Registry and
//! private mirrors serve. These tests package the (debug) provider binary with that script, put the
//! zip into a *packed* filesystem mirror, and check that real Terraform — the one on PATH and
//! 1.0.3 — installs it with `terraform init` while offline. They also check that the zips are
//! reproducible and that the script refuses bad arguments before building anything. The five
//! platforms, signing and the registry path are `tests/release_platforms.rs`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");
const ZIP_NAME_PREFIX: &str = "terraform-provider-azureai_";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-azureai"))
}

/// Terraform 1.0.3 from the repo cache, installed on demand (a missing binary fails the test).
fn terraform_1_0_3() -> PathBuf {
    let out = Command::new(repo_root().join("scripts/install-terraform.sh"))
        .arg("1.0.3")
        .output()
        .expect("run scripts/install-terraform.sh");
    assert!(
        out.status.success(),
        "install-terraform.sh 1.0.3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(
        path.is_file(),
        "installer printed {path:?}, which is not a file"
    );
    path
}

/// `terraform` from PATH: the current Terraform is part of the test contract, so its absence fails.
fn terraform_on_path() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .find(|candidate| candidate.is_file())
        .expect("no `terraform` on PATH; the tests need the current Terraform (1.11.x) there")
}

/// Runs `scripts/release.sh` on the debug binary once per test run; every test here reads the
/// same artefacts (zipping a debug build is the slow part, so it is done once).
fn release_dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        // Cargo's per-target scratch space: removed and rewritten by each run, never shared
        // with other test binaries.
        let dist = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("release_mirror-dist");
        let _ = fs::remove_dir_all(&dist);
        let out = Command::new(repo_root().join("scripts/release.sh"))
            .arg("--binary")
            .arg(provider_binary())
            .arg("--out")
            .arg(&dist)
            .args(["--compress-level", "1"])
            .output()
            .expect("run scripts/release.sh");
        assert!(
            out.status.success(),
            "release.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dist
    })
}

fn zip_name() -> String {
    format!("{ZIP_NAME_PREFIX}{PROVIDER_VERSION}_linux_amd64.zip")
}

/// Runs `terraform init` in `work` with a CLI config whose only installation method is the given
/// filesystem mirror, so success proves the provider came from the mirror and nothing was fetched.
fn terraform_init(terraform: &Path, work: &Path, mirror: &Path) -> Output {
    let cli_config = work.join("terraformrc");
    fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    fs::write(
        work.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    azureai = {{\n      source  = \"azureai/azureai\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    Command::new(terraform)
        .args(["init", "-input=false", "-no-color"])
        .current_dir(work)
        .env("TF_CLI_CONFIG_FILE", &cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_LOG")
        .output()
        .expect("run terraform init")
}

fn packed_mirror_from_release(root: &Path) -> PathBuf {
    let dist = release_dist();
    let mirror = root.join("mirror");
    let namespace_dir = mirror.join("registry.terraform.io/azureai/azureai");
    fs::create_dir_all(&namespace_dir).unwrap();
    fs::copy(dist.join(zip_name()), namespace_dir.join(zip_name())).unwrap();
    mirror
}

fn assert_installs_from_packed_mirror(terraform: &Path) {
    let root = tempfile::tempdir().unwrap();
    let mirror = packed_mirror_from_release(root.path());
    let work = root.path().join("work");
    fs::create_dir_all(&work).unwrap();

    let out = terraform_init(terraform, &work, &mirror);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "terraform init from the packed mirror failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Installed azureai/azureai v{PROVIDER_VERSION}")),
        "init did not report installing the provider:\n{stdout}"
    );

    // Terraform unpacked the zip: the plugin must be byte-identical to the build and executable.
    let installed = work.join(format!(
        ".terraform/providers/registry.terraform.io/azureai/azureai/{PROVIDER_VERSION}/linux_amd64/terraform-provider-azureai_v{PROVIDER_VERSION}"
    ));
    let installed_bytes = fs::read(&installed)
        .unwrap_or_else(|e| panic!("installed plugin {installed:?} missing: {e}"));
    assert!(
        installed_bytes == fs::read(provider_binary()).unwrap(),
        "installed plugin differs from the built binary"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&installed).unwrap().permissions().mode();
    assert!(
        mode & 0o111 != 0,
        "installed plugin is not executable (mode {mode:o})"
    );

    let lock = fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains("provider \"registry.terraform.io/azureai/azureai\"")
            && lock.contains(&format!("version     = \"{PROVIDER_VERSION}\""))
            && lock.contains("\"h1:"),
        "lock file does not pin the mirrored provider:\n{lock}"
    );
}

#[test]
fn packed_mirror_installs_with_terraform_on_path() {
    assert_installs_from_packed_mirror(&terraform_on_path());
}

#[test]
fn packed_mirror_installs_with_terraform_1_0_3() {
    assert_installs_from_packed_mirror(&terraform_1_0_3());
}

/// The counterpart of the tests above: with the zip absent the same init must fail, which shows
/// that the mirror, not some other source, satisfied it.
#[test]
fn init_fails_when_the_mirror_lacks_the_zip() {
    let root = tempfile::tempdir().unwrap();
    let mirror = root
        .path()
        .join("mirror/registry.terraform.io/azureai/azureai");
    fs::create_dir_all(&mirror).unwrap();
    let work = root.path().join("work");
    fs::create_dir_all(&work).unwrap();
    let out = terraform_init(&terraform_on_path(), &work, &root.path().join("mirror"));
    assert!(
        !out.status.success(),
        "init succeeded without a provider package"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("azureai/azureai"),
        "error does not name the provider:\n{stderr}"
    );
}

/// The checksum file lists exactly the zip and the manifest, with correct digests, and the
/// manifest copy declares plugin protocol 5.0.
#[test]
fn release_artefacts_are_consistent() {
    let dist = release_dist();
    let sums_name = format!("{ZIP_NAME_PREFIX}{PROVIDER_VERSION}_SHA256SUMS");
    let manifest_name = format!("{ZIP_NAME_PREFIX}{PROVIDER_VERSION}_manifest.json");
    let sums = fs::read_to_string(dist.join(&sums_name)).unwrap();
    let mut listed: Vec<&str> = sums
        .lines()
        .map(|line| {
            line.split_whitespace()
                .nth(1)
                .expect("`<sha256>  <file>` line")
        })
        .collect();
    listed.sort_unstable();
    let zip = zip_name();
    let mut expected = vec![manifest_name.as_str(), zip.as_str()];
    expected.sort_unstable();
    assert_eq!(listed, expected);

    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name])
        .current_dir(dist)
        .output()
        .expect("run sha256sum");
    assert!(
        check.status.success(),
        "SHA256SUMS does not match the files:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dist.join(&manifest_name)).unwrap()).unwrap();
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["5.0"])
    );
}

/// Runs `scripts/release.sh` with `args`, returning its output (no assertion on the status).
fn release_sh(args: &[&str]) -> Output {
    Command::new(repo_root().join("scripts/release.sh"))
        .args(args)
        .output()
        .expect("run scripts/release.sh")
}

/// The same binary gives the same zip, byte for byte (so the same SHA256SUMS line and the
/// same lock-file hashes): one member, a fixed timestamp, mode 0755 whatever the file's own.
#[test]
fn zips_are_reproducible() {
    let again = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("release_mirror-again");
    let _ = fs::remove_dir_all(&again);
    // A copy with another mtime and mode than the original: neither may leak into the zip.
    fs::create_dir_all(&again).unwrap();
    let copy = again.join("provider-copy");
    fs::copy(provider_binary(), &copy).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o700)).unwrap();
    let out_dir = again.join("dist");
    let out = release_sh(&[
        "--binary",
        copy.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--compress-level",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = fs::read(release_dist().join(zip_name())).unwrap();
    let second = fs::read(out_dir.join(zip_name())).unwrap();
    assert!(first == second, "two packagings of the same binary differ");
    let sums = format!("{ZIP_NAME_PREFIX}{PROVIDER_VERSION}_SHA256SUMS");
    assert_eq!(
        fs::read(release_dist().join(&sums)).unwrap(),
        fs::read(out_dir.join(&sums)).unwrap()
    );

    let mut archive =
        zip::ZipArchive::new(fs::File::open(out_dir.join(zip_name())).unwrap()).expect("a zip");
    assert_eq!(archive.len(), 1);
    let entry = archive.by_index(0).unwrap();
    assert_eq!(
        entry.name().expect("a UTF-8 member name"),
        format!("terraform-provider-azureai_v{PROVIDER_VERSION}")
    );
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    let stamp = entry.last_modified().expect("a timestamp");
    assert_eq!(
        (
            stamp.year(),
            stamp.month(),
            stamp.day(),
            stamp.hour(),
            stamp.minute()
        ),
        (1980, 1, 1, 0, 0)
    );
    drop(entry);
    let _ = fs::remove_dir_all(&again);
}

/// Bad arguments fail before anything is built, naming the problem.
#[test]
fn release_sh_refuses_bad_arguments() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--platforms", "linux_amd64,solaris_sparc"],
            "unknown platform 'solaris_sparc'",
        ),
        (&["--platforms", ""], "--platforms is empty"),
        (
            &["--binary", "/bin/true", "--platforms", "darwin_arm64"],
            "--binary packages a linux_amd64 provider",
        ),
        (
            &[
                "--sign",
                "no-such-key-azureai-test",
                "--platforms",
                "linux_amd64",
            ],
            "no secret GPG key 'no-such-key-azureai-test'",
        ),
    ];
    for (args, message) in cases {
        let out = release_sh(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "release.sh {args:?} succeeded");
        assert!(
            stderr.contains(message),
            "release.sh {args:?}: expected {message:?} in:\n{stderr}"
        );
        assert!(
            !stderr.contains("cargo zigbuild"),
            "release.sh {args:?} started building:\n{stderr}"
        );
    }
}
