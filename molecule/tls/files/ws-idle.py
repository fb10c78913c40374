#!/usr/bin/env python3
"""Open a WebSocket through nginx, stay idle, then ping: does it survive?

Runs on the controller with the project's venv (python `websockets`, which
answers the server's keepalive pings as a browser does), against nginx on
this machine's loopback. Usage: ws-idle.py PORT SERVER_NAME IDLE_SECONDS
Prints one JSON line; exits 0 only when "pong" comes back after the idle time.
"""
import asyncio
import json
import ssl
import sys
import time

import websockets


async def probe(port, server_name, idle):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    result = {"idle_requested": idle, "idle_seconds": None, "reply": None, "error": None}
    start = time.monotonic()
    try:
        async with websockets.connect(
                f"wss://127.0.0.1:{port}/api/v1/ws/status/idle-probe", ssl=context,
                server_hostname=server_name, ping_interval=None, open_timeout=10) as sock:
            await asyncio.sleep(idle)
            result["idle_seconds"] = round(time.monotonic() - start, 1)
            await sock.send("ping")
            result["reply"] = await asyncio.wait_for(sock.recv(), 10)
    except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["idle_seconds"] = round(time.monotonic() - start, 1)
    print(json.dumps(result))
    return 0 if result["reply"] == "pong" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(probe(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]))))
