#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz corpora (fuzz/corpus/<target>/seed-*).

Seeds are valid and nearly-valid inputs from real traffic shapes, so both libFuzzer and the
corpus replay in tests/reliability_fuzz_corpus.rs start from the interesting parts of the
input space. Files libFuzzer finds later are added beside them under their hash names.
Run from the repo root: python3 fuzz/make_seeds.py (standard library only).
"""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


class Unknown:
    """Terraform's unknown value: msgpack extension type 0."""


def mp(v):
    """A minimal msgpack encoder for the shapes Terraform sends."""
    if v is None:
        return b"\xc0"
    if isinstance(v, Unknown):
        return b"\xd4\x00\x00"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        if len(b) < 256:
            return b"\xd9" + bytes([len(b)]) + b
        return b"\xda" + struct.pack(">H", len(b)) + b
    if isinstance(v, (list, tuple)):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b"\xdc" + struct.pack(">H", len(v))
        return head + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0x80 | len(v)]) if len(v) < 16 else b"\xde" + struct.pack(">H", len(v))
        return head + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# value_decoder: first byte selects the type (see decoder_types() in fuzz/src/lib.rs: 0 string,
# 1 number, 2 bool, 3 dynamic, 4 list(string), 5 set(number), 6 map(dynamic), 7 tuple,
# 8 object, 9 set(object), 10 the resource block, 11 the provider block).
RESOURCE = {
    "id": None, "agent_name": "orders-bot", "image": "myacr.azurecr.io/orders:1.0", "cpu": "1",
    "memory": "2Gi", "description": "Orders \u00e9\u00e8 \U0001F600", "metadata": {"team": "a"},
    "environment_variables": {"LOG_LEVEL": "debug"}, "force_delete": False, "version": Unknown(),
    "status": Unknown(), "created_at": Unknown(), "instance_identity_principal_id": Unknown(),
    "instance_identity_client_id": Unknown(),
    "container_protocol_version": [{"protocol": "responses", "version": "1.0.0"}],
    "tool": [{"type": "mcp", "server_label": "gh", "server_url": "https://mcp.example.com",
              "allowed_tools": ["a", "b"], "require_approval": "never", "headers": {"x": "y"},
              "vector_store_ids": None, "max_num_results": 5, "project_connection_id": None}],
    "timeouts": {"create": "30m", "read": None, "delete": "1h"},
}
PROVIDER = {"endpoint": "http://127.0.0.1:1/api/projects/p", "api_version": "v1", "auth_method": None,
            "tenant_id": None, "client_id": None, "client_secret": "s3cr3t", "foundry_features": None}
write("value_decoder", "string", b"\x00" + mp("hello"))
write("value_decoder", "number-int", b"\x01" + mp(-12345678901))
write("value_decoder", "number-float", b"\x01" + mp(1.5))
write("value_decoder", "number-decimal", b"\x01" + mp("123456789012345678901234567890.5"))
write("value_decoder", "bool", b"\x02" + mp(True))
write("value_decoder", "dynamic", b"\x03" + mp([json.dumps(["list", "string"]).encode().decode(), ["a", "b"]]))
write("value_decoder", "list-unknown", b"\x04" + mp(["a", Unknown(), None]))
write("value_decoder", "set", b"\x05" + mp([1, 2, 3]))
write("value_decoder", "map-dynamic", b"\x06" + mp({"k": [json.dumps("string"), "v"]}))
write("value_decoder", "tuple", b"\x07" + mp(["s", True, [json.dumps("number"), 3]]))
write("value_decoder", "object", b"\x08" + mp({"a": "x", "b": [1, 2], "c": [json.dumps("bool"), False]}))
write("value_decoder", "set-object", b"\x09" + mp([{"a": "x", "b": None, "c": None}]))
write("value_decoder", "resource-plan", b"\x0a" + mp(RESOURCE))
write("value_decoder", "resource-unknown", b"\x0a" + mp(Unknown()))
write("value_decoder", "provider-config", b"\x0b" + mp(PROVIDER))
state = dict(RESOURCE, version="3", status="active", created_at="2026-01-01T00:00:00Z",
             instance_identity_principal_id=None, instance_identity_client_id=None, removed_attr=1)
write("value_decoder", "resource-state-json", b"\x0a" + json.dumps(state).encode())
write("value_decoder", "string-json", b"\x00" + json.dumps("x\u0000y").encode())
write("value_decoder", "truncated", (b"\x0a" + mp(RESOURCE))[:40])
write("value_decoder", "huge-array-header", b"\x04\xdd\xff\xff\xff\xff")
write("value_decoder", "deep", b"\x03" + b"\x92\xa7\"string\"" + b"\x91" * 200)

# quantity: a cpu or memory spelling; "cpu|memory" pairs them.
for i, s in enumerate(["1", "0.5", "4", "1.0", "500m", "0.001", "2Gi", "2048Mi", "1.5Gi", "0.25Gi",
                       "1|2Gi", "0.5|1Gi", "4|8Gi", "99999999999999999999", "1e3", "-1", "+1",
                       "1.", ".5", "１", "2GI", "2 Gi", "0x10", "18446744073709551615m|18446744073709551615Gi",
                       "0.0000001", "NaN", "", "m", "Gi"]):
    write("quantity", f"{i:02}", s)

# api_response: bodies the service (or a proxy in front of it) may send.
GEN_B = {"object": "agent.version", "id": "bot:3", "name": "bot", "version": "3", "description": "d",
         "metadata": {"terraform-creation-token": "ab" * 32, "team": "a"}, "created_at": 1767225600,
         "status": "active", "instance_identity": {"principal_id": "p", "client_id": "c"},
         "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                        "container_configuration": {"image": "acr.azurecr.io/bot:v1"},
                        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
                        "environment_variables": {"A": "b"}}}
GEN_A = {"object": "agent.version", "id": "bot:1", "name": "bot", "version": "1", "metadata": {},
         "created_at": 1767225600,
         "definition": {"kind": "hosted", "cpu": "0.5", "memory": "1Gi", "image": "acr.azurecr.io/bot:v1",
                        "container_protocol_versions": [{"protocol": "responses", "version": "v1"}],
                        "tools": [{"type": "code_interpreter"}, {"type": "file_search", "vector_store_ids": ["vs"]}]}}
FAILED = dict(GEN_B, status="failed", error={"code": "ImageError", "message": "pull failed"})
write("api_response", "gen-b", json.dumps(GEN_B))
write("api_response", "gen-a", json.dumps(GEN_A))
write("api_response", "failed", json.dumps(FAILED))
write("api_response", "unknown-status", json.dumps(dict(GEN_B, status="hibernating")))
write("api_response", "page", json.dumps({"object": "list", "data": [GEN_B, GEN_A], "first_id": "3",
                                           "last_id": "1", "has_more": False}))
write("api_response", "agent", json.dumps({"object": "agent", "id": "bot", "name": "bot",
                                            "versions": {"latest": GEN_B}}))
write("api_response", "truncated", json.dumps(GEN_B)[:57])
write("api_response", "html", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
write("api_response", "empty", "")
write("api_response", "null-fields", json.dumps(dict(GEN_B, metadata=None, description=None, status=None)))
write("api_response", "wrong-types", json.dumps(dict(GEN_B, created_at="yesterday", version=3)))
write("api_response", "number-cpu", json.dumps(dict(GEN_B, definition=dict(GEN_B["definition"], cpu=1.5))))
write("api_response", "huge-created-at", json.dumps(dict(GEN_B, created_at=2**62)))
write("api_response", "error-envelope", json.dumps({"error": {"code": "not_found", "message": "no"}}))
write("api_response", "unicode", json.dumps(dict(GEN_B, name="b\u00f6t\U0001F916", description="\u202e\u0000")))
