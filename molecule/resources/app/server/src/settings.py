"""Settings, read the way the real backend reads them: pydantic-settings from
the process environment, and nothing else. Like the real app, it never looks
at /run/secrets: a secret the deployment leaves only in a file is a secret
this app does not have."""

from pydantic_settings import BaseSettings, SettingsConfigDict

# The secrets the real backend reads from its environment.
SECRET_NAMES = (
    "GOOGLE_API_KEY",
    "WEBSHARE_API_TOKEN",
    "WEBSHARE_PROXY_USERNAME",
    "WEBSHARE_PROXY_PASSWORD",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    DEBUG: bool = False
    LOG_LEVEL: str = "INFO"
    API_V1_STR: str = "/api/v1"
    OUTPUT_AUDIO_DIR: str = "output_audio"
    INPUT_DIR: str = "input"
    FRONTEND_URL: str = "http://localhost:3000"
    CORS_ALLOWED_ORIGINS: str = "http://localhost:3000;http://localhost:3001"
    GOOGLE_APPLICATION_CREDENTIALS: str | None = None
    GOOGLE_GENAI_USE_VERTEXAI: bool = False
    GOOGLE_CLOUD_PROJECT: str | None = None
    GOOGLE_CLOUD_LOCATION: str | None = None
    DEFAULT_SUMMARY_LENGTH: str = "medium"
    DEFAULT_AUDIO_STYLE: str = "neutral"
    DEFAULT_TTS_VOICE: str = "en-US-Neural2-J"
    PROXY_ENABLED: bool = False
    PROXY_TYPE: str = "none"
    GOOGLE_API_KEY: str | None = None
    WEBSHARE_API_TOKEN: str | None = None
    WEBSHARE_PROXY_USERNAME: str | None = None
    WEBSHARE_PROXY_PASSWORD: str | None = None

    @property
    def cors_origins(self) -> list[str]:
        raw = self.CORS_ALLOWED_ORIGINS.replace(",", ";")
        return [origin.strip() for origin in raw.split(";") if origin.strip()]
