# expect: Invalid environment variable name
# attribute: "api-key" = "x"
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  environment_variables_wo = {
    "api-key" = "x"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
