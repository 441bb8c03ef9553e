//! Helpers shared by the resource and data source tests: configurations for either API
//! version, out-of-band calls to the emulator's agents API (what the portal, azd or the
//! Python SDK would do behind Terraform's back), and readings of the emulator's store.

#![allow(dead_code)] // each test binary uses a different subset

use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::Emulator;

#[allow(unused_imports)] // each test binary uses a different subset
pub use crate::support::{ApiVersionExt, scenario::FAST};

/// The API version a test runs against: the provider's own type.
pub use azureai::agents::ApiVersion;

/// Both API versions, `v1` first.
pub const BOTH: [ApiVersion; 2] = ApiVersion::ALL;

/// Successful state-changing agents API calls the emulator has served.
pub fn writes(emu: &Emulator) -> u64 {
    emu.stats()["writes"]
        .as_u64()
        .unwrap_or_else(|| panic!("stats without writes: {}", emu.stats()))
}

/// Versions of `agent` in the emulator's store that are not being deleted, by version number.
pub fn live_versions(emu: &Emulator, agent: &str) -> Vec<(String, Value)> {
    let state = emu.state();
    let versions = state["agents"][agent]["versions"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<(String, Value)> = versions
        .into_iter()
        .filter(|(_, v)| !matches!(v["status"].as_str(), Some("deleting" | "deleted")))
        .collect();
    out.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(u64::MAX));
    out
}

/// The image of a stored version, in either spelling.
pub fn image_of(version: &Value) -> String {
    let d = &version["definition"];
    d["container_configuration"]["image"]
        .as_str()
        .or(d["image"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Calls the emulator's agents API like an outside client: a managed-identity token from the
/// emulator, then the request. Returns (status, body).
pub fn call_api(
    emu: &Emulator,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let origin = emu.origin();
    let endpoint = emu.endpoint.clone();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let target = format!("{endpoint}{path_and_query}");
    thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client");
            let token: Value = http
                .get(format!(
                    "{origin}/msi/token?api-version=2019-08-01&resource=https://ai.azure.com"
                ))
                .header("x-identity-header", "emulator")
                .send()
                .await
                .expect("token request")
                .json()
                .await
                .expect("token JSON");
            let bearer = token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned();
            let mut req = http.request(method, &target).bearer_auth(bearer);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("agents API request");
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        })
    })
    .join()
    .expect("api thread")
}

/// Creates a version out of band in `api`'s own spelling and returns its version number.
pub fn create_version_out_of_band(
    emu: &Emulator,
    api: ApiVersion,
    agent: &str,
    image: &str,
) -> String {
    create_version_out_of_band_with(emu, api, agent, image, true)
}

/// Like [`create_version_out_of_band`]; `with_env` adds an environment variable.
pub fn create_version_out_of_band_with(
    emu: &Emulator,
    api: ApiVersion,
    agent: &str,
    image: &str,
    with_env: bool,
) -> String {
    let protocols = json!([{"protocol": "responses", "version": api.protocol_version()}]);
    let mut definition = json!({"kind": "hosted", "cpu": "0.5", "memory": "1Gi"});
    if with_env {
        definition["environment_variables"] = json!({"MODEL": "gpt-5-mini"});
    }
    match api {
        ApiVersion::Preview => {
            definition["image"] = json!(image);
            definition["container_protocol_versions"] = protocols;
        }
        ApiVersion::V1 => {
            definition["container_configuration"] = json!({"image": image});
            definition["protocol_versions"] = protocols;
        }
    }
    let body = json!({"description": "made with the SDK", "metadata": {"team": "ops"}, "definition": definition});
    let (status, v) = call_api(
        emu,
        "POST",
        &format!("/agents/{agent}/versions?api-version={}", api.as_str()),
        Some(body),
    );
    assert_eq!(status, 200, "create version: {v}");
    v["version"].as_str().expect("version").to_owned()
}

/// Deletes a version out of band.
pub fn delete_version_out_of_band(emu: &Emulator, agent: &str, version: &str) {
    let (status, v) = call_api(
        emu,
        "DELETE",
        &format!("/agents/{agent}/versions/{version}?api-version=v1&force=true"),
        None,
    );
    assert_eq!(status, 200, "delete version: {v}");
}

/// Waits until the emulator reports `status` for a version (`v1` provisioning).
pub fn wait_status(emu: &Emulator, agent: &str, version: &str, status: &str) {
    for _ in 0..100 {
        let (_, v) = call_api(
            emu,
            "GET",
            &format!("/agents/{agent}/versions/{version}?api-version=v1"),
            None,
        );
        if v["status"] == status {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("{agent}/{version} never reached {status}");
}
