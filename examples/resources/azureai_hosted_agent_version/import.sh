# A version is imported by its ID, `<agent_name>/<version>`.
terraform import azureai_hosted_agent_version.orders_bot orders-bot/4
