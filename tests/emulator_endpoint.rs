//! The `v1` agent object and its endpoint over HTTP: the default endpoint, merge-patch (sets
//! replaced, `null` restores defaults), traffic rules and their checks, the agent card,
//! enable/disable, the 409 for deleting a version that receives traffic, `POST /agents` with
//! agent-level fields, and the audit log that proves a canary rollout never routed traffic to a
//! missing version.

mod emulator_common;

use std::collections::{BTreeMap, BTreeSet};

use emulator_common::*;
use serde_json::{Value, json};

fn rule(version: &str, percent: u64) -> Value {
    json!({"type": "FixedRatio", "agent_version": version, "traffic_percentage": percent})
}

fn routing(rules: Value) -> Value {
    json!({"agent_endpoint": {"version_selector": {"version_selection_rules": rules}}})
}

fn default_endpoint() -> Value {
    json!({"version_selector": {"version_selection_rules": [rule("@latest", 100)]},
        "protocol_configuration": {"responses": {}},
        "authorization_schemes": [{"type": "Entra"}],
        "publish_approval_status": "not_published"})
}

async fn versions(emu: &Emulator, t: &str, agent: &str, n: usize) {
    for i in 0..n {
        let (status, v) = emu
            .call(
                t,
                "POST",
                &format!("/agents/{agent}/versions"),
                GEN_B,
                Some(gen_b_body(&format!("acr.io/{agent}:{i}"))),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
}

async fn patch(emu: &Emulator, t: &str, agent: &str, body: Value) -> (u16, Value) {
    emu.call(t, "PATCH", &format!("/agents/{agent}"), GEN_B, Some(body))
        .await
}

#[tokio::test]
async fn agent_object_shows_state_and_the_default_endpoint() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    versions(&emu, &t, "bot", 1).await;
    let (status, agent) = emu.call(&t, "GET", "/agents/bot", GEN_B, None).await;
    assert_eq!(status, 200);
    assert_eq!(agent["state"], "enabled");
    assert_eq!(agent["configuration_state"], "enabled");
    assert!(agent["state_source"].is_null());
    assert_eq!(agent["agent_endpoint"], default_endpoint());
    assert!(agent.get("agent_card").is_none());
    let (_, list) = emu.call(&t, "GET", "/agents", GEN_B, None).await;
    assert_eq!(list["data"][0]["agent_endpoint"], default_endpoint());
    // The preview generation's agent object has none of it.
    let (_, a) = emu.call(&t, "GET", "/agents/bot", GEN_A, None).await;
    assert!(
        a.get("agent_endpoint").is_none() && a.get("state").is_none(),
        "{a}"
    );
}

#[tokio::test]
async fn patch_merges_and_replaces_the_sets() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    versions(&emu, &t, "bot", 2).await;
    let full = json!({"agent_endpoint": {
        "version_selector": {"version_selection_rules": [rule("1", 90), rule("2", 10)]},
        "protocol_configuration": {"responses": {}, "activity": {"enable_m365_public_endpoint": true}},
        "authorization_schemes": [{"type": "Entra"}, {"type": "BotServiceRbac"}]}});
    let (status, agent) = patch(&emu, &t, "bot", full.clone()).await;
    assert_eq!(status, 200, "{agent}");
    let mut expected = full["agent_endpoint"].clone();
    expected["publish_approval_status"] = json!("not_published");
    assert_eq!(agent["agent_endpoint"], expected);
    assert_eq!(
        agent["versions"]["latest"]["version"], "2",
        "PATCH makes no version"
    );

    // Only the authorization schemes: replaced; the rest stays.
    let (_, agent) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_endpoint": {"authorization_schemes": [{"type": "BotServiceTenant"}]}}),
    )
    .await;
    assert_eq!(
        agent["agent_endpoint"]["authorization_schemes"],
        json!([{"type": "BotServiceTenant"}])
    );
    assert_eq!(
        agent["agent_endpoint"]["protocol_configuration"],
        expected["protocol_configuration"]
    );
    // protocol_configuration is replaced as a whole, not merged key by key.
    let (_, agent) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_endpoint": {"protocol_configuration": {"a2a": {}, "invocations": {}}}}),
    )
    .await;
    assert_eq!(
        agent["agent_endpoint"]["protocol_configuration"],
        json!({"a2a": {}, "invocations": {}})
    );
    assert_eq!(
        agent["agent_endpoint"]["version_selector"],
        expected["version_selector"]
    );
    // Read-only fields echoed back from a GET are ignored.
    let (status, _) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_endpoint": {"publish_approval_status": "approved"}}),
    )
    .await;
    assert_eq!(status, 200);
    // null restores the default routing; a null endpoint restores every default.
    let (_, agent) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_endpoint": {"version_selector": null}}),
    )
    .await;
    assert_eq!(
        agent["agent_endpoint"]["version_selector"],
        default_endpoint()["version_selector"]
    );
    assert_eq!(
        agent["agent_endpoint"]["authorization_schemes"],
        json!([{"type": "BotServiceTenant"}])
    );
    let (_, agent) = patch(&emu, &t, "bot", json!({"agent_endpoint": null})).await;
    assert_eq!(agent["agent_endpoint"], default_endpoint());

    // The agent card: set, merged, removed.
    let card = json!({"version": "1.0.0", "description": "Orders",
        "skills": [{"id": "lookup", "name": "Look up an order", "tags": ["orders"],
                    "examples": ["Where is order 42?"]}]});
    let (_, agent) = patch(&emu, &t, "bot", json!({"agent_card": card})).await;
    assert_eq!(agent["agent_card"], card);
    let (_, agent) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_card": {"description": "Orders and returns"}}),
    )
    .await;
    assert_eq!(agent["agent_card"]["description"], "Orders and returns");
    assert_eq!(agent["agent_card"]["skills"], card["skills"]);
    let (_, agent) = patch(&emu, &t, "bot", json!({"agent_card": null})).await;
    assert!(agent.get("agent_card").is_none());
    let (_, fetched) = emu.call(&t, "GET", "/agents/bot", GEN_B, None).await;
    assert_eq!(fetched, agent, "GET shows what PATCH answered");
}

#[tokio::test]
async fn bad_patches_change_nothing_and_name_the_field() {
    let emu = Emulator::start(&["--provision-delay-ms", "0", "--fail-image", "broken"]);
    let t = emu.token().await;
    versions(&emu, &t, "bot", 2).await;
    emu.call(
        &t,
        "POST",
        "/agents/bot/versions",
        GEN_B,
        Some(gen_b_body("acr.io/broken:1")),
    )
    .await;
    let good = routing(json!([rule("1", 100)]));
    assert_eq!(patch(&emu, &t, "bot", good).await.0, 200);
    let (_, before) = emu.call(&t, "GET", "/agents/bot", GEN_B, None).await;
    let writes = emu.stats().await["writes"].clone();

    let r = "agent_endpoint.version_selector.version_selection_rules";
    let skill = json!({"id": "s", "name": "S"});
    let cases: Vec<(Value, String)> = vec![
        (routing(json!([rule("1", 90)])), r.into()),
        (routing(json!([rule("1", 60), rule("2", 60)])), r.into()),
        (routing(json!([])), r.into()),
        (
            routing(json!([rule("7", 100)])),
            format!("{r}[0].agent_version"),
        ),
        (
            routing(json!([rule("1", 50), rule("1", 50)])),
            format!("{r}[1].agent_version"),
        ),
        (
            routing(json!([rule("1", 101)])),
            format!("{r}[0].traffic_percentage"),
        ),
        (
            routing(json!([rule("1", 50), rule("3", 50)])),
            format!("{r}[1].agent_version"),
        ),
        (
            routing(json!([{"type": "Canary", "agent_version": "1", "traffic_percentage": 100}])),
            format!("{r}[0].type"),
        ),
        // Merge-patch removes the rules, leaving a selector without any.
        (
            json!({"agent_endpoint": {"version_selector": {"version_selection_rules": null}}}),
            r.into(),
        ),
        (
            json!({"agent_endpoint": {"protocol_configuration": {"smtp": {}}}}),
            "agent_endpoint.protocol_configuration.smtp".into(),
        ),
        (
            json!({"agent_endpoint": {"protocol_configuration": {}}}),
            "agent_endpoint.protocol_configuration".into(),
        ),
        (
            json!({"agent_endpoint": {"protocol_configuration": {"activity": {"enable_m365_public_endpoint": "yes"}}}}),
            "agent_endpoint.protocol_configuration.activity.enable_m365_public_endpoint".into(),
        ),
        (
            json!({"agent_endpoint": {"authorization_schemes": [{"type": "ApiKey"}]}}),
            "agent_endpoint.authorization_schemes[0].type".into(),
        ),
        (
            json!({"agent_endpoint": {"authorization_schemes": []}}),
            "agent_endpoint.authorization_schemes".into(),
        ),
        (
            json!({"agent_endpoint": {"protocols": ["responses"]}}),
            "agent_endpoint.protocols".into(),
        ),
        (json!({"agent_endpoint": "all"}), "agent_endpoint".into()),
        (
            json!({"agent_card": {"version": "v".repeat(33), "skills": [skill]}}),
            "agent_card.version".into(),
        ),
        (
            json!({"agent_card": {"version": "1", "skills": []}}),
            "agent_card.skills".into(),
        ),
        (
            json!({"agent_card": {"version": "1", "skills": [{"id": "s", "name": "S", "tags": ["a", "b", "c", "d", "e", "f"]}]}}),
            "agent_card.skills[0].tags".into(),
        ),
        (
            json!({"agent_card": {"version": "1", "skills": [{"id": "s", "name": "S", "examples": ["e".repeat(1025)]}]}}),
            "agent_card.skills[0].examples[0]".into(),
        ),
        (json!({"state": "disabled"}), "state".into()),
        (json!({"definition": {}}), "definition".into()),
    ];
    for (body, param) in cases {
        let (status, v) = patch(&emu, &t, "bot", body.clone()).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["error"]["param"], param.as_str(), "{body}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error");
    }
    let (status, _) = patch(&emu, &t, "nobody", json!({"agent_card": null})).await;
    assert_eq!(status, 404);
    let (_, after) = emu.call(&t, "GET", "/agents/bot", GEN_B, None).await;
    assert_eq!(after, before, "no rejected PATCH changed anything");
    assert_eq!(emu.stats().await["writes"], writes);
}

#[tokio::test]
async fn enable_and_disable_are_idempotent() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    versions(&emu, &t, "bot", 1).await;
    for (action, state) in [
        ("disable", "disabled"),
        ("disable", "disabled"),
        ("enable", "enabled"),
        ("enable", "enabled"),
    ] {
        let (status, body) = emu
            .call(&t, "POST", &format!("/agents/bot:{action}"), GEN_B, None)
            .await;
        assert_eq!(status, 204, "{action}");
        assert!(body.is_null(), "204 has no body");
        let (_, agent) = emu.call(&t, "GET", "/agents/bot", GEN_B, None).await;
        assert_eq!(agent["state"], state);
        assert_eq!(agent["configuration_state"], state);
    }
    let (status, _) = emu
        .call(&t, "POST", "/agents/nobody:enable", GEN_B, None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = emu
        .call(&t, "POST", "/agents/bot:restart", GEN_B, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_version_receiving_traffic_cannot_be_deleted() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    versions(&emu, &t, "bot", 4).await;
    // Default selector: deleting the newest is fine (traffic moves to the next newest).
    let (status, _) = emu
        .call(&t, "DELETE", "/agents/bot/versions/4", GEN_B, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        patch(
            &emu,
            &t,
            "bot",
            routing(json!([rule("1", 90), rule("2", 10), rule("3", 0)]))
        )
        .await
        .0,
        200
    );
    for (path, percent) in [
        ("/agents/bot/versions/1", 90),
        ("/agents/bot/versions/2", 10),
        ("/agents/bot/versions/2?force=true", 10),
    ] {
        let (status, v) = emu.call(&t, "DELETE", path, GEN_B, None).await;
        assert_eq!(status, 409, "{path}");
        assert_eq!(v["error"]["code"], "conflict");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("agent endpoint of 'bot'") && message.contains(&format!("{percent}%")),
            "{message}"
        );
    }
    // A version at 0 % can go; its rule stays, and other parts of the endpoint can still be
    // patched, but setting rules again must name existing versions.
    let (status, _) = emu
        .call(&t, "DELETE", "/agents/bot/versions/3", GEN_B, None)
        .await;
    assert_eq!(status, 200);
    let (status, v) = patch(
        &emu,
        &t,
        "bot",
        json!({"agent_endpoint": {"authorization_schemes": [{"type": "Entra"}, {"type": "BotService"}]}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        patch(
            &emu,
            &t,
            "bot",
            routing(json!([rule("1", 90), rule("2", 10), rule("3", 0)]))
        )
        .await
        .0,
        400
    );
    // Move the traffic first, then delete: the order the provider must follow.
    assert_eq!(
        patch(&emu, &t, "bot", routing(json!([rule("2", 100)])))
            .await
            .0,
        200
    );
    let (status, _) = emu
        .call(&t, "DELETE", "/agents/bot/versions/1", GEN_B, None)
        .await;
    assert_eq!(status, 200);
    // `@latest` follows the newest version, so its target can be deleted like under the default.
    versions(&emu, &t, "bot", 1).await;
    assert_eq!(
        patch(&emu, &t, "bot", routing(json!([rule("@latest", 100)])))
            .await
            .0,
        200
    );
    let (status, _) = emu
        .call(&t, "DELETE", "/agents/bot/versions/5", GEN_B, None)
        .await;
    assert_eq!(status, 200);
    // Deleting the whole agent takes its endpoint with it.
    let (status, _) = emu.call(&t, "DELETE", "/agents/bot", GEN_B, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn create_agent_takes_endpoint_card_and_state() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let mut body = gen_b_body("acr.io/a:1");
    body["name"] = json!("fresh");
    body["state"] = json!("disabled");
    body["agent_endpoint"] = json!({"version_selector": {"version_selection_rules": [rule("1", 100)]},
        "protocol_configuration": {"responses": {}, "a2a": {}}});
    body["agent_card"] = json!({"version": "1", "skills": [{"id": "s", "name": "S"}]});
    let (status, agent) = emu
        .call(&t, "POST", "/agents", GEN_B, Some(body.clone()))
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["state"], "disabled");
    assert_eq!(
        agent["agent_endpoint"]["version_selector"]["version_selection_rules"],
        json!([rule("1", 100)])
    );
    assert_eq!(
        agent["agent_endpoint"]["authorization_schemes"],
        json!([{"type": "Entra"}])
    );
    assert_eq!(agent["agent_card"]["skills"][0]["id"], "s");
    // A rule naming a version the new agent does not have: nothing is created.
    body["name"] = json!("fresh2");
    body["agent_endpoint"] =
        json!({"version_selector": {"version_selection_rules": [rule("2", 100)]}});
    let (status, v) = emu
        .call(&t, "POST", "/agents", GEN_B, Some(body.clone()))
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, _) = emu.call(&t, "GET", "/agents/fresh2", GEN_B, None).await;
    assert_eq!(status, 404);
    body["agent_endpoint"] = Value::Null;
    body["state"] = json!("paused");
    let (status, v) = emu.call(&t, "POST", "/agents", GEN_B, Some(body)).await;
    assert_eq!((status, &v["error"]["param"]), (400, &json!("state")));
}

/// Replays the audit log and checks the two rollout invariants: traffic only ever points at
/// versions that exist, and no version is deleted while it receives traffic.
fn check_rollout_invariants(events: &[Value]) {
    let mut live: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut last_seq = 0;
    for e in events {
        let seq = e["seq"].as_u64().unwrap();
        assert!(seq > last_seq, "sequence numbers increase: {e}");
        last_seq = seq;
        assert!(e["at_ms"].as_i64().unwrap() > 1_700_000_000_000);
        let agent = e["agent"].as_str().unwrap().to_string();
        let versions = live.entry(agent.clone()).or_default();
        match e["event"].as_str().unwrap() {
            "version.created" => {
                versions.insert(e["version"].as_str().unwrap().to_string());
            }
            "version.deleted" => {
                versions.remove(e["version"].as_str().unwrap());
            }
            "agent.deleted" => versions.clear(),
            _ => {}
        }
        for (version, percent) in e["traffic"].as_object().unwrap() {
            assert!(percent.as_u64().unwrap() > 0);
            assert!(
                versions.contains(version),
                "seq {seq}: traffic to version {version} of {agent}, which does not exist ({versions:?})"
            );
        }
        if e["event"] == "version.deleted" {
            assert!(
                e["traffic"].get(e["version"].as_str().unwrap()).is_none(),
                "seq {seq}: deleted a version that receives traffic"
            );
        }
    }
}

#[tokio::test]
async fn canary_rollout_is_audited_in_order() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    versions(&emu, &t, "shop", 1).await; // blue = 1
    assert_eq!(
        patch(&emu, &t, "shop", routing(json!([rule("1", 100)])))
            .await
            .0,
        200
    );
    versions(&emu, &t, "shop", 1).await; // green = 2, no traffic yet
    // A PATCH to a version that does not exist is refused and leaves no trace.
    assert_eq!(
        patch(
            &emu,
            &t,
            "shop",
            routing(json!([rule("1", 90), rule("9", 10)]))
        )
        .await
        .0,
        400
    );
    // Deleting blue while it serves is refused and leaves no trace.
    assert_eq!(
        emu.call(&t, "DELETE", "/agents/shop/versions/1", GEN_B, None)
            .await
            .0,
        409
    );
    assert_eq!(
        patch(
            &emu,
            &t,
            "shop",
            routing(json!([rule("1", 90), rule("2", 10)]))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        patch(
            &emu,
            &t,
            "shop",
            routing(json!([rule("1", 0), rule("2", 100)]))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        patch(&emu, &t, "shop", routing(json!([rule("2", 100)])))
            .await
            .0,
        200
    );
    assert_eq!(
        emu.call(&t, "DELETE", "/agents/shop/versions/1", GEN_B, None)
            .await
            .0,
        200
    );
    assert_eq!(
        emu.call(&t, "POST", "/agents/shop:disable", GEN_B, None)
            .await
            .0,
        204
    );

    let events = emu.audit().await;
    let summary: Vec<(String, Option<String>, Value)> = events
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_string(),
                e["version"].as_str().map(str::to_string),
                e["traffic"].clone(),
            )
        })
        .collect();
    let s =
        |k: &str, v: Option<&str>, traffic: Value| (k.to_string(), v.map(str::to_string), traffic);
    assert_eq!(
        summary,
        vec![
            s("version.created", Some("1"), json!({"1": 100})),
            s("endpoint.changed", None, json!({"1": 100})),
            s("version.created", Some("2"), json!({"1": 100})),
            s("endpoint.changed", None, json!({"1": 90, "2": 10})),
            s("endpoint.changed", None, json!({"2": 100})),
            s("endpoint.changed", None, json!({"2": 100})),
            s("version.deleted", Some("1"), json!({"2": 100})),
            s("agent.disabled", None, json!({"2": 100})),
        ]
    );
    assert_eq!(events[0]["selector"], "default");
    assert_eq!(events[3]["selector"], "explicit");
    assert_eq!(events[4]["rules"], json!([rule("1", 0), rule("2", 100)]));
    check_rollout_invariants(&events);

    // Under the default selector a new version takes all traffic at once, which the log shows.
    versions(&emu, &t, "plain", 2).await;
    let plain = emu.control("GET", "audit?agent=plain", None).await["events"].clone();
    assert_eq!(plain[1]["traffic"], json!({"2": 100}));
    assert_eq!(plain.as_array().unwrap().len(), 2);
    check_rollout_invariants(&emu.audit().await);
}
