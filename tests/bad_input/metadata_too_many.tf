# expect: Too many metadata entries
# attribute: metadata
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  metadata = {
    k0 = "v"
    k1 = "v"
    k2 = "v"
    k3 = "v"
    k4 = "v"
    k5 = "v"
    k6 = "v"
    k7 = "v"
    k8 = "v"
    k9 = "v"
    k10 = "v"
    k11 = "v"
    k12 = "v"
    k13 = "v"
    k14 = "v"
    k15 = "v"
  }
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
