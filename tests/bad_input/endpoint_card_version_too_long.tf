# expect: Invalid agent card
# attribute: version = "1.0.0-a-very-long-prerelease-label"
# detail: version must be 1 to 32 characters long; got 34
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  agent_card {
    version = "1.0.0-a-very-long-prerelease-label"
    skill {
      id   = "order-status"
      name = "Order status"
    }
  }
}
