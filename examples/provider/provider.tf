terraform {
  required_providers {
    azureai = {
      source  = "azureai/azureai"
      version = "~> 0.1"
    }
  }
}

# Every argument is optional: with no block at all the provider reads the project endpoint from
# AZURE_AI_PROJECT_ENDPOINT and signs in with the default credential chain.
provider "azureai" {
  # The project endpoint shown on the project's overview page in the Foundry portal.
  endpoint = "https://contoso.services.ai.azure.com/api/projects/orders"

  # "v1" (default) speaks the GA hosted-agent API; "2025-11-15-preview" the first preview,
  # which is the only one that accepts `tool` blocks.
  api_version = "v1"

  # "default" tries environment credentials, workload identity, managed identity and the
  # Azure CLI in turn. Pin one method in CI to get clear errors.
  auth_method = "default"
}
