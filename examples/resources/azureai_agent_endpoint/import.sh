# An agent endpoint is imported by its agent's name.
terraform import azureai_agent_endpoint.orders_bot orders-bot
