//! Agents and their versions: numbering, paging, sessions, and atomic persistence.
//!
//! All state sits behind one mutex. A write works on a copy, persists it (temp file + rename)
//! and only then replaces the live state, so a failed write leaves nothing half-applied and the
//! file on disk always equals what clients were told.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::ApiError;
use super::lifecycle::{Lifecycle, ProvisionError};
use super::validation::NewVersion;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    pub number: u64,
    pub created_at_ms: i64,
    pub ready_at_ms: i64,
    #[serde(default)]
    pub provision_error: Option<ProvisionError>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    pub definition: Value,
    #[serde(default)]
    pub active_sessions: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentRecord {
    pub name: String,
    /// Creation order across agents (list order of `GET /agents`).
    pub seq: u64,
    pub created_at_ms: i64,
    pub versions: BTreeMap<u64, VersionRecord>,
    #[serde(default = "enabled")]
    pub state: String,
    #[serde(default)]
    pub agent_endpoint: Option<Value>,
    #[serde(default)]
    pub agent_card: Option<Value>,
}

fn enabled() -> String {
    "enabled".into()
}

impl AgentRecord {
    pub fn latest(&self) -> Option<&VersionRecord> {
        self.versions.values().next_back()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub agents: BTreeMap<String, AgentRecord>,
    /// Last version number handed out per agent name. Kept even when the agent goes away so
    /// that version numbers are never reused within one emulator state.
    #[serde(default)]
    pub version_counters: BTreeMap<String, u64>,
    #[serde(default)]
    pub next_agent_seq: u64,
    /// Creation sequence of every agent name ever created (kept after deletion), so a list
    /// cursor naming an agent deleted meanwhile still marks a position.
    #[serde(default)]
    pub agent_seqs: BTreeMap<String, u64>,
    /// Hex HMAC key the token endpoint signs access tokens with (see auth.rs). Persisted so
    /// tokens survive a restart with the same --state-file.
    pub token_key: String,
}

/// Paging request shared by the agent and version lists.
#[derive(Debug, Clone)]
pub struct Paging {
    pub limit: usize,
    pub descending: bool,
    pub after: Option<u64>,
    pub before: Option<u64>,
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl Paging {
    /// Applies cursor, order and limit to items already sorted ascending by their key.
    /// `after`/`before` are exclusive and relative to the requested order; a `before` page holds
    /// the items closest to the cursor (the previous page).
    pub fn apply<T: Clone>(&self, ascending: &[(u64, T)]) -> Page<T> {
        let mut seq: Vec<&(u64, T)> = ascending.iter().collect();
        if self.descending {
            seq.reverse();
        }
        let comes_after = |k: u64, cursor: u64| {
            if self.descending {
                k < cursor
            } else {
                k > cursor
            }
        };
        let filtered: Vec<&(u64, T)> = seq
            .into_iter()
            .filter(|(k, _)| self.after.is_none_or(|c| comes_after(*k, c)))
            .filter(|(k, _)| self.before.is_none_or(|c| comes_after(c, *k)))
            .collect();
        let has_more = filtered.len() > self.limit;
        let window: &[&(u64, T)] = if self.before.is_some() && self.after.is_none() && has_more {
            &filtered[filtered.len() - self.limit..]
        } else {
            &filtered[..filtered.len().min(self.limit)]
        };
        Page {
            items: window.iter().map(|(_, t)| t.clone()).collect(),
            has_more,
        }
    }
}

impl State {
    fn fresh() -> State {
        let key: [u8; 32] = rand::random();
        State {
            agents: BTreeMap::new(),
            version_counters: BTreeMap::new(),
            next_agent_seq: 1,
            agent_seqs: BTreeMap::new(),
            token_key: super::digest::hex(&key),
        }
    }

    pub fn agent(&self, name: &str) -> Result<&AgentRecord, ApiError> {
        self.agents
            .get(name)
            .ok_or_else(|| ApiError::not_found(format!("Agent '{name}' was not found.")))
    }

    /// List position of an agent name, for `after`/`before` cursors.
    pub fn agent_cursor(&self, name: &str) -> Option<u64> {
        self.agents
            .get(name)
            .map(|a| a.seq)
            .or_else(|| self.agent_seqs.get(name).copied())
    }

    pub fn version(&self, name: &str, version: &str) -> Result<&VersionRecord, ApiError> {
        let agent = self.agent(name)?;
        parse_version(version)
            .and_then(|n| agent.versions.get(&n))
            .ok_or_else(|| version_not_found(name, version))
    }

    /// Adds a version, creating the agent if needed (like `POST /agents/{name}/versions`).
    pub fn add_version(
        &mut self,
        name: &str,
        new: NewVersion,
        lifecycle: &Lifecycle,
        now_ms: i64,
    ) -> VersionRecord {
        let counter = self.version_counters.entry(name.to_string()).or_insert(0);
        *counter += 1;
        let number = *counter;
        let (ready_at_ms, provision_error) = lifecycle.plan(&new.definition, now_ms);
        let record = VersionRecord {
            number,
            created_at_ms: now_ms,
            ready_at_ms,
            provision_error,
            description: new.description,
            metadata: new.metadata,
            definition: new.definition,
            active_sessions: 0,
        };
        if !self.agents.contains_key(name) {
            let seq = self.next_agent_seq.max(1);
            self.next_agent_seq = seq + 1;
            self.agent_seqs.insert(name.to_string(), seq);
            self.agents.insert(
                name.to_string(),
                AgentRecord {
                    name: name.to_string(),
                    seq,
                    created_at_ms: now_ms,
                    versions: BTreeMap::new(),
                    state: enabled(),
                    agent_endpoint: None,
                    agent_card: None,
                },
            );
        }
        let agent = self.agents.get_mut(name).expect("agent inserted above");
        agent.versions.insert(number, record.clone());
        record
    }

    /// Deletes one version. Deleting the last version removes the agent too: an agent object
    /// must show `versions.latest`, and the service offers no empty agent. The version counter is
    /// kept, so a later version of the same name gets a fresh number.
    pub fn delete_version(
        &mut self,
        name: &str,
        version: &str,
        force: bool,
    ) -> Result<u64, ApiError> {
        let number = self.version(name, version)?.number;
        let agent = self.agents.get_mut(name).expect("checked by version()");
        let sessions = agent.versions[&number].active_sessions;
        if sessions > 0 && !force {
            return Err(ApiError::conflict(format!(
                "Version '{version}' of agent '{name}' has {sessions} active session(s); pass force=true to delete it and its sessions."
            )));
        }
        agent.versions.remove(&number);
        if agent.versions.is_empty() {
            self.agents.remove(name);
        }
        Ok(number)
    }

    pub fn delete_agent(&mut self, name: &str, force: bool) -> Result<(), ApiError> {
        let agent = self.agent(name)?;
        let sessions: u64 = agent.versions.values().map(|v| v.active_sessions).sum();
        if sessions > 0 && !force {
            return Err(ApiError::conflict(format!(
                "Agent '{name}' has {sessions} active session(s); pass force=true to delete it and its sessions."
            )));
        }
        self.agents.remove(name);
        Ok(())
    }

    pub fn set_sessions(&mut self, name: &str, version: &str, active: u64) -> Result<(), ApiError> {
        let number = self.version(name, version)?.number;
        let agent = self.agents.get_mut(name).expect("checked by version()");
        agent
            .versions
            .get_mut(&number)
            .expect("checked")
            .active_sessions = active;
        Ok(())
    }
}

pub fn parse_version(version: &str) -> Option<u64> {
    let n: u64 = version.parse().ok()?;
    // "01" is not the id of version "1": versions are compared as the strings the service issued.
    (n.to_string() == version).then_some(n)
}

pub fn version_not_found(name: &str, version: &str) -> ApiError {
    ApiError::not_found(format!(
        "Version '{version}' of agent '{name}' was not found."
    ))
}

pub struct Store {
    state: Mutex<State>,
    path: Option<PathBuf>,
}

impl Store {
    /// Loads `path` if it exists, otherwise starts empty (and writes the file right away, so the
    /// token key is on disk before any token is issued).
    pub fn open(path: Option<PathBuf>) -> anyhow::Result<Store> {
        let state = match &path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("reading state file {}: {e}", p.display()))?;
                serde_json::from_str(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "state file {} is not valid emulator state: {e}",
                        p.display()
                    )
                })?
            }
            _ => State::fresh(),
        };
        if let Some(p) = &path {
            persist(p, &state)?;
        }
        Ok(Store {
            state: Mutex::new(state),
            path,
        })
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    /// Runs `f` on a copy of the state; on success persists the copy and makes it live.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&mut State) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = guard.clone();
        let out = f(&mut next)?;
        if let Some(p) = &self.path {
            blocking(|| persist(p, &next)).map_err(|e| {
                tracing::error!("persisting state failed: {e}");
                ApiError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "The emulator could not persist its state file.",
                )
            })?;
        }
        *guard = next;
        Ok(out)
    }

    pub fn token_key(&self) -> Vec<u8> {
        self.read(|s| {
            super::digest::unhex(&s.token_key).unwrap_or_else(|| s.token_key.as_bytes().to_vec())
        })
    }
}

/// Runs file I/O (write + fsync) without stalling the async runtime's other tasks: on a
/// multi-threaded runtime the worker hands its other tasks away while it blocks.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Atomic replace: write a sibling temp file, fsync it, rename over the target.
fn persist(path: &Path, state: &State) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    let text = serde_json::to_vec_pretty(state)?;
    tmp.1.write_all(&text)?;
    tmp.1.sync_all()?;
    drop(tmp.1);
    std::fs::rename(&tmp.0, path)
        .map_err(|e| anyhow::anyhow!("renaming {} to {}: {e}", tmp.0.display(), path.display()))?;
    Ok(())
}

fn tempfile_in(dir: &Path, target: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{base}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", tmp.display()))?;
    Ok((tmp, file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nv() -> NewVersion {
        NewVersion {
            description: None,
            metadata: BTreeMap::new(),
            definition: json!({"kind": "hosted"}),
        }
    }

    fn lc() -> Lifecycle {
        Lifecycle {
            provision_delay_ms: 0,
            fail_images: vec![],
        }
    }

    #[test]
    fn numbers_are_never_reused() {
        let mut s = State::fresh();
        assert_eq!(s.add_version("a", nv(), &lc(), 0).number, 1);
        assert_eq!(s.add_version("a", nv(), &lc(), 0).number, 2);
        s.delete_version("a", "2", false).unwrap();
        assert_eq!(s.add_version("a", nv(), &lc(), 0).number, 3);
        s.delete_agent("a", false).unwrap();
        assert_eq!(s.add_version("a", nv(), &lc(), 0).number, 4);
        assert!(s.version("a", "03").is_err());
    }

    #[test]
    fn sessions_block_delete_unless_forced() {
        let mut s = State::fresh();
        s.add_version("a", nv(), &lc(), 0);
        s.add_version("a", nv(), &lc(), 0);
        s.set_sessions("a", "1", 2).unwrap();
        assert_eq!(s.delete_version("a", "1", false).unwrap_err().status, 409);
        assert_eq!(s.delete_agent("a", false).unwrap_err().status, 409);
        s.delete_version("a", "1", true).unwrap();
        s.delete_version("a", "2", false).unwrap();
        assert!(s.agent("a").is_err(), "last version removes the agent");
    }

    #[test]
    fn paging() {
        let items: Vec<(u64, u64)> = (1..=5).map(|i| (i, i)).collect();
        let p = |desc, after, before, limit| {
            let page = Paging {
                limit,
                descending: desc,
                after,
                before,
            }
            .apply(&items);
            (page.items, page.has_more)
        };
        assert_eq!(p(true, None, None, 2), (vec![5, 4], true));
        assert_eq!(p(true, Some(4), None, 2), (vec![3, 2], true));
        assert_eq!(p(true, Some(2), None, 2), (vec![1], false));
        assert_eq!(p(true, Some(1), None, 2), (vec![], false));
        assert_eq!(p(false, Some(2), None, 10), (vec![3, 4, 5], false));
        assert_eq!(p(false, None, Some(5), 2), (vec![3, 4], true));
        assert_eq!(p(true, None, Some(1), 2), (vec![3, 2], true));
        assert_eq!(p(false, Some(1), Some(4), 10), (vec![2, 3], false));
    }

    #[test]
    fn persistence_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let store = Store::open(Some(path.clone())).unwrap();
        store
            .write(|s| Ok(s.add_version("a", nv(), &lc(), 5)))
            .unwrap();
        let key = store.token_key();
        drop(store);
        let again = Store::open(Some(path)).unwrap();
        assert_eq!(again.token_key(), key);
        assert_eq!(
            again.read(|s| s.version("a", "1").unwrap().created_at_ms),
            5
        );
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp files left behind");
    }

    proptest::proptest! {
        /// Following `after = last key` from the first page visits every item exactly once, in
        /// the requested order, whatever the keys (gaps from deletes) and the limit.
        #[test]
        fn following_after_visits_everything_once(
            keys in proptest::collection::btree_set(1u64..500, 0..60),
            limit in 1usize..10,
            descending in proptest::bool::ANY,
        ) {
            let items: Vec<(u64, u64)> = keys.iter().map(|k| (*k, *k)).collect();
            let mut seen = vec![];
            let mut after = None;
            loop {
                let page = Paging { limit, descending, after, before: None }.apply(&items);
                proptest::prop_assert!(page.items.len() <= limit);
                let Some(last) = page.items.last().copied() else {
                    proptest::prop_assert!(!page.has_more);
                    break;
                };
                seen.extend(page.items.iter().copied());
                after = Some(last);
            }
            let mut expected: Vec<u64> = keys.iter().copied().collect();
            if descending {
                expected.reverse();
            }
            proptest::prop_assert_eq!(seen, expected);
        }

        /// `before` the first item of a page returns exactly the previous page.
        #[test]
        fn before_returns_the_previous_page(
            keys in proptest::collection::btree_set(1u64..500, 2..40),
            limit in 1usize..6,
            descending in proptest::bool::ANY,
        ) {
            let items: Vec<(u64, u64)> = keys.iter().map(|k| (*k, *k)).collect();
            let first = Paging { limit, descending, after: None, before: None }.apply(&items);
            let Some(&cursor) = first.items.last() else { return Ok(()); };
            let second = Paging { limit, descending, after: Some(cursor), before: None }.apply(&items);
            let Some(&second_first) = second.items.first() else { return Ok(()); };
            let back = Paging { limit, descending, after: None, before: Some(second_first) }.apply(&items);
            proptest::prop_assert_eq!(back.items, first.items);
        }
    }
}
