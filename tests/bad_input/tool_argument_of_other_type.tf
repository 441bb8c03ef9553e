# expect: Argument not used by this tool type
# attribute: server_url
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "v1"
  }
  tool {
    type       = "code_interpreter"
    server_url = "https://mcp.example.com/sse"
  }
}
