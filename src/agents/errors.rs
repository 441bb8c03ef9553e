//! Typed errors of the agents client, and the mapping from HTTP responses onto them.
//!
//! Every error carries what a Terraform diagnostic needs: the class (so the resource can react,
//! e.g. drop a 404 from state), the service's `code` and `message`, and both request ids so an
//! operator can quote them to support. Nothing here ever holds a token or a request header.

use std::fmt;

use reqwest::header::HeaderMap;
use serde::Deserialize;

/// The class of a failure; the resource and retry policy branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 404: unknown agent or version.
    NotFound,
    /// 409: e.g. delete with active sessions and no `force`.
    Conflict,
    /// 429 after retries ran out.
    Throttled,
    /// 401: token missing, invalid or not accepted.
    Unauthorized,
    /// 403: RBAC denial or a missing `Foundry-Features` opt-in.
    Forbidden,
    /// 400 and other 4xx: the service rejected the request.
    Validation,
    /// 5xx (and 408) after retries ran out.
    Server,
    /// Connection refused/reset/dropped, TLS failure.
    Transport,
    /// The caller's deadline passed before any answer could be obtained.
    Timeout,
    /// The response could not be understood (bad JSON, wrong types, HTML, empty body).
    Decode,
    /// No credential could produce a token.
    Auth,
    /// Bad client configuration (endpoint, TLS trust, unsafe scheme).
    Config,
    /// The caller gave up on the call (Terraform's Stop / Ctrl-C) before it finished.
    Cancelled,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Throttled => "throttled by the service",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Validation => "request rejected by the service",
            ErrorKind::Server => "service error",
            ErrorKind::Transport => "connection failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Decode => "unexpected response",
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Cancelled => "interrupted",
        }
    }
}

/// An agents API failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    /// HTTP status, when a response was received.
    pub status: Option<u16>,
    /// The service's `error.code`, when the body carried one.
    pub code: Option<String>,
    pub message: String,
    /// The service's request id (`x-request-id`, `x-ms-request-id`, `apim-request-id` or
    /// `error.additionalInfo.request_id`).
    pub request_id: Option<String>,
    /// Our `x-ms-client-request-id` for the call (stable across its retries).
    pub client_request_id: Option<String>,
    /// The request field the service's `error.param` blamed, e.g. `definition.cpu` (also
    /// quoted in `message`); resources map it onto an attribute path.
    pub param: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.describe())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = &self.code {
                write!(f, ", code {code}")?;
            }
            write!(f, ")")?;
        } else if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        let mut ids = Vec::new();
        if let Some(id) = &self.request_id {
            ids.push(format!("request id {id}"));
        }
        if let Some(id) = &self.client_request_id {
            ids.push(format!("client request id {id}"));
        }
        if !ids.is_empty() {
            write!(f, " [{}]", ids.join(", "))?;
        }
        Ok(())
    }
}

impl Error {
    /// An error that did not come from an HTTP response.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            client_request_id: None,
            param: None,
        }
    }

    pub(crate) fn with_client_request_id(mut self, id: &str) -> Self {
        self.client_request_id = Some(id.to_string());
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// Whether the failed request certainly changed nothing: the service refused it (4xx other
    /// than 408), or it was never sent (configuration, credentials). A timeout, a 5xx, a broken
    /// connection or an unreadable answer may hide a request the service carried out.
    pub fn made_nothing(&self) -> bool {
        match self.kind {
            ErrorKind::NotFound
            | ErrorKind::Conflict
            | ErrorKind::Throttled
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::Validation
            | ErrorKind::Auth
            | ErrorKind::Config => true,
            ErrorKind::Server
            | ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::Decode
            | ErrorKind::Cancelled => false,
        }
    }

    /// Whether the request that failed may be tried again: the statuses of
    /// [`is_retryable_status`](super::retry::is_retryable_status), and failures without a
    /// response (connection errors, timeouts).
    pub fn is_retryable(&self) -> bool {
        match self.status {
            Some(status) => super::retry::is_retryable_status(status),
            None => matches!(self.kind, ErrorKind::Transport | ErrorKind::Timeout),
        }
    }

    /// A `Decode` error for a response body that could not be understood. The excerpt is short
    /// so a huge HTML page does not flood the diagnostic.
    pub(crate) fn decode(
        what: &str,
        status: u16,
        body: &[u8],
        detail: impl fmt::Display,
        request_id: Option<String>,
    ) -> Self {
        let excerpt = excerpt(body);
        let message = if body.is_empty() {
            format!("{what}: the response body was empty")
        } else {
            format!("{what}: {detail}; body starts with: {excerpt}")
        };
        Error {
            kind: ErrorKind::Decode,
            status: Some(status),
            code: None,
            message,
            request_id,
            client_request_id: None,
            param: None,
        }
    }

    /// Map a non-success response onto an error, reading the service's error body when present
    /// and falling back to an excerpt when the body is not the documented shape.
    pub(crate) fn from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let kind = kind_for_status(status);
        let mut request_id = request_id_from_headers(headers);
        let mut param = None;
        let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) => {
                if request_id.is_none() {
                    request_id = env.error.request_id();
                }
                let mut message = env.error.message.unwrap_or_default();
                if let Some(p) = env.error.param.filter(|p| !p.is_empty()) {
                    message = format!("{message} (parameter {p})");
                    param = Some(p);
                }
                for detail in env
                    .error
                    .details
                    .iter()
                    .filter_map(|d| d.message.as_deref())
                {
                    message = format!("{message}; {detail}");
                }
                (env.error.code, message)
            }
            Err(_) if body.is_empty() => (None, String::new()),
            Err(_) => (None, format!("response body: {}", excerpt(body))),
        };
        Error {
            kind,
            status: Some(status),
            code,
            message,
            request_id,
            client_request_id: None,
            param,
        }
    }
}

fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 | 410 => ErrorKind::NotFound,
        409 | 412 => ErrorKind::Conflict,
        429 => ErrorKind::Throttled,
        408 | 500..=599 => ErrorKind::Server,
        _ => ErrorKind::Validation,
    }
}

/// The service's request id, from the first of the headers it is known to use.
pub(crate) fn request_id_from_headers(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "x-ms-request-id", "apim-request-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// At most 200 characters of a body, control characters replaced, for diagnostics.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    format!("{:?}", out.trim())
}

/// `{"error": {...}}` (docs/agents-api.md, "Errors"). Everything optional so a partial body still yields
/// what it has.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ApiError,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApiError {
    pub code: Option<String>,
    pub message: Option<String>,
    pub param: Option<String>,
    #[serde(rename = "type")]
    pub r#type: Option<String>,
    #[serde(deserialize_with = "lenient_details")]
    pub details: Vec<ApiError>,
    #[serde(rename = "additionalInfo")]
    pub additional_info: Option<serde_json::Value>,
}

impl ApiError {
    fn request_id(&self) -> Option<String> {
        self.additional_info
            .as_ref()?
            .get("request_id")?
            .as_str()
            .map(str::to_string)
    }
}

/// `details` is a list of nested errors, but a legacy client modelled it as a string; accept
/// anything and keep only what parses.
fn lenient_details<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ApiError>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn maps_the_documented_error_body() {
        let body = br#"{"error": {"code": "preview_feature_required",
           "message": "hosted agents are preview; send HostedAgents=V1Preview",
           "param": "Foundry-Features", "type": "invalid_request_error",
           "details": [], "additionalInfo": {"request_id": "0f3a"}}}"#;
        let e = Error::from_response(403, &HeaderMap::new(), body);
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert_eq!(e.code.as_deref(), Some("preview_feature_required"));
        assert_eq!(e.request_id.as_deref(), Some("0f3a"));
        assert!(e.message.contains("Foundry-Features"));
        let shown = e.to_string();
        assert!(
            shown.contains("HTTP 403") && shown.contains("request id 0f3a"),
            "{shown}"
        );
    }

    #[test]
    fn header_request_id_wins_and_status_classes_map() {
        let mut h = HeaderMap::new();
        h.insert("x-ms-request-id", HeaderValue::from_static("hdr-1"));
        let e = Error::from_response(
            404,
            &h,
            br#"{"error":{"code":"not_found","message":"no such agent"}}"#,
        );
        assert_eq!(
            (e.kind, e.request_id.as_deref()),
            (ErrorKind::NotFound, Some("hdr-1"))
        );
        for (status, kind) in [
            (400, ErrorKind::Validation),
            (401, ErrorKind::Unauthorized),
            (409, ErrorKind::Conflict),
            (422, ErrorKind::Validation),
            (429, ErrorKind::Throttled),
            (408, ErrorKind::Server),
            (503, ErrorKind::Server),
        ] {
            assert_eq!(
                Error::from_response(status, &HeaderMap::new(), b"").kind,
                kind,
                "{status}"
            );
        }
    }

    #[test]
    fn html_and_legacy_bodies_become_excerpts_not_panics() {
        let html = format!("<html><body>{}</body></html>", "x".repeat(5000));
        let e = Error::from_response(502, &HeaderMap::new(), html.as_bytes());
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(e.message.starts_with("response body: \"<html>"));
        assert!(e.message.len() < 300, "{}", e.message.len());
        let legacy = br#"{"error":{"code":"x","message":"m","details":"a string"}}"#;
        assert_eq!(
            Error::from_response(400, &HeaderMap::new(), legacy).message,
            "m"
        );
    }

    #[test]
    fn retryable_follows_the_status_then_the_kind() {
        let h = HeaderMap::new();
        assert!(Error::from_response(503, &h, b"").is_retryable());
        assert!(Error::from_response(429, &h, b"").is_retryable());
        assert!(!Error::from_response(501, &h, b"").is_retryable());
        assert!(!Error::from_response(404, &h, b"").is_retryable());
        assert!(Error::new(ErrorKind::Transport, "reset").is_retryable());
        assert!(Error::new(ErrorKind::Timeout, "slow").is_retryable());
        assert!(!Error::new(ErrorKind::Auth, "no").is_retryable());
        assert!(!Error::decode("x", 200, b"<html>", "bad", None).is_retryable());
    }

    #[test]
    fn decode_error_names_an_empty_body() {
        let e = Error::decode("get version", 200, b"", "eof", None);
        assert_eq!(e.kind, ErrorKind::Decode);
        assert!(e.message.contains("empty"), "{}", e.message);
    }
}
