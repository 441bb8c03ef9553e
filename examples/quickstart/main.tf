# Quickstart: two versions of one hosted agent, then a listing of every version through the
# data source. `scripts/quickstart.sh` runs this against the local emulator; pointed at a real
# Foundry project (AZURE_AI_PROJECT_ENDPOINT plus an Azure sign-in), it works unchanged there,
# as long as the images exist in a registry the project can pull from.

terraform {
  required_providers {
    azureai = {
      source  = "azureai/azureai"
      version = "~> 0.1"
    }
  }
}

# No arguments: the endpoint comes from AZURE_AI_PROJECT_ENDPOINT and the credential from the
# default chain (the quickstart sets IDENTITY_ENDPOINT/IDENTITY_HEADER to the emulator's
# managed-identity endpoint).
provider "azureai" {}

variable "agent_name" {
  description = "Name of the hosted agent the quickstart creates versions of."
  type        = string
  default     = "quickstart-agent"
}

variable "image_repository" {
  description = "Registry and repository of the agent's container image, without the tag."
  type        = string
  default     = "contosoacr.azurecr.io/quickstart-agent"
}

resource "azureai_hosted_agent_version" "stable" {
  agent_name  = var.agent_name
  description = "Stable build"
  image       = "${var.image_repository}:1.0.0"
  cpu         = "1"
  memory      = "2Gi"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }

  environment_variables = {
    MODEL_DEPLOYMENT_NAME = "gpt-5-mini"
  }

  metadata = {
    channel = "stable"
  }
}

resource "azureai_hosted_agent_version" "canary" {
  agent_name  = var.agent_name
  description = "Canary build with more memory"
  image       = "${var.image_repository}:1.1.0"
  cpu         = "2"
  memory      = "4Gi"

  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }

  environment_variables = {
    MODEL_DEPLOYMENT_NAME = "gpt-5-mini"
    LOG_LEVEL             = "DEBUG"
  }

  metadata = {
    channel = "canary"
  }

  # Versions are numbered in creation order; creating the canary second keeps it the latest.
  depends_on = [azureai_hosted_agent_version.stable]
}

# Read after both versions exist, so the listing includes them.
data "azureai_hosted_agent_versions" "all" {
  agent_name = var.agent_name

  depends_on = [
    azureai_hosted_agent_version.stable,
    azureai_hosted_agent_version.canary,
  ]
}

output "stable" {
  description = "The stable version: ID, version number and status."
  value = {
    id      = azureai_hosted_agent_version.stable.id
    version = azureai_hosted_agent_version.stable.version
    status  = azureai_hosted_agent_version.stable.status
  }
}

output "canary" {
  description = "The canary version: ID, version number and status."
  value = {
    id      = azureai_hosted_agent_version.canary.id
    version = azureai_hosted_agent_version.canary.version
    status  = azureai_hosted_agent_version.canary.status
  }
}

output "all_versions" {
  description = "Every version of the agent as the service lists it."
  value = [
    for v in data.azureai_hosted_agent_versions.all.versions :
    "${var.agent_name}/${v.version}: ${v.status}, ${v.image}, cpu ${v.cpu}, memory ${v.memory}, created ${v.created_at}"
  ]
}
