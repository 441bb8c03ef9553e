# expect: Invalid protocol
# attribute: protocols
# detail: "smtp" is not a protocol of the agent endpoint
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  protocols  = ["responses", "smtp"]
}
