# expect: Invalid authorization scheme
# attribute: authorization_schemes
# detail: "ApiKey" is not an authorization scheme of the agent endpoint
resource "azureai_agent_endpoint" "x" {
  agent_name            = "orders-bot"
  authorization_schemes = ["Entra", "ApiKey"]
}
