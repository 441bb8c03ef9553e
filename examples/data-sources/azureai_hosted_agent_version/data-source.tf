# One version of an agent; leave out `version` to get the latest one.
data "azureai_hosted_agent_version" "latest" {
  agent_name = "orders-bot"
}

data "azureai_hosted_agent_version" "pinned" {
  agent_name = "orders-bot"
  version    = "3"
}

output "latest_image" {
  value = data.azureai_hosted_agent_version.latest.image
}
