//! Agents API errors as Terraform diagnostics: a constant summary, then in the detail what
//! failed, the service's own words (code, message, request id) and what to do about it; and,
//! when the service blamed a request field that comes from an argument, that argument's path,
//! so Terraform underlines it.

use crate::agents::{Error, ErrorKind};
use crate::framework::{AttrPath, Block, Diagnostic, Type};

/// A diagnostic for a failed operation. `summary` is constant ("Failed to create hosted agent
/// version"); `what` names the object for the detail ("create version of agent \"bot\"").
pub fn diagnostic(summary: &'static str, what: &str, e: &Error) -> Diagnostic {
    diagnostic_at(summary, what, e, None)
}

/// [`diagnostic`], placed at the argument the service's `param` names when `params` maps it.
pub fn diagnostic_at(
    summary: &'static str,
    what: &str,
    e: &Error,
    params: Option<&ParamPaths>,
) -> Diagnostic {
    let path = match (e.kind, e.param.as_deref(), params) {
        (ErrorKind::Validation, Some(param), Some(params)) => params.path(param),
        _ => None,
    };
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
        ErrorKind::Validation if path.is_some() => {
            "The service rejected the value of the argument Terraform underlines."
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
        ErrorKind::Cancelled => "Terraform was interrupted, so the provider stopped waiting.",
        ErrorKind::NotFound | ErrorKind::Conflict => "",
    };
    let mut detail = format!("Could not {what}: {e}.");
    if !hint.is_empty() {
        detail.push_str("\n\n");
        detail.push_str(hint);
    }
    let d = Diagnostic::error(summary, detail);
    match path {
        Some(p) => d.at(p),
        None => d,
    }
}

/// Where the request fields a service error may name (its `param`, e.g. `definition.cpu`,
/// `metadata.team`, `definition.protocol_versions[0].version`) come from in a resource's
/// arguments: `(field, argument)` pairs over the resource's schema. The rest of the param
/// follows the argument's type: a map key after `.` (keys may hold dots), a list element
/// `[i]` and then its attribute.
pub struct ParamPaths {
    pub fields: &'static [(&'static str, &'static str)],
    pub schema: &'static Block,
}

impl ParamPaths {
    /// The attribute path `param` names, if it comes from an argument.
    pub fn path(&self, param: &str) -> Option<AttrPath> {
        // The longest field that is a whole-segment prefix of `param`.
        let (argument, rest) = self
            .fields
            .iter()
            .filter_map(|(field, argument)| {
                let rest = param.strip_prefix(field)?;
                (rest.is_empty() || rest.starts_with(['.', '['])).then_some((*argument, rest))
            })
            .min_by_key(|(_, rest)| rest.len())?;
        let mut path = AttrPath::root(argument);
        if rest.is_empty() {
            return Some(path);
        }
        if let Some(a) = self.schema.find_attribute(argument) {
            // A map attribute: the whole rest after the dot is the key.
            if matches!(a.ty, Type::Map(_)) {
                return Some(match rest.strip_prefix('.') {
                    Some(key) if !key.is_empty() => path.key(key),
                    _ => path,
                });
            }
            return Some(path);
        }
        // A list block: `[i]` then `.attribute` (anything else stops at what is known).
        let Some(index) = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, r)| Some((i.parse::<usize>().ok()?, r)))
        else {
            return Some(path);
        };
        path = path.index(index.0);
        let inner = self.schema.find_block(argument).map(|b| &b.block);
        if let Some(name) = index.1.strip_prefix('.') {
            let name = name.split(['.', '[']).next().unwrap_or(name);
            if inner.is_some_and(|b| b.find_attribute(name).is_some()) {
                path = path.attr(name);
            }
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Attribute, NestedBlock};
    use std::sync::LazyLock;

    static BLOCK: LazyLock<Block> = LazyLock::new(|| {
        Block::new()
            .attribute(Attribute::string("cpu").optional())
            .attribute(Attribute::string_map("metadata").optional())
            .block(NestedBlock::list(
                "container_protocol_version",
                Block::new()
                    .attribute(Attribute::string("protocol").required())
                    .attribute(Attribute::string("version").required()),
            ))
    });

    fn params() -> ParamPaths {
        ParamPaths {
            fields: &[
                ("definition.cpu", "cpu"),
                ("metadata", "metadata"),
                ("definition.protocol_versions", "container_protocol_version"),
            ],
            schema: &BLOCK,
        }
    }

    #[test]
    fn params_map_onto_attribute_paths() {
        let p = params();
        let path = |s: &str| p.path(s).map(|p| p.to_string());
        assert_eq!(path("definition.cpu").as_deref(), Some("cpu"));
        assert_eq!(
            path("metadata.team.name").as_deref(),
            Some("metadata[\"team.name\"]")
        );
        assert_eq!(
            path("definition.protocol_versions[1].version").as_deref(),
            Some("container_protocol_version[1].version")
        );
        assert_eq!(
            path("definition.protocol_versions").as_deref(),
            Some("container_protocol_version")
        );
        assert_eq!(path("definition.cpus"), None, "whole segments only");
        assert_eq!(path("definition.kind"), None);
    }

    #[test]
    fn a_rejected_argument_is_underlined_and_summaries_stay_constant() {
        let mut e = Error::new(
            ErrorKind::Validation,
            "cpu must be at most 4 (parameter definition.cpu)",
        );
        e.param = Some("definition.cpu".into());
        let d = diagnostic_at(
            "Failed to create hosted agent version",
            "create a version of agent \"bot\"",
            &e,
            Some(&params()),
        );
        assert_eq!(d.summary, "Failed to create hosted agent version");
        assert_eq!(d.path, Some(AttrPath::root("cpu")));
        assert!(d.detail.contains("agent \"bot\""), "{}", d.detail);
        // Only rejections of the request point at an argument.
        e.kind = ErrorKind::Server;
        assert_eq!(
            diagnostic_at(
                "Failed to create hosted agent version",
                "x",
                &e,
                Some(&params())
            )
            .path,
            None
        );
    }
}
