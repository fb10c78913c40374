#!/usr/bin/env python3
"""The stack's health gate: ask nginx for what a user would see, in one run.

Standard library only (it runs on the target host with its system Python),
so the whole gate is one round trip from the controller. Each probe goes to
nginx over HTTPS (SNI and Host: SERVER_NAME):
  --http SERVICE PATH EXPECT   GET PATH, expect 200 and EXPECT in the body
  --ws SERVICE PATH            WebSocket upgrade (101), send "ping", expect "pong"
The probes are asked again, every DELAY seconds, until all pass or ATTEMPTS
rounds have failed (a container may still be starting).

Usage: gate.py HOST PORT SERVER_NAME [--insecure] [--attempts N] [--delay S]
               (--http SERVICE PATH EXPECT | --ws SERVICE PATH)...
Prints one JSON object: ok, rounds, seconds, and per probe its service,
path, status and what went wrong; exits 0 only when every probe passed.
"""
import base64
import http.client
import json
import os
import socket
import ssl
import sys
import time


def frame(text):
    """A masked client text frame (RFC 6455, payload < 126 bytes)."""
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed by peer")
        data += chunk
    return data


def read_frame(sock):
    head = read_exact(sock, 2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(read_exact(sock, 2), "big")
    elif length == 127:
        length = int.from_bytes(read_exact(sock, 8), "big")
    return head[0] & 0x0F, read_exact(sock, length)


def connect(target):
    raw = socket.create_connection((target["host"], target["port"]), timeout=10)
    return target["context"].wrap_socket(raw, server_hostname=target["server_name"])


def probe_http(target, probe):
    conn = http.client.HTTPConnection(target["server_name"], timeout=10)
    conn.sock = connect(target)
    try:
        conn.request("GET", probe["path"], headers={"Host": target["server_name"]})
        response = conn.getresponse()
        body = response.read(1 << 20).decode(errors="replace")
    finally:
        conn.close()
    probe["status"] = response.status
    if response.status != 200:
        return f"status {response.status}"
    if probe["expect"] not in body:
        return f"{probe['expect']!r} not in the answer"
    return None


def probe_ws(target, probe):
    with connect(target) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((
            f"GET {probe['path']} HTTP/1.1\r\nHost: {target['server_name']}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
        status_line = response.split(b"\r\n", 1)[0].decode(errors="replace").split()
        probe["status"] = int(status_line[1]) if len(status_line) > 1 else None
        if probe["status"] != 101:
            return f"status {probe['status']}"
        sock.sendall(frame("ping"))
        opcode, payload = read_frame(sock)
        probe["reply"] = payload.decode(errors="replace") if opcode == 1 else f"opcode {opcode}"
        return None if probe["reply"] == "pong" else f"reply {probe['reply']!r}"


def parse(argv):
    target = {"host": argv[1], "port": int(argv[2]), "server_name": argv[3]}
    attempts, delay, insecure, probes = 1, 3.0, False, []
    rest = argv[4:]
    while rest:
        option = rest.pop(0)
        if option == "--insecure":
            insecure = True
        elif option == "--attempts":
            attempts = max(1, int(rest.pop(0)))
        elif option == "--delay":
            delay = float(rest.pop(0))
        elif option == "--http":
            probes.append({"kind": "http", "service": rest.pop(0), "path": rest.pop(0), "expect": rest.pop(0)})
        elif option == "--ws":
            probes.append({"kind": "ws", "service": rest.pop(0), "path": rest.pop(0)})
        else:
            raise ValueError(f"unknown option {option}")
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    target["context"] = context
    return target, attempts, delay, probes


def main(argv):
    target, attempts, delay, probes = parse(argv)
    start = time.monotonic()
    rounds = 0
    pending = probes
    while pending and rounds < attempts:
        if rounds:
            time.sleep(delay)
        rounds += 1
        for probe in pending:
            try:
                probe["error"] = (probe_http if probe["kind"] == "http" else probe_ws)(target, probe)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                probe["error"] = f"{type(exc).__name__}: {exc}"
        pending = [p for p in probes if p["error"]]
    result = {"ok": not pending, "rounds": rounds, "seconds": round(time.monotonic() - start, 2),
              "probes": probes, "failed": [p["service"] for p in pending]}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (IndexError, ValueError) as exc:
        print(json.dumps({"ok": False, "error": f"usage: {exc}", "probes": [], "failed": []}))
        sys.exit(2)
