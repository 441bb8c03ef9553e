//! The go-plugin handshake: proving Terraform launched us, agreeing on the protocol version,
//! and announcing where we listen.
//!
//! Terraform reads exactly one line from our stdout to find the provider, so this module is
//! the only place in the binary that writes to stdout.

use std::fmt;
use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// Environment variable carrying Terraform's handshake cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie value Terraform sets (the same for protocols 5 and 6).
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Comma-separated list of app protocol versions the host can speak.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
/// The only app protocol we speak: tfplugin5.
pub const PROTOCOL_VERSION: u32 = 5;
/// go-plugin's own protocol version; always 1.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// Why the handshake cannot start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The cookie is missing or wrong: a human (or some other program) ran the binary.
    #[error(
        "This binary is a Terraform provider plugin (azureai/azureai). It is not meant to be run \
         directly: Terraform starts it when a configuration uses the provider.\n\
         To use it, add to your configuration:\n\n  \
         terraform {{\n    required_providers {{\n      azureai = {{ source = \"azureai/azureai\" }}\n    }}\n  }}\n\n\
         and run `terraform init`. To debug the provider, run it with `--debug` and export the \
         TF_REATTACH_PROVIDERS value it prints."
    )]
    NotLaunchedByTerraform,
    /// Terraform offered only older protocol versions (e.g. Terraform 0.11, which speaks 4).
    #[error(
        "Terraform offered plugin protocol version(s) {offered}, but this provider speaks only \
         protocol {PROTOCOL_VERSION}, which Terraform 0.12 and later support. Please upgrade Terraform."
    )]
    NoCommonProtocol { offered: String },
    /// Terraform offered only newer protocol versions: a Terraform that no longer runs
    /// protocol-5 providers, where upgrading Terraform cannot help.
    #[error(
        "Terraform offered plugin protocol version(s) {offered}, but this provider speaks only \
         protocol {PROTOCOL_VERSION}, which this Terraform no longer supports. Use a release of \
         azureai/azureai that supports one of the offered versions, or a Terraform release that \
         still supports protocol {PROTOCOL_VERSION}."
    )]
    OnlyNewerProtocols { offered: String },
}

/// Accepts only the cookie Terraform sets; anything else means we were not launched by it.
pub fn check_magic_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(MAGIC_COOKIE_VALUE) => Ok(()),
        _ => Err(HandshakeError::NotLaunchedByTerraform),
    }
}

/// Picks protocol 5 from the versions the host offers.
///
/// go-plugin treats a missing variable as the legacy version 4, and builds the list from a
/// Go map, so the order carries no preference. Without protocol 5 the advice depends on which
/// side is behind: a Terraform offering only newer versions needs a newer provider (or an
/// older Terraform), anything else a newer Terraform.
pub fn negotiate_protocol(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let offered = offered.unwrap_or("4");
    let versions: Vec<u32> = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .collect();
    if versions.contains(&PROTOCOL_VERSION) {
        return Ok(PROTOCOL_VERSION);
    }
    let shown = if offered.trim().is_empty() {
        "(none)".to_string()
    } else {
        offered.to_string()
    };
    if !versions.is_empty() && versions.iter().all(|&v| v > PROTOCOL_VERSION) {
        Err(HandshakeError::OnlyNewerProtocols { offered: shown })
    } else {
        Err(HandshakeError::NoCommonProtocol { offered: shown })
    }
}

/// Transport family of the listener, as go-plugin names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Tcp,
    Unix,
}

impl Network {
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Tcp => "tcp",
            Network::Unix => "unix",
        }
    }
}

/// The line `CORE|APP|NETWORK|ADDRESS|grpc|CERT` that tells Terraform how to connect.
#[derive(Debug, Clone)]
pub struct HandshakeLine {
    pub protocol_version: u32,
    pub network: Network,
    pub address: String,
    /// The server leaf certificate (DER) under AutoMTLS; `None` when serving plaintext.
    pub server_cert_der: Option<Vec<u8>>,
}

impl fmt::Display for HandshakeLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go decodes the certificate with RawStdEncoding, i.e. base64 without padding.
        let cert = self
            .server_cert_der
            .as_deref()
            .map(|der| STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        write!(
            f,
            "{CORE_PROTOCOL_VERSION}|{}|{}|{}|grpc|{cert}",
            self.protocol_version,
            self.network.as_str(),
            self.address
        )
    }
}

/// Writes the handshake line to stdout and flushes it, so Terraform sees it at once.
pub fn announce(line: &HandshakeLine) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert_eq!(check_magic_cookie(Some(MAGIC_COOKIE_VALUE)), Ok(()));
        assert_eq!(
            check_magic_cookie(None),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_magic_cookie(Some("")),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_magic_cookie(Some(&MAGIC_COOKIE_VALUE[1..])),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
    }

    #[test]
    fn negotiation_finds_5_in_any_order() {
        assert_eq!(negotiate_protocol(Some("5,6")), Ok(5));
        assert_eq!(negotiate_protocol(Some("6,5")), Ok(5));
        assert_eq!(negotiate_protocol(Some(" 5 ")), Ok(5));
    }

    #[test]
    fn negotiation_rejects_other_versions() {
        assert!(matches!(
            negotiate_protocol(Some("6")),
            Err(HandshakeError::OnlyNewerProtocols { .. })
        ));
        assert!(matches!(
            negotiate_protocol(Some("4")),
            Err(HandshakeError::NoCommonProtocol { .. })
        ));
        // Missing means the legacy protocol 4.
        let err = negotiate_protocol(None).unwrap_err();
        assert!(err.to_string().contains("version(s) 4"), "{err}");
        assert!(negotiate_protocol(Some("")).is_err());
        assert!(negotiate_protocol(Some("55")).is_err());
    }

    /// Only newer versions on offer: upgrading Terraform cannot help, the provider (or an older
    /// Terraform) can.
    #[test]
    fn only_newer_protocols_advise_a_newer_provider_not_a_newer_terraform() {
        for offered in ["6", "6,7", " 7 "] {
            let msg = negotiate_protocol(Some(offered)).unwrap_err().to_string();
            assert!(!msg.contains("upgrade Terraform"), "{offered}: {msg}");
            assert!(
                msg.contains(&format!("version(s) {offered}"))
                    && msg.contains("protocol 5")
                    && msg.contains("no longer supports")
                    && msg.contains("release of azureai/azureai that supports one of the offered")
                    && msg.contains("Terraform release that still supports protocol 5"),
                "{offered}: {msg}"
            );
        }
        // Anything older on offer (alone or next to newer ones) still means an old Terraform.
        for offered in ["4", "3,4", "4,6", "garbage", ""] {
            let msg = negotiate_protocol(Some(offered)).unwrap_err().to_string();
            assert!(
                msg.contains("Please upgrade Terraform"),
                "{offered:?}: {msg}"
            );
        }
        let msg = negotiate_protocol(None).unwrap_err().to_string();
        assert!(msg.contains("Please upgrade Terraform"), "{msg}");
    }

    #[test]
    fn handshake_line_format() {
        let line = HandshakeLine {
            protocol_version: 5,
            network: Network::Unix,
            address: "/tmp/plugin123/plugin.sock".into(),
            server_cert_der: Some(vec![0xff, 0x00, 0x10, 0x20]),
        };
        // 4 bytes → 6 base64 chars without the "==" padding.
        assert_eq!(
            line.to_string(),
            "1|5|unix|/tmp/plugin123/plugin.sock|grpc|/wAQIA"
        );
        let plain = HandshakeLine {
            server_cert_der: None,
            network: Network::Tcp,
            address: "127.0.0.1:10000".into(),
            ..line
        };
        assert_eq!(plain.to_string(), "1|5|tcp|127.0.0.1:10000|grpc|");
    }

    #[test]
    fn helpful_message_names_the_provider_and_debug_mode() {
        let msg = HandshakeError::NotLaunchedByTerraform.to_string();
        assert!(msg.contains("azureai/azureai"));
        assert!(msg.contains("--debug"));
    }
}
