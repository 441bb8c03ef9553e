# expect: Invalid memory
# attribute: memory
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  memory     = "0.1Gi"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
