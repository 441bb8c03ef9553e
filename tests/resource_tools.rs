//! `tool` blocks (API generation A, `2025-11-15-preview`) through the real Terraform CLI: the
//! service stores exactly the configured tools, the next plan is empty, and a re-import of the
//! version plans empty too.

mod resource_support;
mod support;

use resource_support::{ApiVersion, ApiVersionExt, FAST, live_versions};
use serde_json::json;
use support::{Emulator, TerraformBin, Workspace, terraform_binaries};

const CONFIG: &str = r#"
resource "azureai_hosted_agent_version" "tools" {
  agent_name = "tool-bot"
  image      = "contosoacr.azurecr.io/tool-bot:1.2.3"

  container_protocol_version {
    protocol = "responses"
    version  = "v1"
  }

  tool {
    type = "code_interpreter"
  }

  tool {
    type             = "file_search"
    vector_store_ids = ["vs_1", "vs_2"]
    max_num_results  = 10
  }

  tool {
    type                  = "mcp"
    server_label          = "github"
    server_url            = "https://mcp.example.com/sse"
    allowed_tools         = ["search_issues", "get_issue"]
    require_approval      = "never"
    project_connection_id = "gh-conn"
    headers = {
      X-Team = "ops"
    }
  }
}
"#;

fn tools_round_trip(tf: &TerraformBin) {
    let api = ApiVersion::Preview;
    let emu = Emulator::start(FAST);
    let ws = Workspace::builder(tf).emulator(&emu).build();
    let ctx = ws.describe();
    ws.write_main_tf(&format!("{}{CONFIG}", api.provider_block()));
    ws.init();
    ws.apply();

    let versions = live_versions(&emu, "tool-bot");
    assert_eq!(versions.len(), 1, "{ctx}");
    let (number, stored) = &versions[0];
    assert_eq!(
        stored["definition"]["tools"],
        json!([
            {"type": "code_interpreter"},
            {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"], "max_num_results": 10},
            {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example.com/sse",
             "allowed_tools": ["search_issues", "get_issue"], "require_approval": "never",
             "project_connection_id": "gh-conn", "headers": {"X-Team": "ops"}}
        ]),
        "{ctx}"
    );
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "{ctx}: plan after apply not empty:\n{}",
        plan.output
    );

    // Forget and re-import: every tool field is read back.
    ws.run(&["state", "rm", "azureai_hosted_agent_version.tools"])
        .assert_success();
    ws.import(
        "azureai_hosted_agent_version.tools",
        &format!("tool-bot/{number}"),
    );
    let plan = ws.plan();
    assert!(
        !plan.has_changes,
        "{ctx}: plan after import not empty:\n{}",
        plan.output
    );

    // The same configuration under api_version v1 is refused at plan, naming the tool block.
    ws.write_main_tf(&format!("{}{CONFIG}", ApiVersion::V1.provider_block()));
    let out = ws.run(&["plan", "-input=false"]);
    assert_ne!(out.code(), 0, "{ctx}");
    out.assert_contains("Tool blocks need the preview API");
    ws.write_main_tf(&format!("{}{CONFIG}", api.provider_block()));
    ws.destroy();
    assert!(live_versions(&emu, "tool-bot").is_empty(), "{ctx}");
}

#[test]
fn tool_blocks_round_trip_both_terraform_versions() {
    for tf in terraform_binaries() {
        tools_round_trip(&tf);
    }
}
