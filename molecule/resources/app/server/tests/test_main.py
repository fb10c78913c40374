"""The stand-in's own tests, run in containers by the test environment."""

from fastapi.testclient import TestClient

from src.main import app
from src.version import BROKEN

client = TestClient(app)


def test_health_answers_healthy():
    response = client.get("/health")
    assert response.status_code == 200, "a broken build must fail this test"
    assert response.json()["status"] == "healthy"
    assert not BROKEN


def test_config_names_no_secret_value():
    body = client.get("/api/v1/config").json()
    assert body["api_v1_str"] == "/api/v1"
    assert set(body["secrets_configured"]) >= {"GOOGLE_API_KEY"}


def test_websocket_answers_ping_with_pong():
    with client.websocket_connect("/api/v1/ws/status/test") as ws:
        ws.send_text("ping")
        assert ws.receive_text() == "pong"


def test_unknown_task_is_404():
    assert client.get("/api/v1/status/no-such-task").status_code == 404
