# The seed's Python workflow (azure-ai-projects 2.0.0b3, ImageBasedHostedAgentDefinition) in HCL:
#
#   client.agents.create_version(...)  ->  resource "azureai_hosted_agent_version" (terraform apply)
#   client.agents.list_versions(...)   ->  data "azureai_hosted_agent_versions"
#   client.agents.delete_version(...)  ->  terraform destroy
#
# Like SDK 2.0.0b3 it speaks the first preview API version, the one that takes `tool` blocks.

terraform {
  required_providers {
    azureai = {
      source  = "azureai/azureai"
      version = "~> 0.1"
    }
  }
}

variable "project_endpoint" {
  description = "The project endpoint, https://<resource>.services.ai.azure.com/api/projects/<project>."
  type        = string
}

provider "azureai" {
  endpoint    = var.project_endpoint
  api_version = "2025-11-15-preview"
}

resource "azureai_hosted_agent_version" "data_processor" {
  agent_name = "data-processor-agent"
  image      = "myregistry.azurecr.io/data-processor:v1.0"
  cpu        = "2"
  memory     = "4Gi"

  # AgentProtocol.RESPONSES, version "v1": the first preview's protocol version string.
  container_protocol_version {
    protocol = "responses"
    version  = "v1"
  }

  tool {
    type = "code_interpreter"
  }

  tool {
    type             = "mcp"
    server_label     = "custom-tool"
    server_url       = "https://custom-tool.example.com"
    require_approval = "never"
  }

  # Configuration only: values here are stored in Terraform state, so never put secrets in them.
  environment_variables = {
    AZURE_AI_PROJECT_ENDPOINT = var.project_endpoint
    MODEL_NAME                = "gpt-4o-mini"
    MAX_RETRIES               = "3"
  }
}

data "azureai_hosted_agent_versions" "data_processor" {
  agent_name = azureai_hosted_agent_version.data_processor.agent_name

  depends_on = [azureai_hosted_agent_version.data_processor]
}

output "created" {
  description = "Like the seed's print: name, version and status of the new version."
  value       = "Created hosted agent: ${azureai_hosted_agent_version.data_processor.agent_name} (version: ${azureai_hosted_agent_version.data_processor.version}, status: ${azureai_hosted_agent_version.data_processor.status})"
}

output "versions" {
  description = "Like the seed's list_versions loop."
  value = [
    for v in data.azureai_hosted_agent_versions.data_processor.versions :
    "Version: ${v.version}, State: ${v.status}"
  ]
}
