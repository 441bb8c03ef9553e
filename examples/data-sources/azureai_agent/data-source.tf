# An agent made elsewhere (the portal, azd, another workspace): which version is newest, where
# its traffic goes, and the URL clients call.
data "azureai_agent" "orders_bot" {
  name = "orders-bot"
}

output "orders_bot_latest_version" {
  value = data.azureai_agent.orders_bot.latest_version
}

output "orders_bot_traffic" {
  # Empty when all traffic goes to the newest version.
  value = data.azureai_agent.orders_bot.traffic
}

output "orders_bot_responses_url" {
  value = data.azureai_agent.orders_bot.urls["responses"]
}
