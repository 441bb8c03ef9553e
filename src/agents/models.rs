//! Wire models of the agents API (docs/agents-api.md, "Objects" and "The hosted definition"),
//! for both API versions.
//!
//! Reading is tolerant: the hosted definition accepts either API version's spelling (azd's
//! rule, docs/agents-api.md "Reading either spelling"), unknown enum values survive as
//! `Unknown(..)`, and unknown fields are kept in `extra` so nothing the service adds is lost on
//! a read/modify cycle. Writing is explicit about the API version:
//! [`HostedDefinition::to_json`] and [`CreateVersionRequest::to_json`] take the [`ApiVersion`]
//! to spell for.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::agent_endpoint::{AgentCard, AgentEndpoint};
use crate::domain::ApiVersion;

/// Lifecycle status of a version (`v1`). Versions of the preview API carry none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionStatus {
    Creating,
    Active,
    Failed,
    Deleting,
    Deleted,
    /// A value this client does not know; kept verbatim rather than failing the whole read.
    Unknown(String),
}

impl VersionStatus {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "creating" => VersionStatus::Creating,
            "active" => VersionStatus::Active,
            "failed" => VersionStatus::Failed,
            "deleting" => VersionStatus::Deleting,
            "deleted" => VersionStatus::Deleted,
            _ => VersionStatus::Unknown(s.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            VersionStatus::Creating => "creating",
            VersionStatus::Active => "active",
            VersionStatus::Failed => "failed",
            VersionStatus::Deleting => "deleting",
            VersionStatus::Deleted => "deleted",
            VersionStatus::Unknown(s) => s,
        }
    }

    /// `active` or `failed`: provisioning will not change it any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, VersionStatus::Active | VersionStatus::Failed)
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VersionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for VersionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(VersionStatus::parse(&s))
    }
}

/// `error` of a failed version: `{code, message}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// The per-version Entra identity (`instance_identity`, `v1`, read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default)]
    pub principal_id: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One `{protocol, version}` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProtocolVersion {
    pub protocol: String,
    pub version: String,
}

/// A tool entry (docs/agents-api.md, "Tools"). The fields the provider models are typed; everything else (and typed
/// fields that arrive in a shape we do not model, e.g. `allowed_tools` as an object) is kept in
/// `extra` and written back unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tool {
    pub r#type: String,
    pub server_label: Option<String>,
    pub server_url: Option<String>,
    pub allowed_tools: Option<Vec<String>>,
    pub require_approval: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub project_connection_id: Option<String>,
    pub vector_store_ids: Option<Vec<String>>,
    pub max_num_results: Option<i64>,
    /// `code_interpreter` container: a container id string or `{"type":"auto",…}`.
    pub container: Option<Value>,
    pub extra: BTreeMap<String, Value>,
}

impl Tool {
    fn from_map(mut m: Map<String, Value>) -> Result<Tool, String> {
        let r#type = match m.remove("type") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(format!(
                    "tool `type` must be a string, got {}",
                    type_name(&other)
                ));
            }
            None => return Err("tool without `type`".into()),
        };
        let mut tool = Tool {
            r#type,
            ..Tool::default()
        };
        tool.server_label = take_typed(&mut m, "server_label");
        tool.server_url = take_typed(&mut m, "server_url");
        tool.allowed_tools = take_typed(&mut m, "allowed_tools");
        tool.require_approval = take_typed(&mut m, "require_approval");
        tool.headers = take_typed(&mut m, "headers");
        tool.project_connection_id = take_typed(&mut m, "project_connection_id");
        tool.vector_store_ids = take_typed(&mut m, "vector_store_ids");
        tool.max_num_results = take_typed(&mut m, "max_num_results");
        tool.container = m.remove("container").filter(|v| !v.is_null());
        tool.extra = m.into_iter().collect();
        Ok(tool)
    }

    fn to_map(&self) -> Map<String, Value> {
        let mut m: Map<String, Value> = self.extra.clone().into_iter().collect();
        m.insert("type".into(), Value::String(self.r#type.clone()));
        put(&mut m, "server_label", &self.server_label);
        put(&mut m, "server_url", &self.server_url);
        put(&mut m, "allowed_tools", &self.allowed_tools);
        put(&mut m, "require_approval", &self.require_approval);
        put(&mut m, "headers", &self.headers);
        put(&mut m, "project_connection_id", &self.project_connection_id);
        put(&mut m, "vector_store_ids", &self.vector_store_ids);
        put(&mut m, "max_num_results", &self.max_num_results);
        put(&mut m, "container", &self.container);
        m
    }
}

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = Map::<String, Value>::deserialize(d)?;
        Tool::from_map(m).map_err(serde::de::Error::custom)
    }
}

/// A hosted (container) agent definition, independent of the API version's spelling.
#[derive(Debug, Clone, PartialEq)]
pub struct HostedDefinition {
    /// `hosted` for everything this provider manages; other kinds are read but not modelled.
    pub kind: String,
    /// Container image reference. Empty when the definition has none (e.g. code deploy).
    pub image: String,
    pub cpu: String,
    pub memory: String,
    pub protocol_versions: Vec<ProtocolVersion>,
    pub environment_variables: BTreeMap<String, String>,
    /// Preview API only on the service side; written when non-empty.
    pub tools: Vec<Tool>,
    /// `v1` `container_configuration.registry_connection_id`. The preview API has no such
    /// field, so it is not written for `ApiVersion::Preview` (the domain rejects it there).
    pub registry_connection_id: Option<String>,
    /// Unknown top-level definition fields (`rai_config`, `session_configuration`, …).
    pub extra: BTreeMap<String, Value>,
    /// Unknown fields inside `container_configuration`.
    pub container_extra: BTreeMap<String, Value>,
}

impl Default for HostedDefinition {
    fn default() -> Self {
        HostedDefinition {
            kind: "hosted".into(),
            image: String::new(),
            cpu: String::new(),
            memory: String::new(),
            protocol_versions: Vec::new(),
            environment_variables: BTreeMap::new(),
            tools: Vec::new(),
            registry_connection_id: None,
            extra: BTreeMap::new(),
            container_extra: BTreeMap::new(),
        }
    }
}

/// Keys with an API-version-specific spelling; never kept in `extra`, so a body that carries both
/// spellings (SDK 2.1 era) is not written back twice.
const DEFINITION_KNOWN_KEYS: &[&str] = &[
    "kind",
    "image",
    "cpu",
    "memory",
    "container_configuration",
    "protocol_versions",
    "container_protocol_versions",
    "environment_variables",
    "tools",
];

impl HostedDefinition {
    /// Read a definition in either API version's spelling: `container_configuration.image`
    /// wins over a top-level `image`, `protocol_versions` over `container_protocol_versions`.
    pub fn from_json_map(mut m: Map<String, Value>) -> Result<Self, String> {
        let kind = scalar_string(m.get("kind"), "kind")?.unwrap_or_default();
        let cpu = scalar_string(m.get("cpu"), "cpu")?.unwrap_or_default();
        let memory = scalar_string(m.get("memory"), "memory")?.unwrap_or_default();

        let mut image = scalar_string(m.get("image"), "image")?;
        let mut registry_connection_id = None;
        let mut container_extra = BTreeMap::new();
        match m.get("container_configuration") {
            None | Some(Value::Null) => {}
            Some(Value::Object(cc)) => {
                let mut cc = cc.clone();
                if let Some(i) = scalar_string(cc.get("image"), "container_configuration.image")? {
                    image = Some(i);
                }
                registry_connection_id = scalar_string(
                    cc.get("registry_connection_id"),
                    "container_configuration.registry_connection_id",
                )?;
                cc.remove("image");
                cc.remove("registry_connection_id");
                container_extra = cc.into_iter().collect();
            }
            Some(other) => {
                return Err(format!(
                    "definition.container_configuration must be an object, got {}",
                    type_name(other)
                ));
            }
        }

        let protocols = match m.get("protocol_versions") {
            Some(v) if !v.is_null() => Some(v),
            _ => m
                .get("container_protocol_versions")
                .filter(|v| !v.is_null()),
        };
        let protocol_versions = match protocols {
            None => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| format!("definition protocol versions: {e}"))?,
        };
        let environment_variables = match m.get("environment_variables") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(env)) => {
                let mut out = BTreeMap::new();
                for (k, v) in env {
                    let v = scalar_string(Some(v), &format!("environment_variables.{k}"))?
                        .unwrap_or_default();
                    out.insert(k.clone(), v);
                }
                out
            }
            Some(other) => {
                return Err(format!(
                    "definition.environment_variables must be an object, got {}",
                    type_name(other)
                ));
            }
        };
        let tools = match m.get("tools") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => {
                serde_json::from_value(v.clone()).map_err(|e| format!("definition.tools: {e}"))?
            }
        };
        for k in DEFINITION_KNOWN_KEYS {
            m.remove(*k);
        }
        Ok(HostedDefinition {
            kind,
            image: image.unwrap_or_default(),
            cpu,
            memory,
            protocol_versions,
            environment_variables,
            tools,
            registry_connection_id,
            extra: m.into_iter().collect(),
            container_extra,
        })
    }

    /// The definition as the given API version spells it.
    pub fn to_json(&self, api: ApiVersion) -> Value {
        let mut m: Map<String, Value> = self.extra.clone().into_iter().collect();
        m.insert("kind".into(), Value::String(self.kind.clone()));
        m.insert("cpu".into(), Value::String(self.cpu.clone()));
        m.insert("memory".into(), Value::String(self.memory.clone()));
        let protocols = serde_json::to_value(&self.protocol_versions).unwrap_or(Value::Null);
        match api {
            ApiVersion::Preview => {
                m.insert("image".into(), Value::String(self.image.clone()));
                m.insert("container_protocol_versions".into(), protocols);
            }
            ApiVersion::V1 => {
                let mut cc: Map<String, Value> = self.container_extra.clone().into_iter().collect();
                cc.insert("image".into(), Value::String(self.image.clone()));
                if let Some(id) = &self.registry_connection_id {
                    cc.insert("registry_connection_id".into(), Value::String(id.clone()));
                }
                m.insert("container_configuration".into(), Value::Object(cc));
                m.insert("protocol_versions".into(), protocols);
            }
        }
        if !self.environment_variables.is_empty() {
            m.insert(
                "environment_variables".into(),
                serde_json::to_value(&self.environment_variables).unwrap_or(Value::Null),
            );
        }
        if !self.tools.is_empty() {
            let tools = self
                .tools
                .iter()
                .map(|t| Value::Object(t.to_map()))
                .collect();
            m.insert("tools".into(), Value::Array(tools));
        }
        Value::Object(m)
    }
}

/// Serializes in the `v1` spelling; use [`HostedDefinition::to_json`] to pick.
impl Serialize for HostedDefinition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json(ApiVersion::V1).serialize(s)
    }
}

impl<'de> Deserialize<'de> for HostedDefinition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = Map::<String, Value>::deserialize(d)?;
        HostedDefinition::from_json_map(m).map_err(serde::de::Error::custom)
    }
}

/// The version object (docs/agents-api.md, "Objects").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentVersion {
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<VersionStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<VersionError>,
    pub definition: HostedDefinition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_identity: Option<Identity>,
    /// Fields not modelled above (`object`, `draft`, `agent_guid`, …).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl AgentVersion {
    /// The creation token the provider stored in metadata, if any.
    pub fn creation_token(&self) -> Option<&str> {
        self.metadata.get(CREATION_TOKEN_KEY).map(String::as_str)
    }

    /// Being deleted or deleted: no longer something to record or wait for.
    pub fn is_gone(&self) -> bool {
        matches!(
            self.status,
            Some(VersionStatus::Deleting | VersionStatus::Deleted)
        )
    }
}

/// `versions` of an AgentObject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentVersions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<AgentVersion>,
}

/// The agent object (docs/agents-api.md, "Objects").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: AgentVersions,
    /// `enabled` or `disabled`: whether the endpoint accepts requests (`v1`; it may also be
    /// disabled by the agent's identity, see `configuration_state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The administrative setting `:enable` / `:disable` change (`v1`, SDK 2.7 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_endpoint: Option<AgentEndpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_card: Option<AgentCard>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Agent {
    /// Whether the endpoint is administratively enabled: `configuration_state`, else `state`
    /// (services before `configuration_state` existed), else enabled (the default).
    pub fn is_enabled(&self) -> bool {
        self.configuration_state
            .as_deref()
            .or(self.state.as_deref())
            .is_none_or(|s| s != "disabled")
    }
}

/// The list envelope (docs/agents-api.md, "Lists and paging").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage<T> {
    #[serde(default = "Vec::new")]
    #[serde(bound(deserialize = "T: Deserialize<'de>"))]
    #[serde(deserialize_with = "null_as_default")]
    pub data: Vec<T>,
    #[serde(default)]
    pub first_id: Option<String>,
    #[serde(default)]
    pub last_id: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

/// Metadata key under which the provider stores its creation token.
pub const CREATION_TOKEN_KEY: &str = "terraform-creation-token";

/// A fresh creation token: 122 random bits in 32 hex digits, minted for one create. The only
/// version that can carry it is the one that create made, so finding it after a lost response
/// can never take a version that belongs to someone else (another resource, another
/// workspace, an earlier apply). A token derived from the request instead would be shared by
/// every create with the same definition.
pub fn new_creation_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Body of `POST /agents/{name}/versions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateVersionRequest {
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub definition: HostedDefinition,
}

impl CreateVersionRequest {
    /// The request body as the given API version spells it.
    pub fn to_json(&self, api: ApiVersion) -> Value {
        let mut m = Map::new();
        if let Some(d) = &self.description {
            m.insert("description".into(), Value::String(d.clone()));
        }
        m.insert(
            "metadata".into(),
            serde_json::to_value(&self.metadata).unwrap_or(Value::Null),
        );
        m.insert("definition".into(), self.definition.to_json(api));
        Value::Object(m)
    }

    /// This request with `token` (from [`new_creation_token`]) stored under
    /// [`CREATION_TOKEN_KEY`].
    pub fn with_creation_token(mut self, token: &str) -> Self {
        self.metadata
            .insert(CREATION_TOKEN_KEY.into(), token.to_owned());
        self
    }

    /// The creation token carried in metadata, if any.
    pub fn creation_token_value(&self) -> Option<&str> {
        self.metadata.get(CREATION_TOKEN_KEY).map(String::as_str)
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field that some clients send as a number (`"cpu": 1`); anything else is an error.
fn scalar_string(v: Option<&Value>, field: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "definition.{field} must be a string, got {}",
            type_name(other)
        )),
    }
}

/// Take `key` out of `m` if it has the modelled type; otherwise leave it for `extra`.
fn take_typed<T: serde::de::DeserializeOwned>(m: &mut Map<String, Value>, key: &str) -> Option<T> {
    let v = m.get(key)?;
    if v.is_null() {
        m.remove(key);
        return None;
    }
    let parsed = serde_json::from_value(v.clone()).ok()?;
    m.remove(key);
    Some(parsed)
}

fn put<T: Serialize>(m: &mut Map<String, Value>, key: &str, v: &Option<T>) {
    if let Some(v) = v {
        if let Ok(v) = serde_json::to_value(v) {
            m.insert(key.into(), v);
        }
    }
}
