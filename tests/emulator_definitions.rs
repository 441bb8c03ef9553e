//! `v1` hosted definitions over HTTP: resource tiers (and the preview generation's unchanged
//! table), the newer fields (registry connection, session idle timeout, memory snapshot,
//! telemetry, RAI) stored and read back unchanged, their validation, JSON Content-Type (415),
//! and agent names of any length kept out of error messages.

mod emulator_common;

use emulator_common::*;
use serde_json::{Value, json};

const TIER_MESSAGE: &str = "CPU and Memory must be specified as a valid resource tier";

fn with(cpu: &str, memory: &str) -> Value {
    let mut b = gen_b_body("acr.io/app:v1");
    b["definition"]["cpu"] = json!(cpu);
    b["definition"]["memory"] = json!(memory);
    b
}

#[tokio::test]
async fn v1_takes_resource_tiers_only() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    for (cpu, memory) in [
        ("0.25", "0.5Gi"),
        ("0.5", "1Gi"),
        ("0.75", "1.5Gi"),
        ("1", "2Gi"),
        ("1.0", "2Gi"),
        ("1.25", "2.5Gi"),
        ("1.5", "3Gi"),
        ("1.75", "3.5Gi"),
        ("2", "4Gi"),
    ] {
        let (status, v) = emu
            .call(
                &t,
                "POST",
                "/agents/tiers/versions",
                GEN_B,
                Some(with(cpu, memory)),
            )
            .await;
        assert_eq!(status, 200, "{cpu}/{memory}: {v}");
        assert_eq!(v["definition"]["cpu"], cpu, "stored as sent");
    }
    // Not a tier: the service's own 400, naming the attribute that is off.
    for (cpu, memory, param) in [
        ("1", "4Gi", "definition.memory"),
        ("1", "2048Mi", "definition.memory"),
        ("0.3", "0.6Gi", "definition.cpu"),
        ("4", "8Gi", "definition.cpu"),
        ("8", "16Gi", "definition.cpu"),
        ("0", "0Gi", "definition.cpu"),
    ] {
        let (status, v) = emu
            .call(
                &t,
                "POST",
                "/agents/tiers/versions",
                GEN_B,
                Some(with(cpu, memory)),
            )
            .await;
        assert_eq!(status, 400, "{cpu}/{memory}");
        let e = &v["error"];
        assert_eq!(e["code"], "bad_request", "{v}");
        assert_eq!(e["param"], param, "{v}");
        let message = e["message"].as_str().unwrap();
        assert!(message.starts_with(TIER_MESSAGE), "{message}");
        assert!(
            message.contains("0.25/0.5Gi") && message.contains("2/4Gi"),
            "{message}"
        );
    }
    // Decimal cores only, like the service.
    let (status, v) = emu
        .call(
            &t,
            "POST",
            "/agents/tiers/versions",
            GEN_B,
            Some(with("500m", "1Gi")),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["param"], "definition.cpu");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid cpu '500m'"),
        "{v}"
    );
    let (status, v) = emu
        .call(
            &t,
            "POST",
            "/agents/tiers/versions",
            GEN_B,
            Some(with("1", "2GB")),
        )
        .await;
    assert_eq!(
        (status, &v["error"]["param"]),
        (400, &json!("definition.memory"))
    );

    // The preview generation keeps its table: free values from 0.5/1Gi to 4/8Gi.
    let mut a = gen_a_body("acr.io/app:v1");
    a["definition"]["cpu"] = json!("1");
    a["definition"]["memory"] = json!("4Gi");
    let (status, _) = emu
        .call(
            &t,
            "POST",
            "/agents/preview/versions",
            GEN_A,
            Some(a.clone()),
        )
        .await;
    assert_eq!(status, 200, "odd pairs stay fine on the preview");
    a["definition"]["cpu"] = json!("0.25");
    a["definition"]["memory"] = json!("0.5Gi");
    let (status, _) = emu
        .call(&t, "POST", "/agents/preview/versions", GEN_A, Some(a))
        .await;
    assert_eq!(status, 400, "the preview's minimum is 0.5 cores");
    assert_eq!(emu.stats().await["writes"], 10);

    // --max-cpu-tier 4 offers the larger tiers documented earlier.
    let big = Emulator::start(&["--max-cpu-tier", "4"]);
    let t = big.token().await;
    for (cpu, memory) in [("4", "8Gi"), ("3.25", "6.5Gi")] {
        let (status, v) = big
            .call(
                &t,
                "POST",
                "/agents/big/versions",
                GEN_B,
                Some(with(cpu, memory)),
            )
            .await;
        assert_eq!(status, 200, "{cpu}/{memory}: {v}");
    }
    let (status, v) = big
        .call(
            &t,
            "POST",
            "/agents/big/versions",
            GEN_B,
            Some(with("4.25", "8.5Gi")),
        )
        .await;
    assert_eq!(status, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("4/8Gi"));
}

fn full_definition() -> Value {
    json!({"kind": "hosted", "cpu": "0.25", "memory": "0.5Gi",
        "environment_variables": {"LOG_LEVEL": "debug"},
        "container_configuration": {"image": "registry.contoso.com/team/agent:1.2",
            "registry_connection_id": "private-registry"},
        "protocol_versions": [{"protocol": "responses", "version": "2.0.0"}],
        "session_configuration": {"idle_timeout_seconds": 14400},
        "enable_memory_snapshot": true,
        "telemetry_config": {"endpoints": [
            {"kind": "OTLP", "endpoint": "https://collector.example.com/otlp", "protocol": "Http",
             "data": ["ContainerStdoutStderr", "ContainerOtel", "Metrics"],
             "auth": {"type": "header", "header_name": "X-Otlp-Api-Key", "secret_id": "my-conn",
                      "secret_key": "OTLP_KEY"}},
            {"kind": "OTLP", "endpoint": "http://10.0.0.4:4317", "protocol": "Grpc", "data": []}]},
        "rai_config": {"rai_policy_name": "my-policy",
            "invocations_moderation": {"response_mode": "both", "input_content_type": "json",
                "input_paths": ["$.input"], "output_paths": ["$.output"],
                "stream_selectors": [{"event_type": "delta", "text_field": "$.text"}]}},
        "some_future_field": {"kept": true}})
}

#[tokio::test]
async fn newer_fields_round_trip_and_the_idle_default_reads_back() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let (status, created) = emu
        .call(
            &t,
            "POST",
            "/agents/full/versions",
            GEN_B,
            Some(json!({"definition": full_definition()})),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created["definition"],
        full_definition(),
        "stored exactly as sent"
    );
    let (_, read) = emu
        .call(&t, "GET", "/agents/full/versions/1", GEN_B, None)
        .await;
    assert_eq!(read["definition"], full_definition());
    let (_, agent) = emu.call(&t, "GET", "/agents/full", GEN_B, None).await;
    assert_eq!(agent["versions"]["latest"]["definition"], full_definition());

    // Unset idle timeout: the service default (900) is what reads back, on create and on GET.
    let (_, plain) = emu
        .call(
            &t,
            "POST",
            "/agents/plain/versions",
            GEN_B,
            Some(gen_b_body("a.io/x:1")),
        )
        .await;
    assert_eq!(
        plain["definition"]["session_configuration"],
        json!({"idle_timeout_seconds": 900})
    );
    let (_, plain) = emu
        .call(&t, "GET", "/agents/plain/versions/1", GEN_B, None)
        .await;
    assert_eq!(
        plain["definition"]["session_configuration"],
        json!({"idle_timeout_seconds": 900})
    );
    let mut empty = gen_b_body("a.io/x:1");
    empty["definition"]["session_configuration"] = json!({});
    let (_, v) = emu
        .call(&t, "POST", "/agents/plain/versions", GEN_B, Some(empty))
        .await;
    assert_eq!(
        v["definition"]["session_configuration"]["idle_timeout_seconds"],
        900
    );
    // The preview generation stores definitions as sent, with no defaults added.
    let (_, a) = emu
        .call(
            &t,
            "POST",
            "/agents/prev/versions",
            GEN_A,
            Some(gen_a_body("a.io/x:1")),
        )
        .await;
    assert!(
        a["definition"].get("session_configuration").is_none(),
        "{a}"
    );
}

#[tokio::test]
async fn each_newer_field_is_validated_with_its_path() {
    let emu = Emulator::start(&[]);
    let t = emu.token().await;
    let te = "definition.telemetry_config.endpoints";
    let cases: Vec<(&str, Value, String)> = vec![
        (
            "/container_configuration/registry_connection_id",
            json!(""),
            "definition.container_configuration.registry_connection_id".into(),
        ),
        (
            "/container_configuration/registry_connection_id",
            json!(7),
            "definition.container_configuration.registry_connection_id".into(),
        ),
        (
            "/session_configuration/idle_timeout_seconds",
            json!(119),
            "definition.session_configuration.idle_timeout_seconds".into(),
        ),
        (
            "/session_configuration/idle_timeout_seconds",
            json!(14401),
            "definition.session_configuration.idle_timeout_seconds".into(),
        ),
        (
            "/session_configuration/idle_timeout_seconds",
            json!("900"),
            "definition.session_configuration.idle_timeout_seconds".into(),
        ),
        (
            "/enable_memory_snapshot",
            json!("true"),
            "definition.enable_memory_snapshot".into(),
        ),
        ("/telemetry_config/endpoints", json!([]), te.into()),
        (
            "/telemetry_config/endpoints/0/kind",
            json!("Zipkin"),
            format!("{te}[0].kind"),
        ),
        (
            "/telemetry_config/endpoints/0/endpoint",
            json!("not a url"),
            format!("{te}[0].endpoint"),
        ),
        (
            "/telemetry_config/endpoints/0/protocol",
            json!("Udp"),
            format!("{te}[0].protocol"),
        ),
        (
            "/telemetry_config/endpoints/0/data",
            json!(["Logs"]),
            format!("{te}[0].data[0]"),
        ),
        (
            "/telemetry_config/endpoints/0/data",
            json!(["Metrics", "Metrics"]),
            format!("{te}[0].data[1]"),
        ),
        (
            "/telemetry_config/endpoints/0/auth",
            json!({"type": "header", "header_name": "X-Key"}),
            format!("{te}[0].auth.secret_id"),
        ),
        (
            "/telemetry_config/endpoints/0/auth",
            json!({"type": "header", "secret_id": "c", "secret_key": "k"}),
            format!("{te}[0].auth.header_name"),
        ),
        (
            "/rai_config/rai_policy_name",
            json!(""),
            "definition.rai_config.rai_policy_name".into(),
        ),
        (
            "/rai_config/invocations_moderation/response_mode",
            json!("sometimes"),
            "definition.rai_config.invocations_moderation.response_mode".into(),
        ),
        (
            "/code_configuration",
            json!({"runtime": "python_3_13", "entry_point": ["python", "main.py"], "dependency_resolution": "bundled"}),
            "definition".into(),
        ),
    ];
    for (pointer, value, param) in cases {
        let mut body = json!({"definition": full_definition()});
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let parent = body["definition"]
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{pointer}"));
        match parent {
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            Value::Object(fields) => {
                fields.insert(key.to_string(), value);
            }
            _ => panic!("{pointer}"),
        }
        let (status, v) = emu
            .call(&t, "POST", "/agents/bad/versions", GEN_B, Some(body))
            .await;
        assert_eq!(status, 400, "{pointer}: {v}");
        assert_eq!(v["error"]["param"], param.as_str(), "{pointer}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error");
    }
    // Four telemetry endpoints are one too many.
    let mut body = json!({"definition": full_definition()});
    let one = body["definition"]["telemetry_config"]["endpoints"][0].clone();
    body["definition"]["telemetry_config"]["endpoints"] = json!([one, one, one, one]);
    let (status, v) = emu
        .call(&t, "POST", "/agents/bad/versions", GEN_B, Some(body))
        .await;
    assert_eq!((status, &v["error"]["param"]), (400, &json!(te)));
    // A code-based definition needs its code: JSON is refused.
    let mut body = gen_b_body("a.io/x:1");
    let d = body["definition"].as_object_mut().unwrap();
    d.remove("container_configuration");
    d.insert(
        "code_configuration".into(),
        json!({"runtime": "python_3_13",
        "entry_point": ["python", "main.py"], "dependency_resolution": "bundled"}),
    );
    let (status, v) = emu
        .call(&t, "POST", "/agents/bad/versions", GEN_B, Some(body))
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["param"], "definition.code_configuration");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data")
    );
    // rai_config is checked on the preview generation too.
    let mut a = gen_a_body("a.io/x:1");
    a["definition"]["rai_config"] = json!({"rai_policy_name": "p"});
    let (status, _) = emu
        .call(&t, "POST", "/agents/prev/versions", GEN_A, Some(a.clone()))
        .await;
    assert_eq!(status, 200);
    a["definition"]["rai_config"] = json!({});
    let (status, v) = emu
        .call(&t, "POST", "/agents/prev/versions", GEN_A, Some(a))
        .await;
    assert_eq!(
        (status, &v["error"]["param"]),
        (400, &json!("definition.rai_config.rai_policy_name"))
    );
    assert_eq!(
        emu.stats().await["writes"],
        1,
        "only the valid preview version was written"
    );
}

#[tokio::test]
async fn json_bodies_need_a_json_content_type() {
    let emu = Emulator::start(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let body = serde_json::to_vec(&gen_b_body("a.io/x:1")).unwrap();
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/merge-patch+json",
        "application/xml",
    ] {
        let (status, _, bytes) = emu
            .raw(
                &t,
                "POST",
                "/agents/ct/versions",
                &[("content-type", ct)],
                body.clone(),
            )
            .await;
        assert_eq!(status, 415, "{ct}");
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["error"]["code"], "unsupported_media_type", "{v}");
    }
    // No Content-Type at all with a body: also 415.
    let (status, _, _) = emu
        .raw(&t, "POST", "/agents/ct/versions", &[], body.clone())
        .await;
    assert_eq!(status, 415);
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let (status, _, _) = emu
            .raw(
                &t,
                "POST",
                "/agents/ct/versions",
                &[("content-type", ct)],
                body.clone(),
            )
            .await;
        assert_eq!(status, 200, "{ct}");
    }
    let mut create = gen_b_body("a.io/x:1");
    create["name"] = json!("ct2");
    let (status, _, _) = emu
        .raw(
            &t,
            "POST",
            "/agents",
            &[("content-type", "text/plain")],
            serde_json::to_vec(&create).unwrap(),
        )
        .await;
    assert_eq!(status, 415);
    let (status, _, _) = emu
        .raw(
            &t,
            "POST",
            "/agents/ct",
            &[("content-type", "text/plain")],
            body.clone(),
        )
        .await;
    assert_eq!(status, 415, "update");
    // PATCH takes merge-patch JSON (what the SDKs send) and plain JSON (what azd sends).
    let patch = serde_json::to_vec(&json!({"agent_card": null})).unwrap();
    for (ct, expected) in [
        ("application/merge-patch+json", 200),
        ("application/json", 200),
        ("text/plain", 415),
    ] {
        let (status, _, _) = emu
            .raw(
                &t,
                "PATCH",
                "/agents/ct",
                &[("content-type", ct)],
                patch.clone(),
            )
            .await;
        assert_eq!(status, expected, "{ct}");
    }
    assert_eq!(
        emu.stats().await["writes"],
        5,
        "three creates and two patches"
    );
}

#[tokio::test]
async fn agent_names_of_any_length_are_truncated_in_errors() {
    let emu = Emulator::start(&[]);
    let t = emu.token().await;
    let long = "n".repeat(5000);
    for (method, path) in [
        ("GET", format!("/agents/{long}")),
        ("GET", format!("/agents/{long}/versions/1")),
        ("DELETE", format!("/agents/{long}")),
        ("PATCH", format!("/agents/{long}")),
        ("POST", format!("/agents/{long}:enable")),
        ("GET", format!("/agents/{long}/code:download")),
        ("POST", format!("/agents/{long}/versions")),
    ] {
        let body = if method == "PATCH" {
            Some(json!({"agent_card": null}))
        } else {
            path.ends_with("/versions").then(|| gen_b_body("a.io/x:1"))
        };
        let (status, v) = emu.call(&t, method, &path, GEN_B, body).await;
        assert!(
            status == 404 || status == 400,
            "{method} {}: {status}",
            &path[..30]
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.len() < 400, "{method}: {} bytes", message.len());
        assert!(message.contains('…'), "{message}");
    }
    let other = emu
        .endpoint
        .replace("/projects/demo", &format!("/projects/{long}"));
    let r = emu
        .client
        .get(format!("{other}/agents?api-version=v1"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().len() < 600);
}
