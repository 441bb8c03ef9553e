# expect: Invalid protocol
# attribute: protocols
# detail: Give at least one
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  protocols  = []
}
