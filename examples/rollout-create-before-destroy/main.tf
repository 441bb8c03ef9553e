# Rolling out a new image with a single version resource: change `image` and one apply creates
# the new version, moves the endpoint's traffic to it, then deletes the old version.
#
# Two things make that order:
# - `create_before_destroy` on the version: Terraform creates the replacement first and deletes
#   the old version ("deposed") last, after everything that depends on the version is updated;
# - the endpoint's traffic block references the version's `version`, so the endpoint depends on
#   it and is updated between the create and the delete.
# Without them, Terraform would delete the old version first, and the service refuses to delete
# a version that an explicit traffic rule still routes traffic to.

terraform {
  required_providers {
    azureai = {
      source  = "azureai/azureai"
      version = "~> 0.1"
    }
  }
}

# The endpoint comes from AZURE_AI_PROJECT_ENDPOINT, the credential from the default chain.
provider "azureai" {}

variable "image" {
  description = "Container image of the agent; changing it rolls out a new version."
  type        = string
  default     = "contosoacr.azurecr.io/orders-bot:2026.01.01"
}

resource "azureai_hosted_agent_version" "orders_bot" {
  agent_name = "orders-bot"
  image      = var.image

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "azureai_agent_endpoint" "orders_bot" {
  agent_name = azureai_hosted_agent_version.orders_bot.agent_name

  traffic {
    version = azureai_hosted_agent_version.orders_bot.version
    percent = 100
  }
}

output "serving_version" {
  value = azureai_hosted_agent_version.orders_bot.version
}

output "responses_url" {
  value = azureai_agent_endpoint.orders_bot.urls["responses"]
}
