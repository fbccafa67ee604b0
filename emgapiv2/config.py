"""The platform's one typed configuration object, read from ``STATS_...`` variables.

Imports nothing of this project, so settings, workflows and scripts can all load it
without cycles. Nested sections use ``__``: ``STATS_INGEST__SEGMENT_BYTES=1048576``.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_PREFIX = "STATS_"


class TaskRunnerKind(StrEnum):
    """Where the heavy log crunching runs."""

    THREADS = "threads"
    PROCESSES = "processes"
    DASK = "dask"
    DASK_SLURM = "dask-slurm"


class IngestSettings(BaseModel):
    """How log files are cut into segments and parsed."""

    segment_bytes: int = Field(
        # 30 MiB: under glibc's largest automatic mmap threshold (32 MiB), so each
        # segment's buffers reuse freed heap pages instead of being mapped and faulted in
        # afresh (measured: real logs 2.1M -> 2.7M lines/s, against 32 MiB segments).
        default=30 * 1024 * 1024,
        ge=4096,
        description="Size of one log segment (one transaction, one parse shard), in bytes.",
    )
    malformed_sample_size: int = Field(default=20, ge=0, le=1000)
    unknown_sample_size: int = Field(default=50, ge=0, le=10000)


class SlurmSettings(BaseModel):
    """Dask-on-Slurm workers for the ``dask-slurm`` task runner."""

    queue: str = "debug"
    cores: int = Field(default=1, ge=1)
    memory: str = "2GB"
    walltime: str = "01:00:00"
    workers: int = Field(default=2, ge=1)
    job_extra_directives: list[str] = Field(default_factory=list)


class WorkflowSettings(BaseModel):
    """Prefect flows: which runner parses shards, and their knobs."""

    task_runner: TaskRunnerKind = TaskRunnerKind.THREADS
    workers: int = Field(default=2, ge=1)
    manifest_confirm_threshold: int = Field(
        default=50,
        ge=0,
        description="A manifest update changing more packages than this waits for a curator.",
    )
    manifest_confirm_timeout: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="Seconds a manifest update waits for the curator's answer before failing.",
    )
    confirm_poll_seconds: int = Field(
        default=10,
        ge=1,
        description="How often a flow run outside a deployment checks for the curator's answer.",
    )
    slurm: SlurmSettings = Field(default_factory=SlurmSettings)


class ApiSettings(BaseModel):
    """Public API limits."""

    max_bulk_packages: int = Field(default=128, ge=1, le=1024)
    page_size: int = Field(default=100, ge=1, le=1000)
    cache_seconds: int = Field(default=3600, ge=0)
    front_cache: bool = Field(
        default=True,
        description="With Redis: replay cached public GET answers before Django handles "
        "the request (emgapiv2/front_cache.py).",
    )
    front_tokens_max_age: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="Seconds the front trusts its snapshot of registry generations without "
        "a change signal (a safety net: registry changes are signalled at once).",
    )


class TabFilesSettings(BaseModel):
    """Bioconductor-compatible .tab/.txt files under /packages/stats/."""

    default_registry: str = Field(
        default="bioconductor",
        description="Registry served at /packages/stats/; others at /r/<registry>/packages/stats/.",
    )


class CommunitySettings(BaseModel):
    """Community collectors: API tokens (never logged), API base URLs, patience."""

    github_token: SecretStr | None = Field(
        default=None, description="GitHub token; traffic needs push access to the repositories."
    )
    slack_token: SecretStr | None = None
    youtube_key: SecretStr | None = None
    twitter_bearer: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    slack_api_url: str = "https://slack.com/api"
    youtube_api_url: str = "https://www.googleapis.com/youtube/v3"
    twitter_api_url: str = "https://api.twitter.com/2"
    pipeline_names: list[str] = Field(
        default_factory=list,
        description="Repositories counted as pipelines; empty: read pipeline_names_url.",
    )
    pipeline_names_url: str = Field(
        default="",
        description="JSON like nf-core's pipeline_names.json ({'pipeline': [...]}); empty: none.",
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    per_page: int = Field(default=100, ge=1, le=100)
    retries: int = Field(
        default=4, ge=0, le=20, description="Retries of a 202 (statistics computing) or a 5xx."
    )
    backoff_seconds: float = Field(
        default=2.0, ge=0, description="First wait between retries; doubles each time."
    )
    max_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="A rate limit resetting sooner than this is waited out; later ones stop "
        "the run, which resumes on the next one.",
    )


class RateLimitSettings(BaseModel):
    """Requests per client address (anonymous) and per API token, in fixed windows.

    Counted in Django's cache (Redis when REDIS_URL is set, so all workers share the
    counts). Behind reverse proxies set ``proxy_count`` to how many of them append to
    X-Forwarded-For, or every client shares the proxy's address.
    """

    enabled: bool = True
    window_seconds: int = Field(default=60, ge=1, le=86400)
    per_address: int = Field(default=600, ge=1, description="Requests per window per address.")
    per_token: int = Field(default=3000, ge=1, description="Requests per window per API token.")
    proxy_count: int = Field(default=0, ge=0, le=10)
    path_prefixes: list[str] = Field(default_factory=lambda: ["/api/", "/graphql"])


class SecuritySettings(BaseModel):
    """HTTPS behind a proxy, HSTS, CORS and request sizes."""

    behind_tls_proxy: bool = Field(
        default=False,
        description="Trust X-Forwarded-Proto: https from the proxy (sets "
        "SECURE_PROXY_SSL_HEADER and secure cookies); HSTS is only sent on HTTPS.",
    )
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    hsts_include_subdomains: bool = False
    cors_path_prefix: str = Field(
        default="/api/v1/", description="Where any origin may GET (CORS); writes never."
    )
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Bodies of PUT/POST /api/v1/import/..."
    )
    import_path_prefix: str = "/api/v1/import/"


class StatsConfig(BaseSettings):
    """All settings of the platform; strict, and every value named by its variable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        # An empty variable counts as unset, so STATS_DATABASE_URL= never hides DATABASE_URL.
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    debug: bool = False
    data_dir: Path = BASE_DIR / "data"
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("STATS_DATABASE_URL", "DATABASE_URL"),
        description="sqlite:///path or postgresql://user@host:port/db; empty: SQLite in data_dir.",
    )
    redis_url: str = Field(
        default="",
        validation_alias=AliasChoices("STATS_REDIS_URL", "REDIS_URL"),
        description="redis://host:port/db; empty: local-memory cache.",
    )
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    client_hash_key: SecretStr | None = None
    client_hash_key_file: Path | None = None
    admin_password: SecretStr | None = Field(
        default=None, description="Password create_demo_admin gives the demo superuser."
    )
    admin_password_file: Path | None = None
    allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    time_zone: str = "UTC"
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    workflows: WorkflowSettings = Field(default_factory=WorkflowSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    tabfiles: TabFilesSettings = Field(default_factory=TabFilesSettings)
    ratelimit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    community: CommunitySettings = Field(default_factory=CommunitySettings)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgres://", "postgresql://")):
            raise ValueError("must start with sqlite://, postgres:// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    def resolved_secret(self, name: str) -> str:
        """A secret from its variable, else its ``_FILE``, else a file kept in data_dir."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return value.get_secret_value()
        path: Path | None = getattr(self, f"{name}_file")
        if path is not None:
            try:
                return path.read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}{name.upper()}_FILE: cannot read {path}: {exc}"
                ) from exc
        generated = self.data_dir / "secrets" / name
        if not generated.exists():
            generated.parent.mkdir(parents=True, exist_ok=True)
            generated.write_text(secrets.token_urlsafe(48))
            generated.chmod(0o600)
        return generated.read_text().strip()


class ConfigError(Exception):
    """A bad configuration value; the message names the variable."""


def _variable_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    # Aliased fields report their alias (STATS_DATABASE_URL): name both spellings once.
    head = parts[0].upper().removeprefix(ENV_PREFIX) if parts else ""
    if head in {"DATABASE_URL", "REDIS_URL"}:
        return f"{ENV_PREFIX}{head} / {head}"
    return ENV_PREFIX + "__".join(p.upper() for p in parts)


def load_config() -> StatsConfig:
    """Build the configuration, turning validation errors into one readable message."""
    try:
        return StatsConfig()
    except ValidationError as exc:
        lines = [f"{_variable_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
