# Blue/green with a canary: two versions of one agent, and its endpoint splitting the traffic.
# A rollout is three applies: add green at 10 (blue 90), then move to 0/100, then remove blue
# (its resource and its traffic block). The `version` references order every apply: a version
# is created before traffic goes to it, and traffic leaves a version before it is deleted.

resource "azureai_hosted_agent_version" "blue" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:2026.01.01"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}

resource "azureai_hosted_agent_version" "green" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:2026.02.01"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}

resource "azureai_agent_endpoint" "orders_bot" {
  agent_name = azureai_hosted_agent_version.blue.agent_name

  traffic {
    version = azureai_hosted_agent_version.blue.version
    percent = 90
  }

  traffic {
    version = azureai_hosted_agent_version.green.version
    percent = 10
  }

  protocols             = ["responses", "a2a"]
  authorization_schemes = ["Entra"]

  agent_card {
    version     = "1.0.0"
    description = "Answers questions about orders."

    skill {
      id       = "order-status"
      name     = "Order status"
      tags     = ["orders"]
      examples = ["Where is order 1234?"]
    }
  }
}

output "orders_bot_responses_url" {
  value = azureai_agent_endpoint.orders_bot.urls["responses"]
}
