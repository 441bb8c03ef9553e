//! Shared by `tests/release_platforms.rs`: one signed cross-built release per test run, the
//! five platforms' facts, reading the artefacts, and the foreign-binary runners.
//!
//! - [`dist`]: runs `scripts/release.sh --profile dev-cross --sign KEY` once, with a throw-away
//!   GPG key, and hands every test the same artefacts
//! - [`registry`]: a provider registry over HTTPS serving those artefacts
//! - [`plugin_client`]: the go-plugin client side (Terraform-like client certificate, AutoMTLS)

#![allow(dead_code)] // each test uses a different subset

pub mod plugin_client;
pub mod registry;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const PROVIDER: &str = "terraform-provider-azureai";
pub const EMULATOR: &str = "azureai-emulator";

/// The platforms a release ships, as Terraform names them.
pub const PLATFORMS: [Platform; 5] = [
    Platform {
        os: "linux",
        arch: "amd64",
    },
    Platform {
        os: "linux",
        arch: "arm64",
    },
    Platform {
        os: "darwin",
        arch: "amd64",
    },
    Platform {
        os: "darwin",
        arch: "arm64",
    },
    Platform {
        os: "windows",
        arch: "amd64",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub os: &'static str,
    pub arch: &'static str,
}

impl Platform {
    /// `linux_amd64`, as in file names and `-platform=`.
    pub fn name(self) -> String {
        format!("{}_{}", self.os, self.arch)
    }

    pub fn exe_suffix(self) -> &'static str {
        if self.os == "windows" { ".exe" } else { "" }
    }

    pub fn provider_zip(self) -> String {
        format!("{PROVIDER}_{VERSION}_{}.zip", self.name())
    }

    pub fn emulator_zip(self) -> String {
        format!("{EMULATOR}_{VERSION}_{}.zip", self.name())
    }

    /// The file name inside the provider zip (what Terraform looks for after unpacking).
    pub fn provider_member(self) -> String {
        format!("{PROVIDER}_v{VERSION}{}", self.exe_suffix())
    }

    pub fn emulator_member(self) -> String {
        format!("{EMULATOR}{}", self.exe_suffix())
    }
}

pub fn platform(name: &str) -> Platform {
    *PLATFORMS
        .iter()
        .find(|p| p.name() == name)
        .unwrap_or_else(|| panic!("unknown platform {name}"))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sums_name() -> String {
    format!("{PROVIDER}_{VERSION}_SHA256SUMS")
}

pub fn manifest_name() -> String {
    format!("{PROVIDER}_{VERSION}_manifest.json")
}

/// The signed release every test of the binary reads.
pub struct Dist {
    pub dir: PathBuf,
    /// The signing key's long id (16 hex digits), as the registry protocol names it.
    pub key_id: String,
    pub fingerprint: String,
    /// The GNUPGHOME holding the key (its agent stopped; verifying needs none).
    pub gnupg: PathBuf,
    /// The public half, ASCII-armoured, as the registry publishes it.
    pub public_key: String,
}

impl Dist {
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The one member of a release zip: its name, unix mode and bytes.
    pub fn zip_member(&self, zip_name: &str) -> ZipMember {
        let file = fs::File::open(self.path(zip_name))
            .unwrap_or_else(|e| panic!("{zip_name} missing from the release: {e}"));
        let mut archive =
            zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{zip_name} is not a zip: {e}"));
        assert_eq!(archive.len(), 1, "{zip_name} must hold exactly one file");
        let mut entry = archive.by_index(0).unwrap();
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).unwrap();
        ZipMember {
            name: entry
                .name()
                .unwrap_or_else(|e| panic!("{zip_name}: member name: {e}"))
                .into_owned(),
            unix_mode: entry.unix_mode(),
            bytes,
        }
    }

    /// Unpacks the provider of `platform` into `dir` (mode 0755) and returns its path.
    pub fn unpack_provider(&self, platform: Platform, dir: &Path) -> PathBuf {
        self.unpack(&platform.provider_zip(), dir)
    }

    /// Unpacks the emulator of `platform` into `dir` (mode 0755) and returns its path.
    pub fn unpack_emulator(&self, platform: Platform, dir: &Path) -> PathBuf {
        self.unpack(&platform.emulator_zip(), dir)
    }

    fn unpack(&self, zip_name: &str, dir: &Path) -> PathBuf {
        let member = self.zip_member(zip_name);
        let path = dir.join(&member.name);
        fs::write(&path, &member.bytes).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }
}

pub struct ZipMember {
    pub name: String,
    pub unix_mode: Option<u32>,
    pub bytes: Vec<u8>,
}

/// Builds and signs the release once per test binary: cross builds of the five platforms are
/// the expensive part (minutes), so every test shares them. A failed build fails every test
/// that needs it, without being retried by each.
pub fn dist() -> &'static Dist {
    static DIST: OnceLock<Result<Dist, String>> = OnceLock::new();
    match DIST.get_or_init(|| once(build_dist)) {
        Ok(dist) => dist,
        Err(e) => panic!("building the release failed (see the first test that failed): {e}"),
    }
}

/// Runs `f` once, turning its panic into an error the callers share.
fn once<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".to_string())
    })
}

fn build_dist() -> Dist {
    // gpg is among the runners' packages; the release's build tools come with release.sh.
    install_runners();
    // Cargo's per-target scratch space: rewritten by each run, never shared.
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let gnupg = scratch.join("release_platforms-gnupg");
    let dir = scratch.join("release_platforms-dist");
    let _ = fs::remove_dir_all(&gnupg);
    let _ = fs::remove_dir_all(&dir);
    let key = ThrowAwayKey::generate(&gnupg);

    let started = std::time::Instant::now();
    let out = Command::new(repo_root().join("scripts/release.sh"))
        .args(["--profile", "dev-cross", "--compress-level", "1"])
        .arg("--sign")
        .arg(&key.fingerprint)
        .arg("--out")
        .arg(&dir)
        .env("GNUPGHOME", &gnupg)
        .output()
        .expect("run scripts/release.sh");
    if !out.status.success() {
        // The build's own output runs to thousands of lines: the end says what failed.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(120)..].join("\n");
        panic!(
            "release.sh failed ({}); the end of its output:\n{tail}",
            out.status
        );
    }
    eprintln!(
        "release_platforms: release.sh (five platforms, dev-cross) took {:.0?}",
        started.elapsed()
    );
    let public_key = key.export_public();
    key.stop_agent();
    Dist {
        dir,
        key_id: key.fingerprint[key.fingerprint.len() - 16..].to_string(),
        fingerprint: key.fingerprint.clone(),
        gnupg,
        public_key,
    }
}

/// A passphrase-less RSA signing key in its own GNUPGHOME, made for one test run.
struct ThrowAwayKey {
    home: PathBuf,
    fingerprint: String,
}

impl ThrowAwayKey {
    fn generate(home: &Path) -> Self {
        fs::create_dir_all(home).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(home, fs::Permissions::from_mode(0o700)).unwrap();
        let gpg = |args: &[&str]| {
            let out = Command::new("gpg")
                .args(["--batch", "--no-tty"])
                .args(args)
                .env("GNUPGHOME", home)
                .output()
                .expect("run gpg (scripts/install-cross.sh run installs it)");
            assert!(
                out.status.success(),
                "gpg {args:?} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        // RSA: what the public registry accepts, and what every Terraform since 0.13 verifies.
        gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "azureai release test <release-test@example.invalid>",
            "rsa2048",
            "sign",
            "never",
        ]);
        let listing = gpg(&["--with-colons", "--list-secret-keys"]);
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|f| f.len() == 40))
            .unwrap_or_else(|| panic!("no fingerprint in gpg's listing:\n{listing}"))
            .to_string();
        ThrowAwayKey {
            home: home.to_path_buf(),
            fingerprint,
        }
    }

    fn export_public(&self) -> String {
        let out = Command::new("gpg")
            .args(["--batch", "--armor", "--export", &self.fingerprint])
            .env("GNUPGHOME", &self.home)
            .output()
            .unwrap();
        let armor = String::from_utf8(out.stdout).unwrap();
        assert!(
            armor.contains("BEGIN PGP PUBLIC KEY BLOCK"),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        armor
    }

    /// gpg started an agent for this GNUPGHOME; it is not needed once the release is signed.
    fn stop_agent(&self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.home)
            .status();
    }
}

/// qemu-user-static, the arm64 glibc, wine64 (with its prefix) and gpg, from Debian, through
/// `scripts/install-cross.sh run` (cached; a failure fails the test).
pub fn install_runners() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let done = DONE.get_or_init(|| {
        once(|| {
            let out = Command::new(repo_root().join("scripts/install-cross.sh"))
                .arg("run")
                .output()
                .expect("run scripts/install-cross.sh");
            assert!(
                out.status.success(),
                "install-cross.sh run failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        })
    });
    if let Err(e) = done {
        panic!("installing the emulators failed: {e}");
    }
}

/// `qemu-aarch64-static` with the arm64 glibc of `libc6-arm64-cross` as its sysroot.
pub fn qemu_aarch64(binary: &Path) -> Command {
    install_runners();
    let mut cmd = Command::new("qemu-aarch64-static");
    cmd.arg("-L").arg("/usr/aarch64-linux-gnu").arg(binary);
    cmd
}

/// wine64 with the prefix `scripts/install-cross.sh run` prepared (quiet, no Mono/Gecko).
pub fn wine64(binary: &Path) -> Command {
    install_runners();
    let wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("wine64 is not installed (scripts/install-cross.sh run)");
    let mut cmd = Command::new(wine);
    cmd.arg(binary)
        .env("WINEPREFIX", repo_root().join(".cache/cross/wine-prefix"))
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    cmd
}

/// sha256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Terraform's `h1:` package hash of a zip holding one file: base64 of the sha256 of the
/// line `<sha256 hex>  <name>\n` (its "dirhash" over the unpacked files).
pub fn h1_hash(member: &ZipMember) -> String {
    use base64::Engine as _;
    let summary = format!("{}  {}\n", sha256_hex(&member.bytes), member.name);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, summary.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}
