//! terraform-provider-azureai (skeleton)
