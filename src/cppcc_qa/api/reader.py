"""The routes a citizen's pages read besides /api/ask: one report in full (the reader page) and
example questions the reports answer (the welcome screen).

`reader_router()` is included by `api.create_app`; its response models put the shapes in the
OpenAPI schema. The answer's own model (`AnswerBody`) lives here too, for /api/ask's schema.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from cppcc_qa.api.models import TEXT_PATTERN, api_errors
from cppcc_qa.errors import IndexMissingError
from cppcc_qa.indexing.store import VERSION_PATTERN

if TYPE_CHECKING:  # the app imports this module before it builds (and imports) the service
    from cppcc_qa.service import QAService

__all__ = ["reader_router", "AnswerBody", "ReaderDocument", "Examples", "MAX_TOPIC_CHARS"]

#: A topic is a few words (a refused question's, at most a question's length is not needed).
MAX_TOPIC_CHARS = 100
#: Seconds a topic's examples may spend asking new candidates (a request, not a start-up task).
TOPIC_SECONDS = 3.0


class DocumentMeta(BaseModel):
    """A report's metadata (GET /api/documents lists the same)."""

    doc_id: str
    title: str
    committee: str
    region: str
    source: str
    headline: str
    body: str
    kind: str
    date: str
    period: str
    chars: int


class ReaderPassage(BaseModel):
    """One passage in report order; `text` is what no earlier passage holds (document offsets)."""

    passage_id: str
    section: str
    start: int
    end: int
    text: str


class ReaderDocument(BaseModel):
    """A whole report as the reader shows it, as of `index_version`."""

    document: DocumentMeta
    index_version: str
    passages: list[ReaderPassage]


class Examples(BaseModel):
    """Questions the reports answer, checked against the engine of `index_version`."""

    examples: list[str]
    index_version: str


class RelatedBody(BaseModel):
    """A passage close to a refused question: not an answer."""

    passage_id: str
    doc_id: str
    title: str
    body: str
    section: str
    text: str


class AnswerBody(BaseModel):
    """/api/ask's answer (the `done` event of a stream carries the same)."""

    question: str
    answer: str
    answerable: bool
    citations: list[dict[str, Any]]
    computed: list[dict[str, Any]]
    timings_ms: dict[str, float]
    index_version: str
    resolved_question: str
    related: list[RelatedBody] = []
    suggestions: list[str] = []


def _service(request: Request) -> QAService:
    engine = request.app.state.engine
    if engine is None:
        raise IndexMissingError("service not started (lifespan did not run)")
    return engine.get()


def reader_router() -> APIRouter:
    """The routes GET /api/documents/{doc_id} and GET /api/examples."""
    router = APIRouter()

    @router.get("/api/documents/{doc_id}", summary="One report with its passages in order (the reader)",
                response_model=ReaderDocument, responses=api_errors(404, 422, 503))
    def document(doc_id: str, request: Request,
                 version: str | None = Query(None, pattern=VERSION_PATTERN, description=(
                     "the index_version of the answer citing it: served while that version is kept "
                     "(default: the current index)"))) -> Any:
        return _service(request).document_view(doc_id, version).to_dict()

    @router.get("/api/examples", summary="Questions the reports answer, on a topic if given",
                response_model=Examples, responses=api_errors(422, 503))
    def examples(request: Request, topic: str = Query("", max_length=MAX_TOPIC_CHARS, pattern=TEXT_PATTERN,
                                                      description="话题，如 提案 (topic words)")) -> Any:
        svc = _service(request)
        topic = topic.strip()
        seconds = TOPIC_SECONDS if topic else None  # the welcome screen's own are found at start-up
        found = svc.examples(topic) if seconds is None else svc.examples(topic, seconds=seconds)
        return {"examples": found, "index_version": svc.index_version}

    return router
