"""Settings, read once from `NEWSDESK_*` environment variables (and `.env`) at start-up."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_consumer_name() -> str:
    # Unique per process, so two replicas on one host never share a pending list.
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Settings(BaseSettings):
    """Every knob newsdesk has; deploy/.env.example documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=".env", extra="ignore", frozen=True
    )

    redis_url: str | None = Field(
        default=None, description="Redis to use; unset = start an embedded one under data_dir."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset = SQLite under data_dir."
    )
    data_dir: Path = Field(default=Path("data"), description="Embedded Redis and SQLite live here.")
    consumer_name: str = Field(default_factory=_default_consumer_name)

    claim_idle_ms: int = Field(
        default=60_000, description="Entries pending this long are claimed by a live consumer."
    )
    poll_interval_ms: int = Field(default=100, description="Blocking read timeout per poll.")
    read_count: int = Field(
        default=1, ge=1, description="Entries a consumer takes per read; small, so replicas share."
    )
    sink_batch_size: int = Field(
        default=64,
        ge=1,
        description="Entries the store and the notifier read at once; each batch is written "
        "in one transaction and acknowledged with one XACK.",
    )
    sink_linger_ms: int = Field(
        default=1000,
        ge=0,
        description="After a batch smaller than sink_batch_size, how long the store and the "
        "notifier wait for more (and the notifier for deliveries to send together): a little "
        "latency for far fewer transactions.",
    )
    max_deliveries: int = Field(
        default=5, description="An entry delivered more often than this is dead-lettered."
    )
    retry_attempts: int = Field(default=4, description="Retries of a transient error in place.")
    retry_base_s: float = 0.5
    retry_max_s: float = 8.0
    stream_maxlen: int = Field(
        default=100_000, description="Approximate cap per stream (MAXLEN ~)."
    )
    stream_retention: dict[str, str] = Field(
        default_factory=dict,
        description="Per stream (full or short name): `maxlen:N` or `minid:AGE` such as `7d`, "
        'as JSON, e.g. {"dead-letter": "30d"}; streams not named keep stream_maxlen.',
    )
    retention_interval_s: float = Field(
        default=60.0, description="How often streams are trimmed to their retention."
    )

    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    webhook_urls: list[str] = Field(
        default_factory=list, description="Receive every story as JSON (the simplest channel)."
    )
    webhook_secret: SecretStr | None = None
    allow_private_urls: bool = Field(
        default=False, description="Allow fetching loopback/private addresses (tests, LANs)."
    )
    http_timeout_s: float = 20.0
    # Fetcher: politeness, limits and the polling schedule.
    fetch_user_agent: str = Field(
        default="newsdesk/0.1 (podcast and news feed reader)",
        description="Sent with every feed request; add a contact URL for publishers.",
    )
    fetch_body_cap_bytes: int = Field(
        default=15 * 1024 * 1024, description="Largest decoded feed body (stops gzip bombs)."
    )
    fetch_connect_timeout_s: float = 10.0
    fetch_read_timeout_s: float = 20.0
    fetch_total_timeout_s: float = Field(default=60.0, description="One poll, redirects included.")
    fetch_per_host: int = Field(default=2, description="Feed requests in flight to one host.")
    fetch_concurrency: int = Field(default=16, description="Feeds polled at once per process.")
    fetch_min_interval_s: float = Field(default=900.0, description="Never poll a feed sooner.")
    fetch_max_interval_s: float = Field(default=86_400.0, description="Never poll a feed later.")
    fetch_default_interval_s: float = 3_600.0
    fetch_failure_threshold: int = Field(
        default=3, description="Consecutive failures before a feed is failing (FeedFailing)."
    )
    fetch_backfill: int = Field(default=3, description="Episodes emitted when a feed is added.")
    fetch_schedule_every_s: float = Field(default=5.0, description="How often due feeds are found.")

    delivery_retry_schedule_s: list[float] = Field(
        default=[5, 300, 1800, 7200, 18000, 36000],
        description="Waits before each retry of a failed delivery; then it is given up.",
    )
    delivery_disable_after: int = Field(
        default=15, description="An endpoint failing this many attempts in a row is disabled."
    )
    delivery_poll_s: float = Field(default=2.0, description="How often the outbox is drained.")
    delivery_lease_s: float = Field(
        default=300.0, description="A claimed delivery another notifier may take after this."
    )
    slack_min_interval_s: float = Field(
        default=1.0,
        description="At least this long between two messages to one Slack webhook, across "
        "every notifier replica (they share the pacing through Redis).",
    )
    api_key: SecretStr | None = Field(
        default=None, description="Required by the API's write endpoints; unset = read-only API."
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible API root (OpenAI, Ollama, vLLM); unset = offline.",
    )
    llm_model: str | None = Field(default=None, description="Chat model for summaries and labels.")
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_usd_per_million_input: float = Field(default=0.0, description="For cost per story.")
    llm_usd_per_million_output: float = 0.0
    llm_fallback: bool = Field(
        default=True, description="Use the extractive summary when the endpoint fails."
    )
    llm_classify: bool = Field(
        default=True, description="Also ask the model for a story's section when configured."
    )

    taxonomy_file: Path | None = None
    entities_file: Path | None = None
    profiles_file: Path | None = None
    embeddings: bool = Field(default=True, description="Use sentence embeddings (MiniLM ONNX).")
    embeddings_low_memory: bool = Field(
        default=False,
        description="Dequantise the embedding model once, without prepacking: ~15 MB less per "
        "worker, ~25% more CPU per sentence.",
    )
    transcript_inline_max: int = Field(
        default=4 * 1024 * 1024, description="Transcripts above this travel as a blob."
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'newsdesk.db').resolve()}"
