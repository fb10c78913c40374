#!/usr/bin/env python3
"""Load a page in headless Chromium in real time and print its DOM once a
JavaScript condition holds (Chrome DevTools Protocol over a local port).

  browse URL JS_CONDITION [CHROMIUM_FLAG...]

Exit 0 with the DOM on stdout when the condition became true; exit 1 with
the DOM as it was when 30 s passed without it.
"""
import asyncio
import json
import subprocess
import sys
import time
import urllib.request

import websockets

PORT = 9222
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--remote-debugging-port={PORT}", "--user-data-dir=/tmp/profile"]


def debugger_url(deadline):
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json/list", timeout=2) as answer:
                pages = [t for t in json.load(answer) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("chromium's debugging port did not answer")


async def browse(url, condition, deadline):
    async with websockets.connect(debugger_url(deadline), max_size=None) as cdp:
        ids = iter(range(1, 1_000_000))

        async def call(method, **params):
            ident = next(ids)
            await cdp.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                message = json.loads(await cdp.recv())
                if message.get("id") == ident:
                    return message.get("result", {})

        async def evaluate(expression):
            result = await call("Runtime.evaluate", expression=expression, returnByValue=True)
            return result.get("result", {}).get("value")

        await call("Page.enable")
        await call("Page.navigate", url=url)
        met = False
        while time.time() < deadline:
            try:
                met = bool(await evaluate(f"Boolean({condition})"))
            except Exception:  # the page may be between documents
                met = False
            if met:
                break
            await asyncio.sleep(0.25)
        print(await evaluate("document.documentElement.outerHTML"))
        return met


def main():
    url, condition, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    chromium = subprocess.Popen(["chromium", *FLAGS, *extra, "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        met = asyncio.run(browse(url, condition, time.time() + 30))
    finally:
        chromium.terminate()
        chromium.wait(timeout=10)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
