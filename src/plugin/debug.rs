//! `--debug` (reattach) mode: serve plaintext on loopback and tell the user (or a test
//! harness) the `TF_REATTACH_PROVIDERS` value that makes Terraform use this process.
//!
//! Terraform treats reattached providers as unmanaged: it dials them without TLS and leaves
//! them running, so one process can serve many Terraform runs until it receives a signal.

use std::io::{self, Write};

use serde_json::json;

use super::handshake::{Network, PROTOCOL_VERSION};

/// The `TF_REATTACH_PROVIDERS` JSON for one provider.
pub fn reattach_config(
    provider_address: &str,
    network: Network,
    address: &str,
    pid: u32,
) -> String {
    json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": network.as_str(), "String": address },
        }
    })
    .to_string()
}

/// Prints the JSON as one line on stdout (for harnesses) and a hint on stderr (for humans).
pub fn announce(reattach_json: &str) -> io::Result<()> {
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{reattach_json}")?;
        out.flush()?;
    }
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "Provider started in debug mode. In the shell where you run Terraform:\n\n\
         \texport TF_REATTACH_PROVIDERS='{reattach_json}'\n\n\
         Stop the provider with Ctrl-C."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_json_has_terraforms_shape() {
        let s = reattach_config(
            "registry.terraform.io/azureai/azureai",
            Network::Tcp,
            "127.0.0.1:4321",
            77,
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let p = &v["registry.terraform.io/azureai/azureai"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 5);
        assert_eq!(p["Pid"], 77);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "tcp");
        assert_eq!(p["Addr"]["String"], "127.0.0.1:4321");
        assert!(!s.contains('\n'));
    }
}
