"""The seed's Python workflow, as the benchmark's baseline for apply/destroy throughput.

Run with the Python of `.cache/venv-sdk-b3` (the official `azure-ai-projects` 2.0.0b3, the SDK the
seed names). It does what the seed does, once per version: one `AIProjectClient`, then sequential
`client.agents.create_version(...)` calls with an `ImageBasedHostedAgentDefinition` (and
`delete_version` for the destroy half). The only departure from the seed is the credential:
`ManagedIdentityCredential` instead of `DefaultAzureCredential`, because the emulator plays the
App Service managed-identity endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER) and the default chain
would resolve to that same credential anyway; the provider side of the benchmark authenticates
the same way (`auth_method = "managed_identity"`).

Usage:
  python seed_workflow.py create --count N --out created.json
  python seed_workflow.py delete --input created.json

Environment: AZURE_AI_PROJECT_ENDPOINT, IDENTITY_ENDPOINT, IDENTITY_HEADER and REQUESTS_CA_BUNDLE
(the emulator's certificate; azure-core refuses to send a bearer token over plain http).
Prints one JSON line on stdout: {"op", "count", "loop_seconds"}.
"""

import argparse
import json
import os
import sys
import time

from azure.ai.projects import AIProjectClient
from azure.ai.projects.models import (
    AgentProtocol,
    ImageBasedHostedAgentDefinition,
    ProtocolVersionRecord,
)
from azure.identity import ManagedIdentityCredential

# The same definitions the Terraform side declares (benches/bench.py `version_spec`): keep in sync.
AGENTS = 10


def version_spec(i):
    return {
        "agent_name": f"bench-{i % AGENTS}",
        "image": f"benchregistry.azurecr.io/bench/agent:1.0.{i}",
        "cpu": "1",
        "memory": "2Gi",
        "environment_variables": {"MODEL_NAME": "gpt-4o-mini", "INDEX": str(i)},
    }


def make_client():
    return AIProjectClient(
        endpoint=os.environ["AZURE_AI_PROJECT_ENDPOINT"],
        credential=ManagedIdentityCredential(),
    )


def create(count, out_path):
    client = make_client()
    created = []
    start = time.perf_counter()
    for i in range(count):
        spec = version_spec(i)
        agent = client.agents.create_version(
            agent_name=spec["agent_name"],
            definition=ImageBasedHostedAgentDefinition(
                container_protocol_versions=[
                    ProtocolVersionRecord(protocol=AgentProtocol.RESPONSES, version="v1")
                ],
                cpu=spec["cpu"],
                memory=spec["memory"],
                image=spec["image"],
                environment_variables=spec["environment_variables"],
            ),
        )
        created.append({"agent_name": agent.name, "version": agent.version})
    elapsed = time.perf_counter() - start
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(created, f)
    return elapsed


def delete(in_path):
    with open(in_path, encoding="utf-8") as f:
        created = json.load(f)
    client = make_client()
    start = time.perf_counter()
    for item in created:
        client.agents.delete_version(agent_name=item["agent_name"], agent_version=item["version"])
    return time.perf_counter() - start, len(created)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="op", required=True)
    c = sub.add_parser("create")
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--out", required=True)
    d = sub.add_parser("delete")
    d.add_argument("--input", required=True)
    args = parser.parse_args()
    if args.op == "create":
        elapsed = create(args.count, args.out)
        count = args.count
    else:
        elapsed, count = delete(args.input)
    print(json.dumps({"op": args.op, "count": count, "loop_seconds": elapsed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
