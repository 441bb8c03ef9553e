# expect: Invalid traffic split
# attribute: percent = 20
# detail: add up to 110; they must add up to 100
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  traffic {
    version = "1"
    percent = 90
  }
  traffic {
    version = "2"
    percent = 20
  }
}
