# expect: Invalid traffic percent
# attribute: percent = 150
# detail: a whole number from 0 to 100; got 150
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  traffic {
    version = "1"
    percent = 150
  }
}
