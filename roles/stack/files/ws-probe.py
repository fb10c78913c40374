#!/usr/bin/env python3
"""Probe the backend's WebSocket through nginx: upgrade, ping, expect pong.

Standard library only (it runs on the target host with its system Python).
Usage: ws-probe.py HOST PORT SERVER_NAME PATH [--idle SECONDS] [--insecure]
Prints one JSON line; exits 0 only on 101 Switching Protocols and a "pong".
"""
import base64
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


def main(argv):
    host, port, server_name, path = argv[1], int(argv[2]), argv[3], argv[4]
    idle = float(argv[argv.index("--idle") + 1]) if "--idle" in argv else 0.0
    context = ssl.create_default_context()
    if "--insecure" in argv:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    result = {"path": path, "status": None, "reply": None, "idle": idle}
    raw = socket.create_connection((host, port), timeout=10 + idle)
    with context.wrap_socket(raw, server_hostname=server_name) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((
            f"GET {path} HTTP/1.1\r\nHost: {server_name}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
        status_line = response.split(b"\r\n", 1)[0].decode(errors="replace")
        result["status"] = int(status_line.split()[1]) if len(status_line.split()) > 1 else None
        if result["status"] == 101:
            time.sleep(idle)
            sock.sendall(frame("ping"))
            opcode, payload = read_frame(sock)
            result["reply"] = payload.decode(errors="replace") if opcode == 1 else f"opcode {opcode}"
    print(json.dumps(result))
    return 0 if result["status"] == 101 and result["reply"] == "pong" else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, IndexError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        sys.exit(1)
