//! Validation rules for a hosted agent version's configuration (docs/agents-api.md, "Limits
//! and naming" and "The hosted definition").
//!
//! Every function appends diagnostics at the path it is given. Callers skip unknown values
//! (they are checked again at plan time when known); the few rules that look at several values
//! at once take [`Field`]s so they can tell "unset" from "not known yet".

use std::sync::LazyLock;

use regex::Regex;

use super::ApiVersion;
use super::quantity::{self, Cpu, Memory};
pub use super::quote;
use crate::framework::{AttrPath, Diagnostics};

/// The metadata key under which the provider stores its creation token (docs/reliability.md,
/// guarantee 3). Duplicated from the client on purpose: the domain must not depend on HTTP
/// code, and a unit test in the resource module pins both constants together.
pub const RESERVED_METADATA_KEY: &str = "terraform-creation-token";
/// The service allows 16 metadata pairs; one is the provider's creation token.
pub const MAX_USER_METADATA_PAIRS: usize = 15;
pub const MAX_METADATA_KEY_CHARS: usize = 64;
pub const MAX_METADATA_VALUE_CHARS: usize = 512;
/// Longest image reference accepted; registries cap names well below this.
pub const MAX_IMAGE_CHARS: usize = 1024;

/// A value that may be unset (null) or not known until apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field<T> {
    Null,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_set(&self) -> bool {
        !matches!(self, Field::Null)
    }
}

fn re(pattern: &str) -> Regex {
    // Patterns are literals in this file; a typo is caught by the unit tests on first use.
    Regex::new(pattern).expect("static regex")
}

static AGENT_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"));
static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z_][A-Za-z0-9_]*$"));
static REGISTRY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$",
    )
});
static REPO_COMPONENT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$"));
static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"));
static DIGEST: LazyLock<Regex> = LazyLock::new(|| re(r"^sha256:[a-f0-9]{64}$"));
static GEN_A_PROTOCOL_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"^v[0-9]+$"));
static SEMVER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"));
static MCP_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9_-]{1,64}$"));

/// Agent names: 1–63 characters, letters, digits and hyphens, starting and ending with a
/// letter or digit (the service's and azd's rule).
pub fn agent_name(name: &str, path: &AttrPath, diags: &mut Diagnostics) {
    if !AGENT_NAME.is_match(name) {
        diags.error_at(
            path.clone(),
            "Invalid agent name",
            format!(
                "{} is not a valid agent name. Use 1 to 63 characters: letters, digits and hyphens, starting and ending with a letter or digit (for example \"orders-bot\").",
                quote(name)
            ),
        );
    }
}

/// `cpu`: a decimal number of cores within the limits table. Returns the parsed value when
/// valid, for the pairing check.
pub fn cpu(s: &str, path: &AttrPath, diags: &mut Diagnostics) -> Option<Cpu> {
    match quantity::check_cpu(s) {
        Ok(c) => Some(c),
        Err(p) => {
            diags.error_at(path.clone(), p.summary, p.detail);
            None
        }
    }
}

/// `memory`: a `Gi`/`Mi` quantity within the limits table.
pub fn memory(s: &str, path: &AttrPath, diags: &mut Diagnostics) -> Option<Memory> {
    match quantity::check_memory(s) {
        Ok(m) => Some(m),
        Err(p) => {
            diags.error_at(path.clone(), p.summary, p.detail);
            None
        }
    }
}

/// Warns (never errors) when memory is not 2 GiB per core.
pub fn cpu_memory_pairing(cpu: Cpu, memory: Memory, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(p) = quantity::pairing_warning(cpu, memory) {
        diags.warning_at(path.clone(), p.summary, p.detail);
    }
}

/// Environment variable names (values are free text). `path` is the map's path; each problem
/// points at its key.
pub fn environment_variable_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    for name in names {
        let at = path.clone().key(name);
        if !ENV_NAME.is_match(name) {
            diags.error_at(
                at,
                "Invalid environment variable name",
                format!(
                    "{} is not a valid environment variable name. Names start with a letter or underscore and contain only letters, digits and underscores (^[A-Za-z_][A-Za-z0-9_]*$), e.g. \"MODEL_DEPLOYMENT_NAME\".",
                    quote(name)
                ),
            );
        } else if name.to_ascii_uppercase().starts_with("FOUNDRY_") {
            diags.error_at(
                at,
                "Reserved environment variable name",
                format!(
                    "{} starts with FOUNDRY_, a prefix the hosting platform reserves for the variables it injects. Choose another name.",
                    quote(name)
                ),
            );
        }
    }
}

/// Metadata: at most 15 user pairs (the 16th is the provider's creation token), keys of 1–64
/// characters, values of at most 512, and never the reserved key. `None` values are unknown.
pub fn metadata(entries: &[(&str, Option<&str>)], path: &AttrPath, diags: &mut Diagnostics) {
    if entries.len() > MAX_USER_METADATA_PAIRS {
        diags.error_at(
            path.clone(),
            "Too many metadata entries",
            format!(
                "metadata has {} entries; at most {MAX_USER_METADATA_PAIRS} are allowed (the service stores 16 pairs and the provider uses one, {RESERVED_METADATA_KEY:?}, to recognise versions it created).",
                entries.len()
            ),
        );
    }
    for (key, value) in entries {
        let at = path.clone().key(key);
        if *key == RESERVED_METADATA_KEY {
            diags.error_at(
                at.clone(),
                "Reserved metadata key",
                format!(
                    "{RESERVED_METADATA_KEY:?} is reserved: the provider writes its creation token there so an interrupted apply can find the version it made. Use another key."
                ),
            );
        }
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_METADATA_KEY_CHARS {
            diags.error_at(
                at.clone(),
                "Invalid metadata key",
                format!(
                    "metadata keys are 1 to {MAX_METADATA_KEY_CHARS} characters long; {} has {key_chars}.",
                    quote(key)
                ),
            );
        }
        if let Some(v) = value {
            let n = v.chars().count();
            if n > MAX_METADATA_VALUE_CHARS {
                diags.error_at(
                    at,
                    "Metadata value too long",
                    format!("metadata values are at most {MAX_METADATA_VALUE_CHARS} characters long; this one has {n}."),
                );
            }
        }
    }
}

/// A container image reference: `registry/repository:tag`, `registry/repository@sha256:<hex>`
/// or both. Warns on `:latest` and on a missing tag, because a version is immutable but a
/// moving tag is not.
pub fn image(reference: &str, path: &AttrPath, diags: &mut Diagnostics) {
    let allowed = "Use a full reference such as \"myregistry.azurecr.io/orders-bot:2026.01.01\" or \"myregistry.azurecr.io/orders-bot@sha256:<64 hex digits>\": a registry host, a lowercase repository path, and a tag and/or a sha256 digest.";
    let mut fail = |why: String| {
        diags.error_at(
            path.clone(),
            "Invalid image reference",
            format!("{why} {allowed}"),
        )
    };
    if reference.chars().count() > MAX_IMAGE_CHARS {
        return fail(format!(
            "The image reference is {} characters long (at most {MAX_IMAGE_CHARS}).",
            reference.chars().count()
        ));
    }
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        if !DIGEST.is_match(d) {
            return fail(format!(
                "{} has a malformed digest (expected sha256: and 64 lowercase hex digits).",
                quote(reference)
            ));
        }
    }
    // The tag separator is the last ':' after the last '/' (a ':' before it is a registry port).
    let last_slash = name_tag.rfind('/');
    let after_slash = &name_tag[last_slash.map_or(0, |i| i + 1)..];
    if last_slash.is_some() && after_slash.matches(':').count() > 1 {
        return fail(format!(
            "{} has more than one ':' in {}: a reference has at most one tag, after the last ':' (e.g. \"{}\").",
            quote(reference),
            quote(after_slash),
            after_slash.split(':').take(2).collect::<Vec<_>>().join(":")
        ));
    }
    let (name, tag) = match name_tag.rfind(':') {
        Some(c) if last_slash.is_none_or(|s| c > s) => (&name_tag[..c], Some(&name_tag[c + 1..])),
        _ => (name_tag, None),
    };
    let Some((registry, repository)) = name.split_once('/') else {
        return fail(format!("{} has no registry host.", quote(reference)));
    };
    let looks_like_host =
        registry.contains('.') || registry.contains(':') || registry == "localhost";
    if !REGISTRY.is_match(registry) || !looks_like_host {
        return fail(format!(
            "{} does not start with a registry host (like myregistry.azurecr.io).",
            quote(reference)
        ));
    }
    if let Some((_, port)) = registry.split_once(':') {
        // The pattern allows 1 to 5 digits; the value must be a TCP port.
        if !port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)) {
            return fail(format!(
                "{} has registry port {port}, which is not a port number (1 to 65535).",
                quote(reference)
            ));
        }
    }
    if let Some(c) = repository.split('/').find(|c| c.contains(':')) {
        return fail(format!(
            "{} has a ':' inside its repository path ({}): ':' only separates the registry's port and the tag.",
            quote(reference),
            quote(c)
        ));
    }
    if repository.split('/').any(|c| !REPO_COMPONENT.is_match(c)) {
        return fail(format!(
            "{} has an invalid repository path: components are lowercase letters and digits, separated by '.', '_', '__' or '-'.",
            quote(reference)
        ));
    }
    match tag {
        Some(t) if !TAG.is_match(t) => {
            return fail(format!(
                "{} has an invalid tag (letters, digits, '_', '.', '-', at most 128 characters, not starting with '.' or '-').",
                quote(reference)
            ));
        }
        Some("latest") if digest.is_none() => diags.warning_at(
            path.clone(),
            "Image uses the latest tag",
            "A hosted agent version is immutable, but \"latest\" moves: the version would run whatever the tag points to when the service pulls it. Pin a specific tag or a sha256 digest.",
        ),
        None if digest.is_none() => diags.warning_at(
            path.clone(),
            "Image has no tag",
            "Without a tag the registry serves \"latest\", which moves over time. Pin a specific tag or a sha256 digest.",
        ),
        _ => {}
    }
}

const GEN_A_PROTOCOLS: &[&str] = &["responses", "activity_protocol", "invocations"];
const GEN_B_PROTOCOLS: &[&str] = &[
    "responses",
    "invocations",
    "invocations_ws",
    "activity",
    "activity_protocol",
    "a2a",
    "mcp",
    "voice",
    "voice_conversation_engine",
];

fn allowed_protocols(api_version: Option<ApiVersion>) -> Vec<&'static str> {
    match api_version {
        Some(ApiVersion::Preview) => GEN_A_PROTOCOLS.to_vec(),
        Some(ApiVersion::V1) => GEN_B_PROTOCOLS.to_vec(),
        None => {
            let mut all = GEN_B_PROTOCOLS.to_vec();
            all.extend(
                GEN_A_PROTOCOLS
                    .iter()
                    .filter(|p| !GEN_B_PROTOCOLS.contains(p)),
            );
            all
        }
    }
}

/// One `container_protocol_version` block.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolEntry<'a> {
    pub protocol: Field<&'a str>,
    pub version: Field<&'a str>,
}

/// `container_protocol_version` blocks. With `api_version` `None` (at `terraform validate`,
/// before the provider is configured) a value is accepted when either API version accepts it;
/// plan checks again with the configured one.
pub fn protocols(
    entries: &[ProtocolEntry<'_>],
    api_version: Option<ApiVersion>,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    if entries.is_empty() {
        diags.error_at(
            path.clone(),
            "Missing container_protocol_version",
            "Declare at least one container_protocol_version block, e.g. protocol = \"responses\" with version = \"1.0.0\" (api_version v1) or \"v1\" (2025-11-15-preview).",
        );
    }
    let allowed = allowed_protocols(api_version);
    let gen_text = match api_version {
        Some(v) => format!(" with api_version {:?}", v.as_str()),
        None => String::new(),
    };
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = path.clone().index(i);
        if let Field::Known(p) = e.protocol {
            if !allowed.contains(&p) {
                diags.error_at(
                    at.clone().attr("protocol"),
                    "Unsupported protocol",
                    format!(
                        "{} is not a protocol hosted agents speak{gen_text}. Allowed: {}.",
                        quote(p),
                        allowed.join(", ")
                    ),
                );
            } else if seen.contains(&p) {
                diags.error_at(
                    at.clone().attr("protocol"),
                    "Duplicate protocol",
                    format!("Protocol {p:?} is declared more than once; declare each protocol in one block."),
                );
            }
            seen.push(p);
        }
        if let Field::Known(v) = e.version {
            let ok = match api_version {
                Some(ApiVersion::Preview) => GEN_A_PROTOCOL_VERSION.is_match(v),
                Some(ApiVersion::V1) => SEMVER.is_match(v),
                None => GEN_A_PROTOCOL_VERSION.is_match(v) || SEMVER.is_match(v),
            };
            if !ok {
                let expected = match api_version {
                    Some(ApiVersion::Preview) => "api_version \"2025-11-15-preview\" takes versions like \"v1\"".to_owned(),
                    Some(ApiVersion::V1) => "api_version \"v1\" takes semantic versions like \"1.0.0\" (the service rejects \"v1\" there)".to_owned(),
                    None => "use a semantic version like \"1.0.0\" (api_version v1) or \"v1\" (api_version 2025-11-15-preview)".to_owned(),
                };
                diags.error_at(
                    at.attr("version"),
                    "Invalid protocol version",
                    format!("{} is not a valid protocol version: {expected}.", quote(v)),
                );
            }
        }
    }
}

/// One `tool` block.
#[derive(Clone, Debug)]
pub struct ToolEntry<'a> {
    pub r#type: Field<&'a str>,
    pub server_label: Field<&'a str>,
    pub server_url: Field<&'a str>,
    pub allowed_tools: Field<()>,
    pub require_approval: Field<&'a str>,
    pub headers: Field<()>,
    /// Number of ids when known.
    pub vector_store_ids: Field<usize>,
    pub max_num_results: Field<Option<i64>>,
    pub project_connection_id: Field<&'a str>,
}

pub const TOOL_TYPES: &[&str] = &["code_interpreter", "file_search", "mcp"];

/// `tool` blocks exist only on hosted definitions of the preview API (the `v1` hosted
/// definition has no `tools`; tools come from the Foundry Toolbox MCP there).
pub fn tools_allowed(
    count: usize,
    api_version: ApiVersion,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    if count > 0 && api_version == ApiVersion::V1 {
        // Terraform cannot underline a whole list block; the first block's `type` line can.
        diags.error_at(
            path.clone().index(0).attr("type"),
            "Tool blocks need the preview API",
            "Hosted agent definitions take tool blocks only with the provider's api_version = \"2025-11-15-preview\". With api_version \"v1\" (the default) remove the tool blocks; tools are then supplied at runtime (e.g. through the Foundry Toolbox MCP).",
        );
    }
}

/// Type and required/allowed fields of each tool block.
pub fn tools(entries: &[ToolEntry<'_>], path: &AttrPath, diags: &mut Diagnostics) {
    for (i, t) in entries.iter().enumerate() {
        let at = path.clone().index(i);
        let Field::Known(ty) = t.r#type else { continue };
        // (field name, is it set) for every optional field, to report fields a type ignores.
        let fields: [(&str, bool); 8] = [
            ("server_label", t.server_label.is_set()),
            ("server_url", t.server_url.is_set()),
            ("allowed_tools", t.allowed_tools.is_set()),
            ("require_approval", t.require_approval.is_set()),
            ("headers", t.headers.is_set()),
            ("vector_store_ids", t.vector_store_ids.is_set()),
            ("max_num_results", t.max_num_results.is_set()),
            ("project_connection_id", t.project_connection_id.is_set()),
        ];
        let used: &[&str] = match ty {
            "code_interpreter" => &[],
            "file_search" => &["vector_store_ids", "max_num_results"],
            "mcp" => &[
                "server_label",
                "server_url",
                "allowed_tools",
                "require_approval",
                "headers",
                "project_connection_id",
            ],
            other => {
                diags.error_at(
                    at.attr("type"),
                    "Unsupported tool type",
                    format!(
                        "{} is not a tool type hosted agents take here. Allowed: {}.",
                        quote(other),
                        TOOL_TYPES.join(", ")
                    ),
                );
                continue;
            }
        };
        for (name, set) in fields {
            if set && !used.contains(&name) {
                diags.error_at(
                    at.clone().attr(name),
                    "Argument not used by this tool type",
                    format!(
                        "{name} does not apply to tools of type {ty:?}. {ty:?} takes {}.",
                        if used.is_empty() {
                            "no other arguments".to_owned()
                        } else {
                            used.join(", ")
                        }
                    ),
                );
            }
        }
        match ty {
            "file_search" => {
                match t.vector_store_ids {
                    Field::Null | Field::Known(0) => diags.error_at(
                        at.clone().attr("vector_store_ids"),
                        "Missing vector_store_ids",
                        "A file_search tool needs vector_store_ids with at least one vector store id.",
                    ),
                    _ => {}
                }
                if let Field::Known(Some(n)) = t.max_num_results {
                    if !(1..=50).contains(&n) {
                        diags.error_at(
                            at.clone().attr("max_num_results"),
                            "Invalid max_num_results",
                            format!("max_num_results is {n}; it must be between 1 and 50."),
                        );
                    }
                }
                if let Field::Known(None) = t.max_num_results {
                    diags.error_at(
                        at.clone().attr("max_num_results"),
                        "Invalid max_num_results",
                        "max_num_results is a whole number between 1 and 50.",
                    );
                }
            }
            "mcp" => {
                match t.server_label {
                    Field::Null => diags.error_at(
                        at.clone().attr("server_label"),
                        "Missing server_label",
                        "An mcp tool needs server_label: a short name for the server (letters, digits, '_' and '-').",
                    ),
                    Field::Known(l) if !MCP_LABEL.is_match(l) => diags.error_at(
                        at.clone().attr("server_label"),
                        "Invalid server_label",
                        format!("{} is not a valid server_label: use 1 to 64 letters, digits, '_' or '-'.", quote(l)),
                    ),
                    _ => {}
                }
                match t.server_url {
                    Field::Null => diags.error_at(
                        at.clone().attr("server_url"),
                        "Missing server_url",
                        "An mcp tool needs server_url, the https:// URL of the MCP server.",
                    ),
                    Field::Known(u) if !is_https_url(u) => diags.error_at(
                        at.clone().attr("server_url"),
                        "Invalid server_url",
                        format!("{} is not an https URL. The MCP server URL must start with https:// and name a host.", quote(u)),
                    ),
                    _ => {}
                }
                if let Field::Known(r) = t.require_approval {
                    if r != "always" && r != "never" {
                        diags.error_at(
                            at.clone().attr("require_approval"),
                            "Invalid require_approval",
                            format!(
                                "{} is not allowed: require_approval is \"always\" or \"never\".",
                                quote(r)
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn is_https_url(u: &str) -> bool {
    match url::Url::parse(u) {
        Ok(parsed) => {
            parsed.scheme() == "https" && parsed.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

/// Parses an import id `<agent_name>/<version>`.
pub fn parse_import_id(id: &str) -> Result<(String, String), String> {
    let expected = "Expected the form <agent_name>/<version>, e.g. \"my-agent/3\".";
    let mut parts = id.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(version), None) if !name.is_empty() && !version.is_empty() => {
            if !AGENT_NAME.is_match(name) {
                return Err(format!(
                    "{} is not a valid agent name (letters, digits and hyphens, 1 to 63 characters). {expected}",
                    quote(name)
                ));
            }
            if version.chars().any(|c| c.is_whitespace() || c.is_control()) || version.len() > 128 {
                return Err(format!(
                    "{} is not a valid version. {expected}",
                    quote(version)
                ));
            }
            Ok((name.to_owned(), version.to_owned()))
        }
        _ => Err(format!(
            "{} is not a hosted agent version id. {expected}",
            quote(id)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Diagnostic, Severity};

    fn run(f: impl FnOnce(&AttrPath, &mut Diagnostics)) -> Vec<Diagnostic> {
        let mut d = Diagnostics::new();
        f(&AttrPath::root("x"), &mut d);
        d.0
    }
    fn errors(f: impl FnOnce(&AttrPath, &mut Diagnostics)) -> Vec<Diagnostic> {
        run(f)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }
    fn warnings(f: impl FnOnce(&AttrPath, &mut Diagnostics)) -> Vec<Diagnostic> {
        run(f)
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect()
    }

    #[test]
    fn agent_names() {
        for ok in ["a", "orders-bot", "MyHostedAgent", "a1-b2", &"x".repeat(63)] {
            assert!(errors(|p, d| agent_name(ok, p, d)).is_empty(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "a b",
            "ä",
            &"x".repeat(64),
            "a/b",
        ] {
            let e = errors(|p, d| agent_name(bad, p, d));
            assert_eq!(e.len(), 1, "{bad}");
            assert_eq!(e[0].path, Some(AttrPath::root("x")));
            assert!(e[0].detail.contains("1 to 63 characters"));
        }
    }

    #[test]
    fn environment_variable_names_point_at_the_key() {
        let e = errors(|p, d| {
            environment_variable_names(
                ["OK_1", "_x", "1BAD", "has-dash", "FOUNDRY_X", "foundry_y"],
                p,
                d,
            )
        });
        let paths: Vec<String> = e
            .iter()
            .map(|d| d.path.clone().unwrap().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "x[\"1BAD\"]",
                "x[\"has-dash\"]",
                "x[\"FOUNDRY_X\"]",
                "x[\"foundry_y\"]"
            ]
        );
        assert_eq!(e[2].summary, "Reserved environment variable name");
        assert!(e[0].detail.contains("^[A-Za-z_][A-Za-z0-9_]*$"));
    }

    #[test]
    fn metadata_limits() {
        let fifteen: Vec<(String, String)> =
            (0..15).map(|i| (format!("k{i}"), "v".into())).collect();
        let as_refs = |v: &[(String, String)]| {
            v.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        let ok = as_refs(&fifteen);
        let refs: Vec<(&str, Option<&str>)> = ok
            .iter()
            .map(|(k, v)| (k.as_str(), Some(v.as_str())))
            .collect();
        assert!(errors(|p, d| metadata(&refs, p, d)).is_empty());

        let mut sixteen = refs.clone();
        sixteen.push(("k15", Some("v")));
        let e = errors(|p, d| metadata(&sixteen, p, d));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, Some(AttrPath::root("x")));
        assert!(e[0].detail.contains("at most 15"));

        let long_key = "k".repeat(65);
        let long_val = "v".repeat(513);
        let e = errors(|p, d| {
            metadata(
                &[
                    (RESERVED_METADATA_KEY, Some("x")),
                    (&long_key, Some("v")),
                    ("ok", Some(&long_val)),
                    ("", Some("v")),
                    ("unknown", None),
                    (&"k".repeat(64), Some(&"v".repeat(512))),
                ],
                p,
                d,
            )
        });
        let summaries: Vec<&str> = e.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Reserved metadata key",
                "Invalid metadata key",
                "Metadata value too long",
                "Invalid metadata key"
            ]
        );
        assert_eq!(e[2].path.clone().unwrap().to_string(), "x[\"ok\"]");
    }

    #[test]
    fn unicode_metadata_is_counted_in_characters() {
        let key = "ü".repeat(64); // 128 bytes, 64 characters
        assert!(errors(|p, d| metadata(&[(&key, Some("ä"))], p, d)).is_empty());
    }

    #[test]
    fn image_references() {
        for ok in [
            "myacr.azurecr.io/orders-bot:2026.01.01",
            "myacr.azurecr.io/team/orders_bot:v3",
            "localhost:5000/app:v1",
            "localhost/app:1",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/org/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(run(|p, d| image(ok, p, d)).is_empty(), "{ok}");
        }
        for bad in [
            "",
            "orders-bot:v1",
            "nginx",
            "myacr.azurecr.io/Orders:v1",
            "myacr.azurecr.io/app:",
            "myacr.azurecr.io/app:-x",
            "myacr.azurecr.io/app@sha256:abc",
            "myacr.azurecr.io/app@md5:0123",
            "myacr.azurecr.io//app:v1",
            "my acr.io/app:v1",
            "https://myacr.azurecr.io/app:v1",
            "myacr.azurecr.io/app:v1@sha256:0123@x",
        ] {
            let e = errors(|p, d| image(bad, p, d));
            assert_eq!(e.len(), 1, "{bad}: {e:?}");
            assert!(
                e[0].detail
                    .contains("myregistry.azurecr.io/orders-bot:2026.01.01")
            );
        }
        let huge = format!("a.io/{}:v1", "a".repeat(5000));
        assert!(
            errors(|p, d| image(&huge, p, d))[0]
                .detail
                .contains("at most 1024")
        );
        for (bad, says) in [
            (
                "myreg.io/a:1:2",
                "has more than one ':' in \"a:1:2\": a reference has at most one tag, after the last ':' (e.g. \"a:1\")",
            ),
            ("myreg.io:5000/team/a:1:2", "more than one ':' in \"a:1:2\""),
            (
                "myreg.io/a:1/b:2",
                "has a ':' inside its repository path (\"a:1\")",
            ),
            (
                "myreg.io:70000/a:1",
                "has registry port 70000, which is not a port number (1 to 65535)",
            ),
            ("myreg.io:99999/a:1", "registry port 99999"),
            ("myreg.io:0/a:1", "registry port 0"),
        ] {
            let e = errors(|p, d| image(bad, p, d));
            assert_eq!(e.len(), 1, "{bad}: {e:?}");
            assert!(e[0].detail.contains(says), "{bad}: {}", e[0].detail);
            assert!(!e[0].detail.contains("invalid repository path"), "{bad}");
        }
        for ok in ["myreg.io:65535/a:1", "myreg.io:1/a:1", "localhost:5000/a"] {
            assert!(errors(|p, d| image(ok, p, d)).is_empty(), "{ok}");
        }
        assert_eq!(
            warnings(|p, d| image("a.io/app:latest", p, d))[0].summary,
            "Image uses the latest tag"
        );
        assert_eq!(
            warnings(|p, d| image("a.io/app", p, d))[0].summary,
            "Image has no tag"
        );
        assert!(
            run(|p, d| image("a.io/app:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", p, d))
                .is_empty(),
            "a digest pins the image even with :latest"
        );
    }

    fn proto<'a>(p: &'a str, v: &'a str) -> ProtocolEntry<'a> {
        ProtocolEntry {
            protocol: Field::Known(p),
            version: Field::Known(v),
        }
    }

    #[test]
    fn protocols_per_api_version() {
        let gen_b = [proto("responses", "1.0.0"), proto("invocations", "2.0.0")];
        assert!(errors(|p, d| protocols(&gen_b, Some(ApiVersion::V1), p, d)).is_empty());
        assert!(errors(|p, d| protocols(&gen_b, None, p, d)).is_empty());
        let e = errors(|p, d| protocols(&gen_b, Some(ApiVersion::Preview), p, d));
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].path.clone().unwrap().to_string(), "x[0].version");

        let gen_a = [proto("responses", "v1"), proto("activity_protocol", "v2")];
        assert!(errors(|p, d| protocols(&gen_a, Some(ApiVersion::Preview), p, d)).is_empty());
        assert!(errors(|p, d| protocols(&gen_a, None, p, d)).is_empty());
        let e = errors(|p, d| protocols(&gen_a, Some(ApiVersion::V1), p, d));
        assert!(e.iter().all(|d| d.detail.contains("1.0.0")), "{e:?}");

        let e = errors(|p, d| protocols(&[proto("a2a", "1.0.0")], Some(ApiVersion::Preview), p, d));
        assert_eq!(e[0].path.clone().unwrap().to_string(), "x[0].protocol");
        assert!(
            e[0].detail
                .contains("responses, activity_protocol, invocations")
        );

        let e = errors(|p, d| protocols(&[proto("RESPONSES", "1.0")], None, p, d));
        assert_eq!(e.len(), 2);
        let e = errors(|p, d| {
            protocols(
                &[proto("responses", "1.0.0"), proto("responses", "2.0.0")],
                None,
                p,
                d,
            )
        });
        assert_eq!(e[0].summary, "Duplicate protocol");
        assert_eq!(errors(|p, d| protocols(&[], None, p, d)).len(), 1);
        let unknown = [ProtocolEntry {
            protocol: Field::Unknown,
            version: Field::Unknown,
        }];
        assert!(errors(|p, d| protocols(&unknown, Some(ApiVersion::V1), p, d)).is_empty());
    }

    fn tool(ty: &str) -> ToolEntry<'_> {
        ToolEntry {
            r#type: Field::Known(ty),
            server_label: Field::Null,
            server_url: Field::Null,
            allowed_tools: Field::Null,
            require_approval: Field::Null,
            headers: Field::Null,
            vector_store_ids: Field::Null,
            max_num_results: Field::Null,
            project_connection_id: Field::Null,
        }
    }

    #[test]
    fn tool_rules() {
        assert!(errors(|p, d| tools(&[tool("code_interpreter")], p, d)).is_empty());
        let e = errors(|p, d| tools(&[tool("web_search")], p, d));
        assert_eq!(e[0].path.clone().unwrap().to_string(), "x[0].type");

        let e = errors(|p, d| tools(&[tool("file_search")], p, d));
        assert_eq!(
            e[0].path.clone().unwrap().to_string(),
            "x[0].vector_store_ids"
        );
        let fs = ToolEntry {
            vector_store_ids: Field::Known(1),
            max_num_results: Field::Known(Some(51)),
            ..tool("file_search")
        };
        let e = errors(|p, d| tools(&[fs], p, d));
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].path.clone().unwrap().to_string(),
            "x[0].max_num_results"
        );

        let e = errors(|p, d| tools(&[tool("mcp")], p, d));
        let paths: Vec<String> = e
            .iter()
            .map(|d| d.path.clone().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["x[0].server_label", "x[0].server_url"]);
        let mcp = ToolEntry {
            server_label: Field::Known("gh"),
            server_url: Field::Known("http://mcp.example.com"),
            require_approval: Field::Known("sometimes"),
            vector_store_ids: Field::Known(1),
            ..tool("mcp")
        };
        let e = errors(|p, d| tools(&[mcp], p, d));
        let paths: Vec<String> = e
            .iter()
            .map(|d| d.path.clone().unwrap().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "x[0].vector_store_ids",
                "x[0].server_url",
                "x[0].require_approval"
            ]
        );
        let good = ToolEntry {
            server_label: Field::Known("gh"),
            server_url: Field::Known("https://mcp.example.com/sse"),
            require_approval: Field::Known("never"),
            allowed_tools: Field::Known(()),
            headers: Field::Unknown,
            ..tool("mcp")
        };
        assert!(errors(|p, d| tools(&[good], p, d)).is_empty());
        let unknown = ToolEntry {
            r#type: Field::Unknown,
            server_url: Field::Known("ftp://x"),
            ..tool("x")
        };
        assert!(
            errors(|p, d| tools(&[unknown], p, d)).is_empty(),
            "unknown type: checked at plan"
        );
    }

    #[test]
    fn tools_only_with_gen_a() {
        assert_eq!(
            errors(|p, d| tools_allowed(1, ApiVersion::V1, p, d)).len(),
            1
        );
        assert!(errors(|p, d| tools_allowed(1, ApiVersion::Preview, p, d)).is_empty());
        assert!(errors(|p, d| tools_allowed(0, ApiVersion::V1, p, d)).is_empty());
    }

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_import_id("my-agent/3").unwrap(),
            ("my-agent".into(), "3".into())
        );
        assert_eq!(
            parse_import_id("a/draft-1767225600000").unwrap().1,
            "draft-1767225600000"
        );
        for bad in [
            "",
            "my-agent",
            "my-agent/",
            "/3",
            "a/b/c",
            "my_agent/3",
            "my-agent:3",
            "a/ 3",
        ] {
            let err = parse_import_id(bad).unwrap_err();
            assert!(
                err.contains("<agent_name>/<version>") && err.contains("my-agent/3"),
                "{bad}: {err}"
            );
        }
    }
}
