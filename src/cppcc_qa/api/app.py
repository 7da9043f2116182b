"""The HTTP API: a thin FastAPI shell over the service, plus the static page.

`create_app(settings)` builds the service once in the lifespan handler (or takes one given to
it), and this module is the only place that turns the package's errors into HTTP codes.
Every failure answers `{"error": {"code", "message"}}`, the message in Chinese then English.
"""
import asyncio
import hmac
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from cppcc_qa.api.bounded import run_bounded
from cppcc_qa.api.docs import install_offline_docs
from cppcc_qa.api.feedback import (
    DAY_PATTERN,
    FeedbackEntry,
    FeedbackFilter,
    FeedbackStore,
    csv_rows,
    open_feedback_store,
)
from cppcc_qa.api.methods import MethodRules, PageMount, allowed_methods
from cppcc_qa.api.middleware import BodySizeLimit, BodyTimeout, RateLimit, SecurityHeaders, error_body
from cppcc_qa.api.models import DocumentList, FeedbackPage, FeedbackSaved, api_errors, bind_limits, undecodable_body
from cppcc_qa.api.reader import AnswerBody
from cppcc_qa.budget import Budget
from cppcc_qa.errors import (
    CppccError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    InputError,
    ModelUnavailableError,
    NotFoundError,
    ReplaceRefusedError,
    RequestCancelledError,
    StorageError,
    TimeBudgetError,
    UnsupportedFileTypeError,
    UploadTooLargeError,
)
from cppcc_qa.indexing.store import VERSION_PATTERN
from cppcc_qa.records import Answer, Document, Turn
from cppcc_qa.settings import Settings

__all__ = ["create_app", "app_from_env"]

logger = logging.getLogger(__name__)

# While the index is missing, a request tries warm_up() again at most this often (seconds), so a
# freshly built index is picked up without a restart but a missing one is not re-probed per request.
WARM_UP_RETRY_S = 10.0
# Streamed answers are cut after punctuation into "delta" events of at least this many characters.
DELTA_CHARS = 24
_PIECE_END = re.compile(r"(?<=[。！？；，：;,:!?\n])")
# Feedback paging: an offset past any real table, and within SQLite's 64-bit integers.
MAX_FEEDBACK_OFFSET = 1_000_000_000
# Rows the CSV export reads from the store at a time (it streams every row the filter selects).
CSV_PAGE_ROWS = 500
_FEEDBACK_CSV_OK = {"description": "UTF-8 CSV with a byte-order mark and a header row (columns: "
                                   "id, created_at, rating, question, answer, comment, citations, history, "
                                   "index_version; citations and history as lines within their cells); text "
                                   "cells a spreadsheet would run as formulas start with an apostrophe",
                    "content": {"text/csv": {"schema": {"type": "string"}}}}
# Reports one upload request may carry, and the room its multipart framing (boundaries, part
# headers) takes beside the files' bytes in the request-size limit.
MAX_UPLOAD_FILES = 20
MULTIPART_OVERHEAD_BYTES = 64 * 1024
_META_FIELDS = ("body", "title", "date", "kind")  # form fields of an upload that override what is inferred
# The form field that allows replacing an indexed report of the same file name or doc id, and
# the values it takes (an HTML checkbox sends "on").
_REPLACE_FIELD = "replace"
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")
_UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "minItems": 1, "maxItems": MAX_UPLOAD_FILES,
                             "items": {"type": "string", "format": "binary"}},
                   **{k: {"type": "string", "description": d} for k, d in (
                       ("body", "issuing body, e.g. 国务院 or 云岭县政协 (default: inferred)"),
                       ("title", "the report's title (default: inferred)"),
                       ("date", "2024, 2024-03 or 2024-03-05 (default: inferred)"),
                       ("kind", "e.g. 政府工作报告 (default: inferred)"))},
                   _REPLACE_FIELD: {"type": "string", "enum": [*_TRUE, *_FALSE[:-1]],
                                    "description": "true to replace the indexed report with the same file "
                                                   "name or doc id (without it such an upload is refused, 409)"}}}}}}

# Staff routes take the staff key in this header; a missing one is 401, a wrong one 403, and with no
# key configured the routes are off (404).
STAFF_KEY = APIKeyHeader(name="X-API-Key", auto_error=False,
                         description="the staff key (CPPCC_QA_STAFF_API_KEY)")
STAFF_ERRORS = (401, 403, 404)
_ASK_OK = {"description": "The answer as JSON; with stream=true or Accept: text/event-stream, server-sent "
                          "events: sources, delta…, answer, done (each event's data is JSON)",
           "model": AnswerBody,
           "content": {"text/event-stream": {"schema": {  # one event
               "type": "object", "required": ["event", "data"],
               "properties": {"event": {"enum": ["sources", "delta", "answer", "done"]},
                              "data": {"type": "string"}}}}}}

# error class -> (status, code, what a reader is told first); subclasses before their bases
_ERRORS: dict[type[CppccError], tuple[int, str, str]] = {
    UploadTooLargeError: (413, "upload_too_large", "文件过大"),
    UnsupportedFileTypeError: (415, "unsupported_file_type", "不支持的文件类型"),
    ReplaceRefusedError: (409, "replace_refused", "将替换已有报告，需明确要求替换"),
    IngestError: (422, "unreadable_file", "文件无法读取"),
    IndexBusyError: (503, "index_busy", "索引正在更新，请稍后再试"),
    InputError: (422, "input_error", "输入有误"),
    NotFoundError: (404, "not_found", "未找到"),
    IndexMissingError: (503, "index_missing", "尚未建立索引，问答服务暂不可用"),
    IndexMismatchError: (503, "index_mismatch", "索引与当前设置不一致，需要重建索引"),
    IndexCorruptError: (503, "index_corrupt", "索引文件已损坏，需要重建索引"),
    ModelUnavailableError: (503, "model_unavailable", "向量模型不可用"),
    StorageError: (503, "feedback_unavailable", "反馈暂时无法保存或读取"),
    TimeBudgetError: (503, "time_budget", "回答超时，请稍后再试或把问题问得简短些"),
    RequestCancelledError: (503, "cancelled", "请求已取消"),  # the client has gone: nobody reads it
}
_STATUS_TEXT = {
    401: ("unauthorized", "需要员工密钥。(X-API-Key header required.)"),
    403: ("forbidden", "员工密钥不正确。(Wrong X-API-Key.)"),
    404: ("not_found", "未找到该地址。(Not found.)"),
    405: ("method_not_allowed", "不支持该请求方法。(Method not allowed.)"),
}
_NOT_READY = (IndexMissingError, IndexMismatchError, IndexCorruptError, ModelUnavailableError)


class AnswerService(Protocol):
    """What the API needs of `cppcc_qa.service` (see docs/DESIGN.md)."""

    def warm_up(self) -> None: ...
    def ask(self, question: str, history: tuple[Turn, ...] = (), budget: Budget | None = None) -> Answer: ...
    def passage(self, passage_id: str, version: str | None = None) -> Any: ...
    def work_size(self, question: str, history: tuple[Turn, ...] = ()) -> int: ...
    def documents(self) -> list[Document]: ...
    def document_sizes(self) -> dict[str, tuple[int, int]]: ...
    def health(self) -> dict[str, Any]: ...
    def add_files(self, files: list[tuple[str | None, bytes]], max_bytes: int | None = None,
                  metadata: dict[str, str | None] | None = None, replace: bool = False) -> Any: ...
    def remove_document(self, doc_id: str) -> Any: ...


class _Engine:
    """The service and whether it warmed up; retries a failed warm-up now and then."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self.error: CppccError | None = None
        self._tried_at = 0.0
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            self._tried_at = time.monotonic()
            try:
                self.service.warm_up()
                self.error = None
                self._prefetch_examples()
            except _NOT_READY as exc:
                logger.error("service not ready, API answers 503: %s", exc)
                self.error = exc

    def _prefetch_examples(self) -> None:
        """Find the welcome screen's example questions in the background (each is asked of the
        engine once per index version), so the first visitor does not wait for them."""
        examples = getattr(self.service, "examples", None)
        if examples is None:
            return

        def find() -> None:
            try:
                examples()
            except CppccError as exc:  # the page asks again (GET /api/examples) and is told why
                logger.warning("example questions not found at start-up: %s", exc)

        threading.Thread(target=find, name="examples", daemon=True).start()

    def get(self) -> AnswerService:
        """The warmed service, or raise why it is not ready (mapped to 503)."""
        if self.error is not None and time.monotonic() - self._tried_at >= WARM_UP_RETRY_S:
            self.warm_up()
        if self.error is not None:
            raise self.error
        return self.service


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None
           ) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def _passage_json(view: Any) -> dict[str, Any]:
    """A PassageView as JSON: the chunk, its document's metadata (not its whole text), neighbours."""
    if hasattr(view, "to_dict"):
        return view.to_dict()
    return {"passage": view.chunk.to_dict(), "document": view.document.to_dict(),
            "prev_id": view.prev_id, "next_id": view.next_id, "index_version": view.version}


def _pieces(text: str) -> Iterator[str]:
    """Cut `text` after punctuation into pieces of at least DELTA_CHARS characters."""
    piece = ""
    for part in _PIECE_END.split(text):
        piece += part
        if len(piece) >= DELTA_CHARS:
            yield piece
            piece = ""
    if piece:
        yield piece


def answer_events(answer: Answer) -> Iterator[dict[str, str]]:
    """The server-sent events of one answer: sources, delta…, answer, done."""
    full = answer.to_dict()
    yield {"event": "sources", "data": _dump(full["citations"])}
    for piece in _pieces(answer.answer):
        yield {"event": "delta", "data": _dump({"text": piece})}
    yield {"event": "answer", "data": _dump({"answer": answer.answer,
                                             "answerable": answer.answerable})}
    yield {"event": "done", "data": _dump(full)}


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CppccError)
    async def package_error(_: Request, exc: CppccError) -> JSONResponse:
        status, code, zh = next((v for cls, v in _ERRORS.items() if isinstance(exc, cls)),
                                (500, "internal_error", "服务内部错误"))
        if status >= 500 and not isinstance(exc, RequestCancelledError):
            logger.error("%s: %s", code, exc)
        return _error(status, code, f"{zh}。({exc})")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":  # not JSON at all: 400, like any body that does not decode
            loc = first.get("loc", ())
            return _error(400, "invalid_body", undecodable_body(
                None, str(first.get("ctx", {}).get("error", "")) or "JSON decode error",
                loc[-1] if loc and isinstance(loc[-1], int) else None))
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        if first.get("type") != "value_error":  # pydantic's own words: say which field
            where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
            msg = f"请求格式有误：{where}: {msg} (Invalid request: {where}: {msg})"
        return _error(422, "invalid_request", msg)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if hasattr(exc, "code"):  # our own (BodyTooLarge, BodyTimedOut): its words already fit
            return _error(exc.status_code, exc.code, exc.detail, exc.headers)
        if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI could not decode the body
            return _error(400, "invalid_body", undecodable_body(exc.__cause__))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method the path takes, not only the first route's
            headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
        code, message = _STATUS_TEXT.get(exc.status_code,
                                         ("http_error", f"请求失败。(HTTP {exc.status_code})"))
        return _error(exc.status_code, code, message, headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return _error(500, "internal_error", "服务内部错误，请稍后再试。(Internal server error.)")


def create_app(settings: Settings, service: AnswerService | None = None) -> FastAPI:
    """The API and page for `settings`; builds the service at start-up unless one is given."""
    if TYPE_CHECKING:  # to mypy the module-level bases; at runtime their subclasses carrying these limits
        from cppcc_qa.api.models import AskRequest, FeedbackRequest
    else:
        AskRequest, FeedbackRequest = bind_limits(settings)
    feedback: FeedbackStore = open_feedback_store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.engine is None:
            from cppcc_qa.service import build_service  # heavy imports only when serving
            app.state.engine = _Engine(build_service(settings))
        app.state.engine.warm_up()
        yield

    app = FastAPI(title="cppcc-qa", version="0.1.0", lifespan=lifespan, docs_url=None,
                  description="政协工作报告问答：每个回答都附有出处。"
                              " Cited answers over CPPCC committee work reports.")
    app.state.engine = _Engine(service) if service is not None else None
    _install_error_handlers(app)
    install_offline_docs(app)
    app.add_middleware(MethodRules)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, path_limits={
        "/api/documents": settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        "/api/feedback": settings.max_feedback_bytes})
    app.add_middleware(BodyTimeout, seconds=settings.body_timeout_s,
                       path_seconds={"/api/documents": settings.upload_body_timeout_s})
    app.add_middleware(RateLimit, per_minute=settings.feedback_per_minute, prefix="/api/feedback",
                       methods=("POST",), max_clients=settings.rate_limit_clients)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit_per_minute,
                       max_clients=settings.rate_limit_clients)

    heavy_lane = asyncio.Semaphore(settings.heavy_lanes)  # long questions take turns (settings.heavy_lanes)

    def svc(request: Request) -> AnswerService:
        engine: _Engine | None = request.app.state.engine
        if engine is None:
            raise IndexMissingError("service not started (lifespan did not run)")
        return engine.get()

    @app.post("/api/ask", summary="Ask a question (JSON, or server-sent events with stream=true)",
              responses={200: _ASK_OK, **api_errors(400, 408, 422, 503)})
    async def ask(body: AskRequest, request: Request) -> Any:
        # in a worker thread, within settings.ask_time_budget_s (503 past it), stopped when the
        # client goes away (api/bounded.py); streamed answers too, as they are composed first
        service, turns = svc(request), body.turns()
        heavy = service.work_size(body.question, turns) > settings.heavy_request_chars
        # the service's reader-facing reply (a useful refusal, Traditional in, Traditional out)
        # when it has one; a bare `ask` otherwise
        reply = getattr(service, "reply", service.ask)
        answer = await run_bounded(request, lambda budget: reply(body.question, turns, budget),
                                   settings.ask_time_budget_s, heavy_lane if heavy else None)
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            return EventSourceResponse(answer_events(answer))
        return answer.to_dict()

    @app.get("/api/passages/{passage_id:path}", summary="One passage with its document and neighbours",
             responses=api_errors(404, 422, 503))
    def passage(passage_id: str, request: Request,
                version: str | None = Query(None, pattern=VERSION_PATTERN, description=(
                    "the index_version of the answer citing it: served while that version is kept "
                    "(default: the current index)"))) -> Any:
        return _passage_json(svc(request).passage(passage_id, version))

    @app.get("/api/documents", summary="The indexed reports", response_model=DocumentList,
             responses=api_errors(503))
    def documents(request: Request) -> dict[str, Any]:
        service = svc(request)
        sizes = service.document_sizes()
        return {"documents": [{**d.to_dict(), "chars": sizes.get(d.doc_id, (0, 0))[0], "chunks": sizes.get(d.doc_id, (0, 0))[1]}
                              for d in service.documents()]}

    @app.get("/api/health", summary="Index version, embedder and counts; 503 while no index",
             responses=api_errors(503))
    def health(request: Request) -> dict[str, Any]:
        limits = {"max_question_chars": settings.max_question_chars,
                  "max_history_turns": settings.max_history_turns,
                  "max_history_chars": settings.max_history_chars,
                  "max_question_parts": settings.max_question_parts}
        return {"status": "ok", **svc(request).health(), "limits": limits}

    @app.post("/api/feedback", status_code=201, summary="👍/👎 on an answer", response_model=FeedbackSaved,
              responses=api_errors(400, 408, 422, 503))
    def add_feedback(body: FeedbackRequest) -> dict[str, Any]:
        entry = feedback.add(FeedbackEntry(question=body.question, answer=body.answer,
                                           rating=body.rating, comment=body.comment,
                                           citations=body.citation_dicts(), history=body.turns(),
                                           index_version=body.index_version))
        return {"id": entry.id, "created_at": entry.created_at}

    def staff_denied(x_api_key: str | None, what: str) -> JSONResponse | None:
        """The refusal for a staff route (404 when no staff key is configured), or None."""
        if not settings.staff_api_key:
            return _error(404, "not_found", f"未开启{what}功能。(Staff routes are off.)")
        if not x_api_key:
            return _error(401, *_STATUS_TEXT[401])
        if not hmac.compare_digest(x_api_key.encode(), settings.staff_api_key.encode()):
            return _error(403, *_STATUS_TEXT[403])
        return None

    @app.get("/api/feedback", summary="Stored feedback, newest first, filtered (staff: X-API-Key)",
             response_model=FeedbackPage, responses=api_errors(*STAFF_ERRORS, 422, 503))
    def list_feedback(x_api_key: str | None = Security(STAFF_KEY),
                      where: FeedbackFilter = Depends(_feedback_filter),
                      limit: int = Query(100, ge=1, le=1000),
                      offset: int = Query(0, ge=0, le=MAX_FEEDBACK_OFFSET)) -> Any:
        if denied := staff_denied(x_api_key, "反馈查看"):
            return denied
        return {"count": feedback.count(where),
                "feedback": [e.to_dict() for e in feedback.query(where, limit, offset)]}

    @app.get("/api/feedback.csv", summary="The same feedback as CSV, every row the filter selects (staff: X-API-Key)",
             response_class=Response, responses={200: _FEEDBACK_CSV_OK, **api_errors(*STAFF_ERRORS, 422, 503)})
    def feedback_csv(x_api_key: str | None = Security(STAFF_KEY),
                     where: FeedbackFilter = Depends(_feedback_filter)) -> Response:
        if denied := staff_denied(x_api_key, "反馈查看"):
            return denied
        first = feedback.query(where, CSV_PAGE_ROWS)  # read before the answer starts: a failure is a 503

        def pages() -> Iterator[list[FeedbackEntry]]:
            page = first
            while page:
                yield page
                if len(page) < CSV_PAGE_ROWS:
                    return
                # below the last id sent, not by offset: votes arriving meanwhile shift no row
                page = feedback.query(replace(where, before_id=page[-1].id), CSV_PAGE_ROWS)

        body = itertools.chain(["\ufeff"], csv_rows(pages()))  # BOM: Excel reads UTF-8
        return StreamingResponse(body, media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="feedback.csv"'})

    @app.post("/api/documents", openapi_extra={"requestBody": _UPLOAD_BODY},
              summary="Add or replace reports: multipart field 'files' (staff: X-API-Key)",
              responses=api_errors(*STAFF_ERRORS, 400, 408, 409, 415, 422, 503))
    async def add_documents(request: Request, x_api_key: str | None = Security(STAFF_KEY)) -> Any:
        if denied := staff_denied(x_api_key, "上传报告"):
            return denied
        engine: _Engine | None = request.app.state.engine
        if engine is None:
            raise IndexMissingError("service not started (lifespan did not run)")
        files, meta, replace = await _uploaded_files(request)
        update = await run_in_threadpool(
            lambda: engine.service.add_files(files, settings.max_upload_bytes, meta, replace))
        if engine.error is not None:  # the upload made the first index: start answering
            await run_in_threadpool(engine.warm_up)
        return update.to_dict()

    @app.delete("/api/documents/{doc_id}", summary="Remove a report (staff: X-API-Key)",
                responses=api_errors(*STAFF_ERRORS, 422, 503))
    def remove_document(doc_id: str, request: Request,
                        x_api_key: str | None = Security(STAFF_KEY)) -> Any:
        if denied := staff_denied(x_api_key, "删除报告"):
            return denied
        return svc(request).remove_document(doc_id).to_dict()

    from cppcc_qa.api.facts import facts_router
    from cppcc_qa.api.reader import reader_router

    app.include_router(facts_router())
    app.include_router(reader_router())  # before the static mount, which catches every path after it
    app.router.routes.append(PageMount("/", StaticFiles(directory=settings.web_dir, html=True), name="web"))
    return app


def _feedback_filter(
        rating: Literal["up", "down"] | None = Query(None, description="only 👍 (up) or 👎 (down)"),
        since: str | None = Query(None, description="from this day on (UTC, inclusive), YYYY-MM-DD",
                                  json_schema_extra={"format": "date", "pattern": DAY_PATTERN}),
        until: str | None = Query(None, description="up to this day (UTC, inclusive), YYYY-MM-DD",
                                  json_schema_extra={"format": "date", "pattern": DAY_PATTERN}),
) -> FeedbackFilter:
    """The staff feedback filter of a request's query (422 for a day that is no date, or since > until)."""
    return FeedbackFilter.parse(rating, since, until)


async def _uploaded_files(request: Request
                          ) -> tuple[list[tuple[str | None, bytes]], dict[str, str | None], bool]:
    """(name, bytes) of each file in the multipart field `files`, read into memory (never
    saved under the name it came with), the metadata fields (body, title, date, kind) that
    apply to them all, and whether the field `replace` allows replacing indexed reports."""
    try:
        form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=MAX_UPLOAD_FILES + len(_META_FIELDS) + 1)
    except HTTPException as exc:
        if exc.status_code != 400:  # BodyTooLarge (413) passes through
            raise
        raise InputError(f"the upload is not valid multipart/form-data: {exc.detail}") from None
    try:
        parts = form.getlist("files")
        uploads = [p for p in parts if isinstance(p, UploadFile)]
        if not parts or len(uploads) != len(parts):
            raise InputError(f"send the reports as files in the multipart field 'files' "
                             f"(1 to {MAX_UPLOAD_FILES} of them)")
        meta: dict[str, str | None] = {}
        for key in _META_FIELDS:
            value = form.get(key)
            if value is not None and not isinstance(value, str):
                raise InputError(f"the form field {key!r} must be text")
            meta[key] = value
        return [(u.filename, await u.read()) for u in uploads], meta, _replace_flag(form.get(_REPLACE_FIELD))
    finally:
        await form.close()


def _replace_flag(value: object) -> bool:
    """The upload's `replace` field as a bool; InputError for anything but the allowed words."""
    if value is None:
        return False
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in (*_TRUE, *_FALSE):
        raise InputError(f"the form field 'replace' must be one of {', '.join(_TRUE + _FALSE[:-1])}; "
                         f"it is {value!r}")
    return word in _TRUE


def app_from_env() -> FastAPI:
    """uvicorn factory used by `cppcc-qa serve`: Settings from the CPPCC_QA_* environment.

    Each worker process gets its own app, so the rate limit is per worker.
    """
    return create_app(Settings())
