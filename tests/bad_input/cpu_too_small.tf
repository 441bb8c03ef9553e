# expect: Invalid cpu
# detail: hosted agents take
# attribute: cpu
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  cpu        = "250m"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
