# expect: Invalid metadata key
# attribute: kkkkkkkkkk
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  metadata = {
    kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk = "v"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
