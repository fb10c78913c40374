// Lab stand-in for the Podcast Digest frontend: one page that shows the
// build's version and the API origin baked in at build time.
"use strict";

const http = require("http");
const fs = require("fs");

const build = JSON.parse(fs.readFileSync(__dirname + "/build-info.json", "utf8"));
const port = Number(process.env.PORT || 3000);
const host = process.env.HOSTNAME || "0.0.0.0";

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// The client derives the WebSocket URL from the API origin by swapping the
// scheme, as the real frontend does.
const wsUrl = build.apiUrl.replace(/^http/, "ws");
const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="app-version" content="${escape(build.version)}">
<meta name="api-url" content="${escape(build.apiUrl)}">
<title>Podcast Digest</title>
</head>
<body>
<h1>Podcast Digest</h1>
<p>Version <span id="version">${escape(build.version)}</span></p>
<p>API <span id="api-url">${escape(build.apiUrl)}</span></p>
<script>window.__PODCAST_DIGEST__ = ${JSON.stringify({ version: build.version, apiUrl: build.apiUrl, wsUrl }).replace(/</g, "\\u003c")};</script>
</body>
</html>
`;

const server = http.createServer((req, res) => {
  const path = (req.url || "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" });
    return res.end();
  }
  if (path === "/") {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    return res.end(req.method === "HEAD" ? undefined : page);
  }
  if (path === "/build-info.json") {
    res.writeHead(200, { "Content-Type": "application/json" });
    return res.end(req.method === "HEAD" ? undefined : JSON.stringify(build));
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("Not found\n");
});

server.listen(port, host, () => {
  console.log(`podcast-digest frontend ${build.version} on ${host}:${port} (API ${build.apiUrl})`);
});

// Node as PID 1 has no default signal handling: stop promptly ourselves.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    console.log(`${signal}: shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
