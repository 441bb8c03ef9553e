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

use super::audit::{Audit, Pending};
use super::endpoint;
use super::errors::ApiError;
use super::lifecycle::{Lifecycle, ProvisionError};
use super::validation::{NewVersion, truncate};

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
    /// SHA-256 of the code zip of a code-based version (its bytes live in the code store).
    #[serde(default)]
    pub code_sha256: Option<String>,
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
    /// The endpoint configuration clients set (stored form, see endpoint.rs); `None` = defaults.
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
    /// Audit events of the change in progress; the store numbers them once the change is kept.
    #[serde(skip)]
    pub pending: Vec<Pending>,
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
            pending: Vec::new(),
        }
    }

    pub fn agent(&self, name: &str) -> Result<&AgentRecord, ApiError> {
        self.agents.get(name).ok_or_else(|| agent_not_found(name))
    }

    /// Records an audit event about `name` as it stands now.
    pub fn note(&mut self, kind: &'static str, name: &str, version: Option<u64>) {
        let event = Pending::new(kind, name, version, self.agents.get(name));
        self.pending.push(event);
    }

    /// A version of `name` whose stored definition equals `definition` (content-addressed dedupe
    /// of code uploads: the definition carries the code's content hash).
    pub fn same_definition(&self, name: &str, definition: &Value) -> Option<&VersionRecord> {
        self.agents
            .get(name)?
            .versions
            .values()
            .find(|v| &v.definition == definition)
    }

    /// Whether any version still refers to the code zip `sha256`.
    pub fn code_in_use(&self, sha256: &str) -> bool {
        self.agents
            .values()
            .flat_map(|a| a.versions.values())
            .any(|v| v.code_sha256.as_deref() == Some(sha256))
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
            code_sha256: new.code_sha256,
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
        self.note("version.created", name, Some(number));
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
        let shown = truncate(name, 80);
        if sessions > 0 && !force {
            return Err(ApiError::conflict(format!(
                "Version '{version}' of agent '{shown}' has {sessions} active session(s); pass force=true to delete it and its sessions."
            )));
        }
        // A version an explicit selector rule still sends traffic to stays (see endpoint.rs);
        // `@latest` rules move on to the next newest version, like the default selector.
        if endpoint::is_explicit(agent.agent_endpoint.as_ref())
            && let Some((_, percent)) = endpoint::rules(agent.agent_endpoint.as_ref())
                .into_iter()
                .find(|(v, p)| *v == version && *p > 0)
        {
            return Err(ApiError::conflict(format!(
                "Version '{version}' of agent '{shown}' receives {percent}% of the traffic of the agent endpoint of '{shown}' (agent_endpoint.version_selector). Move its traffic to other versions with PATCH /agents/{shown} first, then delete it."
            )));
        }
        agent.versions.remove(&number);
        let gone = agent.versions.is_empty();
        if gone {
            self.agents.remove(name);
        }
        self.note("version.deleted", name, Some(number));
        if gone {
            self.note("agent.deleted", name, None);
        }
        Ok(number)
    }

    pub fn delete_agent(&mut self, name: &str, force: bool) -> Result<(), ApiError> {
        let agent = self.agent(name)?;
        let sessions: u64 = agent.versions.values().map(|v| v.active_sessions).sum();
        if sessions > 0 && !force {
            return Err(ApiError::conflict(format!(
                "Agent '{}' has {sessions} active session(s); pass force=true to delete it and its sessions.",
                truncate(name, 80)
            )));
        }
        self.agents.remove(name);
        self.note("agent.deleted", name, None);
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
        "Version '{}' of agent '{}' was not found.",
        truncate(version, 40),
        truncate(name, 80)
    ))
}

/// Names come from the URL and can be any length: errors show at most 80 characters of them.
pub fn agent_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Agent '{}' was not found.", truncate(name, 80)))
}

pub struct Store {
    state: Mutex<State>,
    path: Option<PathBuf>,
    audit: Mutex<Audit>,
}

impl Store {
    /// Loads `path` if it exists, otherwise starts empty (and writes the file right away, so the
    /// token key is on disk before any token is issued).
    pub fn open(path: Option<PathBuf>) -> anyhow::Result<Store> {
        if let Some(p) = &path {
            remove_stale_temp_files(p);
        }
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
            audit: Mutex::new(Audit::default()),
        })
    }

    /// The audit log (see audit.rs), optionally only one agent's events.
    pub fn audit(&self, agent: Option<&str>) -> Value {
        self.audit
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .snapshot(agent)
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
        let events = std::mem::take(&mut next.pending);
        *guard = next;
        // Numbered while the state lock is held, so the log's order is the order of changes.
        let mut audit = self.audit.lock().unwrap_or_else(|p| p.into_inner());
        let at = super::server::now_ms();
        for e in events {
            audit.push(e, at);
        }
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
    let dir = state_dir(path);
    let mut tmp = tempfile_in(dir, path)?;
    let text = serde_json::to_vec_pretty(state)?;
    tmp.1.write_all(&text)?;
    tmp.1.sync_all()?;
    drop(tmp.1);
    std::fs::rename(&tmp.0, path)
        .map_err(|e| anyhow::anyhow!("renaming {} to {}: {e}", tmp.0.display(), path.display()))?;
    Ok(())
}

fn state_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Prefix of the temp files `persist` writes beside the state file.
fn temp_prefix(target: &Path) -> String {
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    format!(".{base}.")
}

/// A process killed between writing a temp file and renaming it (SIGKILL, power loss) leaves the
/// temp file behind; the next start with the same state file removes it.
fn remove_stale_temp_files(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = std::fs::read_dir(state_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::info!("removed stale temp file {}", entry.path().display()),
                Err(e) => tracing::warn!(
                    "cannot remove stale temp file {}: {e}",
                    entry.path().display()
                ),
            }
        }
    }
}

fn tempfile_in(dir: &Path, target: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let tmp = dir.join(format!(
        "{}{}.tmp",
        temp_prefix(target),
        uuid::Uuid::new_v4().simple()
    ));
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
            code_sha256: None,
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
    fn explicit_traffic_blocks_delete_and_default_does_not() {
        let mut s = State::fresh();
        for _ in 0..3 {
            s.add_version("a", nv(), &lc(), 0);
        }
        s.delete_version("a", "3", false).unwrap();
        s.agents.get_mut("a").unwrap().agent_endpoint =
            Some(json!({"version_selector": {"version_selection_rules": [
            {"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 90},
            {"type": "FixedRatio", "agent_version": "2", "traffic_percentage": 10}]}}));
        for v in ["1", "2"] {
            let e = s.delete_version("a", v, true).unwrap_err();
            assert_eq!(e.status, 409);
            assert!(e.message.contains("agent endpoint"), "{}", e.message);
        }
        s.agents.get_mut("a").unwrap().agent_endpoint =
            Some(json!({"version_selector": {"version_selection_rules": [
            {"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 100},
            {"type": "FixedRatio", "agent_version": "2", "traffic_percentage": 0}]}}));
        s.delete_version("a", "2", false).unwrap();
        let kinds: Vec<&str> = s.pending.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                "version.created",
                "version.created",
                "version.created",
                "version.deleted",
                "version.deleted"
            ]
        );
        assert_eq!(s.pending[3].selector, "default");
        assert_eq!(
            s.pending[4].traffic,
            BTreeMap::from([("1".to_string(), 100)])
        );
    }

    #[test]
    fn stale_temp_files_are_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let stale = dir.path().join(".state.json.0123abcd.tmp");
        let other = dir.path().join(".other.json.0123abcd.tmp");
        std::fs::write(&stale, "{").unwrap();
        std::fs::write(&other, "{").unwrap();
        Store::open(Some(path)).unwrap();
        assert!(!stale.exists(), "our stale temp file is removed");
        assert!(
            other.exists(),
            "another state file's temp file is left alone"
        );
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
