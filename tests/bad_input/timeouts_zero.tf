# expect: Invalid timeout
# attribute: delete
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  timeouts {
    delete = "0s"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
