# expect: Invalid memory
# detail: hosted agents take
# attribute: memory
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  cpu        = "4"
  memory     = "16Gi"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
