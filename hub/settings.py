"""Settings from `RONGHUB_*` environment variables: embedded defaults, production servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.reach.schedule import COLLECTION_SCHEDULE_S


class Settings(BaseSettings):
    """Every setting of the hub. See the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="RONGHUB_", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development",
        description="development enables GraphiQL, introspection, an open /metrics and the development token",
    )
    data_dir: Path = Field(Path(".ronghub"), description="where embedded backends keep data")
    host: str = Field("127.0.0.1", description="address the HTTP server binds")
    port: int = Field(8000, description="port the HTTP server binds")

    mongodb_uri: str | None = Field(
        None, description="MongoDB URI; unset starts the embedded store (nx-27017)"
    )
    mongodb_db: str = Field("ronghub", description="database name")
    store_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="how long a store call waits for the store (server selection, connecting) before it "
        "fails with STORE_UNAVAILABLE; a restarted embedded store is usually back within it",
    )
    store_restart_limit: int = Field(
        5,
        ge=1,
        description="failed restarts in a row of the embedded store before /healthz fails (503)",
    )
    store_restart_delay_seconds: float = Field(
        0.5,
        ge=0,
        description="wait before the first restart of a dead embedded store; doubles per failed restart",
    )
    store_restart_max_delay_seconds: float = Field(
        10.0, ge=0, description="longest wait between restarts of the embedded store"
    )
    store_stable_seconds: float = Field(
        60.0,
        ge=0,
        description="an embedded store up this long has its count of failed restarts cleared",
    )
    store_probe_seconds: float = Field(
        10.0,
        ge=0,
        description="how often the embedded store is pinged to find one that hangs while alive (0: never)",
    )
    store_probe_timeout_seconds: float = Field(
        10.0, gt=0, description="how long each ping of the embedded store may take"
    )
    store_probe_misses: int = Field(
        3,
        ge=1,
        description="unanswered pings in a row after which a hung embedded store is killed and restarted",
    )
    shutdown_grace_seconds: int = Field(
        5,
        ge=0,
        description="on SIGTERM/SIGINT, how long requests in flight may finish before they are cut off; "
        "the whole stop (background work, the embedded store) ends within this + 5 s",
    )
    http_keep_alive_seconds: int = Field(
        75,
        ge=1,
        description="how long the HTTP server keeps an idle connection open for the next request; longer than "
        "the clients' own pool expiry (httpx 5 s, nginx upstream 60 s), so a client never sends on a connection "
        "the server is closing (uvicorn's own 5 s equals httpx's and broke requests at random)",
    )

    meili_url: str | None = Field(
        None, description="Meilisearch URL; unset uses the embedded engine"
    )
    meili_key: str | None = Field(None, description="Meilisearch API key")
    meili_index: str = Field("stories", description="Meilisearch index holding the stories")

    s3_endpoint: str | None = Field(
        None, description="S3/MinIO endpoint; unset uses the filesystem"
    )
    s3_bucket: str = Field("ronghub", description="S3 bucket for media")
    s3_region: str = Field("us-east-1", description="S3 region")
    s3_access_key: str | None = Field(None, description="S3 access key id")
    s3_secret_key: str | None = Field(None, description="S3 secret access key")

    media_max_upload_bytes: int = Field(
        100_000_000, description="largest file in one upload request (bytes)"
    )
    media_max_resumable_bytes: int = Field(
        4_000_000_000, description="largest file through the resumable (parted) upload (bytes)"
    )
    media_max_part_bytes: int = Field(64_000_000, description="largest part of a resumable upload")
    media_max_image_pixels: int = Field(
        40_000_000,
        ge=1,
        description="largest picture (width x height) accepted and decoded: larger images (and "
        "videos with a larger frame) are refused at upload with IMAGE_TOO_LARGE; a decoded picture takes 4 bytes a pixel",
    )
    media_max_image_frames: int = Field(
        1_000,
        ge=1,
        description="most frames an animated GIF, PNG or WebP may have (IMAGE_TOO_MANY_FRAMES above)",
    )
    media_max_concurrent_decodes: int = Field(
        2,
        ge=1,
        description="pictures decoded at once per hub process (renditions, probing uploads); more wait",
    )
    media_url_key: str | None = Field(
        None,
        description="secret that signs media URLs (filesystem backend); unset keeps a "
        "generated key in the data folder",
    )
    media_url_ttl_seconds: int = Field(3_600, description="how long a signed media URL stays valid")
    media_url_bucket_seconds: int = Field(
        60,
        ge=1,
        description="signed media URL expiries (filesystem backend) are rounded up to a multiple "
        "of this, so links signed close together are identical and cacheable",
    )
    media_upload_abandon_seconds: int = Field(
        86_400,
        ge=1,
        description="a resumable or direct upload untouched this long expires: its received "
        "data is removed, and unfinished writes this old are aborted",
    )
    public_url: str | None = Field(
        None,
        description="the hub's public base URL for links it hands out; unset: http://host:port",
    )

    default_tenant: str = Field(
        "default", description="the center whose published stories anonymous readers see"
    )
    dev_token: str | None = Field(
        None,
        description="bearer token accepted for writes until real identity exists; "
        "in development it defaults to 'dev-token'",
    )

    metrics_token: str | None = Field(
        None,
        description="bearer token the Prometheus scraper sends to /metrics; required in production "
        "(unset there, /metrics refuses everyone), optional in development (unset: open)",
    )

    max_request_bytes: int = Field(2_000_000, description="largest HTTP request body")
    max_body_chars: int = Field(200_000, description="longest story body (characters)")
    graphql_max_depth: int = Field(10, description="deepest GraphQL selection")
    graphql_max_tokens: int = Field(2_000, description="most tokens in one GraphQL document")
    graphql_max_aliases: int = Field(30, description="most aliases in one GraphQL document")
    graphql_max_cost: int = Field(10_000, description="highest estimated cost of one operation")
    graphql_max_page: int = Field(100, description="largest `first` on a connection")
    graphql_max_introspection_depth: int = Field(
        20,
        description="deepest selection through `__schema`/`__type` (the standard introspection "
        "query of GraphiQL and code generators is 15 deep)",
    )
    graphql_max_repeats: int = Field(
        30,
        description="most times one field (response name) may be selected in one selection, fragments included",
    )
    graphql_document_cache_entries: int = Field(
        500, ge=0, description="parsed and checked GraphQL documents kept by their text (0: none)"
    )
    graphql_introspection: bool | None = Field(
        None, description="answer `__schema`/`__type` introspection; unset: only in development"
    )

    console_enabled: bool = Field(
        True,
        description="serve the newsroom console (融汇编辑台) at /console/ and accept its session cookie",
    )

    plugins: str | None = Field(
        None,
        description="comma list of channel and check plugins (entry-point names) to load; unset loads all (the built-in checks always load)",
    )
    outbound_allow_loopback: bool = Field(
        False,
        description="let transports call loopback addresses (tests with local platform fakes)",
    )
    # webhooks (hub/feeds/webhooks, hub/transports/outbound.py)
    outbound_allow_networks: list[str] = Field(
        default_factory=list,
        description="CIDR ranges outbound calls may reach although private (e.g. a partner's "
        "intranet); empty allows only public addresses",
    )
    webhook_timeout_s: float = Field(
        10.0, description="how long one webhook delivery attempt may take"
    )
    webhook_retry_schedule_s: list[float] = Field(
        default_factory=lambda: [0.0, 5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0],
        description="waits before each webhook delivery attempt (Standard Webhooks schedule); "
        "the endpoint is disabled when the last attempt fails",
    )
    webhook_retry_jitter: float = Field(
        0.1, description="random spread of each retry wait (fraction)"
    )
    webhook_poll_seconds: float = Field(
        5.0,
        description="how often a caught-up webhook endpoint looks for new items (story events wake it sooner)",
    )
    # identity: tokens, keys, sign-in (see hub/identity/)
    jwt_issuer: str = Field("ronghub", description="`iss` of access tokens")
    jwt_audience: str = Field("ronghub-api", description="`aud` of access tokens")
    access_token_seconds: int = Field(600, description="lifetime of an access token")
    refresh_token_seconds: int = Field(14 * 86_400, description="lifetime of a refresh token")
    key_encryption_secret: str | None = Field(
        None,
        description="secret that encrypts signing keys at rest; required in production, "
        "development falls back to a fixed, insecure value",
    )
    key_activation_seconds: int = Field(
        30,
        description="a rotated key is published this long before it signs, so every process knows it",
    )
    key_refresh_seconds: float = Field(
        2.0,
        description="how often a process re-reads keys, revocations and ended sessions: a sign-out, "
        "disable or grant change made in another process applies within this time",
    )
    audit_recovery_seconds: float = Field(
        30.0,
        description="an audited change (a story's, a review round's, a lock's, planning's...) whose writer died before "
        "appending its audit entry gets it appended about this long after the change",
    )
    feed_key_overlap_seconds: int = Field(
        86_400,
        description="after a partner signing key rotation, how long the old key keeps signing beside the new one",
    )
    feed_page_cache_bytes: int = Field(
        32 * 1024 * 1024,
        ge=0,
        description="rendered partner feed pages each API process keeps (bytes of bodies, least recently "
        "used first out): a page read again renders nothing, only its signature is new; 0: none",
    )
    token_rate_limit_ip: str = Field(
        "30/minute;300/hour",
        description="password and client_credentials requests to /oauth/token per client address "
        "(`limits` notation, e.g. `10/minute` or `5/30 seconds`, several joined by `;`); empty: no limit. "
        "Failed sign-ins per username or client_id are throttled by the RONGHUB_SIGNIN_* settings",
    )
    wenzheng_rate_limit_client: str = Field(
        "120/minute;5000/day",
        description="问政 questions one app client (OAuth client) may submit (`limits` notation); empty: no limit",
    )
    wenzheng_rate_limit_contact: str = Field(
        "5/hour;20/day",
        description="问政 questions per citizen contact (phone, else name), across clients (`limits` notation); empty: no limit",
    )
    wenzheng_clock_file: Path | None = Field(
        None,
        description="development and tests only (refused in production): a file holding the time 问政 "
        "deadlines, reminders and escalations run on (ISO 8601 with offset, or epoch ms); unset: the wall clock",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or CIDR ranges of reverse proxies whose X-Forwarded-For (client address) "
        'and X-Forwarded-Proto the hub believes, as JSON, e.g. ["10.0.0.0/8"]; empty: none, the '
        "connecting peer is the client",
    )
    signin_free_failures_per_address: int = Field(
        5,
        ge=1,
        description="failed sign-ins of one username (or client_id) from one client address before "
        "each further attempt from there must wait (1, 2, 4 … seconds, see RONGHUB_SIGNIN_DELAY_*)",
    )
    signin_free_failures_per_name: int = Field(
        100,
        ge=1,
        description="failed sign-ins of one username (or client_id) from all addresses together "
        "before attempts from addresses it has not signed in from recently must wait too",
    )
    signin_delay_base_seconds: float = Field(
        1.0,
        gt=0,
        description="the first delay after the free failures; each further failure doubles it",
    )
    signin_delay_max_seconds: float = Field(
        900.0, gt=0, description="the longest delay between sign-in attempts"
    )
    signin_forget_seconds: float = Field(
        86_400.0,
        gt=0,
        description="failed sign-ins older than this (counted from the last one) no longer count",
    )
    signin_known_address_seconds: float = Field(
        30 * 86_400.0,
        ge=0,
        description="after a successful sign-in, how long that address stays exempt from the "
        "per-username ceiling (someone guessing from elsewhere does not keep the user out)",
    )
    password_memory_kib: int = Field(
        65_536, description="argon2id memory cost of new password hashes"
    )
    password_time_cost: int = Field(3, description="argon2id passes of new password hashes")
    platform_tenant: str = Field(
        "platform", description="tenant id of the provincial platform itself"
    )
    demo_password: str = Field(
        "ronghub-demo", description="password of the demo users (`ronghub demo`)"
    )

    read_cache_entries: int = Field(2_048, description="cached anonymous GraphQL responses")
    read_cache_poll_seconds: float = Field(
        1.0,
        gt=0,
        description="how often a hub process re-reads the read-model generations, to see "
        "publications made by other processes (the API workers of one `ronghub serve` "
        "see each other's at once)",
    )
    read_model_cache_documents: int = Field(
        20_000,
        ge=0,
        description="published stories and their assets each API process keeps in memory for "
        "anonymous reads, with the order of the lists read (a page after a cursor then reads "
        "no store; 0: none)",
    )
    read_model_cache_bytes: int = Field(
        192 * 1024 * 1024,
        ge=1,
        description="at most about this many bytes of them (an estimate: 8 KiB for each "
        "document with what is built from it, plus its body's text); the oldest go first. "
        "Each API worker keeps its own. Below the lists' working set a column page after a "
        "cursor reads the store again (10,000 stories with covers: ~170 MiB; at 96 MiB its "
        "hub CPU per page went from 2.1 to 5.4 ms)",
    )
    read_cache_url_margin_seconds: int = Field(
        600,
        ge=0,
        description="a cached anonymous response stops being served this long before the "
        "first signed media URL in it expires, so every URL served stays valid at least "
        "this long (at or above RONGHUB_MEDIA_URL_TTL_SECONDS, responses with URLs are not cached)",
    )

    http_cache_max_age_seconds: int = Field(
        30,
        ge=0,
        description="anonymous GET /graphql answers: `Cache-Control: public, max-age` for CDNs and "
        "browsers (shorter when the answer carries signed media URLs); revalidation with the ETag "
        "is cheap (a 304)",
    )
    http_cache_stale_while_revalidate_seconds: int = Field(
        60, ge=0, description="`stale-while-revalidate` of anonymous GET /graphql answers"
    )
    cors_allow_origins: list[str] = Field(
        default_factory=list,
        description="origins (scheme://host[:port]) whose browser pages may call the hub, as JSON, e.g. "
        '["https://www.example.cn"]; empty: no CORS headers',
    )
    cors_allow_credentials: bool = Field(
        False,
        description="CORS: allow cookies/credentials from the allowed origins (bearer tokens need not)",
    )
    cors_max_age_seconds: int = Field(
        600, ge=0, description="CORS: how long browsers keep a preflight answer"
    )
    graphql_trusted_documents: Literal["off", "anonymous", "all"] = Field(
        "off",
        description="run only registered persisted documents (registerPersistedDocuments): off, for "
        "anonymous callers, or for all callers",
    )
    graphql_apq_entries: int = Field(
        2_000,
        ge=0,
        description="automatic persisted queries (Apollo APQ) remembered per process; 0: APQ off",
    )
    site_url_pattern: str | None = Field(
        None,
        description="a published story's public URL (`Story.url`), e.g. "
        "https://news.example.cn/{column}/{yyyy}{mm}{dd}/{id}.html; placeholders: id, column, yyyy, mm, dd, "
        "tenant; a center's own pattern (setSiteUrlPattern) wins; unset: no URL",
    )
    preview_link_ttl_seconds: int = Field(
        86_400,
        ge=60,
        le=30 * 86_400,
        description="how long a shared draft preview link stays valid at most",
    )

    channel_config: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-channel configuration as JSON, merged over each plugin's defaults "
        '(base URLs, credentials, limits), e.g. {"wechat": {"transport": {"base_url": "..."}}}',
    )
    default_channels: list[str] = Field(
        default_factory=lambda: ["app"],
        description="channels a story goes to when its plan names none",
    )
    metrics_after_s: list[float] = Field(
        default_factory=lambda: list(COLLECTION_SCHEDULE_S),
        description="when to fetch a delivered item's counts (传播效果) from its platform, in seconds after it "
        "was delivered for good (by default often while fresh, rarely after, for 30 days: docs/reach.md)",
    )
    public_base_url: str = Field("", description="public URL prefix of the app's story pages")
    reach_count_reads: bool = Field(
        True,
        description="count anonymous reads of published stories (传播效果 of the app; no personal data kept)",
    )
    reach_flush_seconds: float = Field(
        30.0,
        gt=0,
        description="how often the buffered read counts are written to the store (a crash loses at most "
        "this long of counts; shorter means more writes competing with reads)",
    )

    # editing (编): edit locks, comments, live newsroom events
    edit_lock_seconds: int = Field(
        300, description="how long an edit lock lasts without a renewal (heartbeat)"
    )
    comment_max_chars: int = Field(
        2_000, description="longest comment (批注) on a story (characters)"
    )
    events_poll_seconds: float = Field(
        0.5,
        description="how often a process with subscribers reads events stored by other processes",
    )
    events_retention_seconds: int = Field(
        86_400, description="how long stored newsroom events are kept"
    )
    idempotency_key_retention_seconds: int = Field(
        86_400,
        ge=60,
        description="how long an idempotencyKey names its create; after that the key is free again",
    )

    api_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="API processes `ronghub serve` runs on its one port, all on the one store; "
        "0: one per CPU core (one process answers on one core only). The first also runs the "
        "in-process worker and writes the embedded search index",
    )
    worker_in_process: bool = Field(
        True, description="run the background worker inside the API process (single-process mode)"
    )
    delivery_concurrency: int = Field(
        8,
        ge=1,
        le=256,
        description="publications one worker process plans, delivers and follows at once (each "
        "waits mostly on its platform or the store; docs/distribution.md)",
    )
    store_command_tally: str | None = Field(
        None,
        description="a folder: each hub process writes the store commands it sent, counted by "
        "command and collection, to <pid>.json in it (for benchmarks; hub/store/tally.py)",
    )

    @field_validator(
        "token_rate_limit_ip", "wenzheng_rate_limit_client", "wenzheng_rate_limit_contact"
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        if value.strip():
            from limits import parse_many

            parse_many(value)  # ValueError names the bad notation at start-up
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value

    @model_validator(mode="after")
    def _test_clock_not_in_production(self) -> Settings:
        if self.wenzheng_clock_file is not None and self.env == "production":
            raise ValueError(
                "RONGHUB_WENZHENG_CLOCK_FILE 只用于开发和测试,生产环境不得设置 / "
                "RONGHUB_WENZHENG_CLOCK_FILE is for development and tests; it is refused in production"
            )
        return self

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def introspection(self) -> bool:
        return (
            self.development if self.graphql_introspection is None else self.graphql_introspection
        )

    @property
    def effective_dev_token(self) -> str | None:
        if self.dev_token:
            return self.dev_token
        return "dev-token" if self.development else None

    @property
    def effective_key_secret(self) -> str:
        if self.key_encryption_secret:
            return self.key_encryption_secret
        if self.development:
            return "ronghub-development-key-secret-not-for-production"
        raise RuntimeError("RONGHUB_KEY_ENCRYPTION_SECRET must be set in production")

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
