"""The newest azure-ai-projects 2.x (2.10.0 when written; api-version v1) against the emulator,
unchanged, for what the SDK added in 2026:

(a) a hosted version with every newer definition field (registry connection, session idle
    timeout, memory snapshot, telemetry export, RAI policy) reads back unchanged, and an unset
    idle timeout reads back as the service default (900 seconds);
(b) the agent endpoint: `update_details` (traffic split, protocols, authorization schemes, agent
    card), `disable` / `enable`, and the 409 for deleting a version that still receives traffic;
(c) `create_version_from_code` makes a code-based version and `download_code` returns the same
    bytes; uploading the same code and definition again returns the same version.
"""

import datetime
import hashlib
import io
import tempfile
import zipfile

from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.identity import ManagedIdentityCredential
from azure.ai.projects import AIProjectClient
from azure.ai.projects.models import (
    ActivityProtocolConfiguration,
    AgentCard,
    AgentCardSkill,
    AgentEndpointConfig,
    BotServiceRbacAuthorizationScheme,
    CodeConfiguration,
    ContainerConfiguration,
    EntraAuthorizationScheme,
    FixedRatioVersionSelectionRule,
    HeaderTelemetryEndpointAuth,
    HostedAgentDefinition,
    OtlpTelemetryEndpoint,
    ProtocolConfiguration,
    ProtocolVersionRecord,
    RaiConfig,
    ResponsesProtocolConfiguration,
    SessionConfiguration,
    TelemetryConfig,
    VersionSelector,
)

from _common import check, control, endpoint


def protocols():
    return [ProtocolVersionRecord(protocol="responses", version="1.0.0")]


def every_new_field(client):
    """(a) Every newer definition field round-trips."""
    definition = HostedAgentDefinition(
        cpu="0.25",
        memory="0.5Gi",
        container_configuration=ContainerConfiguration(
            image="registry.contoso.com/team/agent:1.2", registry_connection_id="private-registry"
        ),
        protocol_versions=protocols(),
        environment_variables={"LOG_LEVEL": "debug"},
        session_configuration=SessionConfiguration(idle_timeout_seconds=datetime.timedelta(seconds=1800)),
        enable_memory_snapshot=True,
        telemetry_config=TelemetryConfig(
            endpoints=[
                OtlpTelemetryEndpoint(
                    endpoint="https://collector.example.com/otlp",
                    protocol="Grpc",
                    data=["ContainerStdoutStderr", "Metrics"],
                    auth=HeaderTelemetryEndpointAuth(header_name="X-Otlp-Api-Key", secret_id="my-conn", secret_key="OTLP_KEY"),
                )
            ]
        ),
        rai_config=RaiConfig(rai_policy_name="my-policy"),
    )
    sent = definition.as_dict()
    created = client.agents.create_version(agent_name="full-fields", definition=definition)
    check(created.definition.as_dict() == sent, f"create answered {created.definition.as_dict()}, sent {sent}")
    read = client.agents.get_version(agent_name="full-fields", agent_version=created.version)
    check(read.definition.as_dict() == sent, f"read back {read.definition.as_dict()}")
    d = read.definition
    check(d.container_configuration.registry_connection_id == "private-registry", "registry connection")
    check(d.session_configuration.idle_timeout_seconds == datetime.timedelta(seconds=1800), "idle timeout")
    check(d.enable_memory_snapshot is True, "memory snapshot")
    check(d.telemetry_config.endpoints[0].auth.secret_key == "OTLP_KEY", "telemetry auth")
    check(d.rai_config.rai_policy_name == "my-policy", "rai policy")

    plain = client.agents.create_version(
        agent_name="default-idle",
        definition=HostedAgentDefinition(
            cpu="1", memory="2Gi", container_configuration=ContainerConfiguration(image="a.io/x:1"), protocol_versions=protocols()
        ),
    )
    idle = plain.definition.session_configuration.idle_timeout_seconds
    check(idle == datetime.timedelta(seconds=900), f"unset idle timeout reads back as 900 s, got {idle}")

    # A pair that is not a resource tier gets the service's message.
    try:
        client.agents.create_version(
            agent_name="default-idle",
            definition=HostedAgentDefinition(
                cpu="1", memory="4Gi", container_configuration=ContainerConfiguration(image="a.io/x:1"), protocol_versions=protocols()
            ),
        )
        check(False, "1 core / 4Gi is not a tier")
    except HttpResponseError as e:
        check(e.status_code == 400, f"status {e.status_code}")
        check("valid resource tier" in str(e), f"message: {e}")


def endpoint_operations(client):
    """(b) update_details, enable, disable."""
    name = "canary"
    for tag in ("blue", "green"):
        client.agents.create_version(
            agent_name=name,
            definition=HostedAgentDefinition(
                cpu="0.5", memory="1Gi", container_configuration=ContainerConfiguration(image=f"a.io/shop:{tag}"),
                protocol_versions=protocols(),
            ),
        )
    agent = client.agents.get(agent_name=name)
    rules = agent.agent_endpoint.version_selector.version_selection_rules
    check(len(rules) == 1 and rules[0].agent_version == "@latest" and rules[0].traffic_percentage == 100,
          f"default selector {agent.agent_endpoint.as_dict()}")
    check(agent.agent_endpoint.protocol_configuration.responses is not None, "Responses enabled by default")
    check([s.type for s in agent.agent_endpoint.authorization_schemes] == ["Entra"], "Entra by default")
    check(agent.state == "enabled" and agent.configuration_state == "enabled", f"state {agent.state}")

    updated = client.agents.update_details(
        agent_name=name,
        agent_endpoint=AgentEndpointConfig(
            version_selector=VersionSelector(
                version_selection_rules=[
                    FixedRatioVersionSelectionRule(agent_version="1", traffic_percentage=90),
                    FixedRatioVersionSelectionRule(agent_version="2", traffic_percentage=10),
                ]
            ),
            protocol_configuration=ProtocolConfiguration(
                responses=ResponsesProtocolConfiguration(),
                activity=ActivityProtocolConfiguration(enable_m365_public_endpoint=True),
            ),
            authorization_schemes=[EntraAuthorizationScheme(), BotServiceRbacAuthorizationScheme()],
        ),
        agent_card=AgentCard(version="1.0.0", skills=[AgentCardSkill(id="orders", name="Orders", tags=["shop"])]),
    )
    split = {r.agent_version: r.traffic_percentage for r in updated.agent_endpoint.version_selector.version_selection_rules}
    check(split == {"1": 90, "2": 10}, f"traffic split {split}")
    pc = updated.agent_endpoint.protocol_configuration
    check(pc.activity.enable_m365_public_endpoint is True and pc.responses is not None, f"protocols {pc.as_dict()}")
    check([s.type for s in updated.agent_endpoint.authorization_schemes] == ["Entra", "BotServiceRbac"], "schemes")
    check(updated.agent_card.skills[0].id == "orders", "agent card")
    check(updated.versions.latest.version == "2", "update_details makes no version")

    # Version 1 still receives 90 %: deleting it is refused until the traffic moves.
    try:
        client.agents.delete_version(agent_name=name, agent_version="1")
        check(False, "deleting a version that receives traffic must be refused")
    except ResourceExistsError as e:
        check(e.status_code == 409 and "agent endpoint" in str(e), f"{e.status_code}: {e}")
    client.agents.update_details(
        agent_name=name,
        agent_endpoint=AgentEndpointConfig(
            version_selector=VersionSelector(
                version_selection_rules=[FixedRatioVersionSelectionRule(agent_version="2", traffic_percentage=100)]
            )
        ),
    )
    client.agents.delete_version(agent_name=name, agent_version="1")

    # Percentages that do not add up to 100 are refused.
    try:
        client.agents.update_details(
            agent_name=name,
            agent_endpoint=AgentEndpointConfig(
                version_selector=VersionSelector(
                    version_selection_rules=[FixedRatioVersionSelectionRule(agent_version="2", traffic_percentage=50)]
                )
            ),
        )
        check(False, "a 50 % total must be refused")
    except HttpResponseError as e:
        check(e.status_code == 400, f"status {e.status_code}")

    client.agents.disable(agent_name=name)
    client.agents.disable(agent_name=name)  # idempotent
    check(client.agents.get(agent_name=name).state == "disabled", "disabled")
    client.agents.enable(agent_name=name)
    check(client.agents.get(agent_name=name).state == "enabled", "enabled again")

    events = [(e["event"], e.get("version")) for e in control("audit?agent=canary")["events"]]
    check(events == [("version.created", "1"), ("version.created", "2"), ("endpoint.changed", None),
                     ("endpoint.changed", None), ("version.deleted", "1"), ("agent.disabled", None),
                     ("agent.disabled", None), ("agent.enabled", None)], f"audit {events}")


def code_upload(client, workdir):
    """(c) create_version_from_code and download_code."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("main.py", "print('hello from code')\n")
        z.writestr("requirements.txt", "azure-ai-agentserver-core\n")
    zip_bytes = buf.getvalue()
    path = f"{workdir}/agent.zip"
    with open(path, "wb") as f:
        f.write(zip_bytes)

    definition = HostedAgentDefinition(
        cpu="1",
        memory="2Gi",
        code_configuration=CodeConfiguration(runtime="python_3_13", entry_point=["python", "main.py"], dependency_resolution="remote_build"),
        protocol_versions=protocols(),
    )
    with open(path, "rb") as code:
        created = client.agents.create_version_from_code("from-code", definition=definition, code=code, description="code build")
    check(created.version == "1", f"version {created.version}")
    cc = created.definition.code_configuration
    digest = hashlib.sha256(zip_bytes).hexdigest()
    check(cc.content_hash == digest, f"content_hash {cc.content_hash} != {digest}")
    check(cc.runtime == "python_3_13" and cc.entry_point == ["python", "main.py"], f"code configuration {cc.as_dict()}")

    downloaded = b"".join(client.agents.download_code("from-code"))
    check(downloaded == zip_bytes, f"download returned {len(downloaded)} bytes, uploaded {len(zip_bytes)}")
    downloaded = b"".join(client.agents.download_code("from-code", agent_version="1"))
    check(downloaded == zip_bytes, "download of version 1")

    with open(path, "rb") as code:
        again = client.agents.create_version_from_code("from-code", definition=definition, code=code)
    check(again.version == "1", f"same code and definition return the existing version, got {again.version}")

    try:
        b"".join(client.agents.download_code("canary"))
        check(False, "an image-based agent has no code")
    except HttpResponseError as e:
        check(e.status_code == 409, f"status {e.status_code}")


def main():
    client = AIProjectClient(endpoint=endpoint(), credential=ManagedIdentityCredential())
    check(client._config.api_version == "v1", f"newest SDK speaks v1, got {client._config.api_version}")
    for method in ("update_details", "enable", "disable", "create_version_from_code", "download_code"):
        check(hasattr(client.agents, method), f"this azure-ai-projects has no agents.{method}")
    every_new_field(client)
    endpoint_operations(client)
    with tempfile.TemporaryDirectory() as workdir:
        code_upload(client, workdir)
    print("2026 agents API (newest azure-ai-projects, v1: definition fields, endpoint, code): OK")


if __name__ == "__main__":
    main()
