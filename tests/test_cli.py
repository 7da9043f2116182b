"""The command line: readable and JSON answers, batch mode, evaluation, and clean failures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cppcc_qa.service import QAService
from cppcc_qa.settings import Settings

from .conftest import REPO, SHARED

pytestmark = pytest.mark.model
CLI = [sys.executable, "-m", "cppcc_qa.cli"]


def run(args: list[str], index_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, CPPCC_QA_INDEX_DIR=str(index_dir))
    return subprocess.run(CLI + args, input=stdin, capture_output=True, text=True, env=env, timeout=300, cwd=REPO)


@pytest.fixture(scope="module")
def index_dir(engine: QAService, engine_settings: Settings) -> Path:
    return engine_settings.index_dir


def test_ask_prints_answer_and_citation(index_dir: Path) -> None:
    r = run(["ask", "武威市政协委员参与诉前调解调结了多少件案件？"], index_dir)
    assert r.returncode == 0, r.stderr
    assert "35件" in r.stdout and "[1]" in r.stdout and "调结案件35件" in r.stdout


def test_ask_json_is_the_contract(index_dir: Path) -> None:
    r = run(["ask", "--json", "平凉市政协开展了多少次监督性调研视察活动？"], index_dir)
    d = json.loads(r.stdout)
    assert d["answerable"] is True and "20次" in d["answer"]
    assert d["citations"][0]["committee"] == "平凉市政协"


def test_ask_replies_as_the_chat_does(index_dir: Path) -> None:
    """One question gets the chat's reply: a refusal shows the closest passages (marked as no
    answer) and questions the reports answer; a Traditional question a Traditional reply."""
    r = run(["ask", "武威市政协有多少辆公务车？"], index_dir)
    assert r.returncode == 0, r.stderr
    assert "没有找到" in r.stdout and "相关段落（不是答案）" in r.stdout and "可以这样问" in r.stdout
    d = json.loads(run(["ask", "--json", "武威市政協委員參與訴前調解調結了多少件案件？"], index_dir).stdout)
    assert d["answerable"] and "35件" in d["answer"] and "政協" in d["answer"]
    plain = json.loads(run(["ask", "--json", "--plain", "武威市政协有多少辆公务车？"], index_dir).stdout)
    assert plain["answerable"] is False and plain["related"] == [] and plain["suggestions"] == []


def test_jsonl_batch_keeps_order_and_history(index_dir: Path) -> None:
    lines = [
        {"question": "武威建成了多少个委员工作室？"},
        {"question": "那平凉呢？", "history": [{"question": "武威建成了多少个委员工作室？", "answer": ""}]},
        {"question": "酒泉市政协2024年报送了多少条社情民意信息？"},
    ]
    r = run(["ask", "--jsonl"], index_dir, "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["question"] for o in out] == [x["question"] for x in lines]
    assert "149" in out[0]["answer"] and "131" in out[1]["answer"] and out[2]["answerable"] is False


def test_jsonl_bad_line_is_reported_in_place(index_dir: Path) -> None:
    r = run(["ask", "--jsonl"], index_dir, '{"question": "武威市级委员工作室有多少个？"}\nnot json\n{"question": ""}\n')
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(out) == 3 and "19个" in out[0]["answer"] and "error" in out[1] and "error" in out[2]
    assert r.returncode == 2 and r.stderr.count("\n") == 1


@pytest.mark.parametrize("bad", ["", "   ", "问" * 1001, "武威\x07政协"])
def test_bad_question_is_one_line_and_exit_2(index_dir: Path, bad: str) -> None:
    r = run(["ask", bad], index_dir)
    assert r.returncode == 2
    assert r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_missing_or_mismatched_index_is_one_line_and_exit_2(index_dir: Path, tmp_path: Path) -> None:
    r = run(["ask", "武威？"], tmp_path / "nothing")
    assert r.returncode == 2 and "cppcc-qa build" in r.stderr and "Traceback" not in r.stderr
    r = run(["ask", "--embedder", "hash", "武威？"], index_dir)
    assert r.returncode == 2 and "rebuild" in r.stderr and "Traceback" not in r.stderr


def test_eval_on_the_repos_own_gold(index_dir: Path, tmp_path: Path) -> None:
    r = run(["eval", "eval/gold.jsonl", "--json", "--report", str(tmp_path / "rep")], index_dir)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["answer_accuracy"] >= 0.9 and m["citation_accuracy"] >= 0.98
    assert m["refusal_rate"] == 1.0 and m["false_refusals"] <= 2
    assert m["recall_at_5"] >= 0.95 and 0 < m["mrr"] <= 1
    assert {"numeric", "unanswerable", "followup"} <= set(m["by_type"])
    report = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "accuracy_by_type.png" in report and (tmp_path / "rep" / "latency.png").stat().st_size > 1000


def test_eval_counts_wrong_answers_and_fails_above_max_wrong(index_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "g.jsonl"
    lines = [{"id": "a", "question": "平凉市建成了多少个委员工作室？", "answers": ["131个"], "wrong": ["131个"],
              "answerable": True, "type": "numeric", "split": "tune"},
             {"id": "b", "question": "平凉市建成了多少个委员工作室？", "answers": ["131个"], "answerable": True,
              "type": "numeric", "split": "holdout"}]
    gold.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    r = run(["eval", str(gold), "--json", "--split", "tune", "--max-wrong", "0"], index_dir)
    assert r.returncode == 1 and "more than --max-wrong 0" in r.stderr
    m = json.loads(r.stdout)
    assert (m["cases"], m["right"], m["answerable"], m["wrong_answers"]) == (1, 0, 1, 1)
    r = run(["eval", str(gold), "--json", "--split", "holdout", "--max-wrong", "0"], index_dir)
    assert r.returncode == 0 and json.loads(r.stdout)["right"] == 1
    r = run(["eval", str(gold), "--split", "later"], index_dir)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "tune or holdout" in r.stderr


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="the referee's files are beside the repo")
def test_dev_set_meets_the_bar_by_the_referees_rule(index_dir: Path, tmp_path: Path) -> None:
    gold = SHARED / "eval" / "dev_gold.jsonl"
    questions = "".join(json.dumps({"question": json.loads(x)["question"]}, ensure_ascii=False) + "\n"
                        for x in gold.read_text(encoding="utf-8").splitlines() if x.strip())
    r = run(["ask", "--jsonl"], index_dir, questions)
    (tmp_path / "a.jsonl").write_text(r.stdout, encoding="utf-8")
    s = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "answers", str(gold), str(tmp_path / "a.jsonl"),
                        "--min-accuracy", "0.95", "--min-citation", "0.98", "--min-refusal", "1.0"],
                       capture_output=True, text=True)
    assert s.returncode == 0, s.stdout
