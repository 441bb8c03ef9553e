# expect: Agent endpoint needs the v1 API
# attribute: agent_name
# detail: Set api_version = "v1" in the provider block
# stage: plan
# api_version: 2025-11-15-preview
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
}
