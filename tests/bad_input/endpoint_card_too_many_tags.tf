# expect: Invalid agent card
# attribute: tags
# detail: A skill has at most 5 tags; got 6
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  protocols  = ["a2a"]
  agent_card {
    version = "1.0.0"
    skill {
      id   = "order-status"
      name = "Order status"
      tags = ["a", "b", "c", "d", "e", "f"]
    }
  }
}
