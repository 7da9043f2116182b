"""The one place that wires the parts together: settings → embedder, index, retriever, composer.

`QAService` is cheap to construct; `warm_up()` loads the embedder and the current index. The
index is held as one immutable `_State`; a rebuild or reload swaps the reference, so a request
that started on one version finishes on it (every step of a request takes the `_State` it was
handed, never `state()` again). A newer version that fails to load is logged and skipped: the
service keeps answering from the last good one.

Writers (`build`, `add_documents`, `remove_document`) hold the index's file lock from reading the
current version to writing the next, so concurrent writers, in any process, never lose one
another's changes.
"""
from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cppcc_qa.answer import suggest
from cppcc_qa.answer.arithmetic import parse_operation, strip_operation
from cppcc_qa.answer.bodies import CommitteeDirectory
from cppcc_qa.answer.compose import Draft, ExtractiveComposer, Similarity
from cppcc_qa.answer.model import PACKAGED_MODEL_PATH, ScorerModel, load_model
from cppcc_qa.answer.prompts import load_replies
from cppcc_qa.answer.question import (
    ParsedQuestion,
    Translator,
    inherit_context,
    recent_turns,
    resolve_history,
    small_talk,
    split_compound,
)
from cppcc_qa.budget import Budget
from cppcc_qa.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    ModelUnavailableError,
    NotFoundError,
)
from cppcc_qa.factcheck.drafts import DraftCheck, check_draft
from cppcc_qa.factcheck.verify import CheckedVerdict, Verifier
from cppcc_qa.indexing.backend import make_store
from cppcc_qa.indexing.build import IndexData, build_index
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.embedders import Embedder, make_embedder
from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.indexing.library import (
    LibraryUpdate,
    Plan,
    apply_plan,
    library_documents,
    plan_additions,
    plan_removal,
)
from cppcc_qa.indexing.passages import Passages, ServedIndex, neighbours
from cppcc_qa.indexing.store import KEEP_VERSIONS, write_index
from cppcc_qa.indexing.vectors import set_search_threads
from cppcc_qa.ingest.corpus import load_corpus
from cppcc_qa.ingest.metadata import display_name, is_heading
from cppcc_qa.ingest.uploads import read_report
from cppcc_qa.records import Answer, Chunk, Citation, Document, Figure, Hit, Related, Turn
from cppcc_qa.search.bilingual import Dictionary, build_dictionary
from cppcc_qa.search.crosslingual import translate
from cppcc_qa.search.retrieve import FusionConfig, hybrid_search
from cppcc_qa.search.wordsim import WordVectors
from cppcc_qa.settings import Settings
from cppcc_qa.text.normalize import validate_question
from cppcc_qa.text.periods import parse_period, period_of, reviews_last_year
from cppcc_qa.text.script import is_traditional, to_traditional
from cppcc_qa.text.tokenize import tokenize

__all__ = ["QAService", "build_service", "PassageView", "DocumentView"]

logger = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 1.0  # how often a request may look whether a newer index version is current
OVERVIEW_SECTIONS = 6  # at most this many sections make an overview
# Replaced versions whose passages a service holds in memory for citations (the same as the
# earlier versions the store always keeps on disk; older ones are read from disk on demand).
EARLIER_VERSIONS_HELD = KEEP_VERSIONS - 1
# Example questions on the welcome screen, and the time the first request of an index version may
# spend asking candidates (later ones reuse the verdicts: answer/suggest.Suggester).
EXAMPLE_QUESTIONS = 3
EXAMPLE_SECONDS = 15.0
# A refusal's help: the closest passages, and questions on its topic found within this time.
RELATED_PASSAGES = 3
SUGGESTIONS = 3
SUGGEST_SECONDS = 4.0
# ... and at most this share of the request's time budget left (one more question may be under
# way when it runs out), so a refusal is never late for its suggestions.
SUGGEST_SHARE = 0.4
# A refusal gets its help when the time left exceeds this many times what the question took.
HELP_MARGIN = 2.0


@dataclass(frozen=True)
class PassageView:
    chunk: Chunk
    document: Document
    prev_id: str | None
    next_id: str | None
    version: str = ""  # the index version it was read from


@dataclass(frozen=True)
class DocumentView:
    """One report and its passages in order, as of one index version (the reader page)."""

    document: Document
    chunks: tuple[Chunk, ...]
    version: str

    def to_dict(self) -> dict[str, Any]:
        """The report's metadata and its passages, each with only the text no earlier passage
        holds (passages of one paragraph overlap by a sentence), so they read as the report."""
        passages, end = [], 0
        for c in self.chunks:
            start = max(c.start, end)
            passages.append({"passage_id": c.chunk_id, "section": c.section, "start": start,
                             "end": c.end, "text": self.document.text[start:c.end]})
            end = max(end, c.end)
        return {"document": self.document.to_dict(), "index_version": self.version, "passages": passages}


def _passage_view(passages: Passages, passage_id: str) -> PassageView:
    """A passage with its report and neighbours (NotFoundError naming the version)."""
    row = passages.find(passage_id)
    if row is None:
        raise NotFoundError(f"no passage with id {passage_id!r} in index version {passages.version}")
    c = passages.rows([row])[0]
    prev_id, next_id = neighbours(passages, row)
    doc = passages.document(c.doc_id)
    if doc is None:
        raise NotFoundError(f"no report with id {c.doc_id!r} in index version {passages.version}")
    return PassageView(c, doc, prev_id, next_id, passages.version)


@dataclass(frozen=True)
class _State:
    index: ServedIndex
    directory: CommitteeDirectory
    composer: ExtractiveComposer
    docs: dict[str, Document]  # doc_id → its report's metadata (body, date, kind for citations)
    years: dict[str, int | None]  # doc_id → the year its report was given in

    @property
    def passages(self) -> Passages:
        return self.index.passages


class QAService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chunking = ChunkingConfig(settings.chunk_max_chars, settings.chunk_overlap_sentences)
        self.fusion = FusionConfig(settings.candidates, settings.rrf_k, settings.dense_weight, settings.bm25_weight)
        self._embedder: Embedder | None = None
        self._scorer: ScorerModel | None = None
        self._lexicon_embedder: Embedder | None = None
        self._dictionary: tuple[Lexicon, Dictionary] | None = None
        self._state: _State | None = None
        self._earlier: OrderedDict[str, Passages] = OrderedDict()  # replaced versions' passages
        self._lock = threading.RLock()
        self._last_check = 0.0
        self._bad_version: str | None = None  # a newer version that failed to load (not retried)
        self.suggester = suggest.Suggester(self._answers_figure)  # cheap: asks on first use
        self._suggest_candidates: tuple[str, list[suggest.Candidate]] | None = None  # (version, candidates)
        self.store = make_store(settings)  # where index versions live (faiss folder or milvus)
        self.checker = Verifier(self)  # cheap: figures are extracted on first use, once per version

    # -- loading -----------------------------------------------------------------------------
    @property
    def scorer(self) -> ScorerModel | None:
        """The fitted answer scorer named by the settings (None when switched off or not yet fitted)."""
        if self._scorer is None and self.settings.scorer_path != "":
            self._scorer = load_model(Path(self.settings.scorer_path or PACKAGED_MODEL_PATH))
        return self._scorer

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

    def _crosslingual_similarity(self) -> Similarity | None:
        """Cosine of an English question with Chinese clauses, by the multilingual lexicon model."""
        if not self.settings.lexicon_embedder:
            return None

        def similarity(question: str, texts: list[str]) -> np.ndarray:
            emb = self.lexicon_embedder
            if emb is None:  # only built when settings.lexicon_embedder is set
                raise ModelUnavailableError("the lexicon embedder is switched off (settings.lexicon_embedder is empty)")
            return emb.embed_passages(texts) @ emb.embed_queries([question])[0]

        return similarity

    def _word_vectors(self, index: ServedIndex) -> WordVectors | None:
        """Word vectors of the index's lexicon, with the lexicon model for other words (None
        when the index has no lexicon or the model is switched off)."""
        if index.lexicon is None or not self.settings.lexicon_embedder or not self.settings.soft_match:
            return None
        return WordVectors(index.lexicon, lambda words: self._lexicon_model().embed_queries(words))

    def _lexicon_model(self) -> Embedder:
        emb = self.lexicon_embedder
        if emb is None:
            raise ModelUnavailableError("the lexicon embedder is switched off (settings.lexicon_embedder is empty)")
        return emb

    def _translator(self, st: _State) -> Translator | None:
        lex, emb = st.index.lexicon, self.lexicon_embedder
        if lex is None or emb is None:
            return None
        dictionary = self._dictionary_of(lex)
        return lambda text, skip: translate(lex, text, emb.embed_queries, skip, dictionary)

    def _dictionary_of(self, lex: Lexicon) -> Dictionary | None:
        """The bilingual dictionary of a lexicon, built on the first English question (about a
        second) and kept while that index serves."""
        if not self.settings.bilingual_dictionary:
            return None
        with self._lock:
            if self._dictionary is None or self._dictionary[0] is not lex:
                self._dictionary = (lex, build_dictionary(lex.terms))
            return self._dictionary[1]

    def warm_up(self) -> None:
        """Load the embedder and the current index (raises IndexMissingError when there is none)."""
        set_search_threads(self.settings.threads)
        self.embedder.warm_up()
        self._install_serving()
        if self._state is not None and self._state.index.lexicon is not None and self.lexicon_embedder is not None:
            self.lexicon_embedder.warm_up()

    def _install(self, index: ServedIndex) -> None:
        def in_corpus(word: str) -> bool:
            """Whether the reports use a word: it, or every token jieba cuts it into, is in the
            index's term table (no scan of the text, which at 1M chunks took 0.6 s)."""
            toks = tokenize(word)
            return word in index.term_df or bool(toks) and all(t in index.term_df for t in toks)

        directory = CommitteeDirectory((d.committee for d in index.documents), in_corpus)
        years = {d.doc_id: d.year for d in index.documents}
        reviewing = {d.doc_id for d in index.documents if reviews_last_year(d)}
        composer = ExtractiveComposer(load_replies(self.settings.prompts_dir), index.idf, self.settings.composer,
                                      self.settings.scoring, directory.committees, crosslingual=self._crosslingual_similarity(),
                                      report_year=years.get, model=self.scorer, words=self._word_vectors(index),
                                      known=in_corpus if self.settings.absent_terms_gate else None,
                                      reviews=reviewing.__contains__)
        state = _State(index, directory, composer, {d.doc_id: d for d in index.documents}, years)
        with self._lock:
            old, self._state = self._state, state
            if old is not None and old.index.version != index.version:
                self._hold_earlier(old.passages)

    def _hold_earlier(self, passages: Passages) -> None:
        """Keep the passages of a version just replaced (its answers' citations open them)."""
        with self._lock:
            self._earlier[passages.version] = passages
            self._earlier.move_to_end(passages.version)
            while len(self._earlier) > EARLIER_VERSIONS_HELD:
                self._earlier.popitem(last=False)

    def load(self) -> None:
        """Load the current index without the models (enough to list documents)."""
        self._install_serving()

    def _install_serving(self) -> None:
        """Install the current version, or the newest good one when `current` does not load
        (store.load_serving logs which); the refused `current` is then not retried."""
        index = self.store.load_serving(self.embedder.name, self.chunking)
        cur = self.store.current_version()
        if cur != index.version:
            self._bad_version = cur
        self._install(index)

    def state(self) -> _State:
        """The index state a request should use from start to finish (reloading if a newer
        version became current)."""
        now = time.monotonic()
        if self._state is not None and now - self._last_check > RELOAD_CHECK_SECONDS:
            self._last_check = now
            cur = self.store.current_version()
            if cur and cur != self._state.index.version and cur != self._bad_version:
                self._reload(cur)
        if self._state is None:
            raise IndexMissingError(f"no index loaded from {self.store}: run `cppcc-qa build`")
        return self._state

    def _reload(self, version: str) -> None:
        """Swap in the version `current` now names; if it does not load (altered, truncated,
        built with other settings), log why and keep serving the one already loaded."""
        with self._lock:
            if self._state is not None and self._state.index.version == version:
                return  # another request swapped it in meanwhile
            try:
                self._install(self.store.open(self.embedder.name, self.chunking))
            except (IndexCorruptError, IndexMismatchError, IndexMissingError) as exc:
                self._bad_version = version
                serving = self._state.index.version if self._state else "nothing"
                logger.error("index version %s did not load; still serving %s: %s", version, serving, exc)

    @property
    def index_version(self) -> str:
        return self._state.index.version if self._state else ""

    def build(self, paths: Sequence[Path] = (), progress: Callable[[int, int], None] | None = None) -> IndexData:
        """Read the reports, build a new index version, write it and swap it in atomically.
        Without paths: the current version's own reports when it is a library (added, removed or
        built from named files), else the built-in corpus (`library.library_documents`, which
        refuses when an earlier release's library folder disagrees with the index)."""
        root = self.settings.index_dir
        with self.store.lock():
            library = library_documents(root, self.store.read_documents) if not paths else None
            docs = list(library) if library is not None else load_corpus(list(paths) or [self.settings.corpus_dir])
            data = build_index(docs, self.embedder, self.chunking, self.settings.faiss_index_type, progress,
                               lexicon_embedder=self.lexicon_embedder, library=bool(paths) or library is not None)
            self.store.write(data)
            self._install(self.store.open(self.embedder.name, self.chunking))
        return data

    def scratch_copy(self, folder: Path) -> Settings:
        """Settings for a throwaway copy of the current version in `folder` (a FAISS folder
        whichever backend holds the original), which can be changed without touching it: `eval
        --add` adds reports to it. From Milvus the version is read whole, as a writer reads it."""
        if self.settings.index_backend == "faiss":
            shutil.copytree(self.settings.index_dir, folder, symlinks=True)
        else:
            write_index(self.store.load(self.embedder.name, self.chunking), folder)
        return self.settings.model_copy(update={"index_dir": folder, "index_backend": "faiss"})

    # -- a growing corpus (library.py) ---------------------------------------------------------
    def add_documents(self, docs: Sequence[Document], replace: bool = False) -> LibraryUpdate:
        """Add reports to the current index, or, with `replace`, replace the indexed report with
        the same source file name or doc id (without it that is ReplaceRefusedError), as a new
        version (only the new chunks are embedded). Content that is already indexed is a no-op.
        Creates the index when there is none."""
        with self.store.lock():
            base = self._current_for_update()
            return self._write_update(base, plan_additions(base.documents if base else (), docs, replace))

    def add_files(self, files: Sequence[tuple[str | None, bytes]], max_bytes: int | None = None,
                  metadata: dict[str, str | None] | None = None, replace: bool = False) -> LibraryUpdate:
        """Check and read reports given as (file name, bytes), then add them all or none
        (uploads.read_report says what is refused). `metadata` (body, title, date, kind) applies
        to every file and wins over what is inferred; `replace` as in `add_documents`."""
        return self.add_documents([read_report(name, data, max_bytes, metadata) for name, data in files], replace)

    def remove_document(self, doc_id: str) -> LibraryUpdate:
        """Remove one report from the current index, as a new version."""
        with self.store.lock():
            base = self._current_for_update()
            if base is None:
                raise IndexMissingError(f"no index at {self.store}: nothing to remove from")
            return self._write_update(base, plan_removal(base.documents, doc_id))

    def _current_for_update(self) -> IndexData | None:
        """The current version as on disk now (not the one this process serves): another writer
        may have moved it on."""
        if self.store.current_version() is None:
            return None
        return self.store.load(self.embedder.name, self.chunking)

    def _write_update(self, base: IndexData | None, plan: Plan) -> LibraryUpdate:
        if plan.is_noop:
            return LibraryUpdate(base.version if base else "", plan.changes, False,
                                 len(base.documents) if base else 0, len(base.chunks) if base else 0)
        data = apply_plan(base, plan, self.embedder, self.chunking, self.settings.faiss_index_type,
                          self.lexicon_embedder)
        self.store.write(data)  # the new reports and index switch in as one
        self._install(self.store.open(self.embedder.name, self.chunking))
        return LibraryUpdate(data.version, plan.changes, True, len(data.documents), len(data.chunks))

    # -- answering ---------------------------------------------------------------------------
    def parse(self, question: str, history: Sequence[Turn] = (), st: _State | None = None,
              max_chars: int | None = None) -> ParsedQuestion:
        """The question resolved against `st` (the request's state; the current one if None), in
        the light of the newest earlier turns that fit the history limits (`recent_turns`).
        `max_chars` is the length limit when the text is a claim (settings.max_claim_chars)."""
        q = validate_question(question, max_chars or self.settings.max_question_chars)
        turns = recent_turns(history, self.settings.max_history_turns, self.settings.max_history_chars)
        turns = tuple(Turn(validate_question(t.question, self.settings.max_question_chars), t.answer) for t in turns)
        st = st or self.state()
        return resolve_history(q, turns, st.directory, self._translator(st))

    def work_size(self, question: str, history: Sequence[Turn] = ()) -> int:
        """How many characters answering would parse: the question and the earlier turns `parse`
        reads (the API sends long requests to their own lane by it)."""
        turns = recent_turns(history, self.settings.max_history_turns, self.settings.max_history_chars)
        return len(question) + sum(len(t.question) for t in turns)

    def _searched(self, text: str) -> str:
        """`text` cut to what one search embeds or BM25-scores (settings.max_embed_chars): a
        follow-up's retrieval text carries the earlier questions' words after its own."""
        return text[: self.settings.max_embed_chars]

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.embed_queries([self._searched(text)])[0]

    def retrieve(self, parsed: ParsedQuestion, top_k: int | None = None, qvec: np.ndarray | None = None,
                 st: _State | None = None) -> list[Hit]:
        st = st or self.state()
        vec = self.query_vector(parsed.retrieval_text) if qvec is None else qvec
        return hybrid_search(st.index, vec, tokenize(self._searched(parsed.bm25_text)), top_k or self.settings.top_k,
                             self.fusion, parsed.committees, self._documents_for(parsed, st),
                             self._off_period(parsed, st))

    @staticmethod
    def _off_period(parsed: ParsedQuestion, st: _State) -> Callable[[Chunk], bool] | None:
        """For a question naming a time: whether a passage's section, or its opening words, speak
        of another period (resolved against its report's date)."""
        if not parsed.time.named:
            return None

        def off(chunk: Chunk) -> bool:
            ry = st.years.get(chunk.doc_id)
            asked = parsed.time.period_years(ry)
            p = period_of("", chunk.text, chunk.section, ry)
            return bool(asked) and p is not None and not p.fits(asked)

        return off

    @staticmethod
    def _documents_for(parsed: ParsedQuestion, st: _State) -> tuple[str, ...]:
        """The reports a question's time points to: the one it names by year ("2019年政府工作报告"),
        else those whose period covers the years it asks about; () when it names no time."""
        t = parsed.time
        if t.report_year:
            return tuple(d.doc_id for d in st.index.documents if d.year == t.report_year)
        if t.years:
            out = []
            for d in st.index.documents:
                p = parse_period(d.period)
                if p is not None and p.overlaps(t.years):
                    out.append(d.doc_id)
            return tuple(out)
        return ()

    def ask(self, question: str, history: Sequence[Turn] = (), budget: Budget | None = None) -> Answer:
        """The cited answer to `question` after `history` (oldest first). Every step checks
        `budget` before it starts (the API's time allowance and cancel switch; none: no limit),
        and the input limits of Settings bound what each step costs."""
        t0 = time.perf_counter()
        budget = budget or Budget()
        budget.check("reading the question")
        st = self.state()  # the one state this request uses, even if a new version lands meanwhile
        text = validate_question(question, self.settings.max_question_chars)
        talk = small_talk(text)
        if talk:
            reply = st.composer.small_talk(talk, english=not any("\u4e00" <= ch <= "\u9fff" for ch in text))
            return Answer(question, reply.text, False, (), {"total": (time.perf_counter() - t0) * 1e3},
                          st.index.version, "")
        pieces = split_compound(text)
        self._check_parts(len(pieces))
        timings = {"parse": 0.0, "embed": 0.0, "retrieve": 0.0, "compose": 0.0}
        drafts: list[Draft] = []
        resolved: list[str] = []
        first: ParsedQuestion | None = None
        turns = list(history)
        parts = 0
        for piece in pieces:
            budget.check("parsing a question")
            t1 = time.perf_counter()
            parsed = self.parse(piece, turns, st)
            if first is not None:
                parsed = inherit_context(parsed, first)
            first = first or parsed
            timings["parse"] += (time.perf_counter() - t1) * 1e3
            bodies = [] if parsed.english else st.directory.per_body(parsed.normalized)
            parts += max(1, len(bodies))
            still_to_come = len(pieces) - len(drafts) - 1  # each asks one question at least
            self._check_parts(parts + still_to_come)
            if len(bodies) >= 2:
                draft = self._ask_per_body(parsed, bodies, turns, st, timings, budget)
            else:
                draft = self._answer_one(parsed, st, timings, budget)
            drafts.append(draft)
            resolved.append(parsed.retrieval_text)
            turns.append(Turn(piece, draft.text))
        draft = drafts[0] if len(drafts) == 1 else st.composer.join(pieces, drafts)
        citations = tuple(
            self.citation_for(src.hit, n, src.hit.chunk.start + src.quote_start, src.hit.chunk.start + src.quote_end, st)
            for n, src in enumerate(draft.sources, 1)
        ) if draft.answerable else ()
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return Answer(question, draft.text, draft.answerable, citations, timings, st.index.version,
                      " | ".join(resolved), draft.computed if draft.answerable else ())

    def _check_parts(self, parts: int) -> None:
        """Refuse a request asking more questions at once than settings.max_question_parts."""
        limit = self.settings.max_question_parts
        if parts > limit:
            raise InputError(f"一次最多问 {limit} 个问题（或 {limit} 个地方），请分开提问。"
                             f"(One request may ask at most {limit} questions, or about {limit} places, "
                             "at once; ask them one by one.)")

    def _answer_one(self, parsed: ParsedQuestion, st: _State, timings: dict[str, float], budget: Budget) -> Draft:
        """The reply to one question about (at most) one body: an overview, or retrieval and the
        composer; embedding, retrieval and composing time added to `timings`; `budget` checked
        before each step."""
        if parsed.overview:
            return self._overview(parsed, st)
        budget.check("embedding the question")
        t1 = time.perf_counter()
        qvec = self.query_vector(parsed.retrieval_text)
        budget.check("searching the reports")
        t2 = time.perf_counter()
        hits = self.retrieve(parsed, qvec=qvec, st=st)
        budget.check("composing the answer")
        t3 = time.perf_counter()
        draft = self._compose(parsed, hits, st)
        t4 = time.perf_counter()
        for key, a, b in (("embed", t1, t2), ("retrieve", t2, t3), ("compose", t3, t4)):
            timings[key] += (b - a) * 1e3
        return draft

    def _compose(self, parsed: ParsedQuestion, hits: Sequence[Hit], st: _State) -> Draft:
        """The reply to one question about one body: quoted, or computed from two figures of one
        sentence when it asks for a ratio, an average or a difference the reports do not state."""
        draft = st.composer.compose(parsed, hits)
        op = None if parsed.english else parse_operation(parsed.focus_text)
        if op is None or op.kind == "sum" or st.composer.states(draft, op):
            return draft
        computed = st.composer.compute_in_sentence(parsed, hits, op)
        if computed is not None:
            return computed
        # a ratio, an average or a difference the reports neither state nor give the operands
        # of: a quoted figure of another kind would be a wrong answer
        return st.composer.refuse(parsed, "not_found")

    def _overview(self, parsed: ParsedQuestion, st: _State) -> Draft:
        """The gist of the report a question names (by body, by year), else of the latest one
        when the corpus holds one body's reports only; else which reports there are."""
        docs = [d for d in st.index.documents
                if (not parsed.committees or d.committee in parsed.committees)
                and (not parsed.time.report_year or d.year == parsed.time.report_year)
                and (parsed.time.report_year or not parsed.time.years or d.year in parsed.time.years)]
        if not docs:
            return st.composer.refuse(parsed, "unknown_committee" if parsed.unknown_places else "not_found")
        named = parsed.committees or parsed.time.report_year or parsed.time.years
        if not named and len({d.committee or d.title for d in docs}) > 1:
            return st.composer.which_report(parsed, [display_name(d.committee, d.title) for d in docs])
        doc = max(docs, key=lambda d: (d.year or 0, d.date))
        firsts: dict[str, Chunk] = {}
        for c in st.passages.of_document(doc.doc_id):
            if c.section not in firsts:
                firsts[c.section] = c
        sections = [(h, Hit(c, 1.0)) for h, c in firsts.items() if is_heading(h)]
        return st.composer.overview(parsed, sections[:OVERVIEW_SECTIONS], doc.year)

    def _ask_per_body(self, parsed: ParsedQuestion, bodies: Sequence[tuple[str, str]], turns: Sequence[Turn],
                      st: _State, timings: dict[str, float], budget: Budget) -> Draft:
        """A question about several bodies, asked of each ("武威和平凉各…", "两个市一共…"), the
        parts joined and, for a sum or a difference, the figure computed from them."""
        op = parse_operation(parsed.normalized, several=True)
        texts = [strip_operation(text) if op is not None and op.kind in ("sum", "difference") else text
                 for _, text in bodies]
        drafts = []
        for text in texts:
            budget.check("parsing a question")
            t1 = time.perf_counter()
            sub = inherit_context(self.parse(text, turns, st), parsed)
            timings["parse"] += (time.perf_counter() - t1) * 1e3
            drafts.append(self._answer_one(sub, st, timings, budget))
        return st.composer.join_computed(texts, drafts, op)

    def citation_for(self, hit: Hit, n: int, quote_start: int, quote_end: int, st: _State | None = None) -> Citation:
        """A citation of `hit` quoting doc.text[quote_start:quote_end], with its report's body,
        date and kind (from `st`, the request's state; the current one if None)."""
        c = hit.chunk
        quote = c.text[quote_start - c.start : quote_end - c.start]
        doc = (st or self.state()).docs.get(c.doc_id)
        return Citation(n, c.chunk_id, c.doc_id, c.title, c.committee, c.section, c.text, quote,
                        quote_start, quote_end, c.start, c.end,
                        doc.body if doc else "", doc.date if doc else "", doc.kind if doc else "")

    # -- fact-checking (factcheck/) --------------------------------------------------------------
    @property
    def max_question_chars(self) -> int:
        """The longest claim the checker takes (the Verifier's name for it; settings.max_claim_chars)."""
        return self.settings.max_claim_chars

    def verify(self, claim: str) -> CheckedVerdict:
        """The verdict on one claim: supported, refuted or not_found, with evidence."""
        return self.checker.verify(claim)

    def figures(self, committee: str | None = None, text: str | None = None) -> list[Figure]:
        """The table of figures of the current index, filtered by committee and measure text."""
        return self.checker.figures(committee, text)

    def figures_version(self) -> str:
        """The index version the figures table was taken from."""
        return self.checker.facts().version

    def check_draft(self, text: str) -> DraftCheck:
        """Every checkable statement of a draft, with its verdict."""
        return check_draft(self.checker, text)

    # -- browsing ----------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        """The reports of the current index (metadata: with the Milvus backend served from
        Milvus their text is not held, `document_sizes` gives its length)."""
        return list(self.state().index.documents)

    def chunks(self) -> list[Chunk]:
        """Every passage of the current index (a scan: for tools and tests, not requests)."""
        return list(self.state().passages.scan())

    def document_sizes(self) -> dict[str, tuple[int, int]]:
        """doc id → (characters, passages) of each report of the current index."""
        return self.state().passages.sizes()

    def passage(self, passage_id: str, version: str | None = None) -> PassageView:
        """One passage of the current index, or of `version` (an answer's `index_version`)
        while that version is kept: the versions this process served lately are held in
        memory, others (served by another worker) read from the store (IndexStore.passages)."""
        return _passage_view(self._passages_at(version), passage_id)

    def _passages_at(self, version: str | None) -> Passages:
        """The passages of the current index, or of `version` while it is kept (see `passage`)."""
        st = self.state()
        if not version or version == st.index.version:
            return st.passages
        with self._lock:
            held = self._earlier.get(version)
        if held is None:
            held = self.store.passages(version)
            self._hold_earlier(held)
        return held

    # -- reading and help for readers (answer/suggest.py, text/script.py) ------------------------
    def document_view(self, doc_id: str, version: str | None = None) -> DocumentView:
        """One report with its passages in order, of the current index or of `version` while it
        is kept (a citation of an older answer opens the report it quoted)."""
        held = self._passages_at(version)
        doc = held.document(doc_id)
        if doc is None:
            raise NotFoundError(f"no report with id {doc_id!r} in index version {held.version}")
        return DocumentView(doc, held.of_document(doc_id), held.version)

    def examples(self, topic: str = "", limit: int = EXAMPLE_QUESTIONS,
                 seconds: float = EXAMPLE_SECONDS) -> list[str]:
        """Questions the reports answer (answer/suggest.py): on `topic` when given (those sharing
        its words), else taking turns by report; each asked of the engine once per index version,
        new ones only while `seconds` last."""
        cands = self._candidates(seconds)
        picked = suggest.on_topic(cands, topic) if topic else suggest.spread(cands)
        return self.suggester.pick(self.index_version, picked, limit, seconds)

    def _candidates(self, seconds: float) -> list[suggest.Candidate]:
        """The candidate questions of the current index, made once per version from its figures
        table; none while that table is still being made after `seconds` (at 100k passages it
        takes half a minute: bench/RESULTS.md), so help is never late."""
        version = self.index_version
        held = self._suggest_candidates
        if held is None or held[0] != version:
            facts = self.checker.facts_within(seconds)
            if facts is None:
                return []
            held = (facts.version, suggest.candidates(list(facts.figures)))
            self._suggest_candidates = held
        return held[1]

    def _answers_figure(self, cand: suggest.Candidate) -> bool:
        """Whether the engine answers a candidate question by quoting its figure."""
        try:
            answer = self.ask(cand.question)
        except InputError:
            return False
        return answer.answerable and cand.surface in answer.answer

    def related(self, question: str, history: Sequence[Turn] = ()) -> tuple[Related, ...]:
        """The passages retrieval finds closest to a question (shown beside a refusal, marked as
        no answer)."""
        st = self.state()
        hits = self.retrieve(self.parse(question, history, st), top_k=RELATED_PASSAGES, st=st)
        return tuple(Related(h.chunk.chunk_id, h.chunk.doc_id, h.chunk.title,
                             (st.docs[h.chunk.doc_id].body if h.chunk.doc_id in st.docs else "") or h.chunk.committee,
                             h.chunk.section, h.chunk.text) for h in hits[:RELATED_PASSAGES])

    def reply(self, question: str, history: Sequence[Turn] = (), budget: Budget | None = None) -> Answer:
        """`ask`, made useful to a reader: a refusal carries the closest passages and questions
        the reports answer on its topic; a question in Traditional characters gets its reply in
        them (the quotes stay as the reports write them)."""
        budget = budget or Budget()
        t0 = time.perf_counter()
        answer = self.ask(question, history, budget)
        took = time.perf_counter() - t0
        left = budget.remaining()
        # the help searches again, about as long as the question took: only when that still fits
        # the request's time (a refusal on time beats a late one with help)
        fits = left is None or left > took * HELP_MARGIN
        if not answer.answerable and fits and not small_talk(question.strip()):
            related = self.related(question, history)
            left = budget.remaining()  # suggestions take at most a share of the time left
            seconds = SUGGEST_SECONDS if left is None else min(SUGGEST_SECONDS, left * SUGGEST_SHARE)
            answer = dataclasses.replace(answer, related=related,
                                         suggestions=tuple(self.examples(question, SUGGESTIONS, seconds)))
        if is_traditional(question):
            quotes = [c.quote for c in answer.citations]
            answer = dataclasses.replace(answer, answer=to_traditional(answer.answer, quotes),
                                         suggestions=tuple(to_traditional(s) for s in answer.suggestions))
        return answer

    def health(self) -> dict:
        st = self.state()
        m = st.index.manifest
        return {"status": "ok", "index_version": st.index.version, "embedder": m["embedder"], "dim": m["dim"],
                "documents": len(st.index.documents), "chunks": len(st.passages), "built_at": m["built_at"],
                "faiss_type": m["faiss_type"]}


def build_service(settings: Settings) -> QAService:
    """The service for these settings (cheap: call warm_up() to load)."""
    return QAService(settings)
