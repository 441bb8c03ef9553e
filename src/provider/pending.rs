//! Creates in flight, journalled in Terraform's data directory, so that a version an apply made
//! but never handed back to Terraform is named on the next plan instead of running unseen.
//!
//! Why a journal and not adoption: a version is recorded in Terraform's state only when
//! `ApplyResourceChange` returns. If the provider dies before that (SIGKILL, OOM, a crashed
//! Terraform) while the service has already made the version, no state tracks it. Nothing the
//! next run sees proves which planned create made it: Terraform re-plans every create during
//! apply and discards the private data of the saved plan, and two resources (or two
//! workspaces) may send identical definitions. Taking such a version over could steal one that
//! another state owns, so the provider never does; it leaves the version where it is and says
//! so, by name, with what to do about it (docs/reliability.md, "Left-over versions").
//!
//! How: before it sends a create, the resource writes one small file per create,
//! `<data dir>/azureai-pending-creates/<creation token>.json`, and holds an exclusive lock on
//! it while the create runs. When the version's state goes back to Terraform (or the create
//! certainly made nothing) the file is removed. A file that is left, unlocked, was left by a
//! process that died mid-create: `Configure` looks its token up, warns about the version it
//! finds, and forgets entries whose create made nothing or whose version is gone. Reading or
//! importing the version (it is tracked after all) forgets the entry as well.
//!
//! The data directory is `TF_DATA_DIR` or `.terraform` in the working directory (Terraform
//! starts providers there). The journal is best effort: when that directory does not exist
//! (the provider is driven by something other than Terraform) or a file cannot be written,
//! creates go on without it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Folder of the journal inside Terraform's data directory.
const JOURNAL_DIR: &str = "azureai-pending-creates";

/// One create in flight (or left by a process that died).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Project endpoint the create went to: a leftover is only looked up through a provider
    /// configured for the same project.
    pub endpoint: String,
    pub agent: String,
    pub token: String,
    /// RFC 3339, when the create started.
    pub started_at: String,
    /// The version number, once the service answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The Terraform process last warned about this entry: `terraform apply` configures one
    /// provider process to plan and another to apply, and the warning is shown once per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_to: Option<u32>,
}

/// The process that started this provider (Terraform itself, when it launched the plugin).
pub fn terraform_pid() -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::process::parent_id())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The journal of one provider process.
#[derive(Debug, Clone, Default)]
pub struct PendingCreates {
    dir: Option<PathBuf>,
}

impl PendingCreates {
    /// The journal under Terraform's data directory of the current working directory, or a
    /// disabled journal when there is none.
    pub fn from_env() -> PendingCreates {
        let data_dir = std::env::var_os("TF_DATA_DIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(".terraform"), PathBuf::from);
        PendingCreates::in_data_dir(&data_dir)
    }

    /// The journal under `data_dir`, which must exist (it is never created here).
    pub fn in_data_dir(data_dir: &Path) -> PendingCreates {
        PendingCreates {
            dir: data_dir.is_dir().then(|| data_dir.join(JOURNAL_DIR)),
        }
    }

    /// A journal that records nothing.
    pub fn disabled() -> PendingCreates {
        PendingCreates { dir: None }
    }

    fn path_of(&self, token: &str) -> Option<PathBuf> {
        // Tokens are ours (hex), but never let one name a path outside the journal.
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        Some(self.dir.as_ref()?.join(format!("{token}.json")))
    }

    /// Records a create about to be sent. The entry stays locked by this process until the
    /// returned guard is resolved or dropped; dropping it unresolved keeps the file.
    pub fn begin(&self, endpoint: &str, agent: &str, token: &str) -> InFlight {
        let entry = Entry {
            endpoint: endpoint.to_owned(),
            agent: agent.to_owned(),
            token: token.to_owned(),
            started_at: now_rfc3339(),
            version: None,
            reported_to: None,
        };
        let Some(path) = self.path_of(token) else {
            return InFlight::untracked(entry);
        };
        let opened = self
            .dir
            .as_ref()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
            });
        let file = match opened {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "pending-create journal not writable; going on without it");
                return InFlight::untracked(entry);
            }
        };
        if let Err(e) = file.lock() {
            tracing::debug!(path = %path.display(), error = %e, "cannot lock a pending-create entry");
        }
        let mut in_flight = InFlight {
            entry,
            file: Some(file),
            path: Some(path),
        };
        in_flight.write();
        in_flight
    }

    /// Forgets the entry of `token`, if any (its version is tracked: read or imported).
    pub fn forget(&self, token: &str) {
        if let Some(path) = self.path_of(token) {
            match fs::remove_file(&path) {
                Ok(()) => {
                    tracing::debug!(path = %path.display(), "pending-create entry forgotten: its version is tracked")
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::debug!(path = %path.display(), error = %e, "cannot remove a pending-create entry")
                }
            }
        }
    }

    /// Notes that `entry` was reported to the Terraform process `pid`.
    pub fn reported(&self, entry: &Entry, pid: u32) {
        let Some(path) = self.path_of(&entry.token) else {
            return;
        };
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            return;
        };
        if file.try_lock().is_err() {
            return;
        }
        let mut in_flight = InFlight {
            entry: Entry {
                reported_to: Some(pid),
                ..entry.clone()
            },
            file: Some(file),
            path: Some(path),
        };
        in_flight.write();
    }

    /// Entries for `endpoint` that no running process holds: creates of a process that died
    /// before it handed the version to Terraform.
    pub fn left_over(&self, endpoint: &str) -> Vec<Entry> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(listing) = fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in listing.flatten() {
            let path = item.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(mut file) = File::open(&path) else {
                continue;
            };
            match file.try_lock_shared() {
                Ok(()) => {}
                // A live create (this process or a concurrent one) holds it.
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => {
                    tracing::debug!(path = %path.display(), error = %e, "cannot lock a pending-create entry");
                    continue;
                }
            }
            let mut text = String::new();
            if file.read_to_string(&mut text).is_err() {
                continue;
            }
            match serde_json::from_str::<Entry>(&text) {
                Ok(e) if e.endpoint == endpoint => out.push(e),
                Ok(_) => {}
                // Killed between creating and writing the file: the create was not sent yet.
                Err(_) if text.is_empty() => {
                    let _ = fs::remove_file(&path);
                }
                Err(e) => {
                    tracing::debug!(path = %path.display(), error = %e, "unreadable pending-create entry")
                }
            }
        }
        out.sort_by(|a, b| (&a.started_at, &a.token).cmp(&(&b.started_at, &b.token)));
        out
    }
}

/// A create in flight. [`InFlight::resolved`] removes its entry; dropping it keeps the entry
/// for the next run to report (the outcome of the create is not known).
#[derive(Debug)]
pub struct InFlight {
    entry: Entry,
    file: Option<File>,
    path: Option<PathBuf>,
}

impl InFlight {
    fn untracked(entry: Entry) -> InFlight {
        InFlight {
            entry,
            file: None,
            path: None,
        }
    }

    fn write(&mut self) {
        let (Some(file), Some(path)) = (self.file.as_mut(), &self.path) else {
            return;
        };
        let text = serde_json::to_vec(&self.entry).unwrap_or_default();
        let written = file
            .set_len(0)
            .and_then(|()| std::io::Seek::rewind(file))
            .and_then(|()| file.write_all(&text))
            .and_then(|()| file.flush());
        if let Err(e) = written {
            tracing::debug!(path = %path.display(), error = %e, "cannot write a pending-create entry");
        }
    }

    /// The service answered with `version`: named in the entry in case the process dies while
    /// it provisions.
    pub fn made(&mut self, version: &str) {
        if self.entry.version.as_deref() != Some(version) {
            self.entry.version = Some(version.to_owned());
            self.write();
        }
    }

    /// The version goes back to Terraform, or the create certainly made nothing.
    pub fn resolved(mut self) {
        if let Some(path) = self.path.take() {
            if let Err(e) = fs::remove_file(&path) {
                tracing::debug!(path = %path.display(), error = %e, "cannot remove a pending-create entry");
            }
        }
        self.file = None;
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> (tempfile::TempDir, PendingCreates) {
        let dir = tempfile::tempdir().expect("temp dir");
        let j = PendingCreates::in_data_dir(dir.path());
        (dir, j)
    }

    #[test]
    fn an_entry_in_flight_is_not_left_over_until_its_holder_lets_go() {
        let (_dir, j) = journal();
        let mut f = j.begin("https://p", "bot", "t1");
        f.made("4");
        assert!(
            j.left_over("https://p").is_empty(),
            "a locked entry belongs to a live create"
        );
        drop(f); // the process "died" without resolving it
        let left = j.left_over("https://p");
        assert_eq!(left.len(), 1);
        assert_eq!(
            (left[0].agent.as_str(), left[0].version.as_deref()),
            ("bot", Some("4"))
        );
        assert!(
            j.left_over("https://other").is_empty(),
            "another project's entries are not this provider's business"
        );
    }

    #[test]
    fn resolved_and_forgotten_entries_are_gone() {
        let (_dir, j) = journal();
        j.begin("https://p", "bot", "t1").resolved();
        drop(j.begin("https://p", "bot", "t2"));
        assert_eq!(j.left_over("https://p").len(), 1);
        j.forget("t2");
        assert!(j.left_over("https://p").is_empty());
    }

    #[test]
    fn a_report_is_remembered_per_terraform_process() {
        let (_dir, j) = journal();
        drop(j.begin("https://p", "bot", "t1"));
        let left = j.left_over("https://p");
        assert_eq!(left[0].reported_to, None);
        j.reported(&left[0], 42);
        let again = j.left_over("https://p");
        assert_eq!(again[0].reported_to, Some(42));
        assert_eq!(again[0].agent, "bot", "the rest of the entry is kept");
    }

    #[test]
    fn no_data_directory_means_no_journal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let j = PendingCreates::in_data_dir(&dir.path().join("missing"));
        drop(j.begin("https://p", "bot", "t1"));
        assert!(j.left_over("https://p").is_empty());
        assert!(!dir.path().join("missing").exists(), "never created");
    }

    #[test]
    fn tokens_cannot_name_paths_outside_the_journal() {
        let (dir, j) = journal();
        drop(j.begin("https://p", "bot", "../escape"));
        assert!(!dir.path().join("escape.json").exists());
        assert!(j.left_over("https://p").is_empty());
    }
}
