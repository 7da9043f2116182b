"""The one place that wires the parts together: settings → embedder, index, retriever, composer.

`QAService` is cheap to construct; `warm_up()` loads the embedder and the current index. The
index is held as one immutable `_State`; a rebuild or reload swaps the reference, so a request
that started on one version finishes on it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import ChunkingConfig
from .committees import CommitteeDirectory
from .compose import ComposerConfig, Draft, ExtractiveComposer
from .embedders import Embedder, make_embedder
from .errors import IndexMissingError, NotFoundError
from .ingest.corpus import load_corpus
from .normalize import validate_question
from .prompts import load_replies
from .question import ParsedQuestion, resolve_history
from .records import Answer, Chunk, Citation, Document, Hit, Turn
from .retrieve import FusionConfig, hybrid_search
from .settings import Settings
from .store import IndexData, build_index, current_version, load_index, write_index
from .tokenize import tokenize

__all__ = ["QAService", "build_service", "PassageView"]

RELOAD_CHECK_SECONDS = 1.0  # how often a request may look whether a newer index version is current


@dataclass(frozen=True)
class PassageView:
    chunk: Chunk
    document: Document
    prev_id: str | None
    next_id: str | None


@dataclass(frozen=True)
class _State:
    index: IndexData
    directory: CommitteeDirectory
    composer: ExtractiveComposer
    chunk_pos: dict[str, int]


class QAService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chunking = ChunkingConfig(settings.chunk_max_chars, settings.chunk_overlap_sentences)
        self.fusion = FusionConfig(settings.candidates, settings.rrf_k, settings.dense_weight, settings.bm25_weight)
        self.composer_cfg = ComposerConfig()
        self._embedder: Embedder | None = None
        self._lexicon_embedder: Embedder | None = None
        self._state: _State | None = None
        self._lock = threading.RLock()
        self._last_check = 0.0

    # -- loading -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedder, threads=self.settings.threads)
        return self._embedder

    @property
    def lexicon_embedder(self) -> Embedder | None:
        """The multilingual model that maps English words to corpus terms (None when switched off)."""
        if self._lexicon_embedder is None and self.settings.lexicon_embedder:
            self._lexicon_embedder = make_embedder(self.settings.lexicon_embedder, threads=self.settings.threads)
        return self._lexicon_embedder

    def _translator(self, st: _State):  # noqa: ANN202 - question.Translator | None
        lex, emb = st.index.lexicon, self.lexicon_embedder
        if lex is None or emb is None:
            return None
        return lambda text, skip: lex.translate(text, emb.embed_queries, skip)

    def warm_up(self) -> None:
        """Load the embedder and the current index (raises IndexMissingError when there is none)."""
        self.embedder.warm_up()
        self._install(load_index(self.settings.index_dir, self.embedder.name, self.chunking))
        if self._state is not None and self._state.index.lexicon is not None and self.lexicon_embedder is not None:
            self.lexicon_embedder.warm_up()

    def _install(self, index: IndexData) -> None:
        docs_text = None

        def in_corpus(word: str) -> bool:
            nonlocal docs_text
            if word in index.term_df:
                return True
            if docs_text is None:
                docs_text = "\n".join(d.text for d in index.documents)
            return word in docs_text

        directory = CommitteeDirectory((d.committee for d in index.documents), in_corpus)
        composer = ExtractiveComposer(load_replies(self.settings.prompts_dir), index.idf, self.composer_cfg,
                                      directory.committees)
        state = _State(index, directory, composer, {c.chunk_id: i for i, c in enumerate(index.chunks)})
        with self._lock:
            self._state = state

    def state(self) -> _State:
        """The index state a request should use from start to finish (reloading if a newer
        version became current)."""
        now = time.monotonic()
        if self._state is not None and now - self._last_check > RELOAD_CHECK_SECONDS:
            self._last_check = now
            cur = current_version(self.settings.index_dir)
            if cur and cur != self._state.index.version:
                with self._lock:
                    if self._state.index.version != cur:
                        self._install(load_index(self.settings.index_dir, self.embedder.name, self.chunking))
        if self._state is None:
            raise IndexMissingError(f"no index loaded from {self.settings.index_dir}: run `cppcc-qa build`")
        return self._state

    @property
    def index_version(self) -> str:
        return self._state.index.version if self._state else ""

    def build(self, paths: Sequence[Path] = (), progress: Callable[[int, int], None] | None = None) -> IndexData:
        """Read the reports, build a new index version, write it and swap it in atomically."""
        docs = load_corpus(list(paths) or [self.settings.corpus_dir])
        data = build_index(docs, self.embedder, self.chunking, self.settings.faiss_index_type, progress,
                           lexicon_embedder=self.lexicon_embedder)
        write_index(data, self.settings.index_dir)
        self._install(load_index(self.settings.index_dir, self.embedder.name, self.chunking))
        return self.state().index

    # -- answering ---------------------------------------------------------------------------
    def parse(self, question: str, history: Sequence[Turn] = ()) -> ParsedQuestion:
        q = validate_question(question, self.settings.max_question_chars)
        turns = [Turn(validate_question(t.question, self.settings.max_question_chars), t.answer) for t in history]
        st = self.state()
        return resolve_history(q, turns[-self.settings.max_history_turns :], st.directory, self._translator(st))

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed_queries([text])[0]

    def retrieve(self, parsed: ParsedQuestion, top_k: int | None = None, qvec: np.ndarray | None = None) -> list[Hit]:
        st = self.state()
        vec = self.query_vector(parsed.retrieval_text) if qvec is None else qvec
        return hybrid_search(st.index, vec, tokenize(parsed.bm25_text), top_k or self.settings.top_k,
                             self.fusion, parsed.committees)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        t0 = time.perf_counter()
        st = self.state()
        parsed = self.parse(question, history)
        t1 = time.perf_counter()
        qvec = self.query_vector(parsed.retrieval_text)
        t2 = time.perf_counter()
        hits = self.retrieve(parsed, qvec=qvec)
        t3 = time.perf_counter()
        draft = st.composer.compose(parsed, hits)
        t4 = time.perf_counter()
        citations = (self.citation(draft, 1),) if draft.answerable and draft.hit else ()
        timings = {"parse": (t1 - t0) * 1e3, "embed": (t2 - t1) * 1e3, "retrieve": (t3 - t2) * 1e3,
                   "compose": (t4 - t3) * 1e3, "total": (t4 - t0) * 1e3}
        return Answer(question, draft.text, draft.answerable, citations, timings, st.index.version,
                      parsed.retrieval_text)

    def citation(self, draft: Draft, n: int) -> Citation:
        return self.citation_for(draft.hit, n, draft.hit.chunk.start + draft.quote_start, draft.hit.chunk.start + draft.quote_end)

    def citation_for(self, hit: Hit, n: int, quote_start: int, quote_end: int) -> Citation:
        """A citation of `hit` quoting doc.text[quote_start:quote_end]."""
        c = hit.chunk
        quote = c.text[quote_start - c.start : quote_end - c.start]
        return Citation(n, c.chunk_id, c.doc_id, c.title, c.committee, c.section, c.text, quote,
                        quote_start, quote_end, c.start, c.end)

    # -- browsing ----------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        return list(self.state().index.documents)

    def chunks(self) -> list[Chunk]:
        return list(self.state().index.chunks)

    def passage(self, passage_id: str) -> PassageView:
        st = self.state()
        i = st.chunk_pos.get(passage_id)
        if i is None:
            raise NotFoundError(f"no passage with id {passage_id!r}")
        chunks = st.index.chunks
        c = chunks[i]
        doc = next(d for d in st.index.documents if d.doc_id == c.doc_id)
        prev_id = chunks[i - 1].chunk_id if i > 0 and chunks[i - 1].doc_id == c.doc_id else None
        next_id = chunks[i + 1].chunk_id if i + 1 < len(chunks) and chunks[i + 1].doc_id == c.doc_id else None
        return PassageView(c, doc, prev_id, next_id)

    def health(self) -> dict:
        st = self.state()
        m = st.index.manifest
        return {"status": "ok", "index_version": st.index.version, "embedder": m["embedder"], "dim": m["dim"],
                "documents": len(st.index.documents), "chunks": len(st.index.chunks), "built_at": m["built_at"],
                "faiss_type": m["faiss_type"]}


def build_service(settings: Settings) -> QAService:
    """The service for these settings (cheap: call warm_up() to load)."""
    return QAService(settings)
