# expect: Invalid memory
# attribute: memory
# detail: the unit is case-sensitive: write "2Gi"
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  memory     = "2gi"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
