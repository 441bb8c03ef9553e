//! The provider binary Terraform launches (`terraform-provider-azureai`).
//!
//! Without arguments it performs the go-plugin handshake and serves tfplugin5; `--debug`
//! serves in reattach mode instead. stdout carries only the handshake line (or, in debug
//! mode, the reattach JSON); everything else goes to stderr.

use std::process::ExitCode;

use clap::Parser;

use azureai::plugin::{self, ServeOptions};
use azureai::protocol::ProviderService;

#[derive(Debug, Default, Parser)]
#[command(
    name = "terraform-provider-azureai",
    version,
    about = "Terraform provider for Azure AI Foundry hosted agent versions"
)]
struct Cli {
    /// Serve without Terraform starting us: plaintext on loopback, print the
    /// TF_REATTACH_PROVIDERS value to export, and run until Ctrl-C / SIGTERM.
    #[arg(long)]
    debug: bool,
}

fn main() -> ExitCode {
    // `docs [--check]`: the registry docs generator (src/docs), kept out of the plugin CLI.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("docs") {
        let code = azureai::docs::cli(&*azureai::provider::new_provider(), &args[2..]);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    // Terraform starts us without arguments, and the time to the handshake line is paid on
    // every command: skip building clap's parser (a tenth of our start-up) when there is
    // nothing to parse.
    let cli = if args.len() > 1 {
        Cli::parse()
    } else {
        Cli::default()
    };
    azureai::logging::init();

    let service = ProviderService::new(azureai::provider::new_provider());
    let opts = ServeOptions {
        debug: cli.debug,
        // Shutdown (or SIGTERM) also cancels whatever the provider is still doing.
        cancel_on_shutdown: Some(service.stop_token()),
        ..ServeOptions::default()
    };
    plugin::run(service, opts)
}
