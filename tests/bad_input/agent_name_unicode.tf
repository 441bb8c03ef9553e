# expect: Invalid agent name
# attribute: agent_name
resource "azureai_hosted_agent_version" "x" {
  agent_name = "bót-ágent"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
