"""Lab stand-in for the Podcast Digest backend (FastAPI under uvicorn).

It has the real backend's surface and its habits (APP-CONTRACT.md): settings
and secrets from the process environment only, task state in this process's
memory, audio files in OUTPUT_AUDIO_DIR encoded with ffmpeg, no Redis client.
Its one job, processing a video, fails with "No API key was provided" when
GOOGLE_API_KEY is not in its environment, as the real one does. /health gives
its status and version, nothing of its secrets or credentials (APP-CONTRACT.md
promises no more of the real one): the tests read the process's environment
instead (molecule/resources/files/backend-env.py).
"""

import asyncio
import json
import logging
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel

from src.settings import SECRET_NAMES, Settings
from src.version import BROKEN, VERSION

log = logging.getLogger("uvicorn.error")
settings = Settings()
API = settings.API_V1_STR.rstrip("/")
OUTPUT_AUDIO_DIR = Path(settings.OUTPUT_AUDIO_DIR)
INPUT_DIR = Path(settings.INPUT_DIR)
# Task state lives here, in this process, as in the real backend: a status
# poll or a WebSocket that reaches another process does not find the task.
TASKS: dict[str, dict] = {}
VIDEO_ID = re.compile(r"(?:youtube\.com/watch\?(?:.*&)?v=|youtu\.be/|youtube\.com/embed/)([A-Za-z0-9_-]{6,})")

app = FastAPI(title="Podcast Digest API (lab stand-in)", version=VERSION)
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


def credentials_state():
    path = settings.GOOGLE_APPLICATION_CREDENTIALS
    if not path:
        return "missing"
    try:
        with open(path, encoding="utf-8") as fh:
            json.load(fh)
        return "readable"
    except (OSError, ValueError):
        return "missing"


def can_call_google():
    """What the real backend's Google SDK needs: an API key, or Vertex AI
    settings with readable service-account credentials."""
    if settings.GOOGLE_API_KEY:
        return True
    return bool(settings.GOOGLE_GENAI_USE_VERTEXAI and settings.GOOGLE_CLOUD_PROJECT
                and credentials_state() == "readable")


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
    body = {
        "status": "unhealthy" if BROKEN else "healthy",
        "version": VERSION,
    }
    return JSONResponse(body, status_code=503 if BROKEN else 200)


@app.get(f"{API}/version")
def version():
    return {"version": VERSION}


@app.get(f"{API}/config")
def config():
    # Non-secret settings only; for secrets, whether they are set.
    return {
        "version": VERSION,
        "api_v1_str": API,
        "debug": settings.DEBUG,
        "log_level": settings.LOG_LEVEL,
        "output_audio_dir": str(OUTPUT_AUDIO_DIR),
        "input_dir": str(INPUT_DIR),
        "default_summary_length": settings.DEFAULT_SUMMARY_LENGTH,
        "default_audio_style": settings.DEFAULT_AUDIO_STYLE,
        "default_tts_voice": settings.DEFAULT_TTS_VOICE,
        "cors_allowed_origins": settings.cors_origins,
        "frontend_url": settings.FRONTEND_URL,
        "google_genai_use_vertexai": settings.GOOGLE_GENAI_USE_VERTEXAI,
        "google_cloud_project": settings.GOOGLE_CLOUD_PROJECT or "",
        "google_cloud_location": settings.GOOGLE_CLOUD_LOCATION or "",
        "google_application_credentials": settings.GOOGLE_APPLICATION_CREDENTIALS or "",
        "proxy_enabled": settings.PROXY_ENABLED,
        "proxy_type": settings.PROXY_TYPE,
        "secrets_configured": {name: bool(getattr(settings, name)) for name in SECRET_NAMES},
    }


class ProcessUrlRequest(BaseModel):
    youtube_url: str


def now():
    return datetime.now(timezone.utc).isoformat()


async def encode_digest(task_id: str, video_id: str) -> Path:
    """One second of tone as MP3, encoded by ffmpeg as the real pipeline's
    audio step does: proves the image's ffmpeg works under a read-only root."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise RuntimeError("ffmpeg was not found on PATH")
    target = OUTPUT_AUDIO_DIR / f"digest-{video_id}-{task_id[:8]}.mp3"
    proc = await asyncio.create_subprocess_exec(
        ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
        "-i", "sine=frequency=440:duration=1", "-codec:a", "libmp3lame", "-q:a", "9", str(target),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace').strip()}")
    return target


async def run_pipeline(task_id: str, video_id: str):
    task = TASKS[task_id]
    task["processing_status"].update(status="processing", progress=5)
    try:
        if not can_call_google():
            # What google-genai raises when the process has no key.
            raise ValueError("No API key was provided. Set GOOGLE_API_KEY, or Vertex AI settings.")
        await asyncio.sleep(0.2)
        target = await encode_digest(task_id, video_id)
        task["audio_file_url"] = f"{API}/audio/{quote(target.name)}"
        task["processing_status"].update(status="completed", progress=100, end_time=now())
    except Exception as exc:  # the real runner records any failure on the task
        log.error("task %s failed: %s", task_id, exc)
        task["error_message"] = str(exc)
        task["processing_status"].update(status="failed", end_time=now())


@app.post(f"{API}/process_youtube_url", status_code=202)
async def process_youtube_url(request: ProcessUrlRequest):
    match = VIDEO_ID.search(request.youtube_url)
    if not match:
        raise HTTPException(status_code=422, detail="Could not extract a video ID from the URL")
    task_id = str(uuid.uuid4())
    TASKS[task_id] = {
        "task_id": task_id,
        "processing_status": {"status": "queued", "progress": 0, "start_time": now(), "end_time": None},
        "error_message": None,
        "audio_file_url": None,
    }
    asyncio.create_task(run_pipeline(task_id, match.group(1)))
    return {"task_id": task_id, "status": "queued"}


@app.get(f"{API}/status/{{task_id}}")
def status(task_id: str):
    task = TASKS.get(task_id)
    if task is None:
        raise HTTPException(status_code=404, detail="Task not found")
    return task


@app.get(f"{API}/history")
def history(limit: int = 10, offset: int = 0):
    done = [t for t in TASKS.values() if t["processing_status"]["status"] == "completed"]
    done.sort(key=lambda t: t["processing_status"]["end_time"] or "", reverse=True)
    return {"tasks": done[offset:offset + limit], "total_tasks": len(done), "limit": limit, "offset": offset}


@app.get(f"{API}/audio/{{filename}}")
def audio(filename: str):
    # Plain names only: nothing outside OUTPUT_AUDIO_DIR can be served.
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise HTTPException(status_code=404, detail="Audio file not found")
    path = OUTPUT_AUDIO_DIR / filename
    if not path.is_file():
        raise HTTPException(status_code=404, detail="Audio file not found")
    # Starlette's FileResponse answers Range requests (206 + Content-Range).
    return FileResponse(path)


@app.websocket(f"{API}/ws/status/{{task_id}}")
async def ws_status(websocket: WebSocket, task_id: str):
    await websocket.accept()
    task = TASKS.get(task_id)
    if task is not None:
        await websocket.send_json(task)
    try:
        while True:
            message = await websocket.receive_text()
            if message == "ping":
                await websocket.send_text("pong")
    except WebSocketDisconnect:
        pass
