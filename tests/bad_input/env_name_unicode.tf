# expect: Invalid environment variable name
# attribute: "NÄME" = "x"
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  environment_variables = {
    "NÄME" = "x"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
