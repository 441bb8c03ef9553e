//! `azureai_agent_endpoint` through the real Terraform CLI against the emulator, with both
//! Terraform versions:
//!
//! - the canary walk of a blue/green pair (blue at 100 → green added at 10 → green at 100 →
//!   blue removed), and the single-resource rollout of `examples/rollout-create-before-destroy/`
//!   (a changed image creates the new version, moves the traffic, deletes the old version, in
//!   one apply). For both, the emulator's audit log proves that no request ever routed
//!   traffic to a missing version and that no version was deleted while it received traffic;
//! - the whole configuration read back (and the `azureai_agent` data source), import with an
//!   empty plan, traffic moved outside Terraform planned back, disable and enable, a duplicate
//!   version known only at apply stopped before anything is sent, and removing the resource
//!   restoring the service's defaults without deleting a version.

mod resource_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};

use resource_support::{ApiVersion, live_versions};
use serde_json::{Value, json};
use support::{Emulator, Scenario, repo_root};

const AGENT: &str = "orders-bot";
const ENDPOINT: &str = "azureai_agent_endpoint.bot";

fn version_block(name: &str, tag: &str) -> String {
    format!(
        r#"
resource "azureai_hosted_agent_version" "{name}" {{
  agent_name = "{AGENT}"
  image      = "contosoacr.azurecr.io/orders-bot:{tag}"

  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#
    )
}

/// `GET /agents/orders-bot` as an outside client sees it.
fn agent(emu: &Emulator) -> Value {
    emu.api("GET", &format!("agents/{AGENT}?api-version=v1"), None)
}

/// The explicit rules in force as `version → percent` (empty under the default selector).
fn rules(emu: &Emulator) -> BTreeMap<String, u64> {
    agent(emu)["agent_endpoint"]["version_selector"]["version_selection_rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["agent_version"].as_str().unwrap().to_owned(),
                r["traffic_percentage"].as_u64().unwrap(),
            )
        })
        .filter(|(v, p)| !(v == "@latest" && *p == 100))
        .collect()
}

fn split(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(v, p)| (v.to_string(), *p)).collect()
}

/// The emulator's audit log of the agent (test control endpoint).
fn audit(emu: &Emulator) -> Vec<Value> {
    let a = emu.control("GET", &format!("/_emulator/audit?agent={AGENT}"), None);
    assert_eq!(a["dropped"], 0, "{a}");
    a["events"].as_array().cloned().unwrap_or_default()
}

fn show(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| {
            format!(
                "  #{} {} {} {} rules={} traffic={}",
                e["seq"],
                e["event"].as_str().unwrap_or("?"),
                e["version"].as_str().unwrap_or(""),
                e["selector"].as_str().unwrap_or(""),
                e["rules"],
                e["traffic"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replays an audit log: after every change, each version that receives traffic (and each
/// version an explicit rule sends traffic to) exists; and no version is deleted while the
/// routing in force right before sent it traffic.
fn assert_rollout_safe(events: &[Value], ctx: &str) {
    assert!(!events.is_empty(), "{ctx}: empty audit log");
    let log = show(events);
    let mut live: BTreeSet<String> = BTreeSet::new();
    let mut routed: BTreeMap<String, u64> = BTreeMap::new();
    for e in events {
        let seq = &e["seq"];
        let version = e["version"].as_str().map(str::to_owned);
        match e["event"].as_str().unwrap() {
            "version.created" => {
                live.insert(version.expect("created version"));
            }
            "version.deleted" => {
                let v = version.expect("deleted version");
                let share = routed.get(&v).copied().unwrap_or(0);
                assert_eq!(
                    share, 0,
                    "{ctx}: version {v} was deleted (event #{seq}) while it received {share}% of the traffic:\n{log}"
                );
                live.remove(&v);
            }
            "agent.deleted" => live.clear(),
            _ => {}
        }
        routed = e["traffic"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(v, p)| (v.clone(), p.as_u64().unwrap()))
            .collect();
        for v in routed.keys() {
            assert!(
                live.contains(v),
                "{ctx}: after event #{seq} traffic goes to version {v}, which does not exist:\n{log}"
            );
        }
        for r in e["rules"].as_array().into_iter().flatten() {
            let v = r["agent_version"].as_str().unwrap();
            if v != "@latest" && r["traffic_percentage"].as_u64().unwrap() > 0 {
                assert!(
                    live.contains(v),
                    "{ctx}: after event #{seq} a rule sends traffic to version {v}, which does not exist:\n{log}"
                );
            }
        }
    }
}

fn position(events: &[Value], f: impl Fn(&Value) -> bool, what: &str, ctx: &str) -> usize {
    events
        .iter()
        .position(f)
        .unwrap_or_else(|| panic!("{ctx}: no {what} in the audit log:\n{}", show(events)))
}

// ---------------------------------------------------------------------------------------------
// The canary walk
// ---------------------------------------------------------------------------------------------

/// The endpoint with one traffic block per `(version resource, percent)`.
fn canary_config(blue: bool, green: bool, traffic: &[(&str, u64)]) -> String {
    let mut c = String::new();
    if blue {
        c.push_str(&version_block("blue", "2026.01.01"));
    }
    if green {
        c.push_str(&version_block("green", "2026.02.01"));
    }
    let name_from = if blue { "blue" } else { "green" };
    c.push_str(&format!(
        "\nresource \"azureai_agent_endpoint\" \"bot\" {{\n  agent_name = azureai_hosted_agent_version.{name_from}.agent_name\n"
    ));
    for (resource, percent) in traffic {
        c.push_str(&format!(
            "\n  traffic {{\n    version = azureai_hosted_agent_version.{resource}.version\n    percent = {percent}\n  }}\n"
        ));
    }
    c.push_str("}\n");
    c
}

fn canary_walk(tf: &support::TerraformBin) {
    let s = Scenario::new(tf, ApiVersion::V1)
        .apply(&canary_config(true, false, &[("blue", 100)]))
        .check(|s| {
            assert_eq!(rules(&s.emu), split(&[("1", 100)]), "{}", s.context());
            let values = s.values(ENDPOINT);
            assert_eq!(values["traffic"], json!([{"version": "1", "percent": 100}]));
        })
        // The canary: green is created in this apply, so its number is known only then.
        .apply(&canary_config(true, true, &[("blue", 90), ("green", 10)]))
        .expect_create("azureai_hosted_agent_version.green")
        .expect_update_in_place(ENDPOINT)
        .check(|s| {
            assert_eq!(
                rules(&s.emu),
                split(&[("1", 90), ("2", 10)]),
                "{}",
                s.context()
            )
        })
        .apply(&canary_config(true, true, &[("blue", 0), ("green", 100)]))
        .expect_update_in_place(ENDPOINT)
        .check(|s| {
            assert_eq!(
                rules(&s.emu),
                split(&[("1", 0), ("2", 100)]),
                "{}",
                s.context()
            )
        })
        .apply(&canary_config(false, true, &[("green", 100)]))
        .expect_update_in_place(ENDPOINT)
        .check(|s| {
            let ctx = s.context();
            assert_eq!(rules(&s.emu), split(&[("2", 100)]), "{ctx}");
            let live: Vec<String> = live_versions(&s.emu, AGENT)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            assert_eq!(live, ["2"], "{ctx}: blue is deleted, green serves");
            let events = audit(&s.emu);
            assert_rollout_safe(&events, &ctx);
            // Green was created before any traffic went to it; blue deleted after it had none.
            let green_created = position(
                &events,
                |e| e["event"] == "version.created" && e["version"] == "2",
                "green's creation",
                &ctx,
            );
            let canary = position(
                &events,
                |e| e["event"] == "endpoint.changed" && e["traffic"] == json!({"1": 90, "2": 10}),
                "the 90/10 split",
                &ctx,
            );
            let all_green = position(
                &events,
                |e| e["event"] == "endpoint.changed" && e["traffic"] == json!({"2": 100}),
                "green at 100",
                &ctx,
            );
            let blue_deleted = position(
                &events,
                |e| e["event"] == "version.deleted" && e["version"] == "1",
                "blue's deletion",
                &ctx,
            );
            assert!(
                green_created < canary && canary < all_green && all_green < blue_deleted,
                "{ctx}:\n{}",
                show(&events)
            );
        })
        .import_verify(ENDPOINT, &[]);
    s.destroy();
}

both_terraform_versions!(canary_walk_of_a_blue_green_pair, canary_walk);

// ---------------------------------------------------------------------------------------------
// The single-resource rollout (create_before_destroy)
// ---------------------------------------------------------------------------------------------

const EXAMPLE_IMAGE: &str = "contosoacr.azurecr.io/orders-bot:2026.01.01";

/// `examples/rollout-create-before-destroy/main.tf` as shipped from its variable on (the
/// scenario writes the `terraform` and `provider` blocks), with `image` as the variable's
/// default.
fn rollout_example(image: &str) -> String {
    let example =
        std::fs::read_to_string(repo_root().join("examples/rollout-create-before-destroy/main.tf"))
            .unwrap();
    let from = example
        .find("variable \"image\"")
        .expect("the example's image variable");
    assert!(
        example[from..].contains(EXAMPLE_IMAGE),
        "the example's default image moved"
    );
    example[from..].replace(EXAMPLE_IMAGE, image)
}

fn single_resource_rollout(tf: &support::TerraformBin) {
    let version = "azureai_hosted_agent_version.orders_bot";
    let endpoint = "azureai_agent_endpoint.orders_bot";
    let s = Scenario::new(tf, ApiVersion::V1)
        .apply(&rollout_example(EXAMPLE_IMAGE))
        .check(|s| assert_eq!(rules(&s.emu), split(&[("1", 100)]), "{}", s.context()))
        // Without create_before_destroy Terraform deletes the old version first: the service
        // refuses while the endpoint sends it traffic, and the error says how to order it.
        .config(
            &rollout_example("contosoacr.azurecr.io/orders-bot:2026.02.01").replace(
                "\n  lifecycle {\n    create_before_destroy = true\n  }\n",
                "",
            ),
        )
        .check(|s| {
            let ctx = s.context();
            let out = s.ws.try_apply().assert_failure();
            out.assert_contains("Hosted agent version receives traffic");
            let text = out
                .combined()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            for needle in [
                "sends it 100% of its traffic",
                "azureai_agent_endpoint with agent_name = \"orders-bot\"",
                "create_before_destroy = true",
            ] {
                assert!(text.contains(needle), "{ctx}: no {needle:?} in:\n{out}");
            }
            let live: Vec<String> = live_versions(&s.emu, AGENT)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            assert_eq!(live, ["1"], "{ctx}: nothing was deleted or created");
            assert_eq!(rules(&s.emu), split(&[("1", 100)]), "{ctx}");
        })
        .apply(&rollout_example(
            "contosoacr.azurecr.io/orders-bot:2026.02.01",
        ))
        .expect_replace(version)
        .expect_update_in_place(endpoint)
        .check(|s| {
            let ctx = s.context();
            assert_eq!(rules(&s.emu), split(&[("2", 100)]), "{ctx}");
            let live: Vec<String> = live_versions(&s.emu, AGENT)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            assert_eq!(
                live,
                ["2"],
                "{ctx}: the old version is deleted in the same apply"
            );
            let events = audit(&s.emu);
            assert_rollout_safe(&events, &ctx);
            // In one apply: create the new version, move the traffic, delete the old one.
            let created = position(
                &events,
                |e| e["event"] == "version.created" && e["version"] == "2",
                "the new version",
                &ctx,
            );
            let moved = position(
                &events,
                |e| e["event"] == "endpoint.changed" && e["traffic"] == json!({"2": 100}),
                "traffic moved to it",
                &ctx,
            );
            let deleted = position(
                &events,
                |e| e["event"] == "version.deleted" && e["version"] == "1",
                "the old version's deletion",
                &ctx,
            );
            assert!(
                created < moved && moved < deleted,
                "{ctx}:\n{}",
                show(&events)
            );
            assert_eq!(
                s.values(endpoint)["traffic"],
                json!([{"version": "2", "percent": 100}])
            );
        })
        // Once more: the pattern holds for every rollout, not just the first.
        .apply(&rollout_example(
            "contosoacr.azurecr.io/orders-bot:2026.03.01",
        ))
        .expect_replace(version)
        .check(|s| {
            assert_eq!(rules(&s.emu), split(&[("3", 100)]), "{}", s.context());
            assert_rollout_safe(&audit(&s.emu), &s.context());
        });
    s.destroy();
}

both_terraform_versions!(
    create_before_destroy_rolls_out_in_one_apply,
    single_resource_rollout
);

// ---------------------------------------------------------------------------------------------
// The whole configuration, import, drift, enable/disable, restoring the defaults
// ---------------------------------------------------------------------------------------------

fn endpoint_config(enabled: bool) -> String {
    format!(
        r#"
resource "azureai_agent_endpoint" "bot" {{
  agent_name = azureai_hosted_agent_version.bot.agent_name
  enabled    = {enabled}

  traffic {{
    version = azureai_hosted_agent_version.bot.version
    percent = 100
  }}

  protocols                     = ["responses", "a2a", "activity", "invocations_ws"]
  activity_m365_public_endpoint = true
  authorization_schemes         = ["Entra", "BotServiceRbac"]

  agent_card {{
    version     = "1.0.0"
    description = "Answers questions about orders."

    skill {{
      id       = "order-status"
      name     = "Order status"
      tags     = ["orders"]
      examples = ["Where is order 1234?"]
    }}

    skill {{
      id   = "returns"
      name = "Returns"
    }}
  }}
}}
"#
    )
}

const DATA_SOURCE: &str = r#"
data "azureai_agent" "bot" {
  name = "orders-bot"
}
"#;

fn full(enabled: bool) -> String {
    format!(
        "{}{}",
        version_block("bot", "2026.01.01"),
        endpoint_config(enabled)
    )
}

fn endpoint_events(emu: &Emulator) -> usize {
    audit(emu)
        .iter()
        .filter(|e| e["event"] == "endpoint.changed")
        .count()
}

fn configuration_read_back(s: &Scenario) {
    let ctx = s.context();
    let a = agent(&s.emu);
    let e = &a["agent_endpoint"];
    assert_eq!(
        e["version_selector"]["version_selection_rules"],
        json!([{"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 100}]),
        "{ctx}"
    );
    assert_eq!(
        e["protocol_configuration"],
        json!({"responses": {}, "a2a": {}, "activity": {"enable_m365_public_endpoint": true}, "invocations_ws": {}}),
        "{ctx}"
    );
    let mut schemes: Vec<&str> = e["authorization_schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    schemes.sort();
    assert_eq!(schemes, ["BotServiceRbac", "Entra"], "{ctx}");
    assert_eq!(
        a["agent_card"]["skills"][0]["examples"],
        json!(["Where is order 1234?"]),
        "{ctx}"
    );
    assert_eq!(
        a["agent_card"]["skills"][1],
        json!({"id": "returns", "name": "Returns"}),
        "{ctx}"
    );
    assert_eq!(a["state"], "enabled", "{ctx}");
    let values = s.values(ENDPOINT);
    let base = format!("{}/agents/{AGENT}/endpoint/protocols", s.emu.endpoint);
    assert_eq!(
        values["urls"],
        json!({
            "responses": format!("{base}/openai/responses?api-version=v1"),
            "a2a": format!("{base}/a2a?api-version=v1"),
            "activity": format!("{base}/activityprotocol?api-version=v1"),
            "invocations_ws": format!("{base}/invocations_ws?api-version=v1").replacen("http://", "ws://", 1),
        }),
        "{ctx}"
    );
    assert_eq!(values["id"], AGENT, "{ctx}");
    assert_eq!(values["state"], "enabled", "{ctx}");
}

fn data_source_matches_the_resource(s: &Scenario) {
    let ctx = s.context();
    let resource = s.values(ENDPOINT);
    let data = s.values("data.azureai_agent.bot");
    assert_eq!(data["latest_version"], "1", "{ctx}");
    for name in [
        "state",
        "enabled",
        "traffic",
        "protocols",
        "activity_m365_public_endpoint",
        "authorization_schemes",
        "agent_card",
        "urls",
    ] {
        let want = resource[name].clone();
        assert_eq!(data[name], want, "{ctx}: {name}");
    }
}

fn drift_outside_terraform(s: &Scenario) {
    s.emu.api(
        "PATCH",
        &format!("agents/{AGENT}?api-version=v1"),
        Some(json!({"agent_endpoint": {"version_selector": null, "protocol_configuration": {"responses": {}}}, "agent_card": null})),
    );
    s.emu.api(
        "POST",
        &format!("agents/{AGENT}:disable?api-version=v1"),
        None,
    );
    let plan = s.ws.plan();
    assert!(
        plan.has_changes,
        "{}: drift not seen:\n{}",
        s.context(),
        plan.output
    );
    assert!(
        plan.output
            .stdout
            .contains(&format!("# {ENDPOINT} will be updated in-place")),
        "{}:\n{}",
        s.context(),
        plan.output
    );
}

fn defaults_restored(s: &Scenario) {
    let ctx = s.context();
    let a = agent(&s.emu);
    let e = &a["agent_endpoint"];
    assert_eq!(
        e["version_selector"]["version_selection_rules"],
        json!([{"type": "FixedRatio", "agent_version": "@latest", "traffic_percentage": 100}]),
        "{ctx}"
    );
    assert_eq!(
        e["protocol_configuration"],
        json!({"responses": {}}),
        "{ctx}"
    );
    assert_eq!(
        e["authorization_schemes"],
        json!([{"type": "Entra"}]),
        "{ctx}"
    );
    assert_eq!(a["state"], "enabled", "{ctx}");
    assert!(a.get("agent_card").is_none(), "{ctx}: {a}");
    let live: Vec<String> = live_versions(&s.emu, AGENT)
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(
        live,
        ["1"],
        "{ctx}: the endpoint's removal deletes no version"
    );
}

fn lifecycle(tf: &support::TerraformBin) {
    let patches = std::cell::Cell::new(0);
    let s = Scenario::new(tf, ApiVersion::V1)
        .apply(&full(true))
        .check(configuration_read_back)
        .apply(&format!("{}{DATA_SOURCE}", full(true)))
        .check(data_source_matches_the_resource)
        .apply(&full(true))
        .import_verify(ENDPOINT, &[])
        // Traffic, protocols, card and state changed in the portal: the plan puts them back.
        .check(drift_outside_terraform)
        .apply(&full(true))
        .expect_update_in_place(ENDPOINT)
        .check(configuration_read_back)
        // Disabling and enabling call :disable / :enable and send no configuration.
        .check(|s| patches.set(endpoint_events(&s.emu)))
        .apply(&full(false))
        .expect_update_in_place(ENDPOINT)
        .check(|s| {
            let ctx = s.context();
            assert_eq!(agent(&s.emu)["state"], "disabled", "{ctx}");
            assert_eq!(s.values(ENDPOINT)["state"], "disabled", "{ctx}");
            assert_eq!(audit(&s.emu).last().unwrap()["event"], "agent.disabled", "{ctx}");
            assert_eq!(endpoint_events(&s.emu), patches.get(), "{ctx}: no PATCH for enabled alone");
        })
        .apply(&full(true))
        .check(|s| {
            assert_eq!(agent(&s.emu)["state"], "enabled", "{}", s.context());
            assert_eq!(s.values(ENDPOINT)["state"], "enabled", "{}", s.context());
        })
        .apply(&full(false))
        // Two traffic blocks for a version created in the same apply: unknown at plan, refused
        // at apply before anything reaches the endpoint.
        .config(&format!(
            "{}{}",
            version_block("next", "2026.02.01"),
            full(false).replace(
                "version = azureai_hosted_agent_version.bot.version\n    percent = 100",
                "version = azureai_hosted_agent_version.next.version\n    percent = 50\n  }\n\n  traffic {\n    version = azureai_hosted_agent_version.next.version\n    percent = 50",
            )
        ))
        .check(|s| {
            let ctx = s.context();
            let before = endpoint_events(&s.emu);
            let out = s.ws.try_apply().assert_failure();
            out.assert_contains("Duplicate traffic version");
            assert!(out.combined().contains("traffic[1].version") || out.combined().contains("version = azureai_hosted_agent_version.next.version"), "{ctx}: {out}");
            assert_eq!(endpoint_events(&s.emu), before, "{ctx}: the endpoint was changed");
            assert_eq!(agent(&s.emu)["state"], "disabled", "{ctx}");
        })
        // Removing the resource restores the defaults (enabled again) and deletes no version.
        .apply(&version_block("bot", "2026.01.01"))
        .check(defaults_restored);
    s.destroy();
}

both_terraform_versions!(endpoint_lifecycle, lifecycle);

/// The audit replay can fail: a log in which a version is deleted while it receives traffic,
/// or traffic goes to a version that does not exist, is refused.
#[test]
#[should_panic(expected = "was deleted (event #3) while it received 100% of the traffic")]
fn the_audit_replay_catches_a_version_deleted_while_it_serves() {
    let event = |seq: u64, kind: &str, version: Option<&str>, traffic: Value| json!({"seq": seq, "event": kind, "version": version, "selector": "explicit", "rules": [], "traffic": traffic});
    assert_rollout_safe(
        &[
            event(1, "version.created", Some("1"), json!({})),
            event(2, "endpoint.changed", None, json!({"1": 100})),
            event(3, "version.deleted", Some("1"), json!({})),
        ],
        "synthetic",
    );
}

#[test]
#[should_panic(expected = "traffic goes to version 2, which does not exist")]
fn the_audit_replay_catches_traffic_to_a_missing_version() {
    let log = [
        json!({"seq": 1, "event": "version.created", "version": "1", "rules": [], "traffic": {"1": 100}}),
        json!({"seq": 2, "event": "endpoint.changed", "rules": [], "traffic": {"1": 50, "2": 50}}),
    ];
    assert_rollout_safe(&log, "synthetic");
}
