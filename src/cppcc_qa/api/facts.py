"""The fact-checking routes of the HTTP API: the table of figures, claim verdicts, draft checks.

`facts_router()` is included by `api.create_app`; the routes use the app's service (and its
error handling) and keep one `Verifier` per service, so figures are extracted once per index
version. Request bodies are checked where they enter (`api.models.CheckedBody`).
"""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cppcc_qa.api.models import CheckedBody, api_errors
from cppcc_qa.errors import IndexMissingError
from cppcc_qa.factcheck.drafts import MAX_DRAFT_CHARS, draft_csv, draft_markdown
from cppcc_qa.factcheck.figures import figures_csv, figures_to_rows, sort_figures
from cppcc_qa.service import QAService

__all__ = ["facts_router", "VerifyRequest", "CheckRequest", "FiguresPage", "FIGURES_PAGE_MAX", "SortKey"]

#: A claim is one sentence; the service applies its own (settings) limit too.
MAX_CLAIM_CHARS = 1000
#: Longest filter value accepted by /api/figures.
MAX_FILTER_CHARS = 100
#: Most figures one /api/figures response carries (a page); `total` says how many match.
FIGURES_PAGE_MAX = 500
#: Figures per page when the request names no limit.
FIGURES_PAGE_DEFAULT = 100
#: Largest offset accepted: far beyond any corpus's figures, small enough to stay an int everywhere.
FIGURES_OFFSET_MAX = 10_000_000
#: The sort columns (`figures.SORT_KEYS`; a test keeps the two the same).
SortKey = Literal["committee", "measure", "value", "period", "source"]


class FigureRow(BaseModel):
    """One figure of the table (`records.Figure`; integral values as integers)."""

    figure_id: str
    committee: str
    measure: str
    value: int | float
    unit: str
    qualifier: str
    period: str
    surface: str
    passage_id: str
    doc_id: str
    start: int
    end: int


class FiguresPage(BaseModel):
    """One page of the table of figures: `figures` from `offset`, at most `limit` of `total`."""

    total: int = Field(description="figures matching the filters (all pages)")
    count: int = Field(description="the same as total (kept for earlier clients)")
    offset: int
    limit: int
    sort: str | None
    order: Literal["asc", "desc"]
    figures: list[FigureRow]
    index_version: str


_CSV_OK = {"description": "UTF-8 CSV with a byte-order mark and a header row; text cells a spreadsheet "
                          "would run as formulas start with an apostrophe",
           "content": {"text/csv": {"schema": {"type": "string"}}}}


_MD_OK = {"description": "UTF-8 Markdown: the summary, then each statement with its verdict, suggested "
                         "figure, explanation and evidence",
          "content": {"text/markdown": {"schema": {"type": "string"}}}}


class VerifyRequest(CheckedBody):
    """One claim to check."""

    model_config = ConfigDict(extra="forbid")
    example = {"claim": "武威市政协委员调结案件35件。"}
    text_rules = {"claim": ("说法/claim", MAX_CLAIM_CHARS, True)}

    claim: str = Field(description="说法 (the claim)")


class CheckRequest(CheckedBody):
    """A draft whose statements are to be checked."""

    model_config = ConfigDict(extra="forbid")
    example = {"text": "武威市政协委员调结案件35件，调解成功72件。"}
    text_rules = {"text": ("稿件/draft", MAX_DRAFT_CHARS, True)}

    text: str = Field(description="稿件 (the draft)")


def _service(request: Request) -> QAService:
    """The app's (warmed) service; 503 while it is not ready."""
    engine = request.app.state.engine
    if engine is None:
        raise IndexMissingError("service not started (lifespan did not run)")
    return engine.get()


def facts_router() -> APIRouter:
    """The routes /api/figures, /api/figures.csv, /api/verify, /api/check and its exports
    /api/check.md and /api/check.csv."""
    router = APIRouter()
    committee_q = Query(None, max_length=MAX_FILTER_CHARS, description="委员会，如 武威 (committee)")
    text_q = Query(None, max_length=MAX_FILTER_CHARS, description="事项关键词，如 委员工作室 (text)")

    @router.get("/api/figures", summary="The figures in the reports, filtered by committee and text, a page at a time",
                response_model=FiguresPage, responses=api_errors(422, 503))
    def figures(request: Request, committee: str | None = committee_q, text: str | None = text_q,
                sort: SortKey | None = Query(None, description="排序列 (sort column); none: text order"),
                order: Literal["asc", "desc"] = Query("asc", description="升序/降序 (order)"),
                limit: int = Query(FIGURES_PAGE_DEFAULT, ge=1, le=FIGURES_PAGE_MAX, description="每页条数 (page size)"),
                offset: int = Query(0, ge=0, le=FIGURES_OFFSET_MAX, description="跳过条数 (figures skipped)"),
                ) -> dict[str, Any]:
        svc = _service(request)
        figs = sort_figures(svc.figures(committee, text), sort, order == "desc")
        return {"total": len(figs), "count": len(figs), "offset": offset, "limit": limit, "sort": sort,
                "order": order, "figures": figures_to_rows(figs[offset : offset + limit]),
                "index_version": svc.figures_version()}

    @router.get("/api/figures.csv", summary="The same table as CSV (for a spreadsheet)", response_class=Response,
                responses={200: _CSV_OK, **api_errors(422, 503)})
    def figures_download(request: Request, committee: str | None = committee_q, text: str | None = text_q) -> Response:
        body = "\ufeff" + figures_csv(_service(request).figures(committee, text))  # BOM: Excel reads UTF-8
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="figures.csv"'})

    @router.post("/api/verify", summary="Check one claim: supported, refuted or not_found, with evidence",
                 responses=api_errors(400, 408, 422, 503))
    def verify(body: VerifyRequest, request: Request) -> dict[str, Any]:
        return _service(request).verify(body.claim).to_dict()

    @router.post("/api/check", summary="Check every figure and checkable fact in a draft",
                 responses=api_errors(400, 408, 422, 503))
    def check(body: CheckRequest, request: Request) -> dict[str, Any]:
        return _service(request).check_draft(body.text).to_dict()

    @router.post("/api/check.md", summary="The same draft check as Markdown (to keep or send)",
                 response_class=Response, responses={200: _MD_OK, **api_errors(400, 408, 422, 503)})
    def check_markdown(body: CheckRequest, request: Request) -> Response:
        return Response(draft_markdown(_service(request).check_draft(body.text)), media_type="text/markdown; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="check.md"'})

    @router.post("/api/check.csv", summary="The same draft check as CSV, one row per statement",
                 response_class=Response, responses={200: _CSV_OK, **api_errors(400, 408, 422, 503)})
    def check_csv(body: CheckRequest, request: Request) -> Response:
        body_text = "\ufeff" + draft_csv(_service(request).check_draft(body.text))
        return Response(body_text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="check.csv"'})

    return router
