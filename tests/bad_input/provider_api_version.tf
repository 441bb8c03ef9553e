# expect: Unsupported api_version
# attribute: api_version
# provider: own
provider "azureai" {
  api_version = "2024-01-01"
}
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
