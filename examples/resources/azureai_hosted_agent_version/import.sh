# A version is imported by its ID, `<agent_name>/<version>`.
terraform import azureai_hosted_agent_version.orders_bot orders-bot/4

# Right after the import the state holds every environment variable the service returns, in
# `environment_variables` (an import cannot tell which ones are secrets), and no
# `environment_variables_wo_version`. Declare the secret ones in `environment_variables_wo`
# (with the same values) and apply: an in-place update, no new version and no API call, after
# which the state holds none of their values. `terraform.tfstate.backup` still holds the
# imported state: delete it (or the backend's previous state version).
