//! Test-control endpoints under `/_emulator/` (no auth, never faulted, not counted in stats).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::api::RawBody;
use super::errors::ApiError;
use super::generation::Generation;
use super::render;
use super::server::{AppState, now_ms};

pub async fn stats(State(app): State<Arc<AppState>>) -> Response {
    Json(app.stats.snapshot()).into_response()
}

pub async fn reset_stats(State(app): State<Arc<AppState>>) -> Response {
    app.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// Body `{"active": N}`: simulates N live sessions on a version (deletes then need force=true).
pub async fn set_sessions(
    State(app): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let active = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("active").and_then(Value::as_u64))
        .ok_or_else(|| {
            ApiError::invalid(
                "active",
                "Body must be {\"active\": <non-negative integer>}.",
            )
        })?;
    app.store
        .write(|s| s.set_sessions(&name, &version, active))?;
    Ok(Json(json!({"name": name, "version": version, "active": active})).into_response())
}

/// `GET /_emulator/audit[?agent=NAME]`: the audit log (see audit.rs).
pub async fn audit(
    State(app): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    Json(app.store.audit(q.get("agent").map(String::as_str))).into_response()
}

/// The whole store: agents → versions with their full (Gen B) bodies plus `active_sessions`.
/// The token signing key is deliberately left out.
pub async fn state(State(app): State<Arc<AppState>>) -> Response {
    let now = now_ms();
    let agents: Map<String, Value> = app.store.read(|s| {
        s.agents
            .values()
            .map(|a| {
                let versions: Map<String, Value> = a
                    .versions
                    .values()
                    .map(|v| {
                        let mut body = render::version(&a.name, v, Generation::B, now);
                        body["active_sessions"] = json!(v.active_sessions);
                        (v.number.to_string(), body)
                    })
                    .collect();
                let agent = json!({
                    "name": a.name,
                    "state": a.state,
                    "created_at": a.created_at_ms.div_euclid(1000),
                    "agent_endpoint": a.agent_endpoint,
                    "agent_card": a.agent_card,
                    "versions": versions,
                });
                (a.name.clone(), agent)
            })
            .collect()
    });
    Json(json!({"agents": agents})).into_response()
}
