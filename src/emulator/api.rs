//! Handlers of the agents API (`/api/projects/{project}/agents…`). Auth, api-version and fault
//! injection have already run in server.rs's guard; handlers only do the operation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::generation::Generation;
use super::render;
use super::server::{AppState, now_ms};
use super::store::{Paging, parse_version};
use super::validation;

type Q = Query<HashMap<String, String>>;
type ApiResult = Result<Response, ApiError>;

/// The request body, with axum's own rejections (e.g. over the 2 MB body limit) turned into
/// the service's error shape instead of plain text.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "request_too_large"
                } else {
                    "bad_request"
                };
                ApiError::new(e.status(), code, e.body_text())
            })
    }
}

fn parse_body(RawBody(body): &RawBody) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

fn force(q: &HashMap<String, String>) -> Result<bool, ApiError> {
    match q.get("force").map(|s| s.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(_) => Err(ApiError::invalid("force", "'force' must be true or false.")),
    }
}

/// `limit` (1–100, default 20) and `order` (`asc`|`desc`, default `desc`); cursors are parsed by
/// the caller because agents and versions use different keys.
fn paging(q: &HashMap<String, String>) -> Result<Paging, ApiError> {
    let limit = match q.get("limit") {
        None => 20,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| {
                ApiError::invalid("limit", "'limit' must be an integer between 1 and 100.")
            })?,
    };
    let descending = match q.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(ApiError::invalid(
                "order",
                "'order' must be 'asc' or 'desc'.",
            ));
        }
    };
    Ok(Paging {
        limit,
        descending,
        after: None,
        before: None,
    })
}

/// A version cursor is the object id `name:version` (what `last_id` carries) or a bare version.
fn version_cursor(q: &HashMap<String, String>, param: &str) -> Result<Option<u64>, ApiError> {
    let Some(raw) = q.get(param).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let version = raw.rsplit(':').next().unwrap_or(raw);
    parse_version(version).map(Some).ok_or_else(|| {
        ApiError::invalid(
            param,
            format!("'{param}' must be a version id such as 'my-agent:3'."),
        )
    })
}

pub async fn list_agents(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Query(q): Q,
) -> ApiResult {
    let mut p = paging(&q)?;
    let kind = q.get("kind").cloned();
    let now = now_ms();
    let page = app.store.read(|s| -> Result<_, ApiError> {
        let cursor = |param: &str| -> Result<Option<u64>, ApiError> {
            match q.get(param).filter(|c| !c.is_empty()) {
                None => Ok(None),
                Some(c) => s.agent_cursor(c).map(Some).ok_or_else(|| {
                    ApiError::invalid(
                        param,
                        format!("'{param}' must be the id of an agent this project has had."),
                    )
                }),
            }
        };
        p.after = cursor("after")?;
        p.before = cursor("before")?;
        let mut agents: Vec<(u64, Value)> = s
            .agents
            .values()
            .filter(|a| {
                kind.as_deref().is_none_or(|k| {
                    a.latest()
                        .and_then(|v| v.definition.get("kind"))
                        .and_then(Value::as_str)
                        == Some(k)
                })
            })
            .map(|a| (a.seq, render::agent(a, g, now)))
            .collect();
        agents.sort_by_key(|(seq, _)| *seq);
        Ok(p.apply(&agents))
    })?;
    Ok(Json(render::list(page.items, page.has_more)).into_response())
}

/// `POST /agents`: create the agent and its version 1.
pub async fn create_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    body: RawBody,
) -> ApiResult {
    let body = parse_body(&body)?;
    let obj = validation::body_object(&body)?;
    let name = match obj.get("name") {
        Some(Value::String(n)) => n.clone(),
        None | Some(Value::Null) => return Err(ApiError::missing("name")),
        Some(_) => return Err(ApiError::invalid("name", "'name' must be a string.")),
    };
    validation::agent_name(&name, "name")?;
    let new = validation::new_version(obj, g)?;
    let agent_fields = agent_level_fields(obj)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        if s.agents.contains_key(&name) {
            return Err(ApiError::conflict(format!(
                "Agent '{name}' already exists; create a new version with POST /agents/{name}/versions."
            )));
        }
        s.add_version(&name, new, &app.lifecycle, now);
        let agent = s.agents.get_mut(&name).expect("just created");
        apply_agent_fields(agent, agent_fields);
        Ok(render::agent(agent, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

pub async fn get_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
) -> ApiResult {
    let now = now_ms();
    let v = app
        .store
        .read(|s| s.agent(&name).map(|a| render::agent(a, g, now)))?;
    Ok(Json(v).into_response())
}

/// `POST /agents/{name}`: Gen A's "update" = a new version, returning the agent. Also serves
/// v1's `:enable` / `:disable` actions, which share the path shape.
pub async fn update_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    body: RawBody,
) -> ApiResult {
    if let Some((agent_name, action)) = name.rsplit_once(':') {
        let state = match action {
            "enable" => "enabled",
            "disable" => "disabled",
            _ => {
                return Err(ApiError::not_found(format!(
                    "Unknown agent action ':{action}'."
                )));
            }
        };
        app.store.write(|s| {
            s.agent(agent_name)?;
            s.agents.get_mut(agent_name).expect("checked").state = state.into();
            Ok(())
        })?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = parse_body(&body)?;
    let obj = validation::body_object(&body)?;
    let new = validation::new_version(obj, g)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        s.agent(&name)?;
        s.add_version(&name, new, &app.lifecycle, now);
        Ok(render::agent(s.agent(&name)?, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

/// `PATCH /agents/{name}` (merge-patch of agent-level fields; makes no version).
pub async fn patch_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    body: RawBody,
) -> ApiResult {
    let body = parse_body(&body)?;
    let obj = validation::body_object(&body)?;
    let fields = agent_level_fields(obj)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        s.agent(&name)?;
        let agent = s.agents.get_mut(&name).expect("checked");
        apply_agent_fields(agent, fields);
        Ok(render::agent(agent, g, now))
    })?;
    Ok(Json(rendered).into_response())
}

/// `agent_endpoint` / `agent_card` as given: `Some(Null)` removes (merge-patch), absent keeps.
type AgentFields = (Option<Value>, Option<Value>);

fn agent_level_fields(obj: &Map<String, Value>) -> Result<AgentFields, ApiError> {
    for key in ["agent_endpoint", "agent_card"] {
        if let Some(v) = obj.get(key)
            && !(v.is_object() || v.is_null())
        {
            return Err(ApiError::invalid(
                key,
                format!("'{key}' must be an object."),
            ));
        }
    }
    Ok((
        obj.get("agent_endpoint").cloned(),
        obj.get("agent_card").cloned(),
    ))
}

fn apply_agent_fields(agent: &mut super::store::AgentRecord, (endpoint, card): AgentFields) {
    if let Some(e) = endpoint {
        agent.agent_endpoint = (!e.is_null()).then_some(e);
    }
    if let Some(c) = card {
        agent.agent_card = (!c.is_null()).then_some(c);
    }
}

pub async fn delete_agent(
    State(app): State<Arc<AppState>>,
    Path((_, name)): Path<(String, String)>,
    Query(q): Q,
) -> ApiResult {
    let force = force(&q)?;
    app.store.write(|s| s.delete_agent(&name, force))?;
    app.stats.record_write();
    Ok(Json(json!({"object": "agent.deleted", "name": name, "deleted": true})).into_response())
}

pub async fn list_versions(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    Query(q): Q,
) -> ApiResult {
    let mut p = paging(&q)?;
    p.after = version_cursor(&q, "after")?;
    p.before = version_cursor(&q, "before")?;
    let now = now_ms();
    let page = app.store.read(|s| -> Result<_, ApiError> {
        let agent = s.agent(&name)?;
        let all: Vec<(u64, Value)> = agent
            .versions
            .values()
            .map(|v| (v.number, render::version(&name, v, g, now)))
            .collect();
        Ok(p.apply(&all))
    })?;
    Ok(Json(render::list(page.items, page.has_more)).into_response())
}

/// `POST /agents/{name}/versions`: a new immutable version; creates the agent when it does not
/// exist yet (the seed workflow calls create_version on a brand-new name).
pub async fn create_version(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    body: RawBody,
) -> ApiResult {
    validation::agent_name(&name, "agent_name")?;
    let body = parse_body(&body)?;
    let obj = validation::body_object(&body)?;
    let new = validation::new_version(obj, g)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        let v = s.add_version(&name, new, &app.lifecycle, now);
        Ok(render::version(&name, &v, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

pub async fn get_version(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name, version)): Path<(String, String, String)>,
) -> ApiResult {
    let now = now_ms();
    let v = app.store.read(|s| {
        s.version(&name, &version)
            .map(|v| render::version(&name, v, g, now))
    })?;
    Ok(Json(v).into_response())
}

pub async fn delete_version(
    State(app): State<Arc<AppState>>,
    Path((_, name, version)): Path<(String, String, String)>,
    Query(q): Q,
) -> ApiResult {
    let force = force(&q)?;
    let number = app
        .store
        .write(|s| s.delete_version(&name, &version, force))?;
    app.stats.record_write();
    Ok(Json(json!({
        "object": "agent.version.deleted",
        "name": name,
        "version": number.to_string(),
        "deleted": true,
    }))
    .into_response())
}
