# expect: Invalid memory
# attribute: memory
# detail: such as "1Gi", "1.5Gi" or "1536Mi"
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  memory     = "plenty"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
