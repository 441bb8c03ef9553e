# expect: Invalid image reference
# attribute: image
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "orders-bot:v1"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
