# expect: Invalid max_num_results
# detail: between 1 and 50
# attribute: max_num_results
resource "azureai_hosted_agent_version" "x" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "v1"
  }
  tool {
    type             = "file_search"
    vector_store_ids = ["vs_1"]
    max_num_results  = 100
  }
}
