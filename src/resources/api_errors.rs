//! Agents API errors as Terraform diagnostics: what failed, the service's own words (code,
//! message, request id) and what to do about it.

use crate::agents::{Error, ErrorKind};
use crate::framework::Diagnostic;

/// A diagnostic for a failed `operation` (e.g. "create hosted agent version bot").
pub fn diagnostic(operation: &str, e: &Error) -> Diagnostic {
    let hint = match e.kind {
        ErrorKind::Unauthorized | ErrorKind::Auth => {
            "Check the provider's credentials (auth_method, tenant_id, client_id, client_secret or the AZURE_* environment variables): the token must be issued for https://ai.azure.com."
        }
        ErrorKind::Forbidden if e.code.as_deref() == Some("preview_feature_required") => {
            "The project asks for a preview opt-in: set foundry_features = \"HostedAgents=V1Preview\" in the provider block."
        }
        ErrorKind::Forbidden => {
            "The identity needs the \"Azure AI User\" (or \"Foundry Project Manager\") role on the project."
        }
        ErrorKind::Throttled => {
            "The service kept throttling after the provider's retries. Run again later or lower -parallelism."
        }
        ErrorKind::Server | ErrorKind::Transport => {
            "The provider retried with back-off before giving up. Run again; quote the request id if it persists."
        }
        ErrorKind::Timeout => {
            "The operation did not finish within its timeout; raise it in the resource's timeouts block."
        }
        ErrorKind::Validation => {
            "The service rejected the request; the message above says which field."
        }
        ErrorKind::Config => {
            "The message above names the endpoint and what to change (the provider block, SSL_CERT_FILE, the AZURE_* or IDENTITY_* variables)."
        }
        ErrorKind::Decode => {
            "The service answered with something the provider could not read; quote the request id when reporting it."
        }
        ErrorKind::Cancelled => {
            "Terraform was interrupted, so the provider stopped waiting. If an interrupted create reached the service, the next plan names the version it made, with how to import or delete it."
        }
        ErrorKind::NotFound | ErrorKind::Conflict => "",
    };
    let mut detail = format!("Could not {operation}: {e}.");
    if !hint.is_empty() {
        detail.push_str("\n\n");
        detail.push_str(hint);
    }
    Diagnostic::error(format!("Failed to {operation}"), detail)
}
