# expect: Invalid traffic percent
# attribute: percent = 12.5
# detail: a whole number from 0 to 100; got 12.5
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  traffic {
    version = "1"
    percent = 87.5
  }
  traffic {
    version = "2"
    percent = 12.5
  }
}
