# expect: Tool blocks need the preview API
# attribute: type = "code_interpreter"
# stage: plan
# api_version: v1
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
  tool {
    type = "code_interpreter"
  }
}
