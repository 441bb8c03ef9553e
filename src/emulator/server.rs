//! Router, request middleware, listener and the connection loop (plain TCP or TLS).
//!
//! Connections are served by hand with hyper-util instead of `axum::serve` so that a
//! "dropped response" fault can close the very connection that carried the request after the
//! handler ran, which is what a lost response looks like to a client.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::cli::Options;
use super::code::{self, CodeStore};
use super::errors::{ApiError, PendingError};
use super::faults::{DropConnection, Fault, Faults, RETRY_AFTER_MS};
use super::generation::Generation;
use super::lifecycle::Lifecycle;
use super::stats::Stats;
use super::store::Store;
use super::validation::Limits;
use super::{api, auth, control, tls};

pub struct AppState {
    pub options: Options,
    pub limits: Limits,
    pub store: Store,
    /// Uploaded code zips (code.rs).
    pub code: CodeStore,
    pub lifecycle: Lifecycle,
    pub faults: Faults,
    pub stats: Stats,
    /// Cached copy of the state file's token key (it never changes while running).
    pub token_key: Vec<u8>,
}

/// Request id of the current request (also in `x-request-id` and error bodies).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

pub fn router(app: Arc<AppState>) -> Router {
    // Full paths rather than `nest`, so the guard sees the project segment in the URI.
    const BASE: &str = "/api/projects/{project}";
    let agents = Router::new()
        .route(
            &format!("{BASE}/agents"),
            get(api::list_agents).post(api::create_agent),
        )
        .route(
            &format!("{BASE}/agents/{{name}}"),
            get(api::get_agent)
                .post(api::update_agent)
                .patch(api::patch_agent)
                .delete(api::delete_agent),
        )
        .route(
            &format!("{BASE}/agents/{{name}}/versions"),
            get(api::list_versions).post(api::create_version),
        )
        .route(
            &format!("{BASE}/agents/{{name}}/versions/{{version}}"),
            get(api::get_version).delete(api::delete_version),
        )
        .route(
            &format!("{BASE}/agents/{{name}}/code:download"),
            get(code::download),
        )
        .route_layer(middleware::from_fn_with_state(app.clone(), guard));
    Router::new()
        .merge(agents)
        .route("/msi/token", get(auth::token_endpoint))
        .route("/_emulator/stats", get(control::stats))
        .route("/_emulator/reset-stats", post(control::reset_stats))
        .route(
            "/_emulator/agents/{name}/versions/{version}/sessions",
            post(control::set_sessions),
        )
        .route("/_emulator/state", get(control::state))
        .route("/_emulator/audit", get(control::audit))
        .fallback(|| async { ApiError::not_found("The requested resource does not exist.") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This method is not allowed here.",
            )
        })
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// Every request: request id, stats, error body rendering, one log line on stderr.
async fn observe(State(app): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = req.headers().get("x-ms-client-request-id").cloned();
    let method = req.method().clone();
    // The path and query carry no secrets (tokens travel in headers), so they can be logged.
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let is_control = req.uri().path().starts_with("/_emulator/");
    if !is_control {
        app.stats
            .record_request(&format!("{method} {}", route_template(req.uri().path())));
    }
    req.extensions_mut().insert(RequestId(request_id.clone()));

    // Code uploads can be hundreds of megabytes: they go to a temp file, not memory.
    let read = if !is_control && code::is_multipart(req.headers()) {
        code::spool(
            req,
            &app.code,
            app.options
                .max_code_zip_bytes
                .saturating_add(code::METADATA_ALLOWANCE),
        )
        .await
    } else {
        buffer_body(req).await
    };
    let mut resp = match read {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    if let Some(PendingError(err)) = resp.extensions_mut().remove::<PendingError>() {
        let (mut parts, _) = resp.into_parts();
        let body = serde_json::to_vec(&err.body(&request_id)).unwrap_or_default();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        resp = Response::from_parts(parts, Body::from(body));
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if let Some(v) = client_request_id {
        resp.headers_mut().insert("x-ms-client-request-id", v);
    }
    let dropped = resp.extensions().get::<DropConnection>().is_some();
    tracing::info!(
        "{method} {target} -> {}{} ({} ms) request_id={request_id}",
        resp.status().as_u16(),
        if dropped {
            " [fault: response dropped]"
        } else {
            ""
        },
        started.elapsed().as_millis()
    );
    resp
}

/// Largest request body read (the same as axum's default extractor limit).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Reads the whole request body before anything answers. Answering early (401, 429, 5xx…)
/// with the body still unread makes hyper close the keep-alive connection right after the
/// response, and a client that reuses it for its retry (as azure-core's requests transport
/// does) then sees "remote end closed connection without response" instead of the answer.
async fn buffer_body(req: Request) -> Result<Request, ApiError> {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        // axum reports the size limit only through the error text of http-body-util's Limited.
        Err(e) if e.to_string().contains("length limit") => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The request body could not be read: {e}"),
        )),
    }
}

/// The route a path belongs to, with names replaced by placeholders, for `by_route` counters.
pub fn route_template(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "projects", _, rest @ ..] => {
            let names = ["agents", "{name}", "versions", "{version}"];
            let templated: Vec<&str> = rest
                .iter()
                .zip(names.iter().chain(std::iter::repeat(&"*")))
                .map(|(seg, name)| {
                    if name.starts_with('{') || *name == "*" {
                        *name
                    } else {
                        *seg
                    }
                })
                .collect();
            format!("/api/projects/{{project}}/{}", templated.join("/"))
        }
        ["msi", "token"] => "/msi/token".to_string(),
        _ => "unmatched".to_string(),
    }
}

/// Agents API routes only: project, bearer token, api-version, then fault injection.
async fn guard(State(app): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let project = req.uri().path().split('/').nth(3).unwrap_or("").to_string();
    if project != app.options.project && project != "_project" {
        return ApiError::not_found(format!(
            "Project '{}' was not found.",
            super::validation::truncate(&project, 80)
        ))
        .into_response();
    }
    if let Err(e) = auth::check_bearer(req.headers(), &app.token_key, now_secs()) {
        return e.into_response();
    }
    let api_version = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "api-version")
            .map(|(_, v)| v.into_owned())
    });
    let generation = match Generation::from_api_version(api_version.as_deref()) {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(generation);

    if !app.faults.latency.is_zero() {
        tokio::time::sleep(app.faults.latency).await;
    }
    let fault = app.faults.draw();
    match fault {
        Fault::Throttle => {
            app.stats.record_fault(fault);
            let mut resp = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Rate limit exceeded (emulator fault injection). Retry after the delay in Retry-After.",
            )
            .into_response();
            let h = resp.headers_mut();
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("0"));
            h.insert("retry-after-ms", HeaderValue::from(RETRY_AFTER_MS));
            h.insert("x-ms-retry-after-ms", HeaderValue::from(RETRY_AFTER_MS));
            return resp;
        }
        Fault::ServerError(status) => {
            app.stats.record_fault(fault);
            return ApiError::new(
                status,
                "server_error",
                "The server had an error (emulator fault injection).",
            )
            .into_response();
        }
        Fault::Drop | Fault::None => {}
    }
    let mut resp = next.run(req).await;
    if fault == Fault::Drop {
        app.stats.record_fault(fault);
        resp.extensions_mut().insert(DropConnection);
    }
    resp
}

/// Binds, prints the endpoint line, then serves until `shutdown` completes.
pub async fn run(
    options: Options,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    options.validate().map_err(anyhow::Error::msg)?;
    let store = Store::open(options.state_file.clone())?;
    let code = CodeStore::open(options.state_file.as_deref())?;
    let limits = Limits {
        max_cpu_quarters: options.max_cpu_quarters(),
    };
    let token_key = store.token_key();
    let faults = Faults::new(
        options.latency_ms,
        options.fault_429,
        options.fault_5xx,
        options.fault_drop,
        options.seed,
    );
    if faults.enabled() {
        tracing::info!("fault injection on, seed {}", faults.seed);
    }
    let tls = if options.tls {
        Some(tls::Material::generate()?)
    } else {
        None
    };
    if let (Some(m), Some(path)) = (&tls, &options.tls_cert_out) {
        std::fs::write(path, &m.ca_pem)
            .map_err(|e| anyhow::anyhow!("writing --tls-cert-out {}: {e}", path.display()))?;
    }
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|e| anyhow::anyhow!("binding {}: {e}", options.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let endpoint = format!("{scheme}://{addr}/api/projects/{}", options.project);
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{endpoint}")?;
        out.flush()?;
    }
    tracing::info!("serving {endpoint}");

    let app = Arc::new(AppState {
        lifecycle: Lifecycle {
            provision_delay_ms: options.provision_delay_ms,
            fail_images: options.fail_images.clone(),
        },
        options,
        limits,
        store,
        code,
        faults,
        stats: Stats::default(),
        token_key,
    });
    let router = router(app);
    let acceptor = tls.map(|m| tokio_rustls::TlsAcceptor::from(m.server_config));

    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and similar: keep serving after a pause.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => serve_connection(TokioIo::new(stream), router).await,
                Some(acceptor) => {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls_stream)) => {
                            serve_connection(TokioIo::new(tls_stream), router).await
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn serve_connection<I>(io: I, router: Router)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let kill = CancellationToken::new();
    let kill_in_service = kill.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let router = router.clone();
        let kill = kill_in_service.clone();
        async move {
            let resp = router
                .oneshot(req)
                .await
                .unwrap_or_else(|e: Infallible| match e {});
            if resp.extensions().get::<DropConnection>().is_some() {
                // The operation is done; never answer, and have the connection torn down.
                kill.cancel();
                std::future::pending::<()>().await;
            }
            Ok::<_, Infallible>(resp)
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(io, service);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!("connection ended with error: {e}");
            }
        }
        // Dropping the connection future closes the socket without a response.
        _ = kill.cancelled() => {}
    }
}
