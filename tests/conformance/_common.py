"""Helpers shared by the SDK conformance scripts (standard library only).

The scripts run the official azure-ai-projects SDK, unchanged, against azureai-emulator: only the
endpoint (AZURE_AI_PROJECT_ENDPOINT), the credential (ManagedIdentityCredential via
IDENTITY_ENDPOINT/IDENTITY_HEADER) and the trusted certificate (REQUESTS_CA_BUNDLE) point at it.
"""

import json
import os
import ssl
import sys
import urllib.request


def check(condition, message):
    """Fails the script with a readable message; the Rust test shows stderr."""
    if not condition:
        print(f"CONFORMANCE FAILURE: {message}", file=sys.stderr)
        sys.exit(1)


def endpoint():
    value = os.environ["AZURE_AI_PROJECT_ENDPOINT"]
    check(value.startswith("https://"), f"the SDK needs the emulator's TLS mode, got {value}")
    return value


def control(path, body=None):
    """Calls the emulator's /_emulator/ test-control API (not part of the service)."""
    base = endpoint().split("/api/projects/")[0]
    ctx = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{base}/_emulator/{path}",
        data=data,
        method="GET" if body is None else "POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
        text = resp.read().decode()
        return json.loads(text) if text else None
