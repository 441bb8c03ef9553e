# expect: Missing environment variable value
# attribute: API_KEY = null
# detail: "API_KEY" in environment_variables_wo is null
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  environment_variables_wo = {
    API_KEY = null
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
