//! `tool` blocks (the preview API, `2025-11-15-preview`) through the real Terraform CLI: the
//! service stores exactly the configured tools, the next plan is empty, a re-import of the
//! version reads every value back the same, and `v1` refuses tool blocks at plan.

mod resource_support;
mod support;

use resource_support::{ApiVersion, ApiVersionExt, live_versions};
use serde_json::json;
use support::{Scenario, TerraformBin, terraform_binaries};

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

const ADDR: &str = "azureai_hosted_agent_version.tools";

fn tools_round_trip(tf: &TerraformBin) {
    Scenario::new(tf, ApiVersion::Preview)
        .apply(CONFIG)
        .check(stored_exactly_as_configured)
        .import_verify(ADDR, &[])
        .check(refused_under_v1)
        .config(CONFIG)
        .destroy();
}

fn stored_exactly_as_configured(s: &Scenario) {
    let versions = live_versions(&s.emu, "tool-bot");
    assert_eq!(versions.len(), 1, "{}", s.context());
    assert_eq!(
        versions[0].1["definition"]["tools"],
        json!([
            {"type": "code_interpreter"},
            {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"], "max_num_results": 10},
            {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example.com/sse",
             "allowed_tools": ["search_issues", "get_issue"], "require_approval": "never",
             "project_connection_id": "gh-conn", "headers": {"X-Team": "ops"}}
        ]),
        "{}",
        s.context()
    );
}

/// The same configuration under api_version v1 is refused at plan, naming the tool block.
fn refused_under_v1(s: &Scenario) {
    s.ws.write_main_tf(&format!("{}{CONFIG}", ApiVersion::V1.provider_block()));
    let out = s.ws.run(&["plan", "-input=false"]);
    assert_ne!(out.code(), 0, "{}", s.context());
    out.assert_contains("Tool blocks need the preview API");
}

#[test]
fn tool_blocks_round_trip_both_terraform_versions() {
    for tf in terraform_binaries() {
        tools_round_trip(&tf);
    }
}
