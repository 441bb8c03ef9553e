# Every version of one agent, oldest first.
data "azureai_hosted_agent_versions" "orders_bot" {
  agent_name = "orders-bot"
}

output "orders_bot_versions" {
  value = {
    for v in data.azureai_hosted_agent_versions.orders_bot.versions :
    v.version => "${v.status} ${v.image} (cpu ${v.cpu}, memory ${v.memory})"
  }
}
