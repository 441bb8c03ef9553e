//! The agent endpoint and agent card of a `v1` agent (docs/agents-api.md, "The agent
//! endpoint"): how they read in the agent object (`GET /agents/{name}`), and the merge-patch
//! the provider sends (`PATCH /agents/{name}`).
//!
//! Reading keeps whatever the service adds (`extra`); nothing here decides what a value means
//! (e.g. that an `@latest` rule at 100 % is the default): that is the resource's model.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

/// `agent_endpoint` of an agent object. Each part may be missing (the service then applies
/// its default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentEndpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_selector: Option<VersionSelector>,
    /// Protocol name → its settings; the presence of a key enables the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_configuration: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_schemes: Option<Vec<AuthorizationScheme>>,
    /// `publish_approval_status` and whatever the service adds.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl AgentEndpoint {
    /// The enabled protocols, `None` when the service left the configuration out.
    pub fn protocols(&self) -> Option<Vec<String>> {
        self.protocol_configuration.as_ref().map(|p| {
            p.iter()
                .filter(|(_, settings)| !settings.is_null())
                .map(|(name, _)| name.clone())
                .collect()
        })
    }

    /// `protocol_configuration.activity.enable_m365_public_endpoint`, when set.
    pub fn m365_public_endpoint(&self) -> Option<bool> {
        self.protocol_configuration
            .as_ref()?
            .get("activity")?
            .get("enable_m365_public_endpoint")?
            .as_bool()
    }

    /// The authorization scheme types, `None` when the service left them out.
    pub fn authorization_scheme_types(&self) -> Option<Vec<String>> {
        self.authorization_schemes
            .as_ref()
            .map(|s| s.iter().map(|s| s.r#type.clone()).collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionSelector {
    #[serde(default, deserialize_with = "null_as_default")]
    pub version_selection_rules: Vec<SelectionRule>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One rule of a version selector. Only `FixedRatio` exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionRule {
    #[serde(default)]
    pub r#type: String,
    pub agent_version: String,
    #[serde(deserialize_with = "whole_number")]
    pub traffic_percentage: i64,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

pub const FIXED_RATIO: &str = "FixedRatio";

impl SelectionRule {
    pub fn fixed_ratio(agent_version: &str, traffic_percentage: i64) -> Self {
        SelectionRule {
            r#type: FIXED_RATIO.to_owned(),
            agent_version: agent_version.to_owned(),
            traffic_percentage,
            extra: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationScheme {
    pub r#type: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `agent_card` of an agent (for A2A clients).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentCard {
    #[serde(default)]
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub skills: Vec<AgentSkill>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentSkill {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One enabled protocol and its setting (only `activity` takes one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolSetting {
    pub protocol: String,
    pub enable_m365_public_endpoint: Option<bool>,
}

/// The whole configuration an endpoint should have: what `PATCH /agents/{name}` sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointSettings {
    /// Empty: no explicit selector (the service routes everything to the newest version).
    pub rules: Vec<SelectionRule>,
    pub protocols: Vec<ProtocolSetting>,
    pub authorization_schemes: Vec<String>,
    /// `None`: no agent card.
    pub agent_card: Option<AgentCard>,
}

/// A merge-patch of an agent (RFC 7396): arrays and `protocol_configuration` are replaced as a
/// whole, `null` removes a member so the service's default applies again.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentPatch {
    /// Every part of the endpoint and the card as given: parts left out of a merge-patch
    /// would keep values set earlier (or outside Terraform), so everything is sent.
    Set(EndpointSettings),
    /// Removes the selector, the protocol configuration, the authorization schemes and the
    /// card: the service's defaults (all traffic to the newest version, Responses, Entra).
    RestoreDefaults,
}

impl AgentPatch {
    pub fn to_json(&self) -> Value {
        match self {
            AgentPatch::RestoreDefaults => json!({
                "agent_endpoint": {
                    "version_selector": null,
                    "protocol_configuration": null,
                    "authorization_schemes": null,
                },
                "agent_card": null,
            }),
            AgentPatch::Set(s) => {
                let selector = if s.rules.is_empty() {
                    Value::Null
                } else {
                    json!({ "version_selection_rules": s.rules })
                };
                let protocols: Map<String, Value> = s
                    .protocols
                    .iter()
                    .map(|p| {
                        let settings = match p.enable_m365_public_endpoint {
                            Some(b) => json!({ "enable_m365_public_endpoint": b }),
                            None => json!({}),
                        };
                        (p.protocol.clone(), settings)
                    })
                    .collect();
                let schemes: Vec<Value> = s
                    .authorization_schemes
                    .iter()
                    .map(|t| json!({ "type": t }))
                    .collect();
                json!({
                    "agent_endpoint": {
                        "version_selector": selector,
                        "protocol_configuration": protocols,
                        "authorization_schemes": schemes,
                    },
                    "agent_card": s.agent_card.as_ref().map(card_patch),
                })
            }
        }
    }
}

/// The card as a merge-patch: an optional member left unset is sent as `null`, so a
/// description removed from the configuration is removed on the service too (members of
/// `skills` are replaced with the array).
fn card_patch(card: &AgentCard) -> Value {
    json!({
        "version": card.version,
        "description": card.description,
        "skills": card.skills,
    })
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A whole number, also when written `100.0`.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_endpoint_as_the_service_shows_it() {
        let e: AgentEndpoint = serde_json::from_value(json!({
            "version_selector": {"version_selection_rules": [
                {"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 90},
                {"type": "FixedRatio", "agent_version": "2", "traffic_percentage": 10.0}]},
            "protocol_configuration": {"responses": {}, "activity": {"enable_m365_public_endpoint": true, "access_boundaries": ["x"]}},
            "authorization_schemes": [{"type": "Entra"}],
            "publish_approval_status": "not_published"
        }))
        .unwrap();
        let rules = &e.version_selector.as_ref().unwrap().version_selection_rules;
        assert_eq!(rules[1].traffic_percentage, 10);
        assert_eq!(
            e.protocols().unwrap(),
            ["activity".to_owned(), "responses".to_owned()]
        );
        assert_eq!(e.m365_public_endpoint(), Some(true));
        assert_eq!(e.authorization_scheme_types().unwrap(), ["Entra"]);
        assert_eq!(e.extra["publish_approval_status"], "not_published");
        let bare: AgentEndpoint = serde_json::from_value(json!({})).unwrap();
        assert_eq!(bare.protocols(), None);
        assert!(
            serde_json::from_value::<SelectionRule>(
                json!({"agent_version": "1", "traffic_percentage": 12.5})
            )
            .is_err()
        );
    }

    #[test]
    fn a_patch_sends_every_part_and_nulls_what_is_unset() {
        let set = AgentPatch::Set(EndpointSettings {
            rules: vec![SelectionRule::fixed_ratio("3", 100)],
            protocols: vec![
                ProtocolSetting {
                    protocol: "responses".into(),
                    enable_m365_public_endpoint: None,
                },
                ProtocolSetting {
                    protocol: "activity".into(),
                    enable_m365_public_endpoint: Some(false),
                },
            ],
            authorization_schemes: vec!["Entra".into(), "BotServiceRbac".into()],
            agent_card: Some(AgentCard {
                version: "1.0.0".into(),
                skills: vec![AgentSkill {
                    id: "s".into(),
                    name: "S".into(),
                    ..AgentSkill::default()
                }],
                ..AgentCard::default()
            }),
        });
        assert_eq!(
            set.to_json(),
            json!({
                "agent_endpoint": {
                    "version_selector": {"version_selection_rules": [
                        {"type": "FixedRatio", "agent_version": "3", "traffic_percentage": 100}]},
                    "protocol_configuration": {"responses": {}, "activity": {"enable_m365_public_endpoint": false}},
                    "authorization_schemes": [{"type": "Entra"}, {"type": "BotServiceRbac"}]
                },
                "agent_card": {"version": "1.0.0", "description": null, "skills": [{"id": "s", "name": "S"}]}
            })
        );
        let default = AgentPatch::Set(EndpointSettings::default()).to_json();
        assert_eq!(default["agent_endpoint"]["version_selector"], Value::Null);
        assert_eq!(default["agent_card"], Value::Null);
        let restore = AgentPatch::RestoreDefaults.to_json();
        for part in [
            "version_selector",
            "protocol_configuration",
            "authorization_schemes",
        ] {
            assert_eq!(
                restore["agent_endpoint"].get(part),
                Some(&Value::Null),
                "{part}"
            );
        }
    }
}
