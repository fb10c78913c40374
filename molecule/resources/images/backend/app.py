"""Lab stand-in for the Podcast Digest backend.

Implements the surface the deployment depends on (see APP-CONTRACT.md):
health, settings, WebSocket ping/pong, audio files with Range, history.
Secret values never leave the process: /health reports a short SHA-256
fingerprint of each, so a test can prove a rotated secret is in effect.
"""

import hashlib
import json
import logging
import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse

log = logging.getLogger("uvicorn.error")

# Baked in at build time (see the Dockerfile), not read from the environment.
BUILD = json.loads(Path(__file__).with_name("build-info.json").read_text())
VERSION = BUILD["version"]
BROKEN = bool(BUILD.get("broken"))

API_V1_STR = os.environ.get("API_V1_STR", "/api/v1").rstrip("/")
OUTPUT_AUDIO_DIR = Path(os.environ.get("OUTPUT_AUDIO_DIR", "/app/output_audio"))
INPUT_DIR = Path(os.environ.get("INPUT_DIR", "/app/input"))
SECRET_NAMES = (
    "GOOGLE_API_KEY",
    "WEBSHARE_API_TOKEN",
    "WEBSHARE_PROXY_USERNAME",
    "WEBSHARE_PROXY_PASSWORD",
    "REDIS_PASSWORD",
)
DEFAULT_CORS = "http://localhost:3000;http://127.0.0.1:3000"


def env_bool(name, default="false"):
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def cors_origins():
    raw = os.environ.get("CORS_ALLOWED_ORIGINS", DEFAULT_CORS)
    return [o.strip() for o in raw.split(";") if o.strip()]


def redis_url():
    """REDIS_URL with the password from the redis_password secret put in.

    The secret file (exported as REDIS_PASSWORD by the entrypoint) fills a
    literal ${REDIS_PASSWORD} placeholder, or the password part of a URL that
    has none, so the password never has to be in the container's environment.
    """
    url = os.environ.get("REDIS_URL", "").strip()
    password = os.environ.get("REDIS_PASSWORD", "")
    if not url or not password:
        return url or None
    quoted = quote(password, safe="")
    if "${REDIS_PASSWORD}" in url:
        return url.replace("${REDIS_PASSWORD}", quoted)
    parts = urlsplit(url)
    if parts.password:
        return url
    hostport = parts.netloc.rpartition("@")[2]
    userinfo = f"{quote(parts.username, safe='')}:{quoted}" if parts.username else f":{quoted}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{hostport}"))


def redis_state():
    url = redis_url()
    if not url:
        return "not-configured", None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok", None
    except Exception as exc:  # any failure means "not usable", reported by type only
        return "unavailable", type(exc).__name__


def credentials_state():
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if not path:
        return "missing"
    try:
        with open(path, encoding="utf-8") as fh:
            json.load(fh)
        return "readable"
    except (OSError, ValueError):
        return "missing"


def fingerprint(value):
    return hashlib.sha256(value.encode()).hexdigest()[:12] if value else None


app = FastAPI(title="Podcast Digest API (lab stand-in)", version=VERSION)
app.add_middleware(
    CORSMiddleware,
    allow_origins=cors_origins(),
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.on_event("startup")
def startup():
    for path in (OUTPUT_AUDIO_DIR, INPUT_DIR):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("cannot create %s: %s", path, exc.strerror)
    log.info("podcast-digest backend %s%s", VERSION, " (BROKEN build)" if BROKEN else "")


@app.get("/health")
def health():
    state, error = redis_state()
    body = {
        "status": "unhealthy" if BROKEN else "healthy",
        "version": VERSION,
        "redis": state,
        "credentials": credentials_state(),
        "secrets": {name: fingerprint(os.environ.get(name, "")) for name in SECRET_NAMES},
    }
    if error:
        body["redis_error"] = error
    return JSONResponse(body, status_code=503 if BROKEN else 200)


@app.get(f"{API_V1_STR}/version")
def version():
    return {"version": VERSION}


@app.get(f"{API_V1_STR}/config")
def config():
    # Non-secret settings only; for secrets, whether they are set.
    return {
        "version": VERSION,
        "api_v1_str": API_V1_STR,
        "debug": env_bool("DEBUG"),
        "log_level": os.environ.get("LOG_LEVEL", "INFO"),
        "output_audio_dir": str(OUTPUT_AUDIO_DIR),
        "input_dir": str(INPUT_DIR),
        "default_summary_length": os.environ.get("DEFAULT_SUMMARY_LENGTH", "medium"),
        "default_audio_style": os.environ.get("DEFAULT_AUDIO_STYLE", "informative"),
        "default_tts_voice": os.environ.get("DEFAULT_TTS_VOICE", "en-US-Neural2-J"),
        "cors_allowed_origins": cors_origins(),
        "frontend_url": os.environ.get("FRONTEND_URL", ""),
        "google_genai_use_vertexai": env_bool("GOOGLE_GENAI_USE_VERTEXAI"),
        "google_cloud_project": os.environ.get("GOOGLE_CLOUD_PROJECT", ""),
        "google_cloud_location": os.environ.get("GOOGLE_CLOUD_LOCATION", ""),
        "google_application_credentials": os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", ""),
        "proxy_enabled": env_bool("PROXY_ENABLED"),
        "proxy_type": os.environ.get("PROXY_TYPE", ""),
        "redis_configured": bool(os.environ.get("REDIS_URL")),
        "secrets_configured": {name: bool(os.environ.get(name)) for name in SECRET_NAMES},
    }


@app.get(f"{API_V1_STR}/history")
def history():
    try:
        files = [p for p in OUTPUT_AUDIO_DIR.iterdir() if p.is_file() and not p.name.startswith(".")]
    except OSError:
        return []
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [
        {
            "filename": p.name,
            "size": p.stat().st_size,
            "created_at": int(p.stat().st_mtime),
            "audio_url": f"{API_V1_STR}/audio/{quote(p.name)}",
        }
        for p in files
    ]


@app.get(f"{API_V1_STR}/audio/{{filename}}")
def audio(filename: str):
    # Plain names only: nothing outside OUTPUT_AUDIO_DIR can be served.
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise HTTPException(status_code=404, detail="Audio file not found")
    path = OUTPUT_AUDIO_DIR / filename
    if not path.is_file():
        raise HTTPException(status_code=404, detail="Audio file not found")
    # Starlette's FileResponse answers Range requests (206 + Content-Range).
    return FileResponse(path)


@app.websocket(f"{API_V1_STR}/ws/status/{{task_id}}")
async def ws_status(websocket: WebSocket, task_id: str):
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive_text()
            if message == "ping":
                await websocket.send_text("pong")
            else:
                await websocket.send_json({"task_id": task_id, "status": "unknown"})
    except WebSocketDisconnect:
        pass
