//! The agents API client: one method per operation, each bounded by the caller's deadline and
//! retried per [`RetryPolicy`].
//!
//! A `Client` is cheap to clone (everything lives behind one `Arc`) and owns exactly one
//! reqwest client, so all calls of a provider instance share a connection pool.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::agent_endpoint::AgentPatch;
use super::auth::{AGENTS_SCOPE, credential_error_text};
use super::connect::{self, ConnectFailure, Role, UNREACHABLE_RETRY_WINDOW};
use super::errors::{Error, ErrorKind, request_id_from_headers};
use super::models::{Agent, AgentVersion, CreateVersionRequest};
use super::retry::{RetryPolicy, is_retryable_status, parse_retry_after};
use super::transport::build_http_client;
use crate::domain::ApiVersion;

/// Page size for list calls: the service maximum, to keep round trips few.
const PAGE_LIMIT: u32 = 100;
/// Guard against a service whose cursors never end.
const MAX_PAGES: usize = 10_000;
/// `Content-Type` of JSON bodies, and of merge-patches (RFC 7396).
const JSON: &str = "application/json";
const MERGE_PATCH: &str = "application/merge-patch+json";
/// Refresh a cached token this long before it expires.
const TOKEN_REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

/// Everything a [`Client`] needs.
#[derive(Clone)]
pub struct ClientOptions {
    /// Project endpoint, e.g. `https://acct.services.ai.azure.com/api/projects/demo`.
    pub endpoint: Url,
    pub api_version: ApiVersion,
    pub credential: Arc<dyn TokenCredential>,
    /// Value of the `Foundry-Features` header, sent on every call when set.
    pub foundry_features: Option<String>,
    pub retry: RetryPolicy,
    pub user_agent: String,
}

impl ClientOptions {
    /// Options with the defaults: `v1`, default retries, our user agent, no feature header.
    pub fn new(endpoint: Url, credential: Arc<dyn TokenCredential>) -> Self {
        ClientOptions {
            endpoint,
            api_version: ApiVersion::default(),
            credential,
            foundry_features: None,
            retry: RetryPolicy::default(),
            user_agent: default_user_agent(),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_version", &self.api_version)
            .field("foundry_features", &self.foundry_features)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

/// `terraform-provider-azureai/<crate version>`.
pub fn default_user_agent() -> String {
    format!("terraform-provider-azureai/{}", env!("CARGO_PKG_VERSION"))
}

/// Client of one project's agents API.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    api_version: ApiVersion,
    credential: Arc<dyn TokenCredential>,
    foundry_features: Option<HeaderValue>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    /// Our own cache: not every credential caches (the Azure CLI one runs `az` per call).
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("api_version", &self.inner.api_version)
            .finish_non_exhaustive()
    }
}

/// The raw outcome of one HTTP attempt that got a success status.
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// How one attempt failed, as far as the retry loop is concerned.
enum AttemptError {
    /// Worth another try. `maybe_landed`: the service may have acted on the request (the
    /// connection died after sending, a timeout, a 5xx), which matters for creates.
    /// `unreachable`: the endpoint refused the connection (or no resolver answered) and has
    /// never answered this process, so retries stop at the end of its window.
    Retry {
        err: Error,
        after: Option<Duration>,
        maybe_landed: bool,
        unreachable: Option<Unreachable>,
    },
    Fatal(Error),
}

/// An endpoint that has not answered yet: what happened, and since when.
struct Unreachable {
    failure: ConnectFailure,
    since: Instant,
}

impl Unreachable {
    fn give_up_at(&self) -> Instant {
        self.since + UNREACHABLE_RETRY_WINDOW
    }

    /// The error to report once retrying stops, with how long the endpoint was tried.
    fn into_error(self, op: &str) -> Error {
        let mut failure = self.failure;
        failure.retried_for = Some(self.since.elapsed());
        Error::new(failure.error_kind(), format!("{op}: {failure}"))
    }
}

impl From<Error> for AttemptError {
    fn from(e: Error) -> Self {
        AttemptError::Fatal(e)
    }
}

/// One logical call: the same request (and client request id) on every attempt.
struct Call<'a> {
    op: &'static str,
    method: Method,
    segments: Vec<&'a str>,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// `Content-Type` of `body`.
    content_type: &'static str,
    client_request_id: String,
    /// Set once a 401 made us drop the cached token, so a call refreshes it at most once.
    token_refreshed: std::sync::atomic::AtomicBool,
}

impl<'a> Call<'a> {
    fn new(op: &'static str, method: Method, segments: Vec<&'a str>) -> Self {
        Call {
            op,
            method,
            segments,
            query: Vec::new(),
            body: None,
            content_type: JSON,
            client_request_id: uuid::Uuid::new_v4().to_string(),
            token_refreshed: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// A list page as received; `has_more` stays optional so a service that omits it is paged by
/// cursor alone. `data` is required: an answer without it (a proxy's JSON error with status
/// 200, another API's object) is not "no versions" — reading it as empty would make the
/// creation-token lookup miss a version and the create make a duplicate.
#[derive(Deserialize)]
struct RawPage<T> {
    data: Vec<T>,
    #[serde(default)]
    last_id: Option<String>,
    #[serde(default)]
    has_more: Option<bool>,
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn config(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, msg)
}

/// The error text of a reqwest failure with its causes ("error sending request: connection
/// closed before message completed"), which reqwest's own Display leaves out.
fn describe_transport(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg = format!("{msg}: {text}");
        }
        source = s.source();
    }
    msg
}

impl Client {
    /// A client with its own HTTP client built by [`build_http_client`].
    pub fn new(opts: ClientOptions) -> Result<Client, Error> {
        Client::with_http_client(opts, build_http_client()?)
    }

    /// A client using `http` (share it with the credential so there is one pool).
    pub fn with_http_client(opts: ClientOptions, http: reqwest::Client) -> Result<Client, Error> {
        let endpoint = opts.endpoint;
        match endpoint.scheme() {
            "https" => {}
            "http" if is_loopback_host(&endpoint) => {}
            "http" => {
                return Err(config(format!(
                    "refusing to send a bearer token over plain http to {}: use https (plain http is allowed only for loopback hosts)",
                    endpoint.host_str().unwrap_or("")
                )));
            }
            other => {
                return Err(config(format!(
                    "endpoint scheme must be https, got {other:?}"
                )));
            }
        }
        if endpoint.cannot_be_a_base() || endpoint.host().is_none() {
            return Err(config(format!("endpoint {endpoint} is not a base URL")));
        }
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(config(
                "endpoint must not contain a query string or fragment",
            ));
        }
        let foundry_features = match opts.foundry_features.filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(HeaderValue::from_str(&v).map_err(|_| {
                config("foundry_features must be printable ASCII, e.g. \"HostedAgents=V1Preview\"")
            })?),
        };
        let user_agent = HeaderValue::from_str(&opts.user_agent)
            .map_err(|_| config("user agent must be printable ASCII"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                api_version: opts.api_version,
                credential: opts.credential,
                foundry_features,
                user_agent,
                retry: opts.retry,
                token: tokio::sync::Mutex::new(None),
            }),
        })
    }

    pub fn api_version(&self) -> ApiVersion {
        self.inner.api_version
    }

    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// `POST /agents/{agent}/versions`. When `req` carries a creation token and an attempt may
    /// have reached the service, later attempts first look for a version with that token and
    /// return it instead of creating a second one.
    pub async fn create_version(
        &self,
        agent: &str,
        req: &CreateVersionRequest,
        deadline: Instant,
    ) -> Result<AgentVersion, Error> {
        let mut call = Call::new(
            "create version",
            Method::POST,
            vec!["agents", agent, "versions"],
        );
        call.body = Some(
            serde_json::to_vec(&req.to_json(self.inner.api_version)).map_err(|e| {
                Error::new(ErrorKind::Config, format!("cannot encode the request: {e}"))
            })?,
        );
        let token = req.creation_token_value().map(str::to_string);
        let call = &call;
        let token = &token;
        self.with_retries(
            call,
            deadline,
            token.is_none(),
            |attempt, may_have_landed| async move {
                if let (true, Some(token)) = (may_have_landed, token) {
                    match self.find_by_creation_token(agent, token, deadline).await {
                        Ok(Some(existing)) => {
                            tracing::debug!(
                                agent,
                                version = %existing.version,
                                client_request_id = %call.client_request_id,
                                "create landed before its response was lost; adopting the version"
                            );
                            return Ok(existing);
                        }
                        Ok(None) => {}
                        Err(e) if e.is_retryable() => {
                            return Err(AttemptError::Retry {
                                err: e,
                                after: None,
                                maybe_landed: true,
                                unreachable: None,
                            });
                        }
                        Err(e) => return Err(AttemptError::Fatal(e)),
                    }
                }
                let raw = self.attempt(call, attempt, deadline).await?;
                match decode::<AgentVersion>(call.op, &raw) {
                    Ok(v) => Ok(v),
                    // A success status means the service made the version; only its answer
                    // is unreadable. Find it by its token rather than leave it unrecorded.
                    Err(e) => match token {
                        Some(token) => match self.find_by_creation_token(agent, token, deadline).await {
                            Ok(Some(made)) => {
                                tracing::debug!(agent, version = %made.version, "create answer unreadable; found the version by its creation token");
                                Ok(made)
                            }
                            _ => Err(AttemptError::Fatal(e)),
                        },
                        None => Err(AttemptError::Fatal(e)),
                    },
                }
            },
        )
        .await
    }

    /// `GET /agents/{agent}/versions/{version}`.
    pub async fn get_version(
        &self,
        agent: &str,
        version: &str,
        deadline: Instant,
    ) -> Result<AgentVersion, Error> {
        let call = Call::new(
            "get version",
            Method::GET,
            vec!["agents", agent, "versions", version],
        );
        self.call_json(&call, deadline).await
    }

    /// `GET /agents/{agent}/versions`, every page, oldest first.
    pub async fn list_versions(
        &self,
        agent: &str,
        deadline: Instant,
    ) -> Result<Vec<AgentVersion>, Error> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        let mut seen_cursors = HashSet::new();
        for _ in 0..MAX_PAGES {
            let mut call = Call::new(
                "list versions",
                Method::GET,
                vec!["agents", agent, "versions"],
            );
            call.query.push(("limit", PAGE_LIMIT.to_string()));
            call.query.push(("order", "asc".into()));
            if let Some(a) = &after {
                call.query.push(("after", a.clone()));
            }
            let page: RawPage<AgentVersion> = self.call_json(&call, deadline).await?;
            let got = page.data.len();
            out.extend(page.data);
            // Follow `has_more` like the az CLI; when the service omits it, follow the cursor
            // like the Python pager. An empty page always ends the listing.
            let cursor = page.last_id.filter(|c| !c.is_empty());
            let more = page.has_more.unwrap_or(cursor.is_some());
            match cursor {
                Some(c) if more && got > 0 => {
                    if !seen_cursors.insert(c.clone()) {
                        return Err(Error::new(
                            ErrorKind::Decode,
                            format!("list versions: the service returned cursor {c:?} twice; paging would never end"),
                        )
                        .with_client_request_id(&call.client_request_id));
                    }
                    after = Some(c);
                }
                _ => return Ok(out),
            }
        }
        Err(Error::new(
            ErrorKind::Decode,
            format!("list versions: more than {MAX_PAGES} pages"),
        ))
    }

    /// The version of `agent` whose metadata carries `token`, confirmed by reading it back, or
    /// `None` when no live version carries it (none was made, or it is being deleted or gone).
    /// An agent that does not exist has no such version.
    ///
    /// Tokens are minted per create ([`super::new_creation_token`]), so a version found here
    /// is the one that create made, whatever its status.
    pub async fn find_by_creation_token(
        &self,
        agent: &str,
        token: &str,
        deadline: Instant,
    ) -> Result<Option<AgentVersion>, Error> {
        let versions = match self.list_versions(agent, deadline).await {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(listed) = versions
            .into_iter()
            .find(|v| v.creation_token() == Some(token) && !v.is_gone())
        else {
            return Ok(None);
        };
        // A listing may lag behind a delete: only a version that reads back is recorded.
        match self.get_version(agent, &listed.version, deadline).await {
            Ok(v) if v.is_gone() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `DELETE /agents/{agent}/versions/{version}[?force=true]`. A 404 comes back as
    /// `ErrorKind::NotFound`; whether that counts as success is the caller's call.
    pub async fn delete_version(
        &self,
        agent: &str,
        version: &str,
        force: bool,
        deadline: Instant,
    ) -> Result<(), Error> {
        let mut call = Call::new(
            "delete version",
            Method::DELETE,
            vec!["agents", agent, "versions", version],
        );
        if force {
            call.query.push(("force", "true".into()));
        }
        self.call_unit(&call, deadline).await
    }

    /// `GET /agents/{agent}`.
    pub async fn get_agent(&self, agent: &str, deadline: Instant) -> Result<Agent, Error> {
        let call = Call::new("get agent", Method::GET, vec!["agents", agent]);
        self.call_json(&call, deadline).await
    }

    /// `PATCH /agents/{agent}` with a merge-patch of its endpoint and card (docs/agents-api.md,
    /// "The agent endpoint"); answers the agent as it is afterwards. The patch carries whole
    /// values, so sending it twice leaves the same configuration: it is retried like a read.
    pub async fn patch_agent(
        &self,
        agent: &str,
        patch: &AgentPatch,
        deadline: Instant,
    ) -> Result<Agent, Error> {
        let mut call = Call::new(
            "update agent endpoint",
            Method::PATCH,
            vec!["agents", agent],
        );
        call.body = Some(serde_json::to_vec(&patch.to_json()).map_err(|e| {
            Error::new(ErrorKind::Config, format!("cannot encode the request: {e}"))
        })?);
        call.content_type = MERGE_PATCH;
        self.call_json(&call, deadline).await
    }

    /// `POST /agents/{agent}:enable` or `:disable` (204, idempotent). Disabling lets active
    /// sessions drain; the endpoint accepts no new ones.
    pub async fn set_agent_enabled(
        &self,
        agent: &str,
        enabled: bool,
        deadline: Instant,
    ) -> Result<(), Error> {
        let (op, action) = if enabled {
            ("enable agent", "enable")
        } else {
            ("disable agent", "disable")
        };
        let target = format!("{agent}:{action}");
        let call = Call::new(op, Method::POST, vec!["agents", &target]);
        self.call_unit(&call, deadline).await
    }

    /// `DELETE /agents/{agent}[?force=true]`: the agent and all its versions.
    pub async fn delete_agent(
        &self,
        agent: &str,
        force: bool,
        deadline: Instant,
    ) -> Result<(), Error> {
        let mut call = Call::new("delete agent", Method::DELETE, vec!["agents", agent]);
        if force {
            call.query.push(("force", "true".into()));
        }
        self.call_unit(&call, deadline).await
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        deadline: Instant,
    ) -> Result<T, Error> {
        self.with_retries(call, deadline, false, |attempt, _| async move {
            let raw = self.attempt(call, attempt, deadline).await?;
            Ok(decode::<T>(call.op, &raw)?)
        })
        .await
    }

    async fn call_unit(&self, call: &Call<'_>, deadline: Instant) -> Result<(), Error> {
        self.with_retries(call, deadline, false, |attempt, _| async move {
            self.attempt(call, attempt, deadline).await.map(|_| ())
        })
        .await
    }

    /// Run `f` until it succeeds, fails for good, runs out of retries, or the next wait would
    /// end past `deadline`. With `unsafe_to_resend`, stop as soon as an attempt may have reached
    /// the service. `f` gets the attempt number and whether an earlier attempt may have
    /// reached the service.
    // `FnMut -> Future` rather than `AsyncFnMut`: the futures of async closures cannot be
    // proven `Send` for every lifetime (rust-lang/rust#110338), and the resource methods that
    // await these calls run behind `async_trait`, which requires `Send` futures.
    async fn with_retries<T, Fut>(
        &self,
        call: &Call<'_>,
        deadline: Instant,
        unsafe_to_resend: bool,
        mut f: impl FnMut(u32, bool) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, AttemptError>>,
    {
        let policy = &self.inner.retry;
        let mut may_have_landed = false;
        let mut last_retryable: Option<Error> = None;
        let mut attempt = 0u32;
        loop {
            let err = match f(attempt, may_have_landed).await {
                Ok(v) => return Ok(v),
                Err(AttemptError::Fatal(e)) => return Err(finish(e, call)),
                Err(AttemptError::Retry {
                    err,
                    after,
                    maybe_landed,
                    unreachable,
                }) => {
                    may_have_landed |= maybe_landed;
                    if may_have_landed && unsafe_to_resend {
                        // Sending again could act twice (e.g. a second version) and nothing
                        // identifies the first outcome: report the failure instead.
                        let mut err = finish(err, call);
                        err.message = format!(
                            "{} (not retried: the request may have reached the service, and without a creation token a retry could create a duplicate)",
                            err.message
                        );
                        return Err(err);
                    }
                    // A timeout caused by the caller's deadline says less than the failure that
                    // made us retry in the first place.
                    if err.kind == ErrorKind::Timeout && Instant::now() >= deadline {
                        return Err(finish(last_retryable.unwrap_or(err), call));
                    }
                    let mut delay = policy.delay(attempt, after);
                    let now = Instant::now();
                    if let Some(u) = &unreachable {
                        // Never answered: the last attempt is at the end of its window.
                        let left = u.give_up_at().saturating_duration_since(now);
                        if left.is_zero() {
                            return Err(finish(unreachable_error(unreachable, err, call), call));
                        }
                        delay = delay.min(left);
                    }
                    if attempt >= policy.max_retries || now + delay >= deadline {
                        return Err(finish(unreachable_error(unreachable, err, call), call));
                    }
                    tokio::time::sleep(delay).await;
                    err
                }
            };
            last_retryable = Some(err);
            attempt += 1;
        }
    }

    fn url(&self, call: &Call<'_>) -> Result<Url, Error> {
        for s in &call.segments {
            if s.is_empty() || *s == "." || *s == ".." {
                return Err(Error::new(
                    ErrorKind::Validation,
                    format!("{}: {s:?} is not a valid agent name or version", call.op),
                ));
            }
        }
        let mut url = self.inner.endpoint.clone();
        url.path_segments_mut()
            .map_err(|_| config("endpoint is not a base URL"))?
            .pop_if_empty()
            .extend(&call.segments);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", self.inner.api_version.as_str());
            for (k, v) in &call.query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A bearer token for the agents scope, from our cache when it is not about to expire.
    async fn bearer(&self, deadline: Instant) -> Result<Secret, Error> {
        let mut cached = self.inner.token.lock().await;
        if let Some(t) = cached.as_ref() {
            if t.expires_on - time::OffsetDateTime::now_utc() > TOKEN_REFRESH_MARGIN {
                return Ok(t.token.clone());
            }
        }
        let fetch = self.inner.credential.get_token(&[AGENTS_SCOPE], None);
        let token = match tokio::time::timeout_at(deadline, fetch).await {
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "timed out acquiring an access token",
                ));
            }
            Ok(Err(e)) => {
                // A token endpoint that cannot be reached is a configuration problem (or a
                // network one), not a credential the service refused.
                let kind =
                    connect::find_connect_failure(&e).map_or(ErrorKind::Auth, |f| f.error_kind());
                return Err(Error::new(
                    kind,
                    format!(
                        "cannot acquire an access token: {}",
                        credential_error_text(&e)
                    ),
                ));
            }
            Ok(Ok(t)) => t,
        };
        let secret = token.token.clone();
        *cached = Some(token);
        Ok(secret)
    }

    async fn forget_token(&self) {
        *self.inner.token.lock().await = None;
    }

    /// One HTTP exchange, classified for the retry loop. Logs one debug line (never headers).
    async fn attempt(
        &self,
        call: &Call<'_>,
        attempt: u32,
        deadline: Instant,
    ) -> Result<Raw, AttemptError> {
        let url = self.url(call)?;
        let token = self.bearer(deadline).await?;
        let inner = &self.inner;
        let mut req = inner
            .http
            .request(call.method.clone(), url.clone())
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, inner.user_agent.clone())
            .header("x-ms-client-request-id", call.client_request_id.as_str());
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", token.secret())).map_err(|_| {
                Error::new(
                    ErrorKind::Auth,
                    "the credential returned a token that is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        req = req.header(AUTHORIZATION, auth);
        if let Some(ff) = &inner.foundry_features {
            req = req.header("Foundry-Features", ff.clone());
        }
        if let Some(body) = &call.body {
            req = req
                .header(CONTENT_TYPE, call.content_type)
                .body(body.clone());
        }

        let attempt_deadline = deadline.min(Instant::now() + inner.retry.attempt_timeout);
        let exchange = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Raw {
                status,
                headers,
                body,
            })
        };
        let outcome = tokio::time::timeout_at(attempt_deadline, exchange).await;
        let sends_state = call.method != Method::GET;
        let raw = match outcome {
            Err(_) => {
                tracing::debug!(method = %call.method, path = url.path(), attempt, client_request_id = %call.client_request_id, "agents API attempt timed out");
                let err = Error::new(
                    ErrorKind::Timeout,
                    format!("{}: no response within the time allowed", call.op),
                );
                return Err(AttemptError::Retry {
                    err,
                    after: None,
                    maybe_landed: sends_state,
                    unreachable: None,
                });
            }
            Ok(Err(e)) => {
                tracing::debug!(method = %call.method, path = url.path(), attempt, client_request_id = %call.client_request_id, "agents API attempt failed to connect or read");
                let endpoint = connect::endpoint_of(&url);
                let problem = connect::classify(&e);
                if let Some(problem) = problem.as_ref().filter(|p| p.is_permanent()) {
                    // A certificate or DNS problem: the next attempt would meet it again.
                    let failure = ConnectFailure {
                        role: Role::Project,
                        endpoint,
                        problem: problem.clone(),
                        retried_for: None,
                    };
                    return Err(AttemptError::Fatal(Error::new(
                        failure.error_kind(),
                        format!("{}: {failure}", call.op),
                    )));
                }
                let unreachable = problem.and_then(|problem| {
                    let since = connect::note_unreachable(&endpoint)?;
                    let failure = ConnectFailure {
                        role: Role::Project,
                        endpoint,
                        problem,
                        retried_for: None,
                    };
                    Some(Unreachable { failure, since })
                });
                // A refused connection never reached the service; anything later might have.
                let maybe_landed = sends_state && !e.is_connect();
                let err = Error::new(
                    ErrorKind::Transport,
                    format!("{}: {}", call.op, describe_transport(&e)),
                );
                return Err(AttemptError::Retry {
                    err,
                    after: None,
                    maybe_landed,
                    unreachable,
                });
            }
            Ok(Ok(raw)) => raw,
        };
        connect::note_answer(&connect::endpoint_of(&url));
        tracing::debug!(method = %call.method, path = url.path(), status = raw.status, attempt, client_request_id = %call.client_request_id, "agents API attempt");
        if (200..300).contains(&raw.status) {
            return Ok(raw);
        }
        let err = Error::from_response(raw.status, &raw.headers, &raw.body);
        if raw.status == 401
            && !call
                .token_refreshed
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            // A token the service no longer accepts (revoked, or the emulator restarted): fetch a
            // fresh one and try once more.
            self.forget_token().await;
            return Err(AttemptError::Retry {
                err,
                after: Some(Duration::ZERO),
                maybe_landed: false,
                unreachable: None,
            });
        }
        if is_retryable_status(raw.status) {
            let after = parse_retry_after(&raw.headers, SystemTime::now());
            // A throttled request was not processed; a 5xx or 408 might have been.
            let maybe_landed = sends_state && raw.status != 429;
            return Err(AttemptError::Retry {
                err,
                after,
                maybe_landed,
                unreachable: None,
            });
        }
        Err(AttemptError::Fatal(err))
    }
}

/// The error to report when retrying stops: for an endpoint that never answered, what kept it
/// unreachable (naming the endpoint and the cause) rather than the last attempt's raw error.
fn unreachable_error(unreachable: Option<Unreachable>, last: Error, call: &Call<'_>) -> Error {
    match unreachable {
        Some(u) => u.into_error(call.op),
        None => last,
    }
}

fn finish(e: Error, call: &Call<'_>) -> Error {
    let mut e = e;
    if e.client_request_id.is_none() {
        e.client_request_id = Some(call.client_request_id.clone());
    }
    if !e.message.starts_with(call.op) && e.status.is_some() {
        e.message = if e.message.is_empty() {
            call.op.to_string()
        } else {
            format!("{}: {}", call.op, e.message)
        };
    }
    e
}

/// Parse a success body, turning anything unexpected into a `Decode` error with an excerpt.
fn decode<T: DeserializeOwned>(op: &str, raw: &Raw) -> Result<T, Error> {
    let request_id = request_id_from_headers(&raw.headers);
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::decode(op, raw.status, &[], "empty body", request_id));
    }
    // Going through `Value` first gives one error path for syntax and shape problems alike.
    let value: Value = serde_json::from_slice(&raw.body).map_err(|e| {
        Error::decode(
            op,
            raw.status,
            &raw.body,
            format!("not valid JSON ({e})"),
            request_id.clone(),
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        Error::decode(
            op,
            raw.status,
            &raw.body,
            format!("unexpected shape ({e})"),
            request_id,
        )
    })
}
