//! Bearer-token auth like the service, plus the App Service managed-identity token endpoint.
//!
//! Tokens are `emu1.<expiry>.<nonce>.<mac>` where `mac` is an HMAC of the other parts and the
//! resource, keyed with the key kept in the state file: the emulator accepts exactly the tokens
//! it issued for the agents API audience, and they stay valid across a restart with the same
//! `--state-file`, without storing any token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::digest::{ct_eq, hex, hmac_sha256, unhex};
use super::errors::ApiError;
use super::server::AppState;

/// The audience the agents API accepts (scope `https://ai.azure.com/.default`).
pub const AGENTS_RESOURCE: &str = "https://ai.azure.com";
const PREFIX: &str = "emu1";

fn normalize_resource(resource: &str) -> &str {
    let r = resource.strip_suffix("/.default").unwrap_or(resource);
    r.strip_suffix('/').unwrap_or(r)
}

fn mac(key: &[u8], expiry: i64, nonce: &str, resource: &str) -> String {
    let msg = format!("{PREFIX}.{expiry}.{nonce}.{}", normalize_resource(resource));
    hex(&hmac_sha256(key, msg.as_bytes()))
}

pub fn issue(key: &[u8], resource: &str, expiry: i64) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{PREFIX}.{expiry}.{nonce}.{}",
        mac(key, expiry, &nonce, resource)
    )
}

/// True when `token` was issued with `key` for `resource` and has not expired.
pub fn verify(key: &[u8], token: &str, resource: &str, now: i64) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let [prefix, expiry, nonce, given] = parts.as_slice() else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<i64>() else {
        return false;
    };
    if *prefix != PREFIX || expiry <= now {
        return false;
    }
    let (Some(given), Some(expected)) = (unhex(given), unhex(&mac(key, expiry, nonce, resource)))
    else {
        return false;
    };
    ct_eq(&given, &expected)
}

/// Checks the `Authorization` header of an agents API request.
pub fn check_bearer(headers: &HeaderMap, key: &[u8], now: i64) -> Result<(), ApiError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(value) = value else {
        return Err(ApiError::unauthorized(
            "Access token is missing: send 'Authorization: Bearer <token>'.",
        ));
    };
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    match token {
        Some(t) if verify(key, t, AGENTS_RESOURCE, now) => Ok(()),
        Some(_) => Err(ApiError::unauthorized(format!(
            "Access token is invalid, expired, or was not issued for audience {AGENTS_RESOURCE}."
        ))),
        None => Err(ApiError::unauthorized(
            "The Authorization header must use the Bearer scheme.",
        )),
    }
}

/// `GET /msi/token?api-version=2019-08-01&resource=…` with `x-identity-header`, answering in the
/// App Service shape (`expires_on` is a string of Unix seconds, as App Service sends it).
pub async fn token_endpoint(
    State(app): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let secret = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct_eq(secret.as_bytes(), app.options.identity_header.as_bytes()) {
        return msi_error(
            StatusCode::UNAUTHORIZED,
            "The x-identity-header header is missing or wrong.",
        );
    }
    if query.get("api-version").is_none_or(|v| v.is_empty()) {
        return msi_error(
            StatusCode::BAD_REQUEST,
            "The api-version query parameter is required.",
        );
    }
    let Some(resource) = query.get("resource").filter(|r| !r.is_empty()) else {
        return msi_error(
            StatusCode::BAD_REQUEST,
            "The resource query parameter is required.",
        );
    };
    let now = super::server::now_secs();
    let expiry = now + app.options.token_lifetime_secs as i64;
    let token = issue(&app.store.token_key(), resource, expiry);
    Json(json!({
        "access_token": token,
        "expires_on": expiry.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": super::digest::stable_uuid("emulator-managed-identity").to_string(),
    }))
    .into_response()
}

fn msi_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"statusCode": status.as_u16(), "message": message})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_key_resource_and_time() {
        let key = b"k1";
        let t = issue(key, "https://ai.azure.com", 100);
        assert!(verify(key, &t, AGENTS_RESOURCE, 99));
        assert!(verify(
            key,
            &issue(key, "https://ai.azure.com/.default", 100),
            AGENTS_RESOURCE,
            99
        ));
        assert!(!verify(key, &t, AGENTS_RESOURCE, 100), "expired");
        assert!(!verify(b"k2", &t, AGENTS_RESOURCE, 99), "other key");
        let other = issue(key, "https://cognitiveservices.azure.com", 100);
        assert!(!verify(key, &other, AGENTS_RESOURCE, 99), "other audience");
        let tampered = t.replacen(".100.", ".200.", 1);
        assert!(!verify(key, &tampered, AGENTS_RESOURCE, 99));
        assert!(!verify(key, "garbage", AGENTS_RESOURCE, 0));
    }
}
