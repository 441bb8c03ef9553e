//! The seed-workflow example does in HCL what the seed's Python script does with
//! azure-ai-projects 2.0.0b3: create a version with a code interpreter and an MCP tool on the
//! preview API, list the versions, delete. Here it runs for real against the emulator, with
//! both Terraform versions, and the emulator's store is checked for the exact definition.

mod support;

use std::fs;

use support::{Emulator, Workspace, repo_root, terraform_binaries};

#[test]
fn seed_workflow_example_creates_lists_and_deletes_on_the_emulator() {
    let example = fs::read_to_string(repo_root().join("examples/seed-workflow/main.tf")).unwrap();
    for tf in terraform_binaries() {
        let emu = Emulator::start(&[]);
        let ws = Workspace::builder(&tf)
            .emulator(&emu)
            .env("TF_VAR_project_endpoint", emu.endpoint.clone())
            .build();
        ws.write_file("main.tf", &example);
        ws.init();
        let applied = ws.apply();
        applied.assert_contains(
            "Created hosted agent: data-processor-agent (version: 1, status: active)",
        );
        applied.assert_contains("Version: 1, State: active");

        let state = emu.state();
        let version = &state["agents"]["data-processor-agent"]["versions"]["1"];
        let definition = version["definition"].to_string();
        for needle in [
            "myregistry.azurecr.io/data-processor:v1.0",
            r#""type":"code_interpreter""#,
            r#""type":"mcp""#,
            r#""server_label":"custom-tool""#,
            r#""server_url":"https://custom-tool.example.com""#,
            r#""require_approval":"never""#,
            r#""protocol":"responses""#,
            r#""version":"v1""#,
            r#""MODEL_NAME":"gpt-4o-mini""#,
        ] {
            assert!(
                definition.contains(needle),
                "{}: stored definition lacks {needle}: {definition}",
                ws.describe()
            );
        }
        assert_eq!(version["definition"]["cpu"], "2", "{definition}");
        assert_eq!(version["definition"]["memory"], "4Gi", "{definition}");

        assert!(
            !ws.plan().has_changes,
            "second plan not empty with {}",
            ws.describe()
        );

        ws.destroy();
        let state = emu.state();
        let versions = state["agents"]["data-processor-agent"]["versions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(
            versions
                .values()
                .all(|v| v["status"] == "deleted" || v["status"] == "deleting"),
            "destroy left versions behind with {}: {state:#}",
            ws.describe()
        );
    }
}
