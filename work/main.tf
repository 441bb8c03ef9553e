terraform {
  required_providers {
    azureai = { source = "azureai/azureai" }
  }
}
provider "azureai" { api_version = "v1" }
variable "api_key" {
  type      = string
  ephemeral = true
  sensitive = true
}
resource "azureai_hosted_agent_version" "a" {
  agent_name = "bot"
  image      = "contosoacr.azurecr.io/bot:1.0.0"
  cpu        = "0.5"
  memory     = "1Gi"
  environment_variables = { MODEL = "gpt-5-mini" }
  environment_variables_wo = { API_KEY = var.api_key }
  environment_variables_wo_version = 1
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
