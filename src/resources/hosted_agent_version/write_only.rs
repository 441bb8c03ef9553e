//! Write-only environment variables (`environment_variables_wo`,
//! `environment_variables_wo_version`): what the plan decides about them, what apply sends,
//! and how their values are kept out of everything the provider answers.
//!
//! Terraform (1.11 and later) hands the values over in the configuration of plan and apply
//! and never stores them; the framework answers null for the attribute in every plan and state
//! (`framework::run`). What this module keeps (docs/ARCHITECTURE.md, "Write-only arguments"):
//!
//! - the state holds the plain variables (`environment_variables`) and the version number,
//!   never a write-only value nor anything derived from one (no hash: secrets are often
//!   guessable); the private state holds the write-only variables' NAMES
//!   ([`Private::write_only_keys`]), which are configuration, not secrets;
//! - read shows only the variables the state already holds (`model::state_from_version`), so
//!   the write-only ones the service returns on GET never reach the state and never look like
//!   drift (versions are immutable: their values cannot change out of band);
//! - Terraform replaces an object only when a stored value changes, so a change of the values
//!   is made visible by `environment_variables_wo_version`; a change of the names is seen
//!   through the private state, and one the version number does not carry is an error at plan
//!   asking for a new number ([`plan`]);
//! - a state that holds the values of variables the configuration declares write-only (right
//!   after `terraform import`, or written before the variable moved to
//!   `environment_variables_wo`) adopts them without a new version when the configured values
//!   are the ones the version has: the comparison happens in memory during the plan, and the
//!   in-place update that follows drops them from the state.

use std::collections::{BTreeMap, BTreeSet};

use super::Private;
use crate::framework::{AttrPath, Diagnostic, Diagnostics, PlanRequest, PlanResponse, Value};

pub const WO: &str = "environment_variables_wo";
pub const WO_VERSION: &str = "environment_variables_wo_version";
const PLAIN: &str = "environment_variables";

/// The write-only variables of a configuration (apply: every value is known). Unknown or null
/// entries are left out; an unset map is empty.
pub fn values(config: &Value) -> BTreeMap<String, String> {
    config.get(WO).as_string_map().unwrap_or_default()
}

/// Rules of the two maps (validate and plan): every variable has a value (a null one would
/// not be sent), and a name is plain or write-only, not both.
pub fn rules(config: &Value, d: &mut Diagnostics) {
    for map in [PLAIN, WO] {
        for (name, _) in config
            .get(map)
            .as_map()
            .into_iter()
            .flatten()
            .filter(|(_, v)| v.is_null())
        {
            d.error_at(
                AttrPath::root(map).key(name),
                "Missing environment variable value",
                format!(
                    "{name:?} in {map} is null; every variable needs a string value (an empty string is allowed). Remove the entry, or give it a value."
                ),
            );
        }
    }
    let (Some(plain), Some(wo)) = (config.get(PLAIN).as_map(), config.get(WO).as_map()) else {
        return;
    };
    for name in wo.keys().filter(|k| plain.contains_key(*k)) {
        d.error_at(
            AttrPath::root(WO).key(name),
            "Duplicate environment variable",
            format!(
                "{name:?} is set in both environment_variables and environment_variables_wo. A variable is either plain (its value is stored in the state) or write-only (its value is never stored); keep it in one of the two maps."
            ),
        );
    }
}

/// The plan's decisions about write-only variables when a version exists (`req.prior_state`
/// not null), on top of the schema's plan in `resp`:
///
/// - what the version holds: the plain variables of the prior state (values known) and the
///   write-only names of the private state (values unseen; `None` after an import or for a
///   state written before write-only arguments existed, whose plain map holds every variable);
/// - a configured write-only variable the version holds among the state's plain values is
///   adopted when the configured value is the same (compared here, never stored), and the
///   plain map is then compared without it;
/// - a write-only name the version does not hold, or no longer configured, or an adopted value
///   that differs, needs a new version: fine when the plan replaces anyway (e.g. the version
///   number changed), otherwise an error at `environment_variables_wo_version`, because
///   Terraform only replaces an object when a stored value changes;
/// - the first version number after an import (or on an older state) is recorded without a
///   new version when the names and values match.
///
/// On success without a replacement the planned private state records the configured names.
pub fn plan(req: &PlanRequest, resp: &mut PlanResponse) {
    let (prior, config) = (&req.prior_state, &req.config);
    if prior.is_null() || resp.diagnostics.has_errors() {
        return;
    }
    let Value::Map(wo) = config.get(WO).clone() else {
        if !config.get(WO).is_null() {
            // Unknown until apply: nothing to compare; the names stay as recorded.
            return;
        }
        return plan_with(req, resp, &BTreeMap::new());
    };
    plan_with(req, resp, &wo)
}

fn plan_with(req: &PlanRequest, resp: &mut PlanResponse, wo: &BTreeMap<String, Value>) {
    let prior = &req.prior_state;
    let replacing_before = !resp.requires_replace.is_empty();
    let private = Private::decode(&req.prior_private);
    let recorded: Option<BTreeSet<String>> = private
        .write_only_keys
        .as_ref()
        .map(|k| k.iter().cloned().collect());
    let plain_prior: BTreeMap<String, Value> =
        prior.get(PLAIN).as_map().cloned().unwrap_or_default();
    let plain_config = req.config.get(PLAIN);

    let mut needs_new_version: Vec<String> = Vec::new();
    for (name, configured) in wo {
        if recorded.as_ref().is_some_and(|r| r.contains(name)) {
            continue;
        }
        match plain_prior.get(name) {
            // The comparison never leaves this function: only the name is reported.
            Some(held) if configured.is_known() && held == configured => {}
            Some(_) => needs_new_version.push(format!(
                "{name:?}: the version holds another value than the configured one"
            )),
            None => needs_new_version.push(format!("{name:?}: the version has no such variable")),
        }
    }
    for name in recorded.iter().flatten().filter(|n| !wo.contains_key(*n)) {
        needs_new_version.push(format!("{name:?}: no longer in environment_variables_wo"));
    }

    // The plain map, compared without the variables now declared write-only.
    let mut plain_held = plain_prior.clone();
    plain_held.retain(|k, _| !wo.contains_key(k));
    let plain_held = if plain_held.is_empty() {
        Value::Null
    } else {
        Value::Map(plain_held)
    };
    let plain_path = AttrPath::root(PLAIN);
    let plain_changed = !super::SCHEMA
        .block
        .equivalent(PLAIN, &plain_held, plain_config);
    set_replace(resp, plain_path, plain_changed);

    // The first version number on a state that recorded no names is taken as it is.
    if recorded.is_none() && prior.get(WO_VERSION).is_null() && needs_new_version.is_empty() {
        set_replace(resp, AttrPath::root(WO_VERSION), false);
    }

    if replacing_before && resp.requires_replace.is_empty() {
        keep_computed_values(req, resp);
    }
    if needs_new_version.is_empty() {
        if resp.requires_replace.is_empty() {
            let names: Vec<String> = wo.keys().cloned().collect();
            resp.planned_private = Private {
                write_only_keys: Some(names),
                ..private
            }
            .encode();
        }
        return;
    }
    if !resp.requires_replace.is_empty() {
        // A new version is made anyway, with the configured variables.
        return;
    }
    resp.diagnostics.push(
        Diagnostic::error(
            "Write-only environment variables changed",
            format!(
                "Version {} cannot take these write-only environment variables: {}. Terraform never stores write-only values, so it replaces a version only when a stored value changes: set environment_variables_wo_version (or raise it) to create a new version with the configured variables.",
                prior.get("version").as_str().unwrap_or("?"),
                needs_new_version.join("; ")
            ),
        )
        .at(AttrPath::root(WO_VERSION)),
    );
}

/// The schema's plan marked computed values unknown for a replacement that the write-only
/// comparison called off: they stay as they are (Terraform proposed the prior ones).
fn keep_computed_values(req: &PlanRequest, resp: &mut PlanResponse) {
    let block = &super::SCHEMA.block;
    for a in block.attributes.iter().filter(|a| a.computed) {
        if req.config.get(&a.name).is_null() {
            resp.planned_state
                .set(&a.name, req.proposed_new_state.get(&a.name).clone());
        }
    }
    crate::framework::plan::apply_defaults(block, &req.config, &mut resp.planned_state);
}

fn set_replace(resp: &mut PlanResponse, path: AttrPath, replace: bool) {
    let present = resp.requires_replace.contains(&path);
    if replace && !present {
        resp.requires_replace.push(path);
    } else if !replace && present {
        resp.requires_replace.retain(|p| p != &path);
    }
}

/// Where a service error about a variable points: `environment_variables["K"]` becomes
/// `environment_variables_wo["K"]` when K is write-only.
pub fn repoint(d: &mut Diagnostic, wo: &BTreeMap<String, String>) {
    let Some(path) = &d.path else { return };
    let steps = path.steps();
    if let [
        crate::framework::PathStep::Attr(a),
        crate::framework::PathStep::Key(k),
    ] = steps
        && a == PLAIN
        && wo.contains_key(k)
    {
        d.path = Some(AttrPath::root(WO).key(k));
    }
}

/// Removes every write-only value from the diagnostics' text: a service error or a failed
/// version's message may quote what it was sent.
pub fn scrub(diags: &mut Diagnostics, wo: &BTreeMap<String, String>) {
    for d in diags.0.iter_mut() {
        repoint(d, wo);
        for value in wo.values().filter(|v| !v.is_empty()) {
            if d.detail.contains(value.as_str()) {
                d.detail = d.detail.replace(value.as_str(), "(write-only value)");
            }
        }
    }
}
