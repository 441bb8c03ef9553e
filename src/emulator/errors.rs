//! The service's error body, `{"error":{code,message,param,type,details,additionalInfo}}`.
//!
//! Handlers return [`ApiError`] without knowing the request id; [`ApiError::into_response`] parks
//! the error in the response extensions and the request-observing middleware (server.rs), which
//! owns the request id, renders the final body. That keeps `additionalInfo.request_id` and the
//! `x-request-id` header equal without threading the id through every handler.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            param: None,
        }
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_value", message).with_param(param)
    }

    pub fn missing(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "missing_required_parameter",
            format!("Missing required parameter: '{param}'."),
        )
        .with_param(param)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// Renders the body exactly in the service's shape.
    pub fn body(&self, request_id: &str) -> Value {
        let kind = if self.status.is_server_error() {
            "server_error"
        } else {
            "invalid_request_error"
        };
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "param": self.param,
                "type": kind,
                "details": [],
                "additionalInfo": {"request_id": request_id},
            }
        })
    }
}

/// Marker left in response extensions for the middleware to render (see module docs).
#[derive(Debug, Clone)]
pub struct PendingError(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(PendingError(self));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_service_shape() {
        let b = ApiError::invalid("definition.cpu", "bad cpu").body("rid-1");
        let e = &b["error"];
        assert_eq!(e["code"], "invalid_value");
        assert_eq!(e["param"], "definition.cpu");
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(e["details"], json!([]));
        assert_eq!(e["additionalInfo"]["request_id"], "rid-1");
        let s = ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "x").body("r");
        assert_eq!(s["error"]["type"], "server_error");
        assert!(s["error"]["param"].is_null());
    }
}
