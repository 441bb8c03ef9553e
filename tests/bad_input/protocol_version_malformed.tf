# expect: Invalid protocol version
# attribute: version
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0"
  }
}
