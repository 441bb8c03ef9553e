//! Handlers of the agents API (`/api/projects/{project}/agents…`). Auth, api-version and fault
//! injection have already run in server.rs's guard; handlers only do the operation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::code::{self, Target};
use super::endpoint::{self, VersionStanding};
use super::errors::ApiError;
use super::generation::Generation;
use super::lifecycle::{Status, status};
use super::render;
use super::server::{AppState, now_ms};
use super::store::{Paging, State as StoreState, parse_version};
use super::validation::{self, Source, truncate};

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

/// JSON bodies must say so: `Content-Type: application/json` (PATCH: also
/// `application/merge-patch+json`), else 415 like the service. A request without a body and
/// without a Content-Type gets the missing-body error instead.
fn require_json(headers: &HeaderMap, body: &[u8], patch: bool) -> Result<(), ApiError> {
    let media = code::media_type(headers);
    let ok = match media.as_deref() {
        Some("application/json") => true,
        Some("application/merge-patch+json") => patch,
        None => body.is_empty(),
        Some(_) => false,
    };
    if ok {
        return Ok(());
    }
    let expected = if patch {
        "application/merge-patch+json or application/json"
    } else {
        "application/json (or multipart/form-data for a code upload)"
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "Content-Type '{}' is not supported here; send {expected}.",
            truncate(media.as_deref().unwrap_or(""), 80)
        ),
    ))
}

/// Splits a create request: multipart uploads go to code.rs, everything else must be JSON.
async fn json_or_upload(
    app: &Arc<AppState>,
    g: Generation,
    target: Target,
    req: Request,
) -> Result<Result<Value, Response>, ApiError> {
    if code::is_multipart(req.headers()) {
        return code::upload(app.clone(), g, target, req).await.map(Err);
    }
    let headers = req.headers().clone();
    let body = RawBody::from_request(req, &()).await?;
    require_json(&headers, &body.0, false)?;
    parse_body(&body).map(Ok)
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

/// `POST /agents`: create the agent and its version 1 (JSON, or a code upload).
pub async fn create_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    req: Request,
) -> ApiResult {
    let body = match json_or_upload(&app, g, Target::Agent, req).await? {
        Ok(body) => body,
        Err(uploaded) => return Ok(uploaded),
    };
    let obj = validation::body_object(&body)?;
    let name = match obj.get("name") {
        Some(Value::String(n)) => n.clone(),
        None | Some(Value::Null) => return Err(ApiError::missing("name")),
        Some(_) => return Err(ApiError::invalid("name", "'name' must be a string.")),
    };
    validation::agent_name(&name, "name")?;
    let new = validation::new_version(obj, g, &app.limits, Source::Json)?;
    let fields = agent_fields(obj)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        if s.agents.contains_key(&name) {
            return Err(agent_exists(&name));
        }
        s.add_version(&name, new, &app.lifecycle, now);
        apply_agent_fields(s, &name, fields)?;
        Ok(render::agent(s.agent(&name)?, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

pub fn agent_exists(name: &str) -> ApiError {
    let name = truncate(name, 80);
    ApiError::conflict(format!(
        "Agent '{name}' already exists; create a new version with POST /agents/{name}/versions."
    ))
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

/// `POST /agents/{name}`: a new version, returning the agent (JSON or a code upload). Also serves
/// v1's `:enable` / `:disable` actions, which share the path shape.
pub async fn update_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    req: Request,
) -> ApiResult {
    if let Some((agent_name, action)) = name.rsplit_once(':') {
        let (state, event) = match action {
            "enable" => ("enabled", "agent.enabled"),
            "disable" => ("disabled", "agent.disabled"),
            _ => {
                return Err(ApiError::not_found(format!(
                    "Unknown agent action ':{}'.",
                    truncate(action, 40)
                )));
            }
        };
        // Idempotent: the state is set whatever it was; the audit shows every call.
        app.store.write(|s| {
            s.agent(agent_name)?;
            s.agents.get_mut(agent_name).expect("checked").state = state.into();
            s.note(event, agent_name, None);
            Ok(())
        })?;
        app.stats.record_write();
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = match json_or_upload(&app, g, Target::Update(name.clone()), req).await? {
        Ok(body) => body,
        Err(uploaded) => return Ok(uploaded),
    };
    let obj = validation::body_object(&body)?;
    let new = validation::new_version(obj, g, &app.limits, Source::Json)?;
    let now = now_ms();
    let rendered = app.store.write(|s| {
        s.agent(&name)?;
        s.add_version(&name, new, &app.lifecycle, now);
        Ok(render::agent(s.agent(&name)?, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

/// `PATCH /agents/{name}`: merge-patch of `agent_endpoint` and `agent_card` (see endpoint.rs);
/// makes no version.
pub async fn patch_agent(
    State(app): State<Arc<AppState>>,
    Extension(g): Extension<Generation>,
    Path((_, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult {
    require_json(&headers, &body.0, true)?;
    let body = parse_body(&body)?;
    let obj = validation::body_object(&body)?;
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "agent_endpoint" | "agent_card"))
    {
        let hint = if key == "state" {
            "enable or disable the agent with POST /agents/{name}:enable or :disable"
        } else {
            "PATCH changes only 'agent_endpoint' and 'agent_card'; a new definition is a new version"
        };
        return Err(ApiError::invalid(
            truncate(key, 40),
            format!("'{}' cannot be patched: {hint}.", truncate(key, 40)),
        ));
    }
    let fields = AgentFields {
        state: None,
        endpoint: patch_member(obj, "agent_endpoint")?,
        card: patch_member(obj, "agent_card")?,
    };
    let now = now_ms();
    let rendered = app.store.write(|s| {
        s.agent(&name)?;
        apply_agent_fields(s, &name, fields)?;
        Ok(render::agent(s.agent(&name)?, g, now))
    })?;
    app.stats.record_write();
    Ok(Json(rendered).into_response())
}

/// Agent-level fields of a create or PATCH: `None` = absent (keep), `Some(Null)` = remove.
pub struct AgentFields {
    state: Option<String>,
    endpoint: Option<Value>,
    card: Option<Value>,
}

fn patch_member(obj: &Map<String, Value>, key: &str) -> Result<Option<Value>, ApiError> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) if v.is_object() || v.is_null() => Ok(Some(v.clone())),
        Some(_) => Err(ApiError::invalid(
            key,
            format!("'{key}' must be an object (or null to remove it)."),
        )),
    }
}

/// `state`, `agent_endpoint` and `agent_card` of `POST /agents` (JSON or upload metadata).
pub fn agent_fields(obj: &Map<String, Value>) -> Result<AgentFields, ApiError> {
    let state = match obj.get("state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "enabled" || s == "disabled" => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "state",
                "'state' must be 'enabled' or 'disabled'.",
            ));
        }
    };
    Ok(AgentFields {
        state,
        endpoint: patch_member(obj, "agent_endpoint")?,
        card: patch_member(obj, "agent_card")?,
    })
}

/// How version `version` of `name` stands for a selection rule.
fn standing(s: &StoreState, name: &str, version: &str, now: i64) -> VersionStanding {
    match s.version(name, version) {
        Err(_) => VersionStanding::Missing,
        Ok(v) => match status(v.ready_at_ms, v.provision_error.as_ref(), now) {
            Status::Failed => VersionStanding::Failed,
            Status::Creating | Status::Active => VersionStanding::Usable,
        },
    }
}

/// Merges, validates and stores agent-level fields; records endpoint changes in the audit log.
pub fn apply_agent_fields(
    s: &mut StoreState,
    name: &str,
    fields: AgentFields,
) -> Result<(), ApiError> {
    let now = now_ms();
    if let Some(p) = fields.endpoint {
        let next = endpoint::patch(s.agent(name)?.agent_endpoint.as_ref(), &p);
        // Only rules this request sets must name existing versions: a stored rule at 0 % may
        // name a version deleted since, and patching the protocols must not trip over it.
        let sets_rules = p.get("version_selector").is_some_and(|v| !v.is_null());
        if let Some(e) = &next {
            endpoint::validate(e, name, |v| {
                if sets_rules {
                    standing(s, name, v, now)
                } else {
                    VersionStanding::Usable
                }
            })?;
        }
        s.agents.get_mut(name).expect("checked").agent_endpoint = next;
        s.note("endpoint.changed", name, None);
    }
    if let Some(p) = fields.card {
        let next = endpoint::patch_card(s.agent(name)?.agent_card.as_ref(), &p);
        if let Some(c) = &next {
            endpoint::validate_card(c)?;
        }
        s.agents.get_mut(name).expect("checked").agent_card = next;
    }
    if let Some(state) = fields.state {
        s.agent(name)?;
        s.agents.get_mut(name).expect("checked").state = state;
    }
    Ok(())
}

pub async fn delete_agent(
    State(app): State<Arc<AppState>>,
    Path((_, name)): Path<(String, String)>,
    Query(q): Q,
) -> ApiResult {
    let force = force(&q)?;
    let shas = app.store.write(|s| {
        let shas = code::shas_of(s.agent(&name)?.versions.values());
        s.delete_agent(&name, force)?;
        Ok(shas)
    })?;
    code::collect_garbage(&app, &shas);
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
    req: Request,
) -> ApiResult {
    validation::agent_name(&name, "agent_name")?;
    let body = match json_or_upload(&app, g, Target::Version(name.clone()), req).await? {
        Ok(body) => body,
        Err(uploaded) => return Ok(uploaded),
    };
    let obj = validation::body_object(&body)?;
    let new = validation::new_version(obj, g, &app.limits, Source::Json)?;
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
    let (number, shas) = app.store.write(|s| {
        let shas = code::shas_of(s.version(&name, &version).into_iter());
        Ok((s.delete_version(&name, &version, force)?, shas))
    })?;
    code::collect_garbage(&app, &shas);
    app.stats.record_write();
    Ok(Json(json!({
        "object": "agent.version.deleted",
        "name": name,
        "version": number.to_string(),
        "deleted": true,
    }))
    .into_response())
}
