"""The `cppcc-qa` command line: a thin shell over the service. Package errors become one line on
stderr and exit code 2 here, and nowhere else."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cppcc_qa.cli.common import EXIT_BAD_INPUT, EmbedderOpt, IndexOpt, err, fail, run_jsonl, service_for, settings_for
from cppcc_qa.cli.facts import register as register_facts
from cppcc_qa.errors import CppccError, InputError
from cppcc_qa.records import Turn

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited Q&A over CPPCC work reports.")
SERVE_THREADS = 1  # per-request compute threads in the server, unless CPPCC_QA_THREADS says otherwise


@app.command()
def build(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="report files or folders (default: corpus/)")] = None,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Build the index from reports (.md .txt .pdf .docx .html) and swap it in atomically."""
    svc = service_for(settings_for(embedder, index_dir), warm=False)
    bar = Progress(TextColumn("[bold]embedding passages"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err, transient=False)
    tasks: list[TaskID] = []

    def progress(done: int, total: int) -> None:
        if not tasks:  # shown from the first batch on, so a build refused before it prints one line
            bar.start()
            tasks.append(bar.add_task("embed", total=total))
        bar.update(tasks[0], completed=done, total=total)

    try:
        data = svc.build(paths or [], progress=progress)
    finally:
        if tasks:
            bar.stop()
    m = data.manifest
    err.print(f"index {data.version}: {m['documents']} documents, {m['chunks']} chunks, "
              f"embedder {m['embedder']} ({m['dim']}d), faiss {m['faiss_type']}")


def _print_update(update) -> None:
    for c in update.changes:
        err.print(f"{c.status}: {c.source} — {c.message}", markup=False, highlight=False, soft_wrap=True)
    if update.written:
        err.print(f"index {update.index_version}: {update.documents} documents, {update.chunks} chunks")
    else:
        err.print(f"index unchanged ({update.index_version})")


@app.command()
def add(
    paths: Annotated[list[Path], typer.Argument(help="report files (.md .txt .pdf .docx .html) or folders of them")],
    body: Annotated[Optional[str], typer.Option(help="issuing body, e.g. 国务院 or 云岭县政协 (default: inferred)")] = None,
    title: Annotated[Optional[str], typer.Option(help="the report's title (default: inferred)")] = None,
    date: Annotated[Optional[str], typer.Option(help="date given: 2024, 2024-03 or 2024-03-05 (default: inferred)")] = None,
    kind: Annotated[Optional[str], typer.Option(help="kind, e.g. 政府工作报告 (default: inferred)")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="replace the indexed report with the same file name "
                                                            "or doc id (refused without it)")] = False,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Add reports to the index without a rebuild (with --replace, replacing the one with the
    same file name or doc id)."""
    from cppcc_qa.ingest.corpus import collect_files

    files = [(f.name, f.read_bytes()) for f in collect_files(paths)]
    if not files:
        fail(f"no reports found in {', '.join(map(str, paths))}")
    meta = {"body": body, "title": title, "date": date, "kind": kind}
    svc = service_for(settings_for(embedder, index_dir), warm=False)
    _print_update(svc.add_files(files, metadata=meta, replace=replace))


@app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="the backend to copy the index into: milvus")],
    milvus_uri: Annotated[Optional[str], typer.Option(help="Milvus Lite file or http://host:19530 "
                                                           "(default: CPPCC_QA_MILVUS_URI, else <index>/milvus.db)")] = None,
    index_dir: IndexOpt = None,
) -> None:
    """Copy the current FAISS index version into Milvus (vectors included, nothing re-embedded)
    and point the alias cppcc_qa_current at it."""
    from cppcc_qa.indexing.migrate import migrate_to_milvus
    from cppcc_qa.indexing.milvus_store import MilvusStore

    if to != "milvus":
        fail(f"--to must be milvus, not {to!r}")
    settings = settings_for(None, index_dir)
    uri = milvus_uri or settings.milvus_uri or str(settings.index_dir / "milvus.db")
    data = migrate_to_milvus(settings.index_dir, MilvusStore(uri, settings.index_dir))
    err.print(f"copied index version {data.version} ({len(data.documents)} reports, {len(data.chunks)} passages) "
              f"to Milvus at {uri}; serve it with CPPCC_QA_INDEX_BACKEND=milvus CPPCC_QA_MILVUS_URI={uri}")


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="the report's doc id (see `cppcc-qa documents`)")],
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Remove one report from the index, without a rebuild."""
    _print_update(service_for(settings_for(embedder, index_dir), warm=False).remove_document(doc_id))


@app.command()
def documents(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per report")] = False,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """List the indexed reports: doc id, body, date, characters, source file, title."""
    svc = service_for(settings_for(embedder, index_dir), warm=False)
    svc.load()
    sizes = svc.document_sizes()
    for d in svc.documents():  # plain print: tab-separated lines stay cut-able
        chars = sizes.get(d.doc_id, (0, 0))[0]
        print(json.dumps(dict(d.to_dict(), chars=chars), ensure_ascii=False) if as_json else
              f"{d.doc_id}\t{d.body or d.committee or '—'}\t{d.date or '—'}\t{chars}\t{d.source}\t{d.title}")
    err.print(f"index {svc.index_version}")


RELATED_CHARS = 80  # of a related passage shown under a refusal


def _print_answer(a: dict) -> None:
    out = Console()
    out.print(a["answer"], markup=False, highlight=False)
    for c in a["citations"]:
        out.print(f"  [{c['n']}] {c['title']} · {c['section'] or '—'} · {c['passage_id']}", markup=False, highlight=False)
        out.print(f"      “{c['quote']}”", markup=False, highlight=False)
    if a.get("related"):  # a refusal's help, as the chat shows it: the closest passages, not answers
        out.print("相关段落（不是答案）:", markup=False, highlight=False)
        for r in a["related"]:
            text = r["text"] if len(r["text"]) <= RELATED_CHARS else r["text"][:RELATED_CHARS] + "…"
            out.print(f"  · {r['body'] or r['title']} · {r['section'] or '—'} · {r['passage_id']}: {text}",
                      markup=False, highlight=False)
    if a.get("suggestions"):
        out.print("可以这样问:", markup=False, highlight=False)
        for q in a["suggestions"]:
            out.print(f"  · {q}", markup=False, highlight=False)


def _turns(raw: object) -> list[Turn]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) and isinstance(t.get("question"), str) for t in raw):
        raise CppccError('history must be a list of {"question": ..., "answer": ...} objects')
    return [Turn(t["question"], str(t.get("answer", ""))) for t in raw]


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="the question, e.g. 武威市建成了多少个委员工作室？")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the response contract as JSON")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help='batch: one {"question", "history"?} per stdin line')] = False,
    reply: Annotated[Optional[bool], typer.Option(
        "--reply/--plain", help="reply as the chat does: in Traditional characters to a question in them, and a "
        "refusal with the closest passages and questions the reports answer (default: --reply for one "
        "question, --plain for a --jsonl batch, whose answers scripts compare with gold strings)")] = None,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Answer a question (or a batch from stdin with --jsonl), citing the reports."""
    if not jsonl and question is None:
        fail("give a question, e.g. cppcc-qa ask \"武威市建成了多少个委员工作室？\" (or --jsonl for a batch on stdin)")
    svc = service_for(settings_for(embedder, index_dir))
    answer = svc.reply if (reply if reply is not None else not jsonl) else svc.ask
    if not jsonl and question is not None:  # without --jsonl a question is given (checked above)
        a = answer(question).to_dict()
        print(json.dumps(a, ensure_ascii=False, indent=2)) if as_json else _print_answer(a)
        return
    def one(obj: dict) -> dict:
        history = _turns(obj.get("history"))
        q = obj.get("question")
        if not isinstance(q, str):  # the words the service's own check uses
            raise InputError("question must be a string")
        return answer(q, history).to_dict()

    def failed(obj: dict | None, why: str) -> dict:
        return {"question": obj.get("question") if obj else None, "answer": "", "answerable": False,
                "citations": [], "error": why}

    run_jsonl(one, failed)


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="gold Q&A JSONL (format of shared/eval/dev_gold.jsonl)")],
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="write a Markdown report with plots here")] = None,
    split: Annotated[Optional[str], typer.Option(help="only the bank lines of this split: tune | holdout")] = None,
    add: Annotated[Optional[list[Path]], typer.Option(
        "--add", help="reports to add to a temporary copy of the index first (e.g. ../shared/eval/reports)")] = None,
    max_wrong: Annotated[Optional[int], typer.Option(help="exit 1 when there are more wrong answers than this")] = None,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Score the service on a gold file: accuracy (right/answerable), citations, refusals, wrong
    answers, recall@k, MRR, latency; conversations take their `history`; derived cases apart."""
    import tempfile

    from cppcc_qa.evaluation.evaluate import evaluate, format_metrics, load_gold, run_metadata, write_report
    from cppcc_qa.ingest.corpus import collect_files

    if split not in (None, "tune", "holdout"):
        fail(f"--split must be tune or holdout, not {split!r}")
    cases = load_gold(gold, split)
    settings = settings_for(embedder, index_dir)
    with tempfile.TemporaryDirectory(prefix="cppcc-eval-") as tmp:
        if add:
            # a copy, even when the index is a Milvus that replicas serve: the reports go to it only
            settings = service_for(settings, warm=False).scratch_copy(Path(tmp) / "index")
            files = [(f.name, f.read_bytes()) for f in collect_files(add)]
            if not files:
                fail(f"no reports found in {', '.join(map(str, add))}")
            service_for(settings, warm=False).add_files(files)
        svc = service_for(settings)
        result = evaluate(svc, cases)
        meta = run_metadata(gold, svc, split, add or ())
    if report:
        write_report(result, report, meta)
    print(json.dumps(result.metrics, ensure_ascii=False, indent=2) if as_json else format_metrics(result.metrics))
    if max_wrong is not None and result.metrics["wrong_answers"] > max_wrong:
        err.print(f"error: {result.metrics['wrong_answers']} wrong answers, more than --max-wrong {max_wrong}")
        raise typer.Exit(1)


@app.command()
def corpus(
    raw_dir: Annotated[Path, typer.Option(help="folder of raw pages with their .layout.yaml")] = Path("corpus/raw"),
    out_dir: Annotated[Path, typer.Option(help="where the cleaned reports are written")] = Path("corpus"),
) -> None:
    """Regenerate the cleaned built-in corpus from the raw newspaper pages (reproducible step)."""
    from cppcc_qa.ingest.page import rebuild_corpus

    for path in rebuild_corpus(raw_dir, out_dir):
        err.print(f"wrote {path}")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[Optional[int], typer.Option(help="port (default 8000)")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    embedder: EmbedderOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Serve the web chat and HTTP API (building the index first if there is none)."""
    import faulthandler
    import os

    import uvicorn

    from cppcc_qa.indexing.backend import make_store

    settings = settings_for(embedder, index_dir)
    if make_store(settings).current_version() is None:
        err.print("no index yet: building it first")
        build(None, embedder, index_dir)
    if embedder:
        os.environ["CPPCC_QA_EMBEDDER"] = embedder
    if index_dir:
        os.environ["CPPCC_QA_INDEX_DIR"] = str(index_dir)
    # A server runs requests side by side: one thread each for the embedder and FAISS beats two
    # threads per request fighting over the cores (bench/LOAD.md: p95 236 vs 254 ms at 8 clients).
    os.environ.setdefault("CPPCC_QA_THREADS", str(SERVE_THREADS))
    # A fatal signal (SIGBUS from a mapped index file cut short, SIGSEGV) would end the server
    # with nothing in its log: have Python write what killed it and where, here and in workers.
    faulthandler.enable()
    os.environ.setdefault("PYTHONFAULTHANDLER", "1")
    from cppcc_qa.cli.serving import uvicorn_options

    # forwarded headers are believed only from settings.trusted_proxies (none by default)
    uvicorn.run("cppcc_qa.api.app:app_from_env", factory=True, host=host or settings.host, port=port or settings.port,
                workers=workers, log_level="info", **uvicorn_options(settings))


register_facts(app)


def main() -> None:
    """Entry point: run the app, translating package errors into one line and exit code 2."""
    try:
        rc = app(standalone_mode=False)  # click returns an Exit's code here instead of raising it
        sys.exit(rc if isinstance(rc, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except CppccError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_BAD_INPUT)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except Exception as exc:  # usage errors of (typer's own copy of) click arrive here in non-standalone mode
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(EXIT_BAD_INPUT)
        raise


if __name__ == "__main__":
    main()
