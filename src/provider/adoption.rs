//! Versions an earlier, interrupted apply left behind, indexed by creation token.
//!
//! Every create first asks "did an earlier run already make this exact version?" (see the
//! creation token in `agents::models`). Anything such a run left behind already exists when
//! this provider process starts, so one listing of an agent's versions per process answers
//! the question for every create that follows. Listing before *each* create (the first
//! design) doubled the requests of an apply and grew quadratically with the number of
//! versions of one agent (found by the apply benchmark).
//!
//! A lost response *within* this process is not this index's concern: the agents client
//! resolves it itself by looking the token up before it re-sends a create.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::agents::{AgentVersion, Client, Error, VersionStatus};

/// Per-process index of adoptable versions, filled lazily per agent.
#[derive(Debug, Default)]
pub struct AdoptionIndex {
    agents: Mutex<HashMap<String, Arc<OnceCell<Mutex<HashMap<String, AgentVersion>>>>>>,
}

impl AdoptionIndex {
    /// Takes the version of `agent` carrying `token`, if one existed when this process first
    /// looked. Taking it removes it, so two identical resources in one apply cannot both
    /// adopt the same version.
    pub async fn take(
        &self,
        client: &Client,
        agent: &str,
        token: &str,
        deadline: Instant,
    ) -> Result<Option<AgentVersion>, Error> {
        let cell = {
            let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
            agents.entry(agent.to_owned()).or_default().clone()
        };
        // Concurrent creates for one agent share a single listing; a failed listing leaves
        // the cell empty so the next create tries again.
        let by_token = cell
            .get_or_try_init(|| async {
                let versions = match client.list_versions(agent, deadline).await {
                    Ok(v) => v,
                    Err(e) if e.is_not_found() => Vec::new(),
                    Err(e) => return Err(e),
                };
                Ok(Mutex::new(index_by_token(versions)))
            })
            .await?;
        Ok(by_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token))
    }
}

/// Live versions that carry a creation token, newest last wins (versions are listed oldest
/// first, so the newest of any duplicates is the one kept).
fn index_by_token(versions: Vec<AgentVersion>) -> HashMap<String, AgentVersion> {
    versions
        .into_iter()
        .filter(|v| {
            !matches!(
                v.status,
                Some(VersionStatus::Deleting | VersionStatus::Deleted)
            )
        })
        .filter_map(|v| Some((v.creation_token()?.to_owned(), v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(n: u32, token: Option<&str>, status: &str) -> AgentVersion {
        let metadata = match token {
            Some(t) => serde_json::json!({ crate::agents::CREATION_TOKEN_KEY: t }),
            None => serde_json::json!({}),
        };
        serde_json::from_value(serde_json::json!({
            "object": "agent.version", "id": format!("a:{n}"), "name": "a", "version": n.to_string(),
            "metadata": metadata, "created_at": 1_767_225_600, "status": status,
            "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                "container_configuration": {"image": "r.io/a:1"},
                "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}
        }))
        .expect("valid version JSON")
    }

    #[test]
    fn indexes_live_tokened_versions_newest_winning() {
        let index = index_by_token(vec![
            version(1, Some("t1"), "active"),
            version(2, None, "active"),
            version(3, Some("t3"), "deleting"),
            version(4, Some("t1"), "creating"),
        ]);
        assert_eq!(
            index.len(),
            1,
            "untokened and deleting versions are not adoptable: {index:?}"
        );
        assert_eq!(index["t1"].version, "4");
    }
}
