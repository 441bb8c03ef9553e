# expect: Invalid image reference
# attribute: image
# detail: has registry port 70000, which is not a port number (1 to 65535)
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "myreg.io:70000/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
