# expect: Unsupported argument
# attribute: replicas
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  replicas = 2
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
