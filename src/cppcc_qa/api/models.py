"""Request bodies of the HTTP API, checked where they enter.

The limits come from Settings, so `bind_limits(settings)` makes subclasses carrying them; the
module-level classes hold the defaults and the rules. Messages are Chinese first, then English,
and say what is allowed.
"""
from __future__ import annotations

import sys
from types import GenericAlias
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cppcc_qa.errors import InputError
from cppcc_qa.records import Turn
from cppcc_qa.settings import Settings
from cppcc_qa.text import validate

__all__ = ["AskRequest", "FeedbackRequest", "HistoryTurn", "CitationRef", "bind_limits",
           "clean_text", "undecodable_body"]

# Longest earlier answer kept in a follow-up's history; answers are extractive and far shorter.
MAX_HISTORY_ANSWER_CHARS = 4000
# Feedback: a comment is a sentence or two; an answer or citation list is what /api/ask returned.
MAX_COMMENT_CHARS = 2000
MAX_FEEDBACK_ANSWER_CHARS = 8000
MAX_FEEDBACK_CITATIONS = 20


def undecodable_body(cause: BaseException | None, json_error: str = "", position: int | None = None) -> str:
    """What was wrong with a request body that did not decode to JSON (the answer is 400): bytes
    that are not UTF-8, nesting deeper than the decoder recurses, an integer with more digits
    than Python converts (`sys.get_int_max_str_digits()`), or text that is not JSON (`json_error`
    at character `position`, as `json.JSONDecodeError` says them)."""
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start:cause.start + 1].hex()
        return (f"请求内容不是有效的 UTF-8 文本（第 {cause.start} 字节 0x{byte}）。"
                f"(The body is not valid UTF-8: byte 0x{byte} at position {cause.start}.)")
    if isinstance(cause, RecursionError):
        return "请求的 JSON 嵌套过深。(The JSON body is nested too deeply to decode.)"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        limit = sys.get_int_max_str_digits()
        return (f"请求的 JSON 中有整数位数过多（上限 {limit} 位）。"
                f"(An integer in the JSON body has too many digits; at most {limit}.)")
    if json_error:
        where = f"第 {position} 个字符" if position is not None else ""
        return (f"请求不是有效的 JSON（{where}：{json_error}）。"
                f"(The body is not valid JSON: {json_error} at character {position}.)")
    what = type(cause).__name__ if cause is not None else "unknown"
    return f"请求内容无法解析。(The body could not be decoded: {what}.)"


def clean_text(value: str, what: str, max_chars: int, required: bool = True) -> str:
    """`text.validate.clean_text` for a request field: its InputError becomes the ValueError that
    pydantic reports as a 422 naming the field."""
    try:
        return validate.clean_text(value, what, max_chars, required)
    except InputError as exc:
        raise ValueError(str(exc)) from None


class HistoryTurn(BaseModel):
    """An earlier question and the answer the page showed for it."""

    model_config = ConfigDict(extra="ignore")
    max_question_chars: ClassVar[int] = 1000

    question: str
    answer: str = ""

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return clean_text(v, "历史问题/earlier question", cls.max_question_chars)

    @field_validator("answer")
    @classmethod
    def _answer(cls, v: str) -> str:
        return clean_text(v, "历史回答/earlier answer", MAX_HISTORY_ANSWER_CHARS, required=False)


class AskRequest(BaseModel):
    """A question, the conversation so far (oldest first) and whether to stream the answer."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "武威市政协委员参与诉前调解调结了多少件案件？", "history": [], "stream": False},
    ]})
    max_question_chars: ClassVar[int] = 1000
    max_history_turns: ClassVar[int] = 6

    question: str = Field(description="问题 (the question)")
    history: list[HistoryTurn] = Field(default_factory=list,
                                       description="earlier turns, oldest first")
    stream: bool = Field(default=False, description="answer as server-sent events")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return clean_text(v, "问题/question", cls.max_question_chars)

    @field_validator("history")
    @classmethod
    def _history(cls, v: list[HistoryTurn]) -> list[HistoryTurn]:
        if len(v) > cls.max_history_turns:
            raise ValueError(f"对话历史过长：{len(v)} 轮，上限 {cls.max_history_turns} 轮。"
                             f"(history has {len(v)} turns; at most {cls.max_history_turns}.)")
        return v

    def turns(self) -> tuple[Turn, ...]:
        return tuple(Turn(question=t.question, answer=t.answer) for t in self.history)


class CitationRef(BaseModel):
    """What feedback keeps of a citation: enough to find the passage again."""

    model_config = ConfigDict(extra="ignore")

    n: int = 0
    passage_id: str = Field(default="", max_length=200)
    quote: str = Field(default="", max_length=2000)

    @field_validator("passage_id", "quote")
    @classmethod
    def _text(cls, v: str, info: ValidationInfo) -> str:
        return clean_text(v, f"引用/citation {info.field_name}", 2000, required=False)


class FeedbackRequest(BaseModel):
    """👍/👎 on one answer, with the answer and citations as the page showed them."""

    model_config = ConfigDict(extra="forbid")
    max_question_chars: ClassVar[int] = 1000

    question: str
    answer: str
    citations: list[CitationRef] = Field(default_factory=list,
                                         max_length=MAX_FEEDBACK_CITATIONS)
    rating: Literal["up", "down"]
    comment: str = ""

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return clean_text(v, "问题/question", cls.max_question_chars)

    @field_validator("answer")
    @classmethod
    def _answer(cls, v: str) -> str:
        return clean_text(v, "回答/answer", MAX_FEEDBACK_ANSWER_CHARS)

    @field_validator("comment")
    @classmethod
    def _comment(cls, v: str) -> str:
        return clean_text(v, "评论/comment", MAX_COMMENT_CHARS, required=False)

    def citation_dicts(self) -> tuple[dict[str, Any], ...]:
        return tuple(c.model_dump() for c in self.citations)


def bind_limits(settings: Settings) -> tuple[type[AskRequest], type[FeedbackRequest]]:
    """Request classes carrying this deployment's limits (names unchanged for the OpenAPI page)."""
    q = settings.max_question_chars
    turn = type("HistoryTurn", (HistoryTurn,), {"max_question_chars": q, "__module__": __name__})
    ask = type("AskRequest", (AskRequest,), {
        "max_question_chars": q, "max_history_turns": settings.max_history_turns,
        "__module__": __name__, "__annotations__": {"history": GenericAlias(list, (turn,))},  # == list[turn]
        "history": Field(default_factory=list, description="earlier turns, oldest first"),
    })
    feedback = type("FeedbackRequest", (FeedbackRequest,), {"max_question_chars": q,
                                                            "__module__": __name__})
    return ask, feedback
