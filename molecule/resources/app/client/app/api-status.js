"use client";

import { useEffect, useState } from "react";
import { API_URL, WS_URL } from "./api";

// What the browser gets from the API at the origin baked in at build time:
// the backend's configuration over HTTPS, and pong for ping over a WebSocket.
export default function ApiStatus() {
  const [backend, setBackend] = useState("pending");
  const [socket, setSocket] = useState("pending");

  useEffect(() => {
    fetch(`${API_URL}/api/v1/config`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((config) => setBackend(`ok ${config.version}`))
      .catch((error) => setBackend(`failed: ${error.message}`));
    const ws = new WebSocket(`${WS_URL}/api/v1/ws/status/page`);
    ws.onopen = () => ws.send("ping");
    ws.onmessage = (event) => {
      if (event.data === "pong") {
        setSocket("pong");
        ws.close();
      }
    };
    ws.onerror = () => setSocket("failed");
    return () => ws.close();
  }, []);

  return (
    <section>
      <p>
        API <span id="api-url">{API_URL}</span>
      </p>
      <p>
        Backend <span id="backend">{backend}</span>
      </p>
      <p>
        WebSocket <span id="websocket">{socket}</span>
      </p>
    </section>
  );
}
