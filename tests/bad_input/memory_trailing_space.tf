# expect: Invalid memory
# attribute: memory
# detail: remove the spaces: "2Gi"
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  memory     = "2Gi "
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
