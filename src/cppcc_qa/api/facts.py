"""The fact-checking routes of the HTTP API: the table of figures, claim verdicts, draft checks.

`facts_router()` is included by `api.create_app`; the routes use the app's service (and its
error handling) and keep one `Verifier` per service, so figures are extracted once per index
version. Request bodies are checked where they enter (`api.models.CheckedBody`).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from cppcc_qa.api.models import CheckedBody, api_errors
from cppcc_qa.errors import IndexMissingError
from cppcc_qa.factcheck.drafts import MAX_DRAFT_CHARS
from cppcc_qa.factcheck.figures import figures_csv, figures_to_rows
from cppcc_qa.service import QAService

__all__ = ["facts_router", "VerifyRequest", "CheckRequest"]

#: A claim is one sentence; the service applies its own (settings) limit too.
MAX_CLAIM_CHARS = 1000
#: Longest filter value accepted by /api/figures.
MAX_FILTER_CHARS = 100
_CSV_OK = {"description": "UTF-8 CSV with a byte-order mark and a header row; text cells a spreadsheet "
                          "would run as formulas start with an apostrophe",
           "content": {"text/csv": {"schema": {"type": "string"}}}}


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
    """The routes /api/figures, /api/figures.csv, /api/verify and /api/check."""
    router = APIRouter()
    committee_q = Query(None, max_length=MAX_FILTER_CHARS, description="委员会，如 武威 (committee)")
    text_q = Query(None, max_length=MAX_FILTER_CHARS, description="事项关键词，如 委员工作室 (text)")

    @router.get("/api/figures", summary="The figures in the reports, filtered by committee and text",
                responses=api_errors(422, 503))
    def figures(request: Request, committee: str | None = committee_q, text: str | None = text_q) -> dict[str, Any]:
        svc = _service(request)
        figs = svc.figures(committee, text)
        return {"count": len(figs), "figures": figures_to_rows(figs), "index_version": svc.figures_version()}

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

    return router
