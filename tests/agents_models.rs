//! Round trips of the API's JSON shapes (docs/agents-api.md) through the models, for both API
//! versions, plus the tolerance rules (reading either spelling, unknown values and fields).

use std::collections::BTreeMap;

use azureai::agents::{
    Agent, AgentVersion, ApiVersion, CREATION_TOKEN_KEY, CreateVersionRequest, HostedDefinition,
    ListPage, ProtocolVersion, Tool, VersionStatus, new_creation_token,
};
use serde_json::{Value, json};

fn gen_b_created() -> Value {
    json!({ "object": "agent.version", "id": "orders-bot:4", "name": "orders-bot", "version": "4",
      "description": "nightly build", "metadata": {"git_sha": "9f2c1e0"}, "created_at": 1767225600, "status": "creating",
      "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                     "container_configuration": {"image": "contosoacr.azurecr.io/orders-bot:2026.01.01"},
                     "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
                     "environment_variables": {"MODEL_DEPLOYMENT_NAME": "gpt-5-mini"}} })
}

fn gen_b_failed() -> Value {
    json!({ "object": "agent.version", "id": "orders-bot:5", "name": "orders-bot", "version": "5",
      "metadata": {}, "created_at": 1767229200, "status": "failed",
      "error": {"code": "ImageError", "message": "image pull failed: manifest unknown ..."},
      "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                     "container_configuration": {"image": "contosoacr.azurecr.io/orders-bot:missing"},
                     "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]} })
}

fn gen_a_definition() -> Value {
    json!({"kind": "hosted", "image": "contosoacr.azurecr.io/orders-bot:v3", "cpu": "1", "memory": "2Gi",
      "container_protocol_versions": [{"protocol": "responses", "version": "v1"}],
      "environment_variables": {"MODEL_NAME": "gpt-4.1"},
      "tools": [{"type": "code_interpreter"}]})
}

#[test]
fn gen_b_version_round_trips_exactly() {
    for example in [gen_b_created(), gen_b_failed()] {
        let v: AgentVersion = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), example);
    }
    let v: AgentVersion = serde_json::from_value(gen_b_created()).unwrap();
    assert_eq!(v.id, "orders-bot:4");
    assert_eq!(v.status, Some(VersionStatus::Creating));
    assert_eq!(
        v.definition.image,
        "contosoacr.azurecr.io/orders-bot:2026.01.01"
    );
    assert_eq!(
        v.definition.protocol_versions,
        vec![ProtocolVersion {
            protocol: "responses".into(),
            version: "1.0.0".into()
        }]
    );
    assert_eq!(v.created_at, 1_767_225_600);
    let failed: AgentVersion = serde_json::from_value(gen_b_failed()).unwrap();
    let err = failed.error.unwrap();
    assert_eq!(
        (err.code.as_str(), failed.status),
        ("ImageError", Some(VersionStatus::Failed))
    );
}

#[test]
fn gen_a_definition_reads_and_writes_in_its_own_spelling() {
    let d: HostedDefinition = serde_json::from_value(gen_a_definition()).unwrap();
    assert_eq!(d.image, "contosoacr.azurecr.io/orders-bot:v3");
    assert_eq!(d.protocol_versions[0].version, "v1");
    assert_eq!(
        d.tools,
        vec![Tool {
            r#type: "code_interpreter".into(),
            ..Tool::default()
        }]
    );
    assert_eq!(d.to_json(ApiVersion::Preview), gen_a_definition());
    // The same definition written for Gen B moves the fields.
    let b = d.to_json(ApiVersion::V1);
    assert_eq!(
        b["container_configuration"]["image"],
        "contosoacr.azurecr.io/orders-bot:v3"
    );
    assert!(b.get("image").is_none() && b.get("container_protocol_versions").is_none());
    assert_eq!(b["protocol_versions"][0]["protocol"], "responses");
}

#[test]
fn gen_b_definition_written_for_gen_a_and_read_back_is_identical() {
    let v: AgentVersion = serde_json::from_value(gen_b_created()).unwrap();
    let a = v.definition.to_json(ApiVersion::Preview);
    assert_eq!(a["image"], "contosoacr.azurecr.io/orders-bot:2026.01.01");
    assert!(a.get("container_configuration").is_none());
    let back: HostedDefinition = serde_json::from_value(a).unwrap();
    assert_eq!(back, v.definition);
}

#[test]
fn both_spellings_at_once_prefer_gen_b_and_are_not_duplicated() {
    let d: HostedDefinition = serde_json::from_value(json!({
        "kind": "hosted", "cpu": "0.5", "memory": "1Gi",
        "image": "old:1", "container_configuration": {"image": "new:2", "registry_connection_id": "conn"},
        "container_protocol_versions": [{"protocol": "responses", "version": "v1"}],
        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
    }))
    .unwrap();
    assert_eq!(
        (d.image.as_str(), d.protocol_versions[0].version.as_str()),
        ("new:2", "1.0.0")
    );
    assert_eq!(d.registry_connection_id.as_deref(), Some("conn"));
    assert!(d.extra.is_empty(), "{:?}", d.extra);
    let b = d.to_json(ApiVersion::V1);
    assert_eq!(
        b["container_configuration"],
        json!({"image": "new:2", "registry_connection_id": "conn"})
    );
}

#[test]
fn agent_object_and_list_envelope() {
    let agent = json!({ "object": "agent", "id": "orders-bot", "name": "orders-bot", "state": "enabled",
      "versions": {"latest": {"object": "agent.version", "id": "orders-bot:4", "name": "orders-bot",
                              "version": "4", "metadata": {}, "created_at": 1767225600, "status": "active",
                              "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                                             "container_configuration": {"image": "contosoacr.azurecr.io/orders-bot:2026.01.01"},
                                             "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}}} });
    let a: Agent = serde_json::from_value(agent.clone()).unwrap();
    assert_eq!(
        a.versions.latest.as_ref().unwrap().status,
        Some(VersionStatus::Active)
    );
    assert_eq!(serde_json::to_value(&a).unwrap(), agent);

    let page = json!({"object": "list", "data": [gen_b_created(), gen_b_failed()],
                      "first_id": "orders-bot:4", "last_id": "orders-bot:5", "has_more": false});
    let p: ListPage<AgentVersion> = serde_json::from_value(page).unwrap();
    assert_eq!(
        (p.data.len(), p.last_id.as_deref(), p.has_more),
        (2, Some("orders-bot:5"), false)
    );
    // The terminating page the Python pager needs: empty data, null last_id.
    let end: ListPage<AgentVersion> =
        serde_json::from_value(json!({"data": [], "last_id": null})).unwrap();
    assert!(end.data.is_empty() && end.last_id.is_none() && !end.has_more);
}

#[test]
fn unknown_status_and_fields_are_kept() {
    let mut v = gen_b_created();
    v["status"] = json!("idle");
    v["agent_guid"] = json!("g-1");
    v["definition"]["rai_config"] = json!({"rai_policy_name": "strict"});
    v["definition"]["container_configuration"]["pull_policy"] = json!("always");
    let parsed: AgentVersion = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(parsed.status, Some(VersionStatus::Unknown("idle".into())));
    assert!(!parsed.status.as_ref().unwrap().is_terminal());
    assert_eq!(serde_json::to_value(&parsed).unwrap(), v);
}

#[test]
fn tools_keep_unmodelled_shapes() {
    let tools = json!([
        {"type": "mcp", "server_label": "gh", "server_url": "https://mcp.example.com/sse",
         "require_approval": "never", "allowed_tools": ["search_issues"], "headers": {"x": "y"}},
        {"type": "mcp", "server_label": "gh2", "project_connection_id": "c",
         "require_approval": {"always": {"tool_names": ["a"]}}, "allowed_tools": {"tool_names": ["b"]}},
        {"type": "file_search", "vector_store_ids": ["vs1"], "max_num_results": 5,
         "ranking_options": {"ranker": "auto", "score_threshold": 0.5}},
        {"type": "code_interpreter", "container": {"type": "auto", "file_ids": []}},
        {"type": "code_interpreter", "container": "cntr_1"},
        {"type": "bing_grounding", "bing_grounding": {"search_configurations": [{"project_connection_id": "b"}]}}
    ]);
    let parsed: Vec<Tool> = serde_json::from_value(tools.clone()).unwrap();
    assert_eq!(
        parsed[0].allowed_tools.as_deref(),
        Some(&["search_issues".to_string()][..])
    );
    assert_eq!(parsed[0].require_approval.as_deref(), Some("never"));
    assert_eq!(
        parsed[1].require_approval, None,
        "object form stays in extra"
    );
    assert!(parsed[1].extra.contains_key("require_approval"));
    assert_eq!(parsed[2].max_num_results, Some(5));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), tools);
}

#[test]
fn wrong_types_are_errors_not_panics() {
    let mut v = gen_b_created();
    v["definition"]["cpu"] = json!({"cores": 1});
    let e = serde_json::from_value::<AgentVersion>(v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cpu"), "{e}");
    let mut v = gen_b_created();
    v["created_at"] = json!("yesterday");
    assert!(serde_json::from_value::<AgentVersion>(v).is_err());
    let mut v = gen_b_created();
    v["definition"]["protocol_versions"] = json!("responses");
    assert!(serde_json::from_value::<AgentVersion>(v).is_err());
    // Numbers where strings are expected are accepted (some clients send "cpu": 1).
    let mut v = gen_b_created();
    v["definition"]["cpu"] = json!(1);
    assert_eq!(
        serde_json::from_value::<AgentVersion>(v)
            .unwrap()
            .definition
            .cpu,
        "1"
    );
}

fn request() -> CreateVersionRequest {
    CreateVersionRequest {
        description: Some("nightly build".into()),
        metadata: BTreeMap::from([("git_sha".to_string(), "9f2c1e0".to_string())]),
        definition: HostedDefinition {
            image: "contosoacr.azurecr.io/orders-bot:2026.01.01".into(),
            cpu: "1".into(),
            memory: "2Gi".into(),
            protocol_versions: vec![
                ProtocolVersion {
                    protocol: "responses".into(),
                    version: "1.0.0".into(),
                },
                ProtocolVersion {
                    protocol: "invocations".into(),
                    version: "1.0.0".into(),
                },
            ],
            environment_variables: BTreeMap::from([(
                "MODEL_DEPLOYMENT_NAME".to_string(),
                "gpt-5-mini".to_string(),
            )]),
            ..HostedDefinition::default()
        },
    }
}

#[test]
fn create_request_matches_the_documented_gen_b_body() {
    let expected = json!({"description": "nightly build", "metadata": {"git_sha": "9f2c1e0"},
      "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
        "container_configuration": {"image": "contosoacr.azurecr.io/orders-bot:2026.01.01"},
        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}, {"protocol": "invocations", "version": "1.0.0"}],
        "environment_variables": {"MODEL_DEPLOYMENT_NAME": "gpt-5-mini"}}});
    assert_eq!(request().to_json(ApiVersion::V1), expected);
    let a = request().to_json(ApiVersion::Preview);
    assert_eq!(
        a["definition"]["image"],
        "contosoacr.azurecr.io/orders-bot:2026.01.01"
    );
    assert_eq!(
        a["definition"]["container_protocol_versions"][1]["protocol"],
        "invocations"
    );
}

#[test]
fn every_create_gets_a_token_of_its_own() {
    // Two creates with the same definition (two resources, two workspaces, a replacement with
    // create_before_destroy) must never share a token: a lookup by token could otherwise
    // return the other one's version.
    let a = new_creation_token();
    let b = new_creation_token();
    assert_ne!(a, b);
    for t in [&a, &b] {
        assert_eq!(t.len(), 32, "{t}");
        assert!(
            t.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{t}"
        );
    }
    let with = request().with_creation_token(&a);
    assert_eq!(with.creation_token_value(), Some(a.as_str()));
    assert_eq!(with.metadata.get(CREATION_TOKEN_KEY), Some(&a));
    let body = with.to_json(ApiVersion::V1);
    assert_eq!(body["metadata"][CREATION_TOKEN_KEY], a.as_str());
}
