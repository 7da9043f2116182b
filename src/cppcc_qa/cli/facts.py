"""The fact-checking commands of `cppcc-qa`: figures, verify, check. Registered on the app of
`cli/app.py` by `register(app)`; like the other commands they are thin shells over the service."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from cppcc_qa.cli.common import EmbedderOpt, IndexOpt, fail, run_jsonl, service_for, settings_for
from cppcc_qa.errors import CppccError

__all__ = ["register"]

#: How a verdict is shown on a terminal: a mark and a word, never colour alone.
VERDICT_LABELS = {"supported": "✓ 相符 supported", "refuted": "✗ 不符 refuted", "not_found": "? 未找到依据 not_found"}
VERDICT_STYLES = {"supported": "green", "refuted": "bold red", "not_found": "yellow"}


def _print_verdict(v: dict[str, Any], out: Console) -> None:
    out.print(VERDICT_LABELS[v["verdict"]], style=VERDICT_STYLES[v["verdict"]], markup=False, highlight=False)
    out.print(v["explanation"], markup=False, highlight=False)
    for c in v["evidence"]:
        out.print(f"  [{c['n']}] {c['title']} · {c['section'] or '—'} · {c['passage_id']}", markup=False, highlight=False)
        out.print(f"      “{c['quote']}”", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `figures`, `verify` and `check` to the `cppcc-qa` app."""

    @app.command()
    def figures(
        committee: Annotated[Optional[str], typer.Option(help="only this committee, e.g. 武威")] = None,
        text: Annotated[Optional[str], typer.Option(help="only figures whose measure contains this, e.g. 委员工作室")] = None,
        as_csv: Annotated[bool, typer.Option("--csv", help="print CSV (with a header row)")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        embedder: EmbedderOpt = None,
        index_dir: IndexOpt = None,
    ) -> None:
        """The table of figures in the reports (what is counted, how many, over which period)."""
        from cppcc_qa.factcheck.figures import figures_csv, figures_to_rows

        if as_csv and as_json:
            fail("choose one of --csv and --json")
        figs = service_for(settings_for(embedder, index_dir)).figures(committee, text)
        if as_csv:
            sys.stdout.write(figures_csv(figs))
            return
        if as_json:
            print(json.dumps({"count": len(figs), "figures": figures_to_rows(figs)}, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"报告中的数字（{len(figs)} 项）")
        for col in ("委员会", "事项 measure", "数字", "时段", "出处"):
            table.add_column(col, overflow="fold")
        for f in figs:
            table.add_row(f.committee, f.measure or "—", f.surface, f.period or "—", f.passage_id)
        Console().print(table)

    @app.command()
    def verify(
        claim: Annotated[Optional[str], typer.Argument(help="the claim, e.g. 武威市政协委员调结案件35件。")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the verdict as JSON")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help='batch: one {"claim": ...} per stdin line')] = False,
        embedder: EmbedderOpt = None,
        index_dir: IndexOpt = None,
    ) -> None:
        """Check a claim against the reports: supported, refuted or not_found, with evidence."""
        if not jsonl and claim is None:
            fail('give a claim, e.g. cppcc-qa verify "武威市政协委员调结案件35件。" (or --jsonl for a batch on stdin)')
        svc = service_for(settings_for(embedder, index_dir))
        if not jsonl and claim is not None:  # without --jsonl a claim is given (checked above)
            v = svc.verify(claim).to_dict()
            print(json.dumps(v, ensure_ascii=False, indent=2)) if as_json else _print_verdict(v, Console())
            return
        def one(obj: dict[str, Any]) -> dict[str, Any]:
            if not isinstance(obj.get("claim"), str):
                raise CppccError('each line must be a JSON object {"claim": "..."}')
            return svc.verify(obj["claim"]).to_dict()

        def failed(obj: dict[str, Any] | None, why: str) -> dict[str, Any]:
            return {"claim": obj.get("claim") if obj else None, "verdict": "not_found", "explanation": "",
                    "evidence": [], "error": why}

        run_jsonl(one, failed)

    @app.command()
    def check(
        file: Annotated[Path, typer.Argument(help="the draft (UTF-8 text), or - for stdin")],
        as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
        as_markdown: Annotated[bool, typer.Option("--markdown", help="print the result as Markdown")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="print the result as CSV, one row per statement")] = False,
        embedder: EmbedderOpt = None,
        index_dir: IndexOpt = None,
    ) -> None:
        """Check every figure and checkable fact in a draft against the reports."""
        from cppcc_qa.factcheck.drafts import draft_csv, draft_markdown

        if sum((as_json, as_markdown, as_csv)) > 1:
            fail("choose one of --json, --markdown and --csv")
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {exc}")
        checked = service_for(settings_for(embedder, index_dir)).check_draft(text)
        if as_markdown or as_csv:
            sys.stdout.write(draft_markdown(checked) if as_markdown else draft_csv(checked))
            return
        result = checked.to_dict()
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return
        out = Console()
        for st in result["statements"]:
            out.print(f"\n[{st['start']}–{st['end']}] {st['text']}", markup=False, highlight=False)
            _print_verdict(st, out)
        s = result["summary"]
        out.print(f"\n相符 {s['supported']} · 不符 {s['refuted']} · 未找到依据 {s['not_found']}", markup=False, highlight=False)
