resource "azureai_hosted_agent_version" "orders_bot" {
  agent_name  = "orders-bot"
  description = "Orders assistant, nightly build"

  # Pin a tag or a digest: a version is immutable, and `:latest` hides what actually runs.
  image  = "contosoacr.azurecr.io/orders-bot:2026.01.01"
  cpu    = "1"
  memory = "2Gi"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }

  environment_variables = {
    MODEL_DEPLOYMENT_NAME = "gpt-5-mini"
    LOG_LEVEL             = "INFO"
  }

  metadata = {
    git_sha = "9f2c1e0"
  }

  timeouts {
    create = "15m"
    delete = "10m"
  }
}

output "orders_bot_version" {
  value = azureai_hosted_agent_version.orders_bot.version
}
