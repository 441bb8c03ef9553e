//! The `provider "azureai" {}` block: its schema, static validation, and resolution (with
//! environment fallbacks) into the settings the agents client is built from.

use std::sync::LazyLock;

use azure_core::credentials::Secret;
use url::Url;

use crate::agents::{ApiVersion, AuthSelection};
use crate::framework::{AttrPath, Attribute, Block, Diagnostics, Schema, Value};

pub const ENV_ENDPOINT: &str = "AZURE_AI_PROJECT_ENDPOINT";
pub const ENV_TENANT_ID: &str = "AZURE_TENANT_ID";
pub const ENV_CLIENT_ID: &str = "AZURE_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";

const AUTH_METHODS: &[&str] = &[
    "default",
    "client_secret",
    "workload_identity",
    "managed_identity",
    "azure_cli",
];

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new(
        0,
        Block::new()
            .description(
                "The `azureai` provider manages hosted agent versions of one Azure AI Foundry project through the project's agents API.",
            )
            .attribute(Attribute::string("endpoint").optional().description(format!(
                "Project endpoint, e.g. `https://<account>.services.ai.azure.com/api/projects/<project>`. Defaults to the `{ENV_ENDPOINT}` environment variable. Must use `https://`; plain `http://` is accepted only for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), e.g. a local emulator."
            )))
            .attribute(Attribute::string("api_version").optional().description(
                "Agents API version: `v1` (default; the GA hosted-agent contract with version `status` and semantic protocol versions) or `2025-11-15-preview` (the first preview: protocol versions like `v1`, `tool` blocks allowed).",
            ))
            .attribute(Attribute::string("auth_method").optional().description(
                "How to obtain Entra ID tokens: `default` (environment client secret, then workload identity, then managed identity, then Azure CLI), `client_secret`, `workload_identity`, `managed_identity` or `azure_cli`. When unset, `client_secret` is used if `client_secret` is configured here, `default` otherwise.",
            ))
            .attribute(Attribute::string("tenant_id").optional().description(format!(
                "Entra tenant id for `client_secret` and `workload_identity` authentication. Defaults to `{ENV_TENANT_ID}`."
            )))
            .attribute(Attribute::string("client_id").optional().description(format!(
                "Application (client) id for `client_secret` and `workload_identity` authentication, or the client id of a user-assigned identity for `managed_identity`. Defaults to `{ENV_CLIENT_ID}` (not for `managed_identity`)."
            )))
            .attribute(Attribute::string("client_secret").optional().sensitive().description(format!(
                "Client secret for `client_secret` authentication. Defaults to `{ENV_CLIENT_SECRET}`. Prefer the environment variable: a value written here is kept in plan files."
            )))
            .attribute(Attribute::string("foundry_features").optional().description(
                "Value of the `Foundry-Features` header sent with every request, e.g. `HostedAgents=V1Preview` (needed by some projects while hosted agents were in preview). Unset by default.",
            )),
    )
});

/// Settings resolved from the block and the environment.
#[derive(Debug)]
pub struct ProviderSettings {
    pub endpoint: Url,
    pub api_version: ApiVersion,
    pub auth: AuthSelection,
    pub foundry_features: Option<String>,
}

fn path(name: &str) -> AttrPath {
    AttrPath::root(name)
}

/// Whether plain http may be used: only for loopback hosts.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses and checks an endpoint; errors name `source` (the attribute or the variable).
fn check_endpoint(
    raw: &str,
    source: &str,
    diags: &mut Diagnostics,
    at: Option<AttrPath>,
) -> Option<Url> {
    let mut error = |summary: &'static str, detail: String| {
        let d = crate::framework::Diagnostic::error(summary, detail);
        diags.push(match &at {
            Some(p) => d.at(p.clone()),
            None => d,
        });
    };
    let example = "e.g. \"https://<account>.services.ai.azure.com/api/projects/<project>\"";
    let url = match Url::parse(raw.trim()) {
        Ok(u) => u,
        Err(e) => {
            error(
                "Invalid endpoint",
                format!("{source} is not a URL ({e}); expected the project endpoint, {example}."),
            );
            return None;
        }
    };
    if url.host_str().is_none_or(str::is_empty) || url.cannot_be_a_base() {
        error(
            "Invalid endpoint",
            format!("{source} has no host; expected the project endpoint, {example}."),
        );
        return None;
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            error(
                "Insecure endpoint",
                format!(
                    "{source} uses plain http to a non-loopback host; the provider sends bearer tokens only over https (plain http is accepted for localhost, 127.0.0.0/8 and ::1 only). Use an https:// endpoint, {example}."
                ),
            );
            return None;
        }
        other => {
            error(
                "Invalid endpoint",
                format!("{source} has scheme {other:?}; use https://, {example}."),
            );
            return None;
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        error(
            "Invalid endpoint",
            format!("{source} must not contain a query string or fragment; {example}."),
        );
        return None;
    }
    Some(url)
}

fn check_api_version(raw: &str, diags: &mut Diagnostics) -> Option<ApiVersion> {
    match raw.parse::<ApiVersion>() {
        Ok(v) => Some(v),
        Err(_) => {
            diags.error_at(
                path("api_version"),
                "Unsupported api_version",
                format!(
                    "{raw:?} is not an API version this provider speaks. Allowed: \"v1\" (default) and \"2025-11-15-preview\"."
                ),
            );
            None
        }
    }
}

fn check_auth_method(raw: &str, diags: &mut Diagnostics) -> bool {
    if AUTH_METHODS.contains(&raw) {
        return true;
    }
    diags.error_at(
        path("auth_method"),
        "Unsupported auth_method",
        format!(
            "{raw:?} is not an authentication method. Allowed: {}.",
            AUTH_METHODS.join(", ")
        ),
    );
    false
}

fn check_foundry_features(raw: &str, diags: &mut Diagnostics) {
    if !raw.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        diags.error_at(
            path("foundry_features"),
            "Invalid foundry_features",
            "foundry_features is sent as an HTTP header and must be printable ASCII, e.g. \"HostedAgents=V1Preview\".",
        );
    }
}

/// Static checks of the block (`ValidateProviderConfig`): known values only, no environment.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(e) = config.get("endpoint").as_str() {
        check_endpoint(e, "endpoint", &mut diags, Some(path("endpoint")));
    }
    if let Some(v) = config.get("api_version").as_str() {
        check_api_version(v, &mut diags);
    }
    if let Some(m) = config.get("auth_method").as_str() {
        check_auth_method(m, &mut diags);
    }
    if let Some(f) = config.get("foundry_features").as_str() {
        check_foundry_features(f, &mut diags);
    }
    diags
}

/// Resolves the block plus environment fallbacks (`env` is a lookup, so tests need not touch
/// the process environment).
pub fn resolve(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderSettings, Diagnostics> {
    let mut diags = Diagnostics::new();
    for name in [
        "endpoint",
        "api_version",
        "auth_method",
        "tenant_id",
        "client_id",
        "client_secret",
        "foundry_features",
    ] {
        if config.get(name).is_unknown() {
            diags.error_at(
                path(name),
                "Provider argument not known yet",
                format!(
                    "{name} depends on a value that is only known after apply. The azureai provider needs its configuration during plan: set {name} from a variable or a value known before apply."
                ),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let attr = |name: &str| config.get(name).as_str().map(str::to_owned);

    let endpoint = match (attr("endpoint"), env(ENV_ENDPOINT)) {
        (Some(e), _) => check_endpoint(&e, "endpoint", &mut diags, Some(path("endpoint"))),
        (None, Some(e)) => check_endpoint(
            &e,
            &format!("The {ENV_ENDPOINT} environment variable"),
            &mut diags,
            None,
        ),
        (None, None) => {
            diags.error(
                "Missing project endpoint",
                format!(
                    "Set endpoint in the provider \"azureai\" block or the {ENV_ENDPOINT} environment variable to the project endpoint, e.g. \"https://<account>.services.ai.azure.com/api/projects/<project>\"."
                ),
            );
            None
        }
    };
    let api_version = match attr("api_version") {
        Some(v) => check_api_version(&v, &mut diags),
        None => Some(ApiVersion::V1),
    };
    if let Some(f) = attr("foundry_features") {
        check_foundry_features(&f, &mut diags);
    }
    let method = attr("auth_method").unwrap_or_else(|| {
        if attr("client_secret").is_some() {
            "client_secret".to_owned()
        } else {
            "default".to_owned()
        }
    });
    let auth = if check_auth_method(&method, &mut diags) {
        auth_selection(&method, &attr, &env, &mut diags)
    } else {
        None
    };

    match (endpoint, api_version, auth) {
        (Some(endpoint), Some(api_version), Some(auth)) if !diags.has_errors() => {
            Ok(ProviderSettings {
                endpoint,
                api_version,
                auth,
                foundry_features: attr("foundry_features").filter(|f| !f.is_empty()),
            })
        }
        _ => Err(diags),
    }
}

fn auth_selection(
    method: &str,
    attr: &dyn Fn(&str) -> Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Option<AuthSelection> {
    let with_env = |name: &str, var: &str| attr(name).or_else(|| env(var));
    match method {
        "default" => Some(AuthSelection::Default),
        "client_secret" => {
            let mut need = |name: &str, var: &str| {
                let v = with_env(name, var);
                if v.is_none() {
                    diags.error_at(
                        path(name),
                        "Missing credential setting",
                        format!("auth_method \"client_secret\" needs {name}: set it in the provider block or the {var} environment variable."),
                    );
                }
                v
            };
            let tenant = need("tenant_id", ENV_TENANT_ID);
            let client = need("client_id", ENV_CLIENT_ID);
            let secret = need("client_secret", ENV_CLIENT_SECRET);
            Some(AuthSelection::ClientSecret {
                tenant_id: tenant?,
                client_id: client?,
                secret: Secret::new(secret?),
            })
        }
        "workload_identity" => Some(AuthSelection::WorkloadIdentity {
            tenant_id: attr("tenant_id"),
            client_id: attr("client_id"),
            token_file_path: None,
        }),
        "managed_identity" => Some(AuthSelection::ManagedIdentity {
            client_id: attr("client_id"),
        }),
        "azure_cli" => Some(AuthSelection::AzureCli),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut m: std::collections::BTreeMap<String, Value> = SCHEMA
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for (k, v) in pairs {
            m.insert((*k).to_owned(), v.clone());
        }
        Value::Object(m)
    }
    fn no_env(_: &str) -> Option<String> {
        None
    }
    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn endpoint_from_config_or_env_else_an_error_naming_both() {
        let err = resolve(&cfg(&[]), &no_env).unwrap_err();
        let d = &err.0[0];
        assert!(
            d.detail.contains("endpoint") && d.detail.contains(ENV_ENDPOINT),
            "{}",
            d.detail
        );

        let env = |k: &str| {
            (k == ENV_ENDPOINT).then(|| "http://127.0.0.1:9/api/projects/demo".to_owned())
        };
        let s = resolve(&cfg(&[]), &env).unwrap();
        assert_eq!(s.endpoint.as_str(), "http://127.0.0.1:9/api/projects/demo");
        assert_eq!(s.api_version, ApiVersion::V1);
        assert!(matches!(s.auth, AuthSelection::Default));

        let s = resolve(
            &cfg(&[(
                "endpoint",
                Value::string("https://a.services.ai.azure.com/api/projects/p"),
            )]),
            &env,
        )
        .unwrap();
        assert_eq!(
            s.endpoint.host_str(),
            Some("a.services.ai.azure.com"),
            "config wins over env"
        );
    }

    #[test]
    fn plain_http_only_for_loopback() {
        for ok in [
            "http://localhost:8080/api/projects/x",
            "http://127.0.0.2/x",
            "http://[::1]:1/x",
            "https://example.com/x",
        ] {
            assert!(
                validate(&cfg(&[("endpoint", Value::string(ok))])).is_empty(),
                "{ok}"
            );
        }
        for bad in [
            "http://example.com/x",
            "http://10.0.0.1/x",
            "ftp://localhost/x",
            "not a url",
            "https://h/x?y=1",
            "http://127.0.0.1.example.com/",
        ] {
            let d = validate(&cfg(&[("endpoint", Value::string(bad))]));
            assert_eq!(paths(&d), ["endpoint"], "{bad}");
        }
        let env = |k: &str| (k == ENV_ENDPOINT).then(|| "http://example.com/x".to_owned());
        let err = resolve(&cfg(&[]), &env).unwrap_err();
        assert!(
            err.0[0].detail.contains(ENV_ENDPOINT),
            "{}",
            err.0[0].detail
        );
    }

    #[test]
    fn api_version_values() {
        assert!(
            validate(&cfg(&[(
                "api_version",
                Value::string("2025-11-15-preview")
            )]))
            .is_empty()
        );
        let d = validate(&cfg(&[(
            "api_version",
            Value::string("2025-05-15-preview"),
        )]));
        assert_eq!(paths(&d), ["api_version"]);
        assert!(d.0[0].detail.contains("\"v1\"") && d.0[0].detail.contains("2025-11-15-preview"));
        let s = resolve(
            &cfg(&[
                ("endpoint", Value::string("https://h/p")),
                ("api_version", Value::string("2025-11-15-preview")),
            ]),
            &no_env,
        )
        .unwrap();
        assert_eq!(s.api_version, ApiVersion::Preview);
    }

    #[test]
    fn unknown_values_pass_validation_but_not_configure() {
        let c = cfg(&[
            ("endpoint", Value::Unknown),
            ("api_version", Value::Unknown),
            ("auth_method", Value::Unknown),
        ]);
        assert!(validate(&c).is_empty());
        let err = resolve(&c, &no_env).unwrap_err();
        assert_eq!(paths(&err), ["endpoint", "api_version", "auth_method"]);
    }

    #[test]
    fn client_secret_needs_all_three_from_config_or_env() {
        let base = [
            ("endpoint", Value::string("https://h/p")),
            ("auth_method", Value::string("client_secret")),
        ];
        let err = resolve(&cfg(&base), &no_env).unwrap_err();
        assert_eq!(paths(&err), ["tenant_id", "client_id", "client_secret"]);
        assert!(err.0[2].detail.contains(ENV_CLIENT_SECRET));
        let env = |k: &str| match k {
            ENV_TENANT_ID => Some("t".to_owned()),
            ENV_CLIENT_SECRET => Some("s3cr3t-value".to_owned()),
            _ => None,
        };
        let mut with_client = base.to_vec();
        with_client.push(("client_id", Value::string("c")));
        let s = resolve(&cfg(&with_client), &env).unwrap();
        assert!(
            matches!(&s.auth, AuthSelection::ClientSecret { tenant_id, client_id, .. } if tenant_id == "t" && client_id == "c")
        );
        assert!(
            !format!("{s:?}").contains("s3cr3t-value"),
            "secrets never in Debug output"
        );
    }

    #[test]
    fn auth_method_defaults_and_rejects() {
        let s = resolve(
            &cfg(&[
                ("endpoint", Value::string("https://h/p")),
                ("tenant_id", Value::string("t")),
                ("client_id", Value::string("c")),
                ("client_secret", Value::string("s")),
            ]),
            &no_env,
        )
        .unwrap();
        assert!(
            matches!(s.auth, AuthSelection::ClientSecret { .. }),
            "a configured secret selects client_secret"
        );
        let d = validate(&cfg(&[("auth_method", Value::string("password"))]));
        assert_eq!(paths(&d), ["auth_method"]);
        assert!(d.0[0].detail.contains("managed_identity"));
        let s = resolve(
            &cfg(&[
                ("endpoint", Value::string("https://h/p")),
                ("auth_method", Value::string("managed_identity")),
                ("client_id", Value::string("u")),
            ]),
            &no_env,
        )
        .unwrap();
        assert!(
            matches!(s.auth, AuthSelection::ManagedIdentity { client_id: Some(ref c) } if c == "u")
        );
    }

    #[test]
    fn foundry_features_must_be_a_header_value() {
        let d = validate(&cfg(&[(
            "foundry_features",
            Value::string("Hosted\nAgents"),
        )]));
        assert_eq!(paths(&d), ["foundry_features"]);
        assert!(d.iter().all(|d| d.severity == Severity::Error));
    }
}
