# expect: Unsupported auth_method
# attribute: auth_method
# provider: own
provider "azureai" {
  auth_method = "password"
}
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
