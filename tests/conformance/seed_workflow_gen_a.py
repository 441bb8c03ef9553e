"""The seed's hosted-agent workflow with azure-ai-projects==2.0.0b3 (Gen A, api-version
2025-11-15-preview): create_version with ImageBasedHostedAgentDefinition, list_versions,
delete_version, exactly as the seed document shows, checked against what the emulator stored.

Two deviations from the seed text, both because the seed is wrong for 2.0.0b3: the keyword of
delete_version is `agent_version` (the seed writes `version=`), and versions have no `.state`.
"""

import os

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential
from azure.ai.projects import AIProjectClient
from azure.ai.projects.models import (
    AgentProtocol,
    ImageBasedHostedAgentDefinition,
    ProtocolVersionRecord,
)

from _common import check, control, endpoint

AGENT = "data-processor-agent"


def definition(image):
    # The seed's "Complete Example" definition.
    return ImageBasedHostedAgentDefinition(
        container_protocol_versions=[ProtocolVersionRecord(protocol=AgentProtocol.RESPONSES, version="v1")],
        image=image,
        cpu="2",
        memory="4Gi",
        tools=[{"type": "code_interpreter"}, {"type": "file_search"}],
        environment_variables={
            "AZURE_AI_PROJECT_ENDPOINT": os.environ["AZURE_AI_PROJECT_ENDPOINT"],
            "MODEL_NAME": "gpt-4o-mini",
            "MAX_RETRIES": "3",
        },
    )


def main():
    client = AIProjectClient(endpoint=endpoint(), credential=ManagedIdentityCredential())
    check(client._config.api_version == "2025-11-15-preview", f"2.0.0b3 speaks Gen A, got {client._config.api_version}")

    agent = client.agents.create_version(agent_name=AGENT, definition=definition("myregistry.azurecr.io/data-processor:v1.0"))
    print(f"Created hosted agent: {agent.name}")
    print(f"Version: {agent.version}")
    check(agent.name == AGENT, f"name {agent.name!r}")
    check(agent.version == "1", f"first version is '1', got {agent.version!r}")
    check(agent.id == f"{AGENT}:1", f"id {agent.id!r}")
    # b3 deserializes kind "hosted" as the HostedAgentDefinition base model, which has no
    # `image` attribute; models are mappings, so read the wire fields by key.
    d = agent.definition
    check(d["image"] == "myregistry.azurecr.io/data-processor:v1.0", f"image round-trips: {d}")
    check(d["cpu"] == "2" and d["memory"] == "4Gi", "cpu/memory round-trip")
    check(d["container_protocol_versions"][0]["version"] == "v1", "protocol version round-trips")
    check(d["tools"][0]["type"] == "code_interpreter", "tools round-trip")
    check(agent.created_at is not None, "created_at is parsed")

    second = client.agents.create_version(agent_name=AGENT, definition=definition("myregistry.azurecr.io/data-processor:v1.1"))
    check(second.version == "2", f"second version is '2', got {second.version!r}")

    # Seed step 3: list versions (default order is newest first).
    versions = [v.version for v in client.agents.list_versions(agent_name=AGENT)]
    for v in client.agents.list_versions(agent_name=AGENT):
        print(f"Version: {v.version}")
    check(versions == ["2", "1"], f"list_versions gave {versions}")
    # The pager follows last_id across one-item pages and stops on the empty page.
    paged = [v.version for v in client.agents.list_versions(agent_name=AGENT, limit=1, order="asc")]
    check(paged == ["1", "2"], f"paged ascending listing gave {paged}")

    fetched = client.agents.get_version(agent_name=AGENT, agent_version="1")
    check(fetched.definition["image"].endswith(":v1.0"), "get_version returns the stored version 1")

    # The service's validation surfaces as an HttpResponseError carrying the error body.
    bad = definition("myregistry.azurecr.io/data-processor:v2")
    bad.cpu = "16"
    try:
        client.agents.create_version(agent_name=AGENT, definition=bad)
        check(False, "cpu 16 must be rejected")
    except HttpResponseError as e:
        check(e.status_code == 400, f"validation status {e.status_code}")
        check("cpu" in str(e), f"the message names the field: {e}")

    # Seed step 4: delete the version.
    deleted = client.agents.delete_version(agent_name=AGENT, agent_version=agent.version)
    check(deleted.deleted is True and deleted.version == "1", f"delete_version answered {deleted}")
    remaining = [v.version for v in client.agents.list_versions(agent_name=AGENT)]
    check(remaining == ["2"], f"after delete: {remaining}")
    try:
        client.agents.get_version(agent_name=AGENT, agent_version="1")
        check(False, "a deleted version must be gone")
    except ResourceNotFoundError:
        pass

    client.agents.delete_version(agent_name=AGENT, agent_version="2")
    state = control("state")
    check(AGENT not in state["agents"], f"emulator still holds {state['agents'].get(AGENT)}")
    # The seed itself says "Always use DefaultAzureCredential": its chain reaches the same
    # App Service managed-identity endpoint, so run the rest with it.
    agent_level_operations(AIProjectClient(endpoint=endpoint(), credential=DefaultAzureCredential()))
    print("seed workflow (azure-ai-projects 2.0.0b3, Gen A): OK")


def agent_level_operations(client):
    """Beyond the seed: the agent-level calls of 2.0.0b3 (POST /agents, POST /agents/{name},
    GET /agents, DELETE /agents/{name})."""
    name = "seed-agent-ops"
    created = client.agents.create(name=name, definition=definition("myregistry.azurecr.io/ops:v1"), metadata={"team": "data"})
    check(created.name == name and created.versions.latest.version == "1", f"create gave {created}")
    check(created.versions.latest.metadata == {"team": "data"}, "metadata on the first version")
    updated = client.agents.update(agent_name=name, definition=definition("myregistry.azurecr.io/ops:v2"))
    check(updated.versions.latest.version == "2", f"update makes version 2, got {updated.versions.latest.version}")
    listed = [a.name for a in client.agents.list(kind="hosted", limit=1)]
    check(listed == [name], f"agents list gave {listed}")
    deleted = client.agents.delete(agent_name=name)
    check(deleted.deleted is True and deleted.name == name, f"delete gave {deleted}")
    check([a.name for a in client.agents.list()] == [], "no agents left")


if __name__ == "__main__":
    main()
