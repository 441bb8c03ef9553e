# expect: Unsupported protocol
# attribute: protocol
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "smtp"
    version  = "1.0.0"
  }
}
