//! Code-based hosted agents over HTTP: multipart uploads on the three create routes (parts in
//! any order), the SHA-256 and agent-name headers, zip and definition checks, the size limit,
//! content-addressed dedupe, `code:download`, and zips kept across a restart.

mod emulator_common;

use emulator_common::*;
use serde_json::{Value, json};

fn agent_zip(text: &str) -> Vec<u8> {
    zip_of(&[
        ("main.py", format!("print({text:?})\n").as_bytes()),
        ("requirements.txt", b"azure-ai-agentserver-core\n"),
        ("lib/", b""),
        ("lib/helpers.py", b"X = 1\n"),
    ])
}

/// Bytes that do not compress (a xorshift stream), to size zips exactly.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

async fn upload_version(
    emu: &Emulator,
    t: &str,
    agent: &str,
    metadata: &Value,
    zip: &[u8],
) -> (u16, Value) {
    let sha = sha256_hex(zip);
    emu.upload(
        t,
        &format!("/agents/{agent}/versions"),
        &[("x-ms-code-zip-sha256", &sha)],
        &[Part::metadata(metadata), Part::code(zip)],
    )
    .await
}

async fn download(
    emu: &Emulator,
    t: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    emu.raw(t, "GET", path, &[("accept", "application/zip")], vec![])
        .await
}

#[tokio::test]
async fn upload_then_download_returns_the_same_bytes() {
    let (emu, _dir) = Emulator::start_with_state(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let first = agent_zip("v1");
    let (status, v) =
        upload_version(&emu, &t, "coder", &code_metadata("python_3_13"), &first).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["object"], "agent.version");
    assert_eq!(v["version"], "1");
    assert_eq!(v["description"], "from source");
    assert_eq!(v["metadata"], json!({"git_sha": "abc123"}));
    let cc = &v["definition"]["code_configuration"];
    assert_eq!(
        cc["content_hash"],
        sha256_hex(&first).as_str(),
        "set by the service"
    );
    assert_eq!(cc["runtime"], "python_3_13");
    assert_eq!(cc["entry_point"], json!(["python", "main.py"]));
    assert_eq!(cc["dependency_resolution"], "remote_build");
    assert_eq!(
        v["definition"]["session_configuration"]["idle_timeout_seconds"],
        900
    );
    assert!(v["definition"].get("container_configuration").is_none());
    let (_, read) = emu
        .call(&t, "GET", "/agents/coder/versions/1", GEN_B, None)
        .await;
    assert_eq!(read["definition"], v["definition"]);

    // The code part first this time, and the .NET runtime.
    let second = agent_zip("v2");
    let sha2 = sha256_hex(&second);
    let mut meta = code_metadata("dotnet_10");
    meta["definition"]["code_configuration"]["entry_point"] = json!(["dotnet", "Agent.dll"]);
    let (status, v2) = emu
        .upload(
            &t,
            "/agents/coder/versions",
            &[("x-ms-code-zip-sha256", &sha2)],
            &[Part::code(&second), Part::metadata(&meta)],
        )
        .await;
    assert_eq!(status, 200, "{v2}");
    assert_eq!(v2["version"], "2");

    let (status, headers, bytes) = download(&emu, &t, "/agents/coder/code:download").await;
    assert_eq!(status, 200);
    assert_eq!(bytes, second, "the newest version by default");
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(headers["x-ms-agent-version"], "2");
    assert_eq!(headers["x-ms-code-zip-sha256"], sha2.as_str());
    assert_eq!(headers["content-length"], second.len().to_string().as_str());
    let (status, headers, bytes) =
        download(&emu, &t, "/agents/coder/code:download?agent_version=1").await;
    assert_eq!(status, 200);
    assert_eq!(bytes, first);
    assert_eq!(headers["x-ms-agent-version"], "1");

    // Image-based versions have nothing to download.
    emu.call(
        &t,
        "POST",
        "/agents/imagey/versions",
        GEN_B,
        Some(gen_b_body("a.io/x:1")),
    )
    .await;
    let (status, _, body) = download(&emu, &t, "/agents/imagey/code:download").await;
    assert_eq!(status, 409);
    let e: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(e["error"]["code"], "AgentNotCodeBased", "{e}");
    // The newest version decides, even when an older one was code-based.
    emu.call(
        &t,
        "POST",
        "/agents/coder/versions",
        GEN_B,
        Some(gen_b_body("a.io/x:1")),
    )
    .await;
    assert_eq!(
        download(&emu, &t, "/agents/coder/code:download").await.0,
        409
    );
    assert_eq!(
        download(&emu, &t, "/agents/coder/code:download?agent_version=2")
            .await
            .0,
        200
    );
    for path in [
        "/agents/coder/code:download?agent_version=9",
        "/agents/nobody/code:download",
    ] {
        assert_eq!(download(&emu, &t, path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn identical_content_and_definition_return_the_existing_version() {
    let (emu, _dir) = Emulator::start_with_state(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let zip = agent_zip("same");
    let (_, first) = upload_version(&emu, &t, "dedupe", &code_metadata("python_3_13"), &zip).await;
    let writes = emu.stats().await["writes"].clone();
    // Same zip and definition, other description and metadata: the existing version comes back.
    let mut meta = code_metadata("python_3_13");
    meta["description"] = json!("a retry with another description");
    meta["metadata"] = json!({"git_sha": "def456"});
    let (status, again) = upload_version(&emu, &t, "dedupe", &meta, &zip).await;
    assert_eq!(status, 200);
    assert_eq!(again, first, "the existing version, as stored");
    assert_eq!(emu.stats().await["writes"], writes, "nothing was created");
    // An explicit default idle timeout is the same definition as an unset one.
    let mut meta = code_metadata("python_3_13");
    meta["definition"]["session_configuration"] = json!({"idle_timeout_seconds": 900});
    let (_, again) = upload_version(&emu, &t, "dedupe", &meta, &zip).await;
    assert_eq!(again["version"], "1");
    // Same zip, different definition: a new version. Different zip, same definition: too.
    let mut meta = code_metadata("python_3_13");
    meta["definition"]["code_configuration"]["dependency_resolution"] = json!("bundled");
    let (_, v2) = upload_version(&emu, &t, "dedupe", &meta, &zip).await;
    assert_eq!(v2["version"], "2");
    let (_, v3) = upload_version(
        &emu,
        &t,
        "dedupe",
        &code_metadata("python_3_13"),
        &agent_zip("other"),
    )
    .await;
    assert_eq!(v3["version"], "3");
    // Version 1 is found again even though it is no longer the newest.
    let (_, again) = upload_version(&emu, &t, "dedupe", &code_metadata("python_3_13"), &zip).await;
    assert_eq!(again["version"], "1");
    let created: Vec<Value> = emu
        .audit()
        .await
        .into_iter()
        .filter(|e| e["event"] == "version.created")
        .map(|e| e["version"].clone())
        .collect();
    assert_eq!(created, [json!("1"), json!("2"), json!("3")]);
}

#[tokio::test]
async fn create_and_update_agents_from_code() {
    let (emu, _dir) = Emulator::start_with_state(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let zip = agent_zip("agent");
    let sha = sha256_hex(&zip);
    let parts = [
        Part::metadata(&code_metadata("python_3_14")),
        Part::code(&zip),
    ];
    let (status, agent) = emu
        .upload(
            &t,
            "/agents",
            &[
                ("x-ms-code-zip-sha256", &sha),
                ("x-ms-agent-name", "fromcode"),
            ],
            &parts,
        )
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["object"], "agent");
    assert_eq!(agent["name"], "fromcode");
    assert_eq!(
        agent["versions"]["latest"]["definition"]["code_configuration"]["content_hash"],
        sha.as_str()
    );
    let (status, v) = emu
        .upload(
            &t,
            "/agents",
            &[
                ("x-ms-code-zip-sha256", &sha),
                ("x-ms-agent-name", "fromcode"),
            ],
            &parts,
        )
        .await;
    assert_eq!(status, 409, "{v}");
    let (status, v) = emu
        .upload(&t, "/agents", &[("x-ms-code-zip-sha256", &sha)], &parts)
        .await;
    assert_eq!(
        (status, &v["error"]["param"]),
        (400, &json!("x-ms-agent-name"))
    );
    let (status, v) = emu
        .upload(
            &t,
            "/agents",
            &[("x-ms-code-zip-sha256", &sha), ("x-ms-agent-name", "-bad-")],
            &parts,
        )
        .await;
    assert_eq!(
        (status, &v["error"]["param"]),
        (400, &json!("x-ms-agent-name"))
    );
    // azd also puts the name into the metadata: it must agree with the header.
    let mut meta = code_metadata("python_3_14");
    meta["name"] = json!("azdstyle");
    let (status, _) = emu
        .upload(
            &t,
            "/agents",
            &[
                ("x-ms-code-zip-sha256", &sha),
                ("x-ms-agent-name", "azdstyle"),
            ],
            &[Part::metadata(&meta), Part::code(&zip)],
        )
        .await;
    assert_eq!(status, 200);
    let (status, v) = emu
        .upload(
            &t,
            "/agents",
            &[("x-ms-code-zip-sha256", &sha), ("x-ms-agent-name", "other")],
            &[Part::metadata(&meta), Part::code(&zip)],
        )
        .await;
    assert_eq!(
        (status, &v["error"]["param"]),
        (400, &json!("metadata.name"))
    );

    // POST /agents/{name} with code: a new version, answered with the agent.
    let zip2 = agent_zip("agent v2");
    let sha2 = sha256_hex(&zip2);
    let (status, agent) = emu
        .upload(
            &t,
            "/agents/fromcode",
            &[("x-ms-code-zip-sha256", &sha2)],
            &[
                Part::metadata(&code_metadata("python_3_14")),
                Part::code(&zip2),
            ],
        )
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["object"], "agent");
    assert_eq!(agent["versions"]["latest"]["version"], "2");
    let (status, _) = emu
        .upload(
            &t,
            "/agents/nobody",
            &[("x-ms-code-zip-sha256", &sha2)],
            &[
                Part::metadata(&code_metadata("python_3_14")),
                Part::code(&zip2),
            ],
        )
        .await;
    assert_eq!(status, 404);
}

/// Headers, parts, and the `param` the 400 names.
type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<Part<'a>>, &'a str);

#[tokio::test]
async fn bad_uploads_are_refused_and_write_nothing() {
    let (emu, _dir) = Emulator::start_with_state(&["--provision-delay-ms", "0"]);
    let t = emu.token().await;
    let zip = agent_zip("x");
    let sha = sha256_hex(&zip);
    let meta = code_metadata("python_3_13");
    let with_meta = |edit: &dyn Fn(&mut Value)| {
        let mut m = code_metadata("python_3_13");
        edit(&mut m);
        m
    };
    let upper = sha.to_uppercase();
    let wrong = sha256_hex(b"something else");
    let folder_zip = zip_of(&[("agent/", b""), ("agent/main.py", b"print(1)")]);
    let folder_sha = sha256_hex(&folder_zip);
    let junk = b"PK\x03\x04 definitely not a zip".to_vec();
    let junk_sha = sha256_hex(&junk);
    let cases: Vec<Case> = vec![
        (
            vec![],
            vec![Part::metadata(&meta), Part::code(&zip)],
            "x-ms-code-zip-sha256",
        ),
        (
            vec![("x-ms-code-zip-sha256", &upper)],
            vec![Part::metadata(&meta), Part::code(&zip)],
            "x-ms-code-zip-sha256",
        ),
        (
            vec![("x-ms-code-zip-sha256", "abc")],
            vec![Part::metadata(&meta), Part::code(&zip)],
            "x-ms-code-zip-sha256",
        ),
        (
            vec![("x-ms-code-zip-sha256", &wrong)],
            vec![Part::metadata(&meta), Part::code(&zip)],
            "x-ms-code-zip-sha256",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![Part::code(&zip)],
            "metadata",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![Part::metadata(&meta)],
            "code",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![Part::metadata(&meta), Part::code(&zip), Part::code(&zip)],
            "code",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&meta),
                Part::code(&zip),
                Part {
                    name: "readme",
                    filename: None,
                    content_type: None,
                    data: b"hi".to_vec(),
                },
            ],
            "readme",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&meta),
                Part {
                    name: "code",
                    filename: Some("agent.tar"),
                    content_type: None,
                    data: zip.clone(),
                },
            ],
            "code",
        ),
        (
            vec![("x-ms-code-zip-sha256", &junk_sha)],
            vec![Part::metadata(&meta), Part::code(&junk)],
            "code",
        ),
        (
            vec![("x-ms-code-zip-sha256", &folder_sha)],
            vec![Part::metadata(&meta), Part::code(&folder_zip)],
            "code",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part {
                    name: "metadata",
                    filename: None,
                    content_type: None,
                    data: b"{not json".to_vec(),
                },
                Part::code(&zip),
            ],
            "metadata",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| {
                    m["definition"]["code_configuration"]["runtime"] = json!("python_3_12")
                })),
                Part::code(&zip),
            ],
            "definition.code_configuration.runtime",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| {
                    m["definition"]["code_configuration"]["entry_point"] = json!([])
                })),
                Part::code(&zip),
            ],
            "definition.code_configuration.entry_point",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| {
                    m["definition"]["code_configuration"]["dependency_resolution"] = json!("pip")
                })),
                Part::code(&zip),
            ],
            "definition.code_configuration.dependency_resolution",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| {
                    m["definition"]["code_configuration"]["content_hash"] = json!(sha.clone())
                })),
                Part::code(&zip),
            ],
            "definition.code_configuration.content_hash",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| {
                    m["definition"]
                        .as_object_mut()
                        .unwrap()
                        .remove("code_configuration");
                    m["definition"]["container_configuration"] = json!({"image": "a.io/x:1"});
                })),
                Part::code(&zip),
            ],
            "definition.code_configuration",
        ),
        (
            vec![("x-ms-code-zip-sha256", &sha)],
            vec![
                Part::metadata(&with_meta(&|m| m["definition"]["memory"] = json!("2Gi"))),
                Part::code(&zip),
            ],
            "definition.memory",
        ),
    ];
    for (headers, parts, param) in cases {
        let (status, v) = emu
            .upload(&t, "/agents/bad/versions", &headers, &parts)
            .await;
        assert_eq!(status, 400, "{param}: {v}");
        assert_eq!(v["error"]["param"], param, "{v}");
        assert_eq!(v["error"]["type"], "invalid_request_error");
    }
    // A broken multipart body and the preview api-version.
    let (status, _, _) = emu
        .raw(
            &t,
            "POST",
            "/agents/bad/versions",
            &[
                ("content-type", "multipart/form-data; boundary=zzz"),
                ("x-ms-code-zip-sha256", &sha),
            ],
            b"--zzz\r\nno headers end".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    let (ct, body) = multipart(&[Part::metadata(&meta), Part::code(&zip)]);
    let r = emu
        .client
        .post(format!(
            "{}/agents/bad/versions?api-version={GEN_A}",
            emu.endpoint
        ))
        .bearer_auth(&t)
        .header("content-type", ct)
        .header("x-ms-code-zip-sha256", &sha)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(emu.stats().await["writes"], 0);
    let (status, _) = emu.call(&t, "GET", "/agents/bad", GEN_B, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_size_limit_is_a_413() {
    let (emu, _dir) =
        Emulator::start_with_state(&["--provision-delay-ms", "0", "--max-code-zip-bytes", "40000"]);
    let t = emu.token().await;
    let small = zip_of(&[("main.py", &noise(30_000))]);
    assert!(small.len() < 40_000);
    let (status, v) =
        upload_version(&emu, &t, "sized", &code_metadata("python_3_13"), &small).await;
    assert_eq!(status, 200, "{v}");
    let big = zip_of(&[("main.py", &noise(50_000))]);
    assert!(big.len() > 40_000);
    let (status, v) = upload_version(&emu, &t, "sized", &code_metadata("python_3_13"), &big).await;
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["error"]["code"], "request_too_large");
    // Far beyond the limit: the body is drained and the client still reads the 413.
    let huge = noise(3 * 1024 * 1024);
    let (status, _) = upload_version(&emu, &t, "sized", &code_metadata("python_3_13"), &huge).await;
    assert_eq!(status, 413);
    let (_, versions) = emu
        .call(&t, "GET", "/agents/sized/versions", GEN_B, None)
        .await;
    assert_eq!(versions["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn zips_survive_a_restart_and_go_with_their_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let code_dir = dir.path().join("state.json.code");
    let mut first = Emulator::start(&["--state-file", state_arg, "--provision-delay-ms", "0"]);
    let t = first.token().await;
    let zip = agent_zip("durable");
    let sha = sha256_hex(&zip);
    upload_version(&first, &t, "keep", &code_metadata("python_3_13"), &zip).await;
    // Same zip, another definition: two versions share one stored copy.
    let mut meta = code_metadata("python_3_13");
    meta["definition"]["code_configuration"]["dependency_resolution"] = json!("bundled");
    upload_version(&first, &t, "keep", &meta, &zip).await;
    first.kill();
    // A stale upload left by the kill is cleaned up at the next start.
    std::fs::write(code_dir.join(".upload-deadbeef.tmp"), b"partial").unwrap();

    let listen = first.base.trim_start_matches("http://").to_string();
    let second = Emulator::start(&[
        "--state-file",
        state_arg,
        "--provision-delay-ms",
        "0",
        "--listen",
        &listen,
    ]);
    assert!(!code_dir.join(".upload-deadbeef.tmp").exists());
    let (status, headers, bytes) =
        download(&second, &t, "/agents/keep/code:download?agent_version=1").await;
    assert_eq!(status, 200);
    assert_eq!(bytes, zip);
    assert_eq!(headers["x-ms-code-zip-sha256"], sha.as_str());
    let stored = code_dir.join(format!("{sha}.zip"));
    assert!(stored.exists());
    second
        .call(&t, "DELETE", "/agents/keep/versions/1", GEN_B, None)
        .await;
    assert!(stored.exists(), "version 2 still refers to it");
    second
        .call(&t, "DELETE", "/agents/keep/versions/2", GEN_B, None)
        .await;
    assert!(!stored.exists(), "no version refers to it any more");
    let leftovers: Vec<_> = std::fs::read_dir(&code_dir).unwrap().flatten().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
