# expect: Incorrect attribute value type
# attribute: environment_variables
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  environment_variables = ["A=1"]
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
