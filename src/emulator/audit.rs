//! The audit log behind `GET /_emulator/audit`: every change to what serves an agent's traffic,
//! in the order the store applied it. Tests replay it to prove, for example, that no request ever
//! routed traffic to a missing version and no version was deleted while it received traffic.
//!
//! Each event carries a sequence number, a timestamp, the agent, the version it concerns (if any),
//! and the routing in force right after it: `selector` (`default` or `explicit`), `rules` (as
//! `GET /agents/{name}` shows them) and `traffic` (version → percent, `@latest` resolved, versions
//! at 0 % left out). Kinds: `version.created`, `version.deleted`, `agent.deleted`,
//! `endpoint.changed`, `agent.enabled`, `agent.disabled`.
//!
//! The log lives in memory only (a restart starts a new log) and keeps the newest
//! [`MAX_EVENTS`]; `dropped` counts the ones it let go.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::{Value, json};

use super::endpoint;
use super::store::AgentRecord;

pub const MAX_EVENTS: usize = 100_000;

/// An event recorded by a state change, before the store numbers it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub kind: &'static str,
    pub agent: String,
    pub version: Option<String>,
    pub selector: &'static str,
    pub rules: Value,
    pub traffic: BTreeMap<String, u64>,
}

impl Pending {
    /// `agent` is the agent after the change (`None` once it is gone).
    pub fn new(
        kind: &'static str,
        name: &str,
        version: Option<u64>,
        agent: Option<&AgentRecord>,
    ) -> Pending {
        let stored = agent.and_then(|a| a.agent_endpoint.as_ref());
        let (selector, rules, traffic) = match agent {
            Some(a) => (
                if endpoint::is_explicit(stored) {
                    "explicit"
                } else {
                    "default"
                },
                endpoint::render(stored)["version_selector"]["version_selection_rules"].clone(),
                endpoint::traffic(stored, a.latest().map(|v| v.number)),
            ),
            None => ("none", json!([]), BTreeMap::new()),
        };
        Pending {
            kind,
            agent: name.to_string(),
            version: version.map(|v| v.to_string()),
            selector,
            rules,
            traffic,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: u64,
    pub at_ms: i64,
    pub event: &'static str,
    pub agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub selector: &'static str,
    pub rules: Value,
    pub traffic: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub struct Audit {
    events: VecDeque<Event>,
    next_seq: u64,
    dropped: u64,
}

impl Audit {
    pub fn push(&mut self, p: Pending, at_ms: i64) {
        self.next_seq += 1;
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(Event {
            seq: self.next_seq,
            at_ms,
            event: p.kind,
            agent: p.agent,
            version: p.version,
            selector: p.selector,
            rules: p.rules,
            traffic: p.traffic,
        });
    }

    /// `{"events": [...], "dropped": N}`, optionally only one agent's events.
    pub fn snapshot(&self, agent: Option<&str>) -> Value {
        let events: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| agent.is_none_or(|a| e.agent == a))
            .collect();
        json!({"events": events, "dropped": self.dropped})
    }
}
