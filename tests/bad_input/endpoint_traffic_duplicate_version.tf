# expect: Duplicate traffic version
# attribute: version = "1"
# detail: Version "1" has traffic blocks 1 and 2
resource "azureai_agent_endpoint" "x" {
  agent_name = "orders-bot"
  traffic {
    version = "1"
    percent = 50
  }
  traffic {
    version = "1"
    percent = 50
  }
}
