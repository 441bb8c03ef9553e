"""Runs a command where no network traffic can leave the machine, with a resolver that
answers every name lookup "no such domain" (NXDOMAIN), as a real DNS server does for a name
that does not exist.

Usage (the namespaces come from util-linux `unshare`; root, or an unprivileged user namespace):

    unshare --net --mount -- python3 isolated_net.py QUERY_LOG -- COMMAND [ARG...]

Inside the fresh network namespace the only interface is loopback (checked, then brought up).
Inside the fresh mount namespace (private propagation, `unshare`'s default) /etc/resolv.conf is
replaced by one naming 127.0.0.1, where this script answers DNS over UDP, and
/etc/nsswitch.conf by one that asks only /etc/hosts and DNS (no systemd-resolved or mDNS
module that could reach a resolver outside the namespace); an nscd socket directory is hidden
for the same reason. Before running COMMAND the script checks that a lookup fails with
EAI_NONAME ("Name or service not known"), the error of a real unknown host, not EAI_AGAIN.
Every name asked is appended to QUERY_LOG. The exit status is COMMAND's (3 if the set-up
failed). Standard library only.
"""

import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
MS_BIND = 4096
PROBE = "probe.isolated-net.invalid"


def fail(message):
    print(f"isolated_net.py: {message}", file=sys.stderr, flush=True)
    sys.exit(3)


def loopback_only_and_up():
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        fail(f"not in a fresh network namespace: interfaces {names} (expected only lo)")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifr = struct.pack("16sH14s", b"lo", 0, b"")
    flags = struct.unpack("16sH14s", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))
    s.close()


def bind_mount(source, target):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source.encode(), target.encode(), None, MS_BIND, None) != 0:
        err = ctypes.get_errno()
        fail(f"cannot bind-mount {source} on {target}: {os.strerror(err)}")


def qname(packet):
    labels, i = [], 12
    while i < len(packet) and packet[i] != 0:
        n = packet[i]
        labels.append(packet[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels)


def serve_nxdomain(sock, log_path):
    while True:
        try:
            data, peer = sock.recvfrom(4096)
        except OSError:
            return
        if len(data) < 12:
            continue
        with open(log_path, "a") as log:
            log.write(qname(data) + "\n")
        (flags,) = struct.unpack(">H", data[2:4])
        # QR=1, same opcode and RD, RA=1, RCODE=3 (NXDOMAIN); the question is echoed, no
        # answer, authority or additional records.
        reply_flags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
        header = data[:2] + struct.pack(">HHHHH", reply_flags, 1, 0, 0, 0)
        end = 12
        while end < len(data) and data[end] != 0:
            end += 1 + data[end]
        question = data[12 : end + 5]
        sock.sendto(header + question, peer)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        fail("usage: isolated_net.py QUERY_LOG -- COMMAND [ARG...]")
    log_path, command = sys.argv[1], sys.argv[3:]

    loopback_only_and_up()
    scratch = tempfile.mkdtemp(prefix="isolated-net-")
    resolv = os.path.join(scratch, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 127.0.0.1\noptions attempts:1 timeout:2\n")
    nsswitch = os.path.join(scratch, "nsswitch.conf")
    with open(nsswitch, "w") as f:
        f.write("hosts: files dns\n")
    bind_mount(resolv, "/etc/resolv.conf")
    if os.path.exists("/etc/nsswitch.conf"):
        bind_mount(nsswitch, "/etc/nsswitch.conf")
    for nscd in ("/var/run/nscd", "/run/nscd"):
        if os.path.isdir(nscd):
            empty = tempfile.mkdtemp(prefix="nscd-", dir=scratch)
            bind_mount(empty, nscd)

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    threading.Thread(target=serve_nxdomain, args=(sock, log_path), daemon=True).start()

    try:
        socket.getaddrinfo(PROBE, 443)
        fail(f"{PROBE} resolved; the resolver is not the isolated one")
    except socket.gaierror as e:
        if e.errno != socket.EAI_NONAME:
            fail(f"a lookup of {PROBE} failed with {e!r}, not EAI_NONAME")

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LOCALDOMAIN", "RES_OPTIONS", "HOSTALIASES")
    }
    try:
        code = subprocess.call(command, env=env)
    except OSError as e:
        fail(f"cannot run {command[0]}: {e}")
    sys.exit(code)


if __name__ == "__main__":
    main()
