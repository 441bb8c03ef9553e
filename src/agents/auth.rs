//! Credentials: the explicit choices a provider configuration can make, and the default chain
//! (`azure_identity` 1.0 dropped `DefaultAzureCredential`, so we compose our own).
//!
//! Every credential that makes HTTP calls uses the provider's own reqwest client as its
//! transport, so `SSL_CERT_FILE` trust and the single connection pool apply to token requests
//! too. That transport ([`TokenTransport`]) also classifies connection failures (`connect.rs`):
//! a certificate or name-resolution problem at a token endpoint fails at once, with a
//! [`ConnectFailure`] in the error's source chain, instead of being retried by the credential's
//! own retry policy and reported as "retry policy expired". Secrets only ever live in
//! `azure_core::credentials::Secret`, whose `Debug` is redacted.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{
    AsyncRawResponse, ClientOptions as CoreClientOptions, HttpClient, Request, Transport,
};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::connect::{self, ConnectFailure, Role, UNREACHABLE_RETRY_WINDOW};
use super::errors::{Error, ErrorKind};
use super::retry::RetryPolicy;

/// Token scope of the Foundry data plane (docs/agents-api.md, "Authentication").
pub const AGENTS_SCOPE: &str = "https://ai.azure.com/.default";

/// Which credential the provider uses (`auth_method` and friends).
#[derive(Debug, Clone)]
pub enum AuthSelection {
    /// Client secret (env) → workload identity → managed identity → Azure CLI.
    Default,
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: Secret,
    },
    /// Overrides fall back to `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE`.
    WorkloadIdentity {
        tenant_id: Option<String>,
        client_id: Option<String>,
        token_file_path: Option<PathBuf>,
    },
    /// System-assigned, or the user-assigned identity with this client id.
    ManagedIdentity {
        client_id: Option<String>,
    },
    AzureCli,
}

/// Build the credential for `sel`, with `http` as the transport of every HTTP-based credential.
pub fn credential_chain(
    sel: AuthSelection,
    http: reqwest::Client,
) -> Result<Arc<dyn TokenCredential>, Error> {
    let config_err = |what: &str, e: azure_core::Error| {
        Error::new(ErrorKind::Config, format!("cannot set up {what}: {e}"))
    };
    // An explicit choice is a chain of one, so its errors read like the default chain's.
    let only = |name: &'static str, credential: Arc<dyn TokenCredential>| {
        Arc::new(ChainedCredential::from_sources(vec![Source {
            name,
            credential: Ok(credential),
        }])) as Arc<dyn TokenCredential>
    };
    match sel {
        AuthSelection::Default => Ok(Arc::new(default_chain(&http))),
        AuthSelection::ClientSecret {
            tenant_id,
            client_id,
            secret,
        } => client_secret(&tenant_id, client_id, secret, &http)
            .map(|c| only("ClientSecretCredential", c))
            .map_err(|e| config_err("client secret authentication", e)),
        AuthSelection::WorkloadIdentity {
            tenant_id,
            client_id,
            token_file_path,
        } => workload_identity(tenant_id, client_id, token_file_path, &http)
            .map(|c| only("WorkloadIdentityCredential", c))
            .map_err(|e| config_err("workload identity authentication", e)),
        AuthSelection::ManagedIdentity { client_id } => managed_identity(client_id, &http)
            .map(|c| only("ManagedIdentityCredential", c))
            .map_err(|e| config_err("managed identity authentication", e)),
        AuthSelection::AzureCli => {
            let c: Arc<dyn TokenCredential> = AzureCliCredential::new(None)
                .map_err(|e| config_err("Azure CLI authentication", e))?;
            Ok(only("AzureCliCredential", c))
        }
    }
}

fn core_options(http: &reqwest::Client) -> CoreClientOptions {
    CoreClientOptions {
        transport: Some(Transport::new(Arc::new(TokenTransport {
            http: http.clone(),
        }))),
        ..Default::default()
    }
}

/// The credentials' HTTP transport: the provider's reqwest client, with connection failures
/// classified before the credential's retry policy (which retries every connection error for
/// up to a minute or more) sees them:
/// - a certificate, TLS handshake or unknown-host problem comes back at once as an error of a
///   kind that policy does not retry, carrying a [`ConnectFailure`] that names the token
///   endpoint and the cause;
/// - a refused connection (or a resolver that does not answer) to an endpoint that has never
///   answered this process is retried here with back-off for [`UNREACHABLE_RETRY_WINDOW`],
///   then reported the same way; once the endpoint has answered, the error goes to the
///   credential's own policy unchanged (a restart).
#[derive(Debug)]
pub struct TokenTransport {
    http: reqwest::Client,
}

impl TokenTransport {
    pub fn new(http: reqwest::Client) -> Self {
        TokenTransport { http }
    }
}

#[async_trait::async_trait]
impl HttpClient for TokenTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let endpoint = connect::endpoint_of(request.url());
        let backoff = RetryPolicy::default();
        let mut retry = 0u32;
        loop {
            let err = match self.http.execute_request(request).await {
                Ok(response) => {
                    connect::note_answer(&endpoint);
                    return Ok(response);
                }
                Err(e) => e,
            };
            let Some(problem) = connect::classify(&err) else {
                return Err(err);
            };
            let mut failure = ConnectFailure {
                role: Role::Token,
                endpoint: endpoint.clone(),
                problem,
                retried_for: None,
            };
            if !failure.problem.is_permanent() {
                let Some(since) = connect::note_unreachable(&endpoint) else {
                    return Err(err);
                };
                // The last attempt is at the end of the window.
                let left = (since + UNREACHABLE_RETRY_WINDOW)
                    .saturating_duration_since(tokio::time::Instant::now());
                if !left.is_zero() {
                    tokio::time::sleep(backoff.delay(retry, None).min(left)).await;
                    retry += 1;
                    continue;
                }
                failure.retried_for = Some(since.elapsed());
            }
            tracing::debug!(endpoint = %endpoint, "token endpoint unreachable; not retried");
            let message = failure.to_string();
            // `Other`: azure_core's retry policy retries only `Io` and `Connection` errors.
            return Err(azure_core::Error::with_error(
                azure_core::error::ErrorKind::Other,
                failure,
                message,
            ));
        }
    }
}

/// The text of a credential error for a diagnostic: the error's own text when it tells the
/// cause, the [`ConnectFailure`] in its chain when it does not (azure_core's wrappers show
/// "non-transport error occurred which will not be retried" instead of what they wrap).
pub fn credential_error_text(e: &azure_core::Error) -> String {
    let text = e.to_string();
    match connect::find_connect_failure(e).map(ToString::to_string) {
        Some(failure) if !text.contains(&failure) => failure,
        _ => text,
    }
}

fn client_secret(
    tenant_id: &str,
    client_id: String,
    secret: Secret,
    http: &reqwest::Client,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let opts = ClientSecretCredentialOptions {
        client_options: core_options(http),
    };
    Ok(ClientSecretCredential::new(
        tenant_id,
        client_id,
        secret,
        Some(opts),
    )?)
}

fn workload_identity(
    tenant_id: Option<String>,
    client_id: Option<String>,
    token_file_path: Option<PathBuf>,
    http: &reqwest::Client,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let opts = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: core_options(http),
        },
        tenant_id,
        client_id,
        token_file_path,
        ..Default::default()
    };
    Ok(WorkloadIdentityCredential::new(Some(opts))?)
}

fn managed_identity(
    client_id: Option<String>,
    http: &reqwest::Client,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let opts = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        client_options: core_options(http),
        ..Default::default()
    };
    Ok(ManagedIdentityCredential::new(Some(opts))?)
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The default chain, in DefaultAzureCredential's order. A source that cannot even be set up
/// (its environment variables are missing) is kept with the reason, so the final error explains
/// every source.
fn default_chain(http: &reqwest::Client) -> ChainedCredential {
    let mut sources = Vec::new();

    let (tenant, client, secret) = (
        env_nonempty("AZURE_TENANT_ID"),
        env_nonempty("AZURE_CLIENT_ID"),
        env_nonempty("AZURE_CLIENT_SECRET"),
    );
    let cs = match (tenant, client, secret) {
        (Some(t), Some(c), Some(s)) => {
            client_secret(&t, c, Secret::new(s), http).map_err(|e| e.to_string())
        }
        (t, c, s) => {
            let missing: Vec<&str> = [
                ("AZURE_TENANT_ID", t.is_none()),
                ("AZURE_CLIENT_ID", c.is_none()),
                ("AZURE_CLIENT_SECRET", s.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(format!("not configured ({} not set)", missing.join(", ")))
        }
    };
    sources.push(Source {
        name: "EnvironmentClientSecret",
        credential: cs,
    });

    let wi = if env_nonempty("AZURE_FEDERATED_TOKEN_FILE").is_some() {
        workload_identity(None, None, None, http).map_err(|e| e.to_string())
    } else {
        Err("not configured (AZURE_FEDERATED_TOKEN_FILE not set)".to_string())
    };
    sources.push(Source {
        name: "WorkloadIdentityCredential",
        credential: wi,
    });

    // As DefaultAzureCredential does, AZURE_CLIENT_ID selects a user-assigned identity.
    let mi = managed_identity(env_nonempty("AZURE_CLIENT_ID"), http).map_err(|e| e.to_string());
    // Without IDENTITY_ENDPOINT the credential asks IMDS, retrying for up to 72 s when there is
    // none (a laptop, a CI runner); in a chain that must not delay the Azure CLI fallback, so
    // the first answer is time-boxed like DefaultAzureCredential's IMDS probe.
    let mi = match (mi, env_nonempty("IDENTITY_ENDPOINT")) {
        (Ok(c), None) => {
            Ok(Arc::new(Probed::new(c, IMDS_PROBE_TIMEOUT)) as Arc<dyn TokenCredential>)
        }
        (other, _) => other,
    };
    sources.push(Source {
        name: "ManagedIdentityCredential",
        credential: mi,
    });

    let cli: Result<Arc<dyn TokenCredential>, String> = AzureCliCredential::new(None)
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string());
    sources.push(Source {
        name: "AzureCliCredential",
        credential: cli,
    });

    ChainedCredential::from_sources(sources)
}

/// How long the default chain waits for IMDS to answer before trying the next source.
pub const IMDS_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// A credential whose answers are time-boxed until it has produced one token; after that it
/// has proven to exist, and slow answers are waited for.
pub struct Probed {
    inner: Arc<dyn TokenCredential>,
    limit: std::time::Duration,
    proven: std::sync::atomic::AtomicBool,
}

impl Probed {
    pub fn new(inner: Arc<dyn TokenCredential>, limit: std::time::Duration) -> Self {
        Probed {
            inner,
            limit,
            proven: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl fmt::Debug for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probed")
            .field("inner", &self.inner)
            .field("limit", &self.limit)
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for Probed {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        use std::sync::atomic::Ordering;
        if self.proven.load(Ordering::Relaxed) {
            return self.inner.get_token(scopes, options).await;
        }
        match tokio::time::timeout(self.limit, self.inner.get_token(scopes, options)).await {
            Ok(Ok(token)) => {
                self.proven.store(true, Ordering::Relaxed);
                Ok(token)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                format!(
                    "no answer from the managed identity endpoint within {:?}",
                    self.limit
                ),
            )),
        }
    }
}

/// One entry of a chain: a credential, or why it could not be set up.
pub struct Source {
    pub name: &'static str,
    pub credential: Result<Arc<dyn TokenCredential>, String>,
}

/// Tries its sources in order and sticks with the first one that produces a token, so later
/// calls do not pay for probing sources that are known not to work.
pub struct ChainedCredential {
    sources: Vec<Source>,
    selected: Mutex<Option<usize>>,
}

impl ChainedCredential {
    pub fn from_sources(sources: Vec<Source>) -> Self {
        ChainedCredential {
            sources,
            selected: Mutex::new(None),
        }
    }

    /// Name of the source that produced a token, once one has.
    pub fn selected(&self) -> Option<&'static str> {
        let idx = (*self.selected.lock().unwrap_or_else(|p| p.into_inner()))?;
        Some(self.sources[idx].name)
    }
}

impl fmt::Debug for ChainedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.sources.iter().map(|s| s.name).collect();
        f.debug_struct("ChainedCredential")
            .field("sources", &names)
            .field("selected", &self.selected())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let selected = *self.selected.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(idx) = selected {
            let source = &self.sources[idx];
            if let Ok(c) = &source.credential {
                return c.get_token(scopes, options).await.map_err(|e| {
                    let message = format!("{}: {}", source.name, credential_error_text(&e));
                    azure_core::Error::with_error(
                        azure_core::error::ErrorKind::Credential,
                        e,
                        message,
                    )
                });
            }
        }
        let mut failures = Vec::new();
        // The first failure to reach a token endpoint stays in the returned error's source
        // chain, so the client can tell a configuration problem from a refused credential.
        let mut unreachable: Option<azure_core::Error> = None;
        for (idx, source) in self.sources.iter().enumerate() {
            let credential = match &source.credential {
                Ok(c) => c,
                Err(why) => {
                    failures.push(format!("{}: {why}", source.name));
                    continue;
                }
            };
            match credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    *self.selected.lock().unwrap_or_else(|p| p.into_inner()) = Some(idx);
                    tracing::debug!(source = source.name, "credential chain selected a source");
                    return Ok(token);
                }
                Err(e) => {
                    failures.push(format!("{}: {}", source.name, credential_error_text(&e)));
                    if unreachable.is_none() && connect::find_connect_failure(&e).is_some() {
                        unreachable = Some(e);
                    }
                }
            }
        }
        let message = if self.sources.len() == 1 {
            failures.join("")
        } else {
            format!("no credential produced a token. {}", failures.join("; "))
        };
        let kind = azure_core::error::ErrorKind::Credential;
        Err(match unreachable {
            Some(cause) => azure_core::Error::with_error(kind, cause, message),
            None => azure_core::Error::with_message(kind, message),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::time::OffsetDateTime;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Fake {
        token: Option<&'static str>,
        calls: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Fake {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match self.token {
                Some(t) => Ok(AccessToken::new(
                    t,
                    OffsetDateTime::now_utc() + time::Duration::hours(1),
                )),
                None => Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "endpoint unreachable",
                )),
            }
        }
    }

    fn fake(token: Option<&'static str>) -> Arc<Fake> {
        Arc::new(Fake {
            token,
            calls: AtomicUsize::new(0),
        })
    }

    #[tokio::test]
    async fn first_working_source_is_remembered() {
        let (a, b, c) = (fake(None), fake(Some("tok-b")), fake(Some("tok-c")));
        let chain = ChainedCredential::from_sources(vec![
            Source {
                name: "Skipped",
                credential: Err("not configured".into()),
            },
            Source {
                name: "A",
                credential: Ok(a.clone()),
            },
            Source {
                name: "B",
                credential: Ok(b.clone()),
            },
            Source {
                name: "C",
                credential: Ok(c.clone()),
            },
        ]);
        let t = chain.get_token(&[AGENTS_SCOPE], None).await.unwrap();
        assert_eq!(t.token.secret(), "tok-b");
        assert_eq!(chain.selected(), Some("B"));
        chain.get_token(&[AGENTS_SCOPE], None).await.unwrap();
        assert_eq!(a.calls.load(Ordering::SeqCst), 1, "A is not probed again");
        assert_eq!(b.calls.load(Ordering::SeqCst), 2);
        assert_eq!(c.calls.load(Ordering::SeqCst), 0);
    }

    #[derive(Debug)]
    struct Slow(std::time::Duration);

    #[async_trait::async_trait]
    impl TokenCredential for Slow {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            tokio::time::sleep(self.0).await;
            Ok(AccessToken::new(
                "slow",
                OffsetDateTime::now_utc() + time::Duration::hours(1),
            ))
        }
    }

    #[tokio::test]
    async fn a_silent_probe_gives_way_to_the_next_source() {
        let silent = Arc::new(Probed::new(
            Arc::new(Slow(std::time::Duration::from_secs(3600))),
            std::time::Duration::from_millis(50),
        ));
        let chain = ChainedCredential::from_sources(vec![
            Source {
                name: "ManagedIdentityCredential",
                credential: Ok(silent),
            },
            Source {
                name: "AzureCliCredential",
                credential: Ok(fake(Some("cli"))),
            },
        ]);
        let started = std::time::Instant::now();
        let t = chain.get_token(&[AGENTS_SCOPE], None).await.unwrap();
        assert_eq!(t.token.secret(), "cli");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(chain.selected(), Some("AzureCliCredential"));
    }

    #[tokio::test]
    async fn a_proven_source_is_no_longer_time_boxed() {
        let limit = std::time::Duration::from_millis(100);
        let quick = Probed::new(Arc::new(Slow(std::time::Duration::from_millis(10))), limit);
        quick.get_token(&[AGENTS_SCOPE], None).await.unwrap();
        // Slower than the probe limit now, but it has already proven itself.
        let slow_later = Probed {
            inner: Arc::new(Slow(std::time::Duration::from_millis(200))),
            ..quick
        };
        slow_later.get_token(&[AGENTS_SCOPE], None).await.unwrap();
        let unproven = Probed::new(Arc::new(Slow(std::time::Duration::from_millis(200))), limit);
        let err = unproven.get_token(&[AGENTS_SCOPE], None).await.unwrap_err();
        assert!(err.to_string().contains("no answer"), "{err}");
    }

    #[tokio::test]
    async fn final_error_lists_every_source() {
        let chain = ChainedCredential::from_sources(vec![
            Source {
                name: "EnvironmentClientSecret",
                credential: Err("not configured (AZURE_TENANT_ID not set)".into()),
            },
            Source {
                name: "ManagedIdentityCredential",
                credential: Ok(fake(None)),
            },
        ]);
        let msg = chain
            .get_token(&[AGENTS_SCOPE], None)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("EnvironmentClientSecret: not configured"),
            "{msg}"
        );
        assert!(
            msg.contains("ManagedIdentityCredential: endpoint unreachable"),
            "{msg}"
        );
        assert!(chain.selected().is_none());
    }

    #[test]
    fn selection_debug_never_shows_the_secret() {
        let sel = AuthSelection::ClientSecret {
            tenant_id: "t".into(),
            client_id: "c".into(),
            secret: Secret::new("super-secret-value"),
        };
        assert!(!format!("{sel:?}").contains("super-secret-value"));
    }

    #[test]
    fn explicit_client_secret_builds_with_our_transport() {
        let http = crate::agents::transport::build_http_client_trusting(None).unwrap();
        let sel = AuthSelection::ClientSecret {
            tenant_id: "00000000-0000-0000-0000-000000000000".into(),
            client_id: "c".into(),
            secret: Secret::new("s"),
        };
        credential_chain(sel, http.clone()).unwrap();
        let bad = AuthSelection::ClientSecret {
            tenant_id: "t".into(),
            client_id: "".into(),
            secret: Secret::new("s"),
        };
        assert_eq!(
            credential_chain(bad, http).unwrap_err().kind,
            ErrorKind::Config
        );
    }
}
