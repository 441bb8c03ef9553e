//! The emulator's agents API driven over HTTP: auth, numbering, immutability, paging,
//! sessions/409, validation error shape, Gen B status lifecycle.

mod emulator_common;

use std::time::Duration;

use emulator_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn first_line_endpoint_and_auth() {
    let emu = Emulator::start(&[]);
    assert!(
        emu.endpoint.starts_with("http://127.0.0.1:"),
        "{}",
        emu.endpoint
    );

    // No token, a made-up token, a token for another audience: all 401 with the error body.
    let no_token = emu
        .client
        .get(format!("{}/agents?api-version=v1", emu.endpoint))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let body: Value = no_token.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let other_audience = emu.token_for("https://cognitiveservices.azure.com").await;
    for bad in [
        "not-a-token",
        "emu1.99999999999.abc.def",
        other_audience.as_str(),
    ] {
        let (status, body) = emu.call(bad, "GET", "/agents", GEN_B, None).await;
        assert_eq!(status, 401, "{bad}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }

    // The token endpoint insists on the identity header.
    let r = emu
        .client
        .get(format!(
            "{}/msi/token?api-version=2019-08-01&resource=https://ai.azure.com",
            emu.base
        ))
        .header("x-identity-header", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let token = emu.token().await;
    let (status, body) = emu.call(&token, "GET", "/agents", GEN_B, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"object": "list", "data": [], "first_id": null, "last_id": null, "has_more": false})
    );

    // `_project` stands for the configured project; other names are unknown.
    let alias = emu.endpoint.replace("/projects/demo", "/projects/_project");
    let r = emu
        .client
        .get(format!("{alias}/agents?api-version=v1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let other = emu.endpoint.replace("/projects/demo", "/projects/other");
    let r = emu
        .client
        .get(format!("{other}/agents?api-version=v1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The token never shows up in the log.
    assert!(!emu.stderr().contains(&token));
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let emu = Emulator::start(&[]);
    let token = emu.token().await;
    let r = emu
        .client
        .get(format!("{}/agents", emu.endpoint))
        .bearer_auth(&token)
        .header("x-ms-client-request-id", "client-rid-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["x-ms-client-request-id"], "client-rid-1");
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["param"], "api-version");
    assert_eq!(body["error"]["additionalInfo"]["request_id"], rid.as_str());
    let (status, body) = emu.call(&token, "GET", "/agents", "2099-01-01", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_value");
}

#[tokio::test]
async fn numbering_immutability_and_deletes() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;

    let mut create = gen_a_body("acr.io/app:v1");
    create["name"] = json!("orders-bot");
    let (status, agent) = emu
        .call(&t, "POST", "/agents", GEN_A, Some(create.clone()))
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["object"], "agent");
    assert_eq!(agent["versions"]["latest"]["version"], "1");
    let (status, _) = emu.call(&t, "POST", "/agents", GEN_A, Some(create)).await;
    assert_eq!(status, 409, "the agent already exists");

    let (_, v2) = emu
        .call(
            &t,
            "POST",
            "/agents/orders-bot/versions",
            GEN_A,
            Some(gen_a_body("acr.io/app:v2")),
        )
        .await;
    assert_eq!(v2["version"], "2");
    assert_eq!(v2["id"], "orders-bot:2");
    assert_eq!(v2["object"], "agent.version");
    assert_eq!(v2["metadata"], json!({}));
    assert!(
        v2["created_at"].as_i64().unwrap() > 1_700_000_000,
        "unix seconds"
    );
    assert_eq!(
        v2["definition"],
        gen_a_body("acr.io/app:v2")["definition"],
        "stored exactly as sent"
    );
    assert!(v2.get("status").is_none(), "Gen A has no version status");

    // Gen A's update (POST /agents/{name}) is also a new version.
    let (status, agent) = emu
        .call(
            &t,
            "POST",
            "/agents/orders-bot",
            GEN_A,
            Some(gen_a_body("acr.io/app:v3")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(agent["versions"]["latest"]["version"], "3");

    // Reads return what was stored; version 1 is untouched by later versions.
    let (_, v1) = emu
        .call(&t, "GET", "/agents/orders-bot/versions/1", GEN_A, None)
        .await;
    assert_eq!(v1["definition"]["image"], "acr.io/app:v1");
    // Versions are immutable: no update verb on a version.
    let (status, _) = emu
        .call(
            &t,
            "PATCH",
            "/agents/orders-bot/versions/1",
            GEN_A,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 405);

    let (status, del) = emu
        .call(&t, "DELETE", "/agents/orders-bot/versions/3", GEN_A, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        del,
        json!({"object": "agent.version.deleted", "name": "orders-bot", "version": "3", "deleted": true})
    );
    let (status, body) = emu
        .call(&t, "GET", "/agents/orders-bot/versions/3", GEN_A, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (_, v4) = emu
        .call(
            &t,
            "POST",
            "/agents/orders-bot/versions",
            GEN_A,
            Some(gen_a_body("acr.io/app:v4")),
        )
        .await;
    assert_eq!(v4["version"], "4", "numbers are never reused");

    let (status, _) = emu.call(&t, "GET", "/agents/nobody", GEN_A, None).await;
    assert_eq!(status, 404);
    let (status, del) = emu
        .call(&t, "DELETE", "/agents/orders-bot", GEN_A, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        del,
        json!({"object": "agent.deleted", "name": "orders-bot", "deleted": true})
    );
    let (status, _) = emu
        .call(&t, "GET", "/agents/orders-bot/versions", GEN_A, None)
        .await;
    assert_eq!(status, 404);

    let stats = emu.stats().await;
    // creates: agent, v2, v3(update), v4; deletes: v3, agent.
    assert_eq!(stats["writes"], 6, "{stats}");
}

#[tokio::test]
async fn deleting_the_last_version_removes_the_agent() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    emu.call(
        &t,
        "POST",
        "/agents/solo/versions",
        GEN_B,
        Some(gen_b_body("a.io/x:1")),
    )
    .await;
    let (status, _) = emu
        .call(&t, "DELETE", "/agents/solo/versions/1", GEN_B, None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = emu.call(&t, "GET", "/agents/solo", GEN_B, None).await;
    assert_eq!(status, 404);
    let (_, v) = emu
        .call(
            &t,
            "POST",
            "/agents/solo/versions",
            GEN_B,
            Some(gen_b_body("a.io/x:1")),
        )
        .await;
    assert_eq!(v["version"], "2");
}

async fn collect_pages(emu: &Emulator, t: &str, query: &str) -> (Vec<String>, usize) {
    let mut ids = vec![];
    let mut after: Option<String> = None;
    let mut requests = 0;
    // Follow last_id the way the Python pager does: until last_id is null.
    loop {
        let mut path = format!("/agents/pager/versions?{query}");
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let (status, page) = emu.call(t, "GET", &path, GEN_B, None).await;
        assert_eq!(status, 200, "{page}");
        requests += 1;
        assert_eq!(page["object"], "list");
        for v in page["data"].as_array().unwrap() {
            ids.push(v["id"].as_str().unwrap().to_string());
        }
        match page["last_id"].as_str() {
            Some(l) => {
                assert_eq!(page["first_id"], page["data"][0]["id"]);
                after = Some(l.to_string())
            }
            None => {
                assert!(page["data"].as_array().unwrap().is_empty());
                assert_eq!(page["has_more"], false);
                break;
            }
        }
        assert!(requests < 50, "pager does not stop");
    }
    (ids, requests)
}

#[tokio::test]
async fn paging_limit_order_after_before() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    for i in 1..=5 {
        emu.call(
            &t,
            "POST",
            "/agents/pager/versions",
            GEN_B,
            Some(gen_b_body(&format!("a.io/x:{i}"))),
        )
        .await;
    }
    let (ids, requests) = collect_pages(&emu, &t, "limit=2").await;
    assert_eq!(
        ids,
        ["pager:5", "pager:4", "pager:3", "pager:2", "pager:1"],
        "default order is desc"
    );
    assert_eq!(requests, 4, "3 pages then the empty one");
    let (ids, _) = collect_pages(&emu, &t, "limit=3&order=asc").await;
    assert_eq!(ids, ["pager:1", "pager:2", "pager:3", "pager:4", "pager:5"]);

    let (_, page) = emu
        .call(&t, "GET", "/agents/pager/versions?limit=2", GEN_B, None)
        .await;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["last_id"], "pager:4");
    // Bare version numbers work as cursors too.
    let (_, page) = emu
        .call(
            &t,
            "GET",
            "/agents/pager/versions?after=4&limit=10",
            GEN_B,
            None,
        )
        .await;
    let versions: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["3", "2", "1"]);
    assert_eq!(page["has_more"], false);
    // `before` gives the previous page: the items closest to the cursor.
    let (_, page) = emu
        .call(
            &t,
            "GET",
            "/agents/pager/versions?before=pager:2&limit=2",
            GEN_B,
            None,
        )
        .await;
    let versions: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["4", "3"]);
    assert_eq!(page["has_more"], true);
    let (_, page) = emu
        .call(
            &t,
            "GET",
            "/agents/pager/versions?order=asc&before=3",
            GEN_B,
            None,
        )
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=x",
        "order=up",
        "after=pager:abc",
    ] {
        let (status, body) = emu
            .call(
                &t,
                "GET",
                &format!("/agents/pager/versions?{bad}"),
                GEN_B,
                None,
            )
            .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["type"], "invalid_request_error");
    }

    // Agent lists page the same way, in creation order.
    emu.call(
        &t,
        "POST",
        "/agents/second/versions",
        GEN_B,
        Some(gen_b_body("a.io/y:1")),
    )
    .await;
    let (_, page) = emu.call(&t, "GET", "/agents?limit=1", GEN_B, None).await;
    assert_eq!(page["data"][0]["id"], "second");
    assert_eq!(page["has_more"], true);
    let (_, page) = emu
        .call(&t, "GET", "/agents?limit=1&after=second", GEN_B, None)
        .await;
    assert_eq!(page["data"][0]["id"], "pager");
    assert_eq!(page["data"][0]["versions"]["latest"]["version"], "5");
    let (_, page) = emu
        .call(&t, "GET", "/agents?kind=prompt", GEN_B, None)
        .await;
    assert_eq!(page["data"], json!([]));

    // A cursor naming an agent deleted meanwhile still marks its place.
    emu.call(
        &t,
        "POST",
        "/agents/third/versions",
        GEN_B,
        Some(gen_b_body("a.io/z:1")),
    )
    .await;
    emu.call(&t, "DELETE", "/agents/second", GEN_B, None).await;
    let (status, page) = emu
        .call(&t, "GET", "/agents?after=second", GEN_B, None)
        .await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pager"]);
    let (status, _) = emu
        .call(&t, "GET", "/agents?after=never-existed", GEN_B, None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn active_sessions_block_delete_without_force() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    emu.call(
        &t,
        "POST",
        "/agents/busy/versions",
        GEN_B,
        Some(gen_b_body("a.io/x:1")),
    )
    .await;
    emu.call(
        &t,
        "POST",
        "/agents/busy/versions",
        GEN_B,
        Some(gen_b_body("a.io/x:2")),
    )
    .await;
    emu.control(
        "POST",
        "agents/busy/versions/1/sessions",
        Some(json!({"active": 2})),
    )
    .await;
    let (status, body) = emu
        .call(&t, "DELETE", "/agents/busy/versions/1", GEN_B, None)
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "conflict");
    let (status, _) = emu.call(&t, "DELETE", "/agents/busy", GEN_B, None).await;
    assert_eq!(status, 409);
    let state = emu.control("GET", "state", None).await;
    assert_eq!(
        state["agents"]["busy"]["versions"]["1"]["active_sessions"],
        2
    );
    let (status, _) = emu
        .call(
            &t,
            "DELETE",
            "/agents/busy/versions/1?force=true",
            GEN_B,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        emu.stats().await["writes"],
        3,
        "two creates and one delete; the 409s changed nothing"
    );
}

#[tokio::test]
async fn validation_errors_have_the_service_shape() {
    let emu = Emulator::start(&[]);
    let t = emu.token().await;
    let mut cases: Vec<(&str, &str, Value, &str)> = vec![];
    let mut b = gen_b_body("a.io/x:1");
    b["definition"]["cpu"] = json!("8");
    cases.push(("/agents/ok/versions", GEN_B, b, "definition.cpu"));
    let mut b = gen_b_body("a.io/x:1");
    b["definition"]["memory"] = json!("2GB");
    cases.push(("/agents/ok/versions", GEN_B, b, "definition.memory"));
    let mut b = gen_b_body("a.io/x:1");
    b["definition"]["protocol_versions"][0]["version"] = json!("v1");
    cases.push((
        "/agents/ok/versions",
        GEN_B,
        b,
        "definition.protocol_versions[0].version",
    ));
    let mut b = gen_a_body("a.io/x:1");
    b["definition"]["container_protocol_versions"][0]["protocol"] = json!("carrier_pigeon");
    cases.push((
        "/agents/ok/versions",
        GEN_A,
        b,
        "definition.container_protocol_versions[0].protocol",
    ));
    let mut b = gen_a_body("a.io/x:1");
    b["metadata"] = json!({"k": "v".repeat(513)});
    cases.push(("/agents/ok/versions", GEN_A, b, "metadata.k"));
    cases.push((
        "/agents/-bad-/versions",
        GEN_B,
        gen_b_body("a.io/x:1"),
        "agent_name",
    ));
    cases.push((
        "/agents/ok/versions",
        GEN_B,
        json!({"metadata": {}}),
        "definition",
    ));
    let mut b = gen_b_body("a.io/x:1");
    b["name"] = json!("has_underscore");
    cases.push(("/agents", GEN_B, b, "name"));
    for (path, generation, body, param) in cases {
        let resp = emu
            .send(&t, "POST", path, generation, Some(body))
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{param}");
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_string();
        let body: Value = resp.json().await.unwrap();
        let e = &body["error"];
        assert_eq!(e["param"], param, "{body}");
        assert_eq!(e["type"], "invalid_request_error");
        assert!(e["code"].is_string() && e["message"].is_string());
        assert_eq!(e["details"], json!([]));
        assert_eq!(e["additionalInfo"]["request_id"], rid.as_str());
    }
    // Protocol names match case-insensitively (the az CLI sent upper case).
    let mut b = gen_a_body("a.io/x:1");
    b["definition"]["container_protocol_versions"][0]["protocol"] = json!("RESPONSES");
    let (status, _) = emu
        .call(&t, "POST", "/agents/ok/versions", GEN_A, Some(b))
        .await;
    assert_eq!(status, 200);
    // Malformed JSON gets the error shape too.
    let r = emu
        .client
        .post(format!(
            "{}/agents/ok/versions?api-version=v1",
            emu.endpoint
        ))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert_eq!(
        emu.stats().await["writes"],
        1,
        "rejected requests write nothing"
    );
}

#[tokio::test]
async fn gen_b_status_lifecycle_and_image_errors() {
    let emu = Emulator::start(&["--provision-delay-ms", "300", "--fail-image", "broken-repo"]);
    let t = emu.token().await;
    let (_, good) = emu
        .call(
            &t,
            "POST",
            "/agents/life/versions",
            GEN_B,
            Some(gen_b_body("acr.io/app:2026.01.01")),
        )
        .await;
    let (_, missing) = emu
        .call(
            &t,
            "POST",
            "/agents/life/versions",
            GEN_B,
            Some(gen_b_body("acr.io/app:missing-tag")),
        )
        .await;
    let (_, listed) = emu
        .call(
            &t,
            "POST",
            "/agents/life/versions",
            GEN_B,
            Some(gen_b_body("acr.io/broken-repo:v1")),
        )
        .await;
    for v in [&good, &missing, &listed] {
        assert_eq!(v["status"], "creating", "{v}");
        assert!(v.get("error").is_none() && v.get("instance_identity").is_none());
    }
    assert_eq!(good["description"], "nightly");
    assert_eq!(good["metadata"], json!({"git_sha": "9f2c1e0"}));
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (_, good) = emu
        .call(&t, "GET", "/agents/life/versions/1", GEN_B, None)
        .await;
    assert_eq!(good["status"], "active");
    let principal = good["instance_identity"]["principal_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(principal.len(), 36);
    let (_, again) = emu
        .call(&t, "GET", "/agents/life/versions/1", GEN_B, None)
        .await;
    assert_eq!(
        again["instance_identity"]["principal_id"],
        principal.as_str(),
        "stable identity"
    );
    for n in [2, 3] {
        let (_, failed) = emu
            .call(
                &t,
                "GET",
                &format!("/agents/life/versions/{n}"),
                GEN_B,
                None,
            )
            .await;
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["error"]["code"], "ImageError");
        assert!(
            failed["error"]["message"]
                .as_str()
                .unwrap()
                .contains("acr.io/")
        );
    }
    // The same version read through Gen A carries no status fields.
    let (_, as_a) = emu
        .call(&t, "GET", "/agents/life/versions/2", GEN_A, None)
        .await;
    assert!(as_a.get("status").is_none() && as_a.get("error").is_none());
    let (_, agent) = emu.call(&t, "GET", "/agents/life", GEN_B, None).await;
    assert_eq!(agent["state"], "enabled");
    assert_eq!(agent["versions"]["latest"]["version"], "3");
}
