"""Request bodies of the HTTP API, checked where they enter, and the one error body.

The limits come from Settings, so `bind_limits(settings)` makes subclasses carrying them; the
module-level classes hold the defaults and the rules. Messages are Chinese first, then English,
and say what is allowed.

The OpenAPI schema says the same rules the server applies, so a client (or schemathesis) can
tell a request the server will take from one it refuses: each text field is declared once in
its model's `text_rules`, which both checks it (`text.validate.clean_text`) and writes its
`maxLength`, `minLength` and `pattern` into the schema; booleans and integers are strict (the
server takes no "true" for true, no 1.5 or "5" for an integer).
"""
from __future__ import annotations

import sys
from types import GenericAlias
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cppcc_qa.errors import InputError
from cppcc_qa.indexing.store import VERSION_PATTERN
from cppcc_qa.records import Turn
from cppcc_qa.settings import Settings
from cppcc_qa.text import validate

__all__ = ["AskRequest", "FeedbackRequest", "HistoryTurn", "FeedbackSaved", "FeedbackItem", "FeedbackPage", "CitationRef", "CheckedBody", "ErrorBody",
           "bind_limits", "clean_text", "undecodable_body", "api_errors", "ERROR_STATUSES", "ANY_ROUTE_ERRORS",
           "TEXT_PATTERN", "REQUIRED_TEXT_PATTERN"]

# Longest earlier answer kept in a follow-up's history; answers are extractive and far shorter.
MAX_HISTORY_ANSWER_CHARS = 4000
# Feedback: a comment is a sentence or two; an answer or citation list is what /api/ask returned.
MAX_COMMENT_CHARS = 2000
MAX_FEEDBACK_ANSWER_CHARS = 8000
MAX_FEEDBACK_CITATIONS = 20
MAX_PASSAGE_ID_CHARS = 200  # ids are "<doc_id>:p<nnn>.<k>"; doc ids are short slugs
MAX_QUOTE_CHARS = 2000
# An answer's index_version, kept with its feedback: a version name (indexing.store) or empty.
INDEX_VERSION_OR_EMPTY = f"^(?:{VERSION_PATTERN.strip('^$')})?$"
MAX_INDEX_VERSION_CHARS = 40  # the names are 29 characters

# `text.validate.clean_text` as JSON Schema patterns. Refused anywhere: control characters other
# than tab and line breaks (C0, DEL, C1) and the invisible format characters it names; a required
# field must also hold one character that is not white space (str.isspace: what strip() drops).
# (Unpaired surrogates, also refused, are no characters a JSON Schema string can hold.)
_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff"
_SPACE = r"\t\n\r \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"  # the white space not refused above
TEXT_PATTERN = f"^[^{_REFUSED}]*$"
REQUIRED_TEXT_PATTERN = f"^[^{_REFUSED}]*[^{_REFUSED}{_SPACE}][^{_REFUSED}]*$"


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


class ErrorDetail(BaseModel):
    """What went wrong: a stable code for programs, a message (Chinese, then English) for people."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The one shape of every error the API answers (4xx and 5xx)."""

    error: ErrorDetail


#: What each error status of the API means here (the OpenAPI page lists them per route).
ERROR_STATUSES: dict[int, str] = {
    400: "The body does not decode: not UTF-8, not JSON, nested too deeply, an integer too long",
    401: "Staff route: the X-API-Key header is missing",
    403: "Staff route: the X-API-Key is wrong",
    404: "No such passage or report, or staff routes are off (no staff key configured)",
    408: "The request did not arrive in time (a client that never finishes its body)",
    409: "The report exists already: replacing it needs an explicit replace",
    413: "The request or a file is too large (the message says which limit)",
    415: "A file is of a type reports cannot come in",
    422: "The request is well-formed but breaks a rule (the message says which field and rule)",
    429: "Too many requests from this client; Retry-After says when to try again",
    503: "Not available now: no index yet, index being updated, the answer's time budget spent, "
         "the feedback store failing (the message says why)",
}


#: Statuses any API route can answer: the body-size (413) and rate (429) middleware act on all.
ANY_ROUTE_ERRORS = (413, 429)


def api_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses and `ANY_ROUTE_ERRORS`, each the one error
    body (`ErrorBody`)."""
    return {status: {"model": ErrorBody, "description": ERROR_STATUSES[status]}
            for status in sorted({*ANY_ROUTE_ERRORS, *statuses})}


class CheckedBody(BaseModel):
    """A request body whose text fields follow `text_rules`: field name → (the field's name for
    a message, "中文/english"; its longest length, or the name of the class variable holding it;
    whether it must not be blank)."""

    text_rules: ClassVar[dict[str, tuple[str, int | str, bool]]] = {}
    #: list field → its most items (or the name of the class variable holding it), for the schema
    #: of a list its own validator bounds (the message then says the limit in both languages)
    item_limits: ClassVar[dict[str, int | str]] = {}
    example: ClassVar[dict[str, Any] | None] = None

    @staticmethod
    def _declare(schema: dict[str, Any], cls: type[BaseModel]) -> None:
        """Write the text rules (with the limits `cls` carries) and the example into its schema."""
        assert issubclass(cls, CheckedBody)  # only CheckedBody's config names this hook
        for name, (_, limit, required) in cls.text_rules.items():
            prop = schema["properties"][name]
            prop["maxLength"] = cls.limit(limit)
            prop["pattern"] = REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN
            if required:
                prop["minLength"] = 1
        for name, limit in cls.item_limits.items():
            schema["properties"][name]["maxItems"] = cls.limit(limit)
        if cls.example is not None:
            schema["examples"] = [cls.example]

    model_config = ConfigDict(json_schema_extra=_declare)

    @classmethod
    def limit(cls, limit: int | str) -> int:
        return limit if isinstance(limit, int) else int(getattr(cls, limit))

    @field_validator("*")
    @classmethod
    def _text(cls, v: Any, info: ValidationInfo) -> Any:
        rule = cls.text_rules.get(info.field_name or "")
        if rule is None:
            return v
        what, limit, required = rule
        return clean_text(v, what, cls.limit(limit), required)


class HistoryTurn(CheckedBody):
    """An earlier question and the answer the page showed for it."""

    model_config = ConfigDict(extra="ignore")
    max_question_chars: ClassVar[int] = 1000
    text_rules = {"question": ("历史问题/earlier question", "max_question_chars", True),
                  "answer": ("历史回答/earlier answer", MAX_HISTORY_ANSWER_CHARS, False)}

    question: str
    answer: str = ""


def _bounded_history(cls: Any, v: list[HistoryTurn]) -> list[HistoryTurn]:
    """The validator of a request's `history`: at most `cls.max_history_turns` turns."""
    if len(v) > cls.max_history_turns:
        raise ValueError(f"对话历史过长：{len(v)} 轮，上限 {cls.max_history_turns} 轮。"
                         f"(history has {len(v)} turns; at most {cls.max_history_turns}.)")
    return v


def _turns(history: list[HistoryTurn]) -> tuple[Turn, ...]:
    return tuple(Turn(question=t.question, answer=t.answer) for t in history)


class AskRequest(CheckedBody):
    """A question, the conversation so far (oldest first) and whether to stream the answer."""

    model_config = ConfigDict(extra="forbid")
    example = {"question": "武威市政协委员参与诉前调解调结了多少件案件？", "history": [], "stream": False}
    max_question_chars: ClassVar[int] = 1000
    max_history_turns: ClassVar[int] = 6
    text_rules = {"question": ("问题/question", "max_question_chars", True)}
    item_limits = {"history": "max_history_turns"}

    question: str = Field(description="问题 (the question)")
    history: list[HistoryTurn] = Field(default_factory=list,
                                       description="earlier turns, oldest first")
    stream: bool = Field(default=False, strict=True, description="answer as server-sent events")

    _history = field_validator("history")(_bounded_history)

    def turns(self) -> tuple[Turn, ...]:
        return _turns(self.history)


class CitationRef(CheckedBody):
    """What feedback keeps of a citation: enough to find the passage again."""

    model_config = ConfigDict(extra="ignore")
    text_rules = {"passage_id": ("引用/citation passage_id", MAX_PASSAGE_ID_CHARS, False),
                  "quote": ("引用/citation quote", MAX_QUOTE_CHARS, False)}

    n: int = Field(default=0, strict=True)
    passage_id: str = ""
    quote: str = ""


class FeedbackRequest(CheckedBody):
    """👍/👎 on one answer, with the answer and citations as the page showed them, the
    conversation before it (as /api/ask took it) and the index version that answered."""

    model_config = ConfigDict(extra="forbid")
    max_question_chars: ClassVar[int] = 1000
    max_history_turns: ClassVar[int] = 6
    text_rules = {"question": ("问题/question", "max_question_chars", True),
                  "answer": ("回答/answer", MAX_FEEDBACK_ANSWER_CHARS, True),
                  "comment": ("评论/comment", MAX_COMMENT_CHARS, False)}
    item_limits = {"history": "max_history_turns"}

    question: str
    answer: str
    citations: list[CitationRef] = Field(default_factory=list,
                                         max_length=MAX_FEEDBACK_CITATIONS)
    rating: Literal["up", "down"]
    comment: str = ""
    history: list[HistoryTurn] = Field(default_factory=list,
                                       description="the turns before this answer, oldest first (as sent to /api/ask)")
    index_version: str = Field(default="", max_length=MAX_INDEX_VERSION_CHARS, pattern=INDEX_VERSION_OR_EMPTY,
                               description="the answer's index_version (empty when not known)")

    _history = field_validator("history")(_bounded_history)

    def citation_dicts(self) -> tuple[dict[str, Any], ...]:
        return tuple(c.model_dump() for c in self.citations)

    def turns(self) -> tuple[Turn, ...]:
        return _turns(self.history)


class FeedbackSaved(BaseModel):
    """A stored vote's id and time (UTC, ISO 8601 to the second)."""

    id: int
    created_at: str


class StoredCitation(BaseModel):
    n: int = 0
    passage_id: str = ""
    quote: str = ""


class StoredTurn(BaseModel):
    question: str
    answer: str = ""


class FeedbackItem(BaseModel):
    """One stored vote as staff read it."""

    id: int
    created_at: str = Field(description="when it was sent: UTC, ISO 8601 to the second")
    rating: Literal["up", "down"]
    question: str
    answer: str
    citations: list[StoredCitation]
    comment: str
    history: list[StoredTurn] = Field(description="the turns before the question, oldest first")
    index_version: str = Field(description="the index version that answered (empty: not sent, or "
                                           "stored before versions were kept)")


class FeedbackPage(BaseModel):
    """Stored votes, newest first: `count` of all the filter selects, `feedback` the page asked for."""

    count: int
    feedback: list[FeedbackItem]


def bind_limits(settings: Settings) -> tuple[type[AskRequest], type[FeedbackRequest]]:
    """Request classes carrying this deployment's limits (names unchanged for the OpenAPI page)."""
    q = settings.max_question_chars
    turn = type("HistoryTurn", (HistoryTurn,), {"max_question_chars": q, "__module__": __name__})
    ask = type("AskRequest", (AskRequest,), {
        "max_question_chars": q, "max_history_turns": settings.max_history_turns,
        "__module__": __name__, "__annotations__": {"history": GenericAlias(list, (turn,))},  # == list[turn]
        "history": Field(default_factory=list, description="earlier turns, oldest first"),
    })
    feedback = type("FeedbackRequest", (FeedbackRequest,), {
        "max_question_chars": q, "max_history_turns": settings.max_history_turns,
        "__module__": __name__, "__annotations__": {"history": GenericAlias(list, (turn,))},
        "history": Field(default_factory=list,
                         description="the turns before this answer, oldest first (as sent to /api/ask)"),
    })
    return ask, feedback
