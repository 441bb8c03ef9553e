# expect: Duplicate environment variable
# attribute: API_KEY = "x"
# detail: "API_KEY" is set in both environment_variables and environment_variables_wo
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  environment_variables = {
    API_KEY = "plain"
  }
  environment_variables_wo = {
    API_KEY = "x"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
