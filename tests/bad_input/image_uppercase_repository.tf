# expect: Invalid image reference
# attribute: image
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/Orders-Bot:v1"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
