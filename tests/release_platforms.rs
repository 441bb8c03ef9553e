//! The five release platforms, proved before anything is published. `scripts/release.sh`
//! builds and signs a release once per run (cross builds with the `dev-cross` profile, to
//! stay inside CI's time; a real release uses the release profile through the same script and
//! linkers), and the tests check it the way its users meet it:
//!
//! - every artefact, provider and emulator, read out of its zip, has its platform's object
//!   format (ELF x86-64 / AArch64, Mach-O x86_64 / arm64, PE32+ x86-64), from the headers;
//! - the Linux binaries need nothing newer than glibc 2.17; the macOS ones load Security,
//!   CoreFoundation and libSystem, and bind every framework symbol to its framework;
//! - the `linux_arm64` provider completes the go-plugin handshake under `qemu-aarch64-static`
//!   and the `windows_amd64` one under `wine64`, over TCP, each with a pinned client
//!   certificate as Terraform sends it; the emulators of both start and answer there too;
//! - Terraform installs the release from a provider registry served over HTTPS
//!   (tests/release_support/registry.rs): it checks SHA256SUMS and its signature itself, and
//!   `terraform providers lock` records all five platforms.

mod release_support;
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use object::read::macho::{MachHeader, Nlist};
use object::{Architecture, BinaryFormat, Endianness, Object, ObjectSection};

use release_support::plugin_client::handshake_schema_and_shutdown;
use release_support::registry::{Registry, Tamper};
use release_support::{
    PLATFORMS, Platform, ZipMember, dist, h1_hash, platform, qemu_aarch64, sha256_hex, sums_name,
    wine64,
};
use support::{run_with_timeout, terraform_on_path};

const SECURITY: &str = "/System/Library/Frameworks/Security.framework/Versions/A/Security";
const CORE_FOUNDATION: &str =
    "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation";
const LIBSYSTEM: &str = "/usr/lib/libSystem.B.dylib";

/// What the headers of a platform's binaries must say.
fn expected_format(p: Platform) -> (BinaryFormat, Architecture) {
    let format = match p.os {
        "linux" => BinaryFormat::Elf,
        "darwin" => BinaryFormat::MachO,
        "windows" => BinaryFormat::Pe,
        other => panic!("no format known for {other}"),
    };
    let arch = match p.arch {
        "amd64" => Architecture::X86_64,
        "arm64" => Architecture::Aarch64,
        other => panic!("no architecture known for {other}"),
    };
    (format, arch)
}

fn artefacts() -> Vec<(Platform, String, String)> {
    PLATFORMS
        .iter()
        .flat_map(|&p| {
            [
                (p, p.provider_zip(), p.provider_member()),
                (p, p.emulator_zip(), p.emulator_member()),
            ]
        })
        .collect()
}

#[test]
fn every_artefact_has_its_platforms_object_format() {
    let dist = dist();
    for (p, zip, member_name) in artefacts() {
        let member = dist.zip_member(&zip);
        assert_eq!(member.name, member_name, "member of {zip}");
        assert_eq!(
            member.unix_mode.map(|m| m & 0o777),
            Some(0o755),
            "{zip}: the member must be stored executable"
        );
        let file = object::File::parse(&*member.bytes)
            .unwrap_or_else(|e| panic!("{zip}: not an object file: {e}"));
        let (format, arch) = expected_format(p);
        assert_eq!(file.format(), format, "{zip}: object format");
        assert_eq!(file.architecture(), arch, "{zip}: architecture");
        assert!(file.is_64(), "{zip}: must be a 64-bit binary");
        assert!(file.is_little_endian(), "{zip}: must be little-endian");
        match &file {
            // PE32+ (the optional header's magic 0x20b), a console program.
            object::File::Pe64(pe) => {
                let optional = &pe.nt_headers().optional_header;
                assert_eq!(optional.magic.get(object::LittleEndian), 0x20b, "{zip}");
                assert_eq!(
                    optional.subsystem.get(object::LittleEndian),
                    object::pe::IMAGE_SUBSYSTEM_WINDOWS_CUI,
                    "{zip}: a console program (Terraform reads its stdout)"
                );
            }
            object::File::Pe32(_) => panic!("{zip}: PE32, not PE32+"),
            // An executable, not an object or a library.
            object::File::MachO64(macho) => {
                assert_eq!(
                    macho.macho_header().filetype(Endianness::Little),
                    object::macho::MH_EXECUTE,
                    "{zip}: Mach-O file type"
                );
            }
            object::File::Elf64(elf) => {
                assert_eq!(
                    elf_interpreter(elf).as_deref(),
                    Some(match p.arch {
                        "amd64" => "/lib64/ld-linux-x86-64.so.2",
                        _ => "/lib/ld-linux-aarch64.so.1",
                    }),
                    "{zip}: a glibc program names glibc's dynamic loader"
                );
                assert_glibc_at_most_2_17(&zip, &file);
            }
            _ => panic!("{zip}: unexpected object file {:?}", file.format()),
        }
    }
}

/// PT_INTERP: the dynamic loader an ELF program (PIE or not) asks the kernel to start it with;
/// libraries have none.
fn elf_interpreter(elf: &object::read::elf::ElfFile64<Endianness>) -> Option<String> {
    use object::read::elf::ProgramHeader as _;
    let endian = elf.endian();
    elf.elf_program_headers()
        .iter()
        .find(|ph| ph.p_type(endian) == object::elf::PT_INTERP)
        .map(|ph| {
            let bytes = ph.data(endian, elf.data()).expect("PT_INTERP contents");
            String::from_utf8_lossy(bytes.split(|&b| b == 0).next().unwrap()).into_owned()
        })
}

/// The glibc symbol versions an ELF binary needs are listed in its `.dynstr`: none may be
/// newer than 2.17, so the provider runs on every distribution of the last ten years and not
/// only on the build machine's.
fn assert_glibc_at_most_2_17(zip: &str, file: &object::File) {
    let dynstr = file
        .section_by_name(".dynstr")
        .unwrap_or_else(|| panic!("{zip}: no .dynstr (not dynamically linked?)"))
        .data()
        .unwrap();
    let needed: Vec<(u32, u32)> = dynstr
        .split(|&b| b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok()?.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let mut parts = v.split('.').map(|n| n.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .collect();
    assert!(!needed.is_empty(), "{zip}: no glibc versions found");
    let newest = needed.iter().max().unwrap();
    assert!(
        *newest <= (2, 17),
        "{zip}: needs glibc {}.{}, newer than 2.17",
        newest.0,
        newest.1
    );
}

/// The macOS binaries were linked against generated framework stubs (scripts/macos-link.py):
/// they must load the real frameworks and libSystem by their install names, and each
/// framework symbol must be bound to the framework that exports it (two-level namespace), or
/// macOS would refuse to start them.
#[test]
fn macos_binaries_load_the_frameworks_and_bind_their_symbols() {
    let dist = dist();
    for p in [platform("darwin_amd64"), platform("darwin_arm64")] {
        for zip in [p.provider_zip(), p.emulator_zip()] {
            let member = dist.zip_member(&zip);
            let (dylibs, imports) = macho_dylibs_and_imports(&zip, &member);
            for needed in [SECURITY, CORE_FOUNDATION, LIBSYSTEM] {
                assert!(
                    dylibs.iter().any(|d| d == needed),
                    "{zip}: no LC_LOAD_DYLIB for {needed}; it loads {dylibs:?}"
                );
            }
            let mut bound: BTreeMap<&str, usize> = BTreeMap::new();
            for (symbol, library) in &imports {
                let expected = if symbol.starts_with("_Sec") || symbol.starts_with("_kSec") {
                    Some(SECURITY)
                } else if symbol.starts_with("_CF") || symbol.starts_with("_kCF") {
                    Some(CORE_FOUNDATION)
                } else {
                    None
                };
                if let Some(expected) = expected {
                    assert_eq!(
                        library.as_str(),
                        expected,
                        "{zip}: {symbol} is bound to the wrong library"
                    );
                    *bound.entry(expected).or_default() += 1;
                }
            }
            // The verifier's entry points: without them the frameworks would be linked for
            // nothing, and the stubs never exercised.
            for (symbol, library) in [
                ("_SecTrustEvaluateWithError", SECURITY),
                ("_CFRelease", CORE_FOUNDATION),
            ] {
                assert!(
                    imports.iter().any(|(s, l)| s == symbol && l == library),
                    "{zip}: does not import {symbol} from {library}"
                );
            }
            assert!(
                bound[SECURITY] > 5 && bound[CORE_FOUNDATION] > 5,
                "{zip}: {bound:?}"
            );
        }
    }
}

/// The LC_LOAD_DYLIB install names, and every undefined symbol with the install name its
/// library ordinal (two-level namespace) points at.
fn macho_dylibs_and_imports(zip: &str, member: &ZipMember) -> (Vec<String>, Vec<(String, String)>) {
    let data = &*member.bytes;
    let header = object::macho::MachHeader64::<Endianness>::parse(data, 0)
        .unwrap_or_else(|e| panic!("{zip}: Mach-O header: {e}"));
    let endian = header.endian().unwrap();
    let mut dylibs = Vec::new();
    let mut symtab = None;
    let mut commands = header.load_commands(endian, data, 0).unwrap();
    while let Some(command) = commands.next().unwrap() {
        if let Some(dylib) = command.dylib().unwrap() {
            // LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, ...: ordinals count them all.
            let name = command.string(endian, dylib.dylib.name).unwrap();
            if command.cmd() != object::macho::LC_ID_DYLIB {
                dylibs.push(String::from_utf8_lossy(name).into_owned());
            }
        } else if let Some(st) = command.symtab().unwrap() {
            symtab = Some(st);
        }
    }
    let symbols = symtab
        .unwrap_or_else(|| panic!("{zip}: no LC_SYMTAB"))
        .symbols::<object::macho::MachHeader64<Endianness>, _>(endian, data)
        .unwrap();
    let strings = symbols.strings();
    let mut imports = Vec::new();
    for nlist in symbols.iter() {
        // <mach-o/nlist.h>: N_STAB 0xe0 (debug entries), N_TYPE 0x0e (N_UNDF 0: undefined),
        // N_EXT 0x01 (external).
        let n_type: u8 = nlist.n_type().0;
        if n_type & 0xe0 != 0 || n_type & 0x0e != 0 || n_type & 0x01 == 0 {
            continue;
        }
        let name = String::from_utf8_lossy(nlist.name(endian, strings).unwrap()).into_owned();
        // GET_LIBRARY_ORDINAL: the high byte of n_desc, 1-based over the dylib commands.
        let ordinal = usize::from(nlist.n_desc(endian).0 >> 8);
        let library = match ordinal {
            1..=0xfd => dylibs
                .get(ordinal - 1)
                .cloned()
                .unwrap_or_else(|| panic!("{zip}: {name} has ordinal {ordinal} beyond the dylibs")),
            _ => format!("(special ordinal {ordinal})"),
        };
        imports.push((name, library));
    }
    (dylibs, imports)
}

#[test]
fn linux_arm64_provider_handshakes_under_qemu() {
    let dist = dist();
    let dir = tempfile::tempdir().unwrap();
    let binary = dist.unpack_provider(platform("linux_arm64"), dir.path());
    // Terraform on Linux lets the plugin pick its transport: a unix socket.
    let (network, address) = handshake_schema_and_shutdown(qemu_aarch64(&binary), &[]);
    assert_eq!(network, "unix", "{address}");
}

#[test]
fn windows_amd64_provider_handshakes_under_wine_over_tcp() {
    let dist = dist();
    let dir = tempfile::tempdir().unwrap();
    let binary = dist.unpack_provider(platform("windows_amd64"), dir.path());
    // What Terraform sets on Windows; no AZUREAI_PLUGIN_TCP: TCP is the Windows default.
    let (network, address) = handshake_schema_and_shutdown(
        wine64(&binary),
        &[("PLUGIN_MIN_PORT", "23000"), ("PLUGIN_MAX_PORT", "23999")],
    );
    assert_eq!(network, "tcp", "{address}");
    let port: u16 = address
        .strip_prefix("127.0.0.1:")
        .unwrap_or_else(|| panic!("not a loopback address: {address}"))
        .parse()
        .unwrap();
    assert!(
        (23000..=23999).contains(&port),
        "port {port} outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT"
    );
}

/// The emulator ships for the same machines: its `linux_arm64` and `windows_amd64` builds
/// start under qemu and wine, print their endpoint and answer HTTP on loopback.
#[test]
fn emulators_start_and_answer_under_qemu_and_wine() {
    let dist = dist();
    let dir = tempfile::tempdir().unwrap();
    let runners: [(&str, fn(&std::path::Path) -> Command); 2] =
        [("linux_arm64", qemu_aarch64), ("windows_amd64", wine64)];
    for (name, runner) in runners {
        let binary = dist.unpack_emulator(platform(name), dir.path());
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = runner(&binary)
            .args(["--listen", "127.0.0.1:0", "--project", "demo"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {name} emulator: {e}"));
        let endpoint = support::first_stdout_line(&mut child, name, log.path());
        let origin = endpoint
            .strip_suffix("/api/projects/demo")
            .unwrap_or_else(|| panic!("{name}: unexpected endpoint line {endpoint:?}"));
        let addr = origin
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{name}: not a plain-HTTP endpoint: {endpoint:?}"));
        assert!(addr.starts_with("127.0.0.1:"), "{name}: {addr}");
        // One plain HTTP/1.1 request to a test-control endpoint.
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "GET /_emulator/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            response.starts_with("HTTP/1.1 200") && response.contains("\"requests\""),
            "{name}: GET /_emulator/stats answered:\n{response}\nemulator stderr:\n{}",
            fs::read_to_string(log.path()).unwrap_or_default()
        );
    }
}

/// A Terraform working directory whose configuration requires the provider from `registry`.
struct RegistryWorkspace {
    dir: tempfile::TempDir,
    cli_config: std::path::PathBuf,
    source: String,
}

impl RegistryWorkspace {
    fn new(registry: &Registry) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = format!("{}/azureai/azureai", registry.host());
        // No provider_installation block: the default, direct installation from the registry.
        let cli_config = dir.path().join("terraformrc");
        fs::write(&cli_config, "").unwrap();
        fs::write(
            dir.path().join("main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    azureai = {{\n      source  = \"{source}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
                release_support::VERSION
            ),
        )
        .unwrap();
        RegistryWorkspace {
            dir,
            cli_config,
            source,
        }
    }

    fn terraform(&self, registry: &Registry, args: &[&str]) -> support::CmdOutput {
        let mut cmd = Command::new(&terraform_on_path().path);
        cmd.args(args)
            .arg("-no-color")
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            // Go reads the trusted roots from here: only the registry's test CA.
            .env("SSL_CERT_FILE", registry.ca_file())
            .env_remove("SSL_CERT_DIR")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_LOG")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_CLI_ARGS_init");
        run_with_timeout(cmd, Duration::from_secs(300))
    }
}

#[test]
fn terraform_installs_from_a_registry_checking_the_signature_and_locks_five_platforms() {
    let dist = dist();
    let registry = Registry::start(dist, Tamper::None);
    let ws = RegistryWorkspace::new(&registry);

    let init = ws
        .terraform(&registry, &["init", "-input=false"])
        .assert_success();
    // "self-signed": Terraform verified the signature with the key the registry published
    // (a key that is neither HashiCorp's nor a registry partner's).
    let key_id = &dist.key_id;
    init.assert_contains(&format!(
        "Installed {} v{} (self-signed, key ID {})",
        ws.source,
        release_support::VERSION,
        key_id.to_uppercase()
    ));
    let requests = registry.requests();
    for needed in [
        "/.well-known/terraform.json".to_string(),
        "/v1/providers/azureai/azureai/versions".to_string(),
        format!("/files/{}", sums_name()),
        format!("/files/{}.sig", sums_name()),
        format!("/files/{}", platform("linux_amd64").provider_zip()),
    ] {
        assert!(
            requests.contains(&needed),
            "Terraform never requested {needed}: {requests:?}"
        );
    }

    // What Terraform unpacked is the release's linux_amd64 binary, and it runs: Terraform
    // starts it (handshake, AutoMTLS) to read the schema.
    let linux = dist.zip_member(&platform("linux_amd64").provider_zip());
    let installed = ws.dir.path().join(format!(
        ".terraform/providers/{}/{}/linux_amd64/{}",
        ws.source,
        release_support::VERSION,
        linux.name
    ));
    assert!(
        fs::read(&installed).unwrap_or_default() == linux.bytes,
        "{} is not the release's linux_amd64 binary",
        installed.display()
    );
    let schema = ws
        .terraform(&registry, &["providers", "schema", "-json"])
        .assert_success();
    assert!(
        schema.stdout.contains("\"azureai_hosted_agent_version\""),
        "the installed provider's schema lacks its resource:\n{schema}"
    );

    // `providers lock` for the five platforms: Terraform fetches and hashes each package.
    let mut lock_args = vec!["providers", "lock"];
    let platform_args: Vec<String> = PLATFORMS
        .iter()
        .map(|p| format!("-platform={}", p.name()))
        .collect();
    lock_args.extend(platform_args.iter().map(String::as_str));
    ws.terraform(&registry, &lock_args).assert_success();
    let lock = fs::read_to_string(ws.dir.path().join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(&format!("provider \"{}\"", ws.source)),
        "{lock}"
    );
    // The `hashes = [ "h1:...", "zh:...", ]` lines.
    let hashes: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
        .collect();
    let h1: Vec<&str> = hashes
        .iter()
        .copied()
        .filter(|h| h.starts_with("h1:"))
        .collect();
    let zh: Vec<&str> = hashes
        .iter()
        .copied()
        .filter(|h| h.starts_with("zh:"))
        .collect();
    // One h1: hash per platform, each the hash of that platform's package contents...
    for p in PLATFORMS {
        let expected = h1_hash(&dist.zip_member(&p.provider_zip()));
        assert!(
            h1.contains(&expected.as_str()),
            "no {expected} for {} in the lock file:\n{lock}",
            p.name()
        );
    }
    assert_eq!(h1.len(), 5, "exactly five h1: hashes:\n{lock}");
    // ...and the digests from the signed SHA256SUMS (Terraform takes every line: the five
    // zips and the manifest), each zip's matching the file itself.
    for p in PLATFORMS {
        let digest = sha256_hex(&fs::read(dist.path(&p.provider_zip())).unwrap());
        assert!(
            zh.contains(&format!("zh:{digest}").as_str()),
            "no zh:{digest} for {} in the lock file:\n{lock}",
            p.name()
        );
    }
    let mut signed: Vec<String> = fs::read_to_string(dist.path(&sums_name()))
        .unwrap()
        .lines()
        .map(|l| format!("zh:{}", l.split_whitespace().next().unwrap()))
        .collect();
    signed.sort_unstable();
    let mut recorded: Vec<String> = zh.iter().map(|h| h.to_string()).collect();
    recorded.sort_unstable();
    assert_eq!(recorded, signed, "zh: hashes are not SHA256SUMS's:\n{lock}");
}

/// A SHA256SUMS changed after signing (in a line for another platform, so the zip's own
/// digest still matches) must fail `init`: Terraform verifies the signature, not just digests.
#[test]
fn terraform_refuses_a_checksum_file_that_does_not_match_its_signature() {
    let registry = Registry::start(dist(), Tamper::ChecksumFile);
    let ws = RegistryWorkspace::new(&registry);
    let init = ws
        .terraform(&registry, &["init", "-input=false"])
        .assert_failure();
    // Terraform wraps lines; compare the words.
    let out = init
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.contains("error checking signature: openpgp: invalid signature"),
        "init failed for another reason than the signature:\n{init}"
    );
    assert!(
        !ws.dir
            .path()
            .join(".terraform/providers")
            .join(&ws.source)
            .exists(),
        "the provider was installed despite the bad signature"
    );
}

/// A zip that differs from the signed digest must fail `init`.
#[test]
fn terraform_refuses_a_zip_that_does_not_match_the_checksums() {
    let registry = Registry::start(dist(), Tamper::Zip);
    let ws = RegistryWorkspace::new(&registry);
    let init = ws
        .terraform(&registry, &["init", "-input=false"])
        .assert_failure();
    let out = init
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let genuine =
        sha256_hex(&fs::read(dist().path(&platform("linux_amd64").provider_zip())).unwrap());
    assert!(
        out.contains("archive has incorrect checksum")
            && out.contains(&format!("(expected zh:{genuine})")),
        "init failed for another reason than the checksum:\n{init}"
    );
}

/// The signature release.sh wrote is a detached binary signature over SHA256SUMS by the
/// release key, which gpg itself accepts; and SHA256SUMS covers exactly the five zips and the
/// manifest, while the emulator's archives have their own.
#[test]
fn checksums_and_signatures_cover_exactly_the_release() {
    let dist = dist();
    let sums = fs::read_to_string(dist.path(&sums_name())).unwrap();
    let mut listed: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("`<sha256>  <file>` lines").1)
        .collect();
    let sorted = {
        let mut s = listed.clone();
        s.sort_unstable();
        s
    };
    assert_eq!(listed, sorted, "SHA256SUMS must be sorted by file name");
    listed.sort_unstable();
    let mut expected: Vec<String> = PLATFORMS.iter().map(|p| p.provider_zip()).collect();
    expected.push(release_support::manifest_name());
    expected.sort_unstable();
    assert_eq!(listed, expected);

    let emulator_sums_name = format!(
        "{}_{}_SHA256SUMS",
        release_support::EMULATOR,
        release_support::VERSION
    );
    let emulator_sums = fs::read_to_string(dist.path(&emulator_sums_name)).unwrap();
    assert_eq!(emulator_sums.lines().count(), 5, "{emulator_sums}");
    for p in PLATFORMS {
        assert!(emulator_sums.contains(&p.emulator_zip()), "{emulator_sums}");
    }

    for sums in [sums_name(), emulator_sums_name] {
        let check = Command::new("sha256sum")
            .args(["--check", "--strict", &sums])
            .current_dir(&dist.dir)
            .output()
            .unwrap();
        assert!(check.status.success(), "{sums} does not match the files");
        let verify = Command::new("gpg")
            .args(["--batch", "--status-fd", "1", "--verify"])
            .arg(dist.path(&format!("{sums}.sig")))
            .arg(dist.path(&sums))
            .env("GNUPGHOME", &dist.gnupg)
            .output()
            .unwrap();
        let status = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success() && status.contains(&format!("VALIDSIG {}", dist.fingerprint)),
            "gpg does not accept {sums}.sig as the release key's signature:\n{status}\n{}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let sig = fs::read(dist.path(&format!("{sums}.sig"))).unwrap();
        // Binary OpenPGP (a signature packet), not ASCII armour: what the registry expects.
        assert!(!sig.starts_with(b"-----BEGIN"), "{sums}.sig is armoured");
        assert!(sig[0] & 0x80 != 0, "{sums}.sig is not an OpenPGP packet");
    }
}
