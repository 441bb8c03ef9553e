# expect: Invalid image reference
# attribute: image
# detail: has more than one ':' in "a:1:2": a reference has at most one tag
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "myreg.io/a:1:2"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
