# expect: Incorrect attribute value type
# attribute: force_delete
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  force_delete = "maybe"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
