"""The fact-checking routes of the HTTP API: the table of figures, claim verdicts, draft checks.

`facts_router()` is included by `api.create_app`; the routes use the app's service (and its
error handling) and keep one `Verifier` per service, so figures are extracted once per index
version. Request bodies are checked where they enter (`api_models.clean_text`).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cppcc_qa.api.models import clean_text
from cppcc_qa.errors import IndexMissingError
from cppcc_qa.factcheck.drafts import MAX_DRAFT_CHARS
from cppcc_qa.factcheck.figures import figures_csv, figures_to_rows
from cppcc_qa.service import QAService

__all__ = ["facts_router", "VerifyRequest", "CheckRequest"]

#: A claim is one sentence; the service applies its own (settings) limit too.
MAX_CLAIM_CHARS = 1000
#: Longest filter value accepted by /api/figures.
MAX_FILTER_CHARS = 100


class VerifyRequest(BaseModel):
    """One claim to check."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"claim": "武威市政协委员调结案件35件。"}]})
    claim: str = Field(description="说法 (the claim)")

    @field_validator("claim")
    @classmethod
    def _claim(cls, v: str) -> str:
        return clean_text(v, "说法/claim", MAX_CLAIM_CHARS)


class CheckRequest(BaseModel):
    """A draft whose statements are to be checked."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "武威市政协委员调结案件35件，调解成功72件。"}]})
    text: str = Field(description="稿件 (the draft)")

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        return clean_text(v, "稿件/draft", MAX_DRAFT_CHARS)


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

    @router.get("/api/figures", summary="The figures in the reports, filtered by committee and text")
    def figures(request: Request, committee: str | None = committee_q, text: str | None = text_q) -> dict[str, Any]:
        svc = _service(request)
        figs = svc.figures(committee, text)
        return {"count": len(figs), "figures": figures_to_rows(figs), "index_version": svc.figures_version()}

    @router.get("/api/figures.csv", summary="The same table as CSV (for a spreadsheet)")
    def figures_download(request: Request, committee: str | None = committee_q, text: str | None = text_q) -> Response:
        body = "\ufeff" + figures_csv(_service(request).figures(committee, text))  # BOM: Excel reads UTF-8
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="figures.csv"'})

    @router.post("/api/verify", summary="Check one claim: supported, refuted or not_found, with evidence")
    def verify(body: VerifyRequest, request: Request) -> dict[str, Any]:
        return _service(request).verify(body.claim).to_dict()

    @router.post("/api/check", summary="Check every figure and checkable fact in a draft")
    def check(body: CheckRequest, request: Request) -> dict[str, Any]:
        return _service(request).check_draft(body.text).to_dict()

    return router
