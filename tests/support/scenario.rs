//! A step runner for end-to-end scenarios: one emulator, one workspace, one API version, and
//! the checks every scenario wants done after each step, so a test states only its steps:
//!
//! ```ignore
//! both_terraform_versions!(lifecycle_v1, |tf| {
//!     Scenario::new(tf, ApiVersion::V1)
//!         .apply(CONFIG)                       // then: the next plan is empty and writes nothing
//!         .import_verify(ADDR, &["timeouts"])  // state rm, import by id, every value compared
//!         .apply(CONFIG_2).expect_replace(ADDR)
//!         .destroy();                          // then: the emulator holds no live version
//! });
//! ```
//!
//! Every check names the step, the Terraform version and the API version when it fails.

use std::collections::BTreeMap;

use azureai::agents::ApiVersion;
use serde_json::Value;

use super::{CmdOutput, Emulator, TerraformBin, Workspace, WorkspaceBuilder};

/// Emulator arguments for fast, deterministic scenarios: provisioning takes 100 ms.
pub const FAST: &[&str] = &["--provision-delay-ms", "100"];

/// What a scenario needs to write configurations for an API version.
pub trait ApiVersionExt {
    /// A protocol version this API version accepts.
    fn protocol_version(self) -> &'static str;
    /// The provider block selecting this API version (endpoint and credentials come from the
    /// environment the workspace sets).
    fn provider_block(self) -> String;
}

impl ApiVersionExt for ApiVersion {
    fn protocol_version(self) -> &'static str {
        match self {
            ApiVersion::Preview => "v1",
            ApiVersion::V1 => "1.0.0",
        }
    }
    fn provider_block(self) -> String {
        format!(
            "provider \"azureai\" {{\n  api_version = \"{}\"\n}}\n",
            self.as_str()
        )
    }
}

/// Defines one test per Terraform version (a module named `$name` holding
/// `terraform_on_path` and `terraform_1_0_3`), so the two run side by side.
#[macro_export]
macro_rules! both_terraform_versions {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn terraform_on_path() {
                let run: fn(&$crate::support::TerraformBin) = $body;
                run(&$crate::support::terraform_on_path());
            }
            #[test]
            fn terraform_1_0_3() {
                let run: fn(&$crate::support::TerraformBin) = $body;
                run(&$crate::support::terraform_1_0_3());
            }
        }
    };
}

/// A running scenario. The fields are public for checks of a scenario's own (`check`).
pub struct Scenario {
    pub emu: Emulator,
    pub ws: Workspace,
    pub api: ApiVersion,
    initialised: bool,
    step: usize,
    /// The last `apply`: its output and the writes the emulator served during it.
    last_apply: Option<(CmdOutput, u64)>,
}

impl Scenario {
    /// A fresh emulator ([`FAST`]) and a workspace wired to it.
    pub fn new(tf: &TerraformBin, api: ApiVersion) -> Self {
        Self::with_emulator(tf, api, Emulator::start(FAST))
    }

    /// Like [`Scenario::new`] with an emulator the test started (e.g. with other arguments,
    /// or holding versions made out of band).
    pub fn with_emulator(tf: &TerraformBin, api: ApiVersion, emu: Emulator) -> Self {
        Self::with_workspace(tf, api, emu, |b| b)
    }

    /// Like [`Scenario::with_emulator`], with the workspace builder passed through `f` first
    /// (e.g. `|b| b.env("TF_VAR_api_key", SECRET)`).
    pub fn with_workspace(
        tf: &TerraformBin,
        api: ApiVersion,
        emu: Emulator,
        f: impl FnOnce(WorkspaceBuilder) -> WorkspaceBuilder,
    ) -> Self {
        let ws = f(Workspace::builder(tf).emulator(&emu)).build();
        Scenario {
            emu,
            ws,
            api,
            initialised: false,
            step: 0,
            last_apply: None,
        }
    }

    /// "step N (Terraform X via …, api_version Y)", for assertion messages.
    pub fn context(&self) -> String {
        format!(
            "step {} ({}, api_version {})",
            self.step,
            self.ws.describe(),
            self.api.as_str()
        )
    }

    /// Successful state-changing calls the emulator has served so far.
    pub fn writes(&self) -> u64 {
        let stats = self.emu.stats();
        stats["writes"]
            .as_u64()
            .unwrap_or_else(|| panic!("emulator stats without writes: {stats}"))
    }

    /// Writes `main.tf`: the provider block for the API version, then `config`.
    pub fn config(mut self, config: &str) -> Self {
        self.step += 1;
        self.ws
            .write_main_tf(&format!("{}\n{config}", self.api.provider_block()));
        if !self.initialised {
            self.ws.init();
            self.initialised = true;
        }
        self
    }

    /// Applies `config`, then requires that the next plan is empty and writes nothing.
    #[track_caller]
    pub fn apply(mut self, config: &str) -> Self {
        self = self.config(config);
        let before = self.writes();
        let out = self.ws.apply();
        self.last_apply = Some((out, self.writes() - before));
        self.expect_empty_plan()
    }

    /// Requires that a plan of the current configuration is empty and writes nothing.
    #[track_caller]
    pub fn expect_empty_plan(self) -> Self {
        let ctx = self.context();
        let before = self.writes();
        let plan = self.ws.plan();
        assert!(
            !plan.has_changes,
            "{ctx}: the plan is not empty:\n{}",
            plan.output
        );
        assert_eq!(
            self.writes(),
            before,
            "{ctx}: planning wrote to the service"
        );
        self
    }

    /// Requires that a plan of `config` is empty (e.g. another spelling of the same values).
    #[track_caller]
    pub fn plan_empty(self, config: &str) -> Self {
        self.config(config).expect_empty_plan()
    }

    fn last_apply(&self) -> &(CmdOutput, u64) {
        self.last_apply
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no apply yet", self.context()))
    }

    /// Requires that the last apply replaced `address`.
    #[track_caller]
    pub fn expect_replace(self, address: &str) -> Self {
        self.expect_action(address, "must be replaced")
    }

    /// Requires that the last apply created `address`.
    #[track_caller]
    pub fn expect_create(self, address: &str) -> Self {
        self.expect_action(address, "will be created")
    }

    /// Requires that the last apply updated `address` in place.
    #[track_caller]
    pub fn expect_update_in_place(self, address: &str) -> Self {
        self.expect_action(address, "will be updated in-place")
    }

    #[track_caller]
    fn expect_action(self, address: &str, action: &str) -> Self {
        let line = format!("# {address} {action}");
        let (out, _) = self.last_apply();
        assert!(
            out.stdout.contains(&line),
            "{}: the apply did not say {line:?}:\n{out}",
            self.context()
        );
        self
    }

    /// Requires that the last apply called nothing that changes the service.
    #[track_caller]
    pub fn expect_no_writes(self) -> Self {
        let writes = self.last_apply().1;
        assert_eq!(
            writes,
            0,
            "{}: the apply wrote {writes} times",
            self.context()
        );
        self
    }

    /// Imports `id` into `address` (`terraform import`), then requires that importing wrote
    /// nothing and that the next plan is empty.
    #[track_caller]
    pub fn import(mut self, address: &str, id: &str) -> Self {
        self.step += 1;
        let writes = self.writes();
        self.ws.import(address, id);
        assert_eq!(
            self.writes(),
            writes,
            "{}: importing wrote to the service",
            self.context()
        );
        self.expect_empty_plan()
    }

    /// Forgets `address` (`terraform state rm`), imports it again by its `id`, and requires
    /// that every value, computed ones included, reads back as it was (but those in `ignore`),
    /// that importing wrote nothing, and that the next plan is empty.
    #[track_caller]
    pub fn import_verify(mut self, address: &str, ignore: &[&str]) -> Self {
        self.step += 1;
        let ctx = self.context();
        let before = self.values(address);
        let id = before["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: {address} has no id: {before:#?}"))
            .to_owned();
        let writes = self.writes();
        self.ws.run(&["state", "rm", address]).assert_success();
        self.ws.import(address, &id);
        let after = self.values(address);
        let differences: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| !ignore.contains(&k.as_str()))
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| {
                format!(
                    "{k}: {:?} before, {:?} after import",
                    before.get(k),
                    after.get(k)
                )
            })
            .collect();
        assert!(
            differences.is_empty(),
            "{ctx}: {address} reads back differently after import:\n{}",
            differences.join("\n")
        );
        assert_eq!(
            self.writes(),
            writes,
            "{ctx}: importing wrote to the service"
        );
        self.expect_empty_plan()
    }

    /// Every value of `address` in the state (`terraform show -json`), by attribute name.
    pub fn values(&self, address: &str) -> BTreeMap<String, Value> {
        match self.ws.resource_values(address) {
            Value::Object(m) => m.into_iter().collect(),
            other => panic!("{}: {address} values are {other}", self.context()),
        }
    }

    /// A check of the scenario's own, with access to the workspace and the emulator.
    #[track_caller]
    pub fn check(self, f: impl FnOnce(&Scenario)) -> Self {
        f(&self);
        self
    }

    /// Destroys everything, then requires that the emulator holds no live version.
    #[track_caller]
    pub fn destroy(mut self) -> Self {
        self.step += 1;
        self.ws.destroy();
        let live = self.live_versions();
        assert!(
            live.is_empty(),
            "{}: versions left after destroy: {live:?}",
            self.context()
        );
        self
    }

    /// `(agent, version)` of every version in the emulator's store that is not being deleted.
    pub fn live_versions(&self) -> Vec<(String, String)> {
        let state = self.emu.state();
        let mut live = Vec::new();
        for (agent, a) in state["agents"].as_object().into_iter().flatten() {
            for (version, v) in a["versions"].as_object().into_iter().flatten() {
                if !matches!(v["status"].as_str(), Some("deleting" | "deleted")) {
                    live.push((agent.clone(), version.clone()));
                }
            }
        }
        live
    }
}
