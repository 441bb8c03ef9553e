# expect: Invalid activity_m365_public_endpoint
# attribute: activity_m365_public_endpoint
# detail: Add "activity" to protocols
resource "azureai_agent_endpoint" "x" {
  agent_name                    = "orders-bot"
  protocols                     = ["responses", "a2a"]
  activity_m365_public_endpoint = true
}
