"""The figures API a page at a time (limit/offset, sort, total), figures that are no figures
(narrative durations, names), and one verdict for a statement whether it comes as a claim to
`verify` or inside a draft to `check_draft`."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.api.facts import FIGURES_PAGE_MAX, SortKey
from cppcc_qa.factcheck.drafts import DRAFT_CSV_FIELDS, draft_csv, draft_markdown
from cppcc_qa.factcheck.figures import SORT_KEYS, extract_figures
from cppcc_qa.ingest.docfile import read_markdown_document
from cppcc_qa.records import Verdict
from cppcc_qa.service import QAService
from cppcc_qa.settings import Settings
from cppcc_qa.text.measure import SENTENCE_BREAKS, is_figure, is_narrative
from cppcc_qa.text.numerals import find_quantities

from .conftest import REPO, SHARED
from .test_figures import paragraph_chunks

CORPUS = REPO / "src" / "cppcc_qa" / "assets" / "corpus"
REPORTS = SHARED / "eval" / "reports"


@pytest.fixture(scope="module")
def client(engine: QAService, engine_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(engine_settings, engine)) as c:
        yield c


# -- pages of figures --------------------------------------------------------------------------
@pytest.mark.model
def test_figures_come_a_page_at_a_time_with_the_total(client: TestClient) -> None:
    whole = client.get("/api/figures", params={"limit": FIGURES_PAGE_MAX}).json()
    total = whole["total"]
    assert total == whole["count"] == len(whole["figures"]) == 55
    first = client.get("/api/figures", params={"limit": 20}).json()
    third = client.get("/api/figures", params={"limit": 20, "offset": 40}).json()
    assert (first["total"], first["limit"], first["offset"], len(first["figures"])) == (total, 20, 0, 20)
    assert [f["figure_id"] for f in third["figures"]] == [f["figure_id"] for f in whole["figures"][40:60]]
    assert len(third["figures"]) == 15
    past = client.get("/api/figures", params={"offset": 1000}).json()
    assert (past["total"], past["figures"]) == (total, [])
    assert client.get("/api/figures").json()["limit"] == 100  # the default page


@pytest.mark.model
def test_figures_sort_by_a_column_across_pages(client: TestClient) -> None:
    values = [f["value"] for f in client.get("/api/figures", params={"sort": "value", "order": "desc",
                                                                     "limit": 500}).json()["figures"]]
    assert values == sorted(values, reverse=True) and values[0] == 9169000000  # 91.69亿元
    page2 = client.get("/api/figures", params={"sort": "value", "order": "desc", "limit": 10, "offset": 10}).json()
    assert [f["value"] for f in page2["figures"]] == values[10:20]
    committees = [f["committee"] for f in client.get("/api/figures", params={"sort": "committee", "limit": 500}).json()["figures"]]
    assert committees == sorted(committees)
    assert set(get_args(SortKey)) == set(SORT_KEYS)


@pytest.mark.model
@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": FIGURES_PAGE_MAX + 1}, {"limit": "ten"},
                                    {"offset": -1}, {"offset": 10**12}, {"sort": "colour"}, {"order": "up"}])
def test_bad_paging_is_422_with_the_error_body(client: TestClient, params: dict) -> None:
    r = client.get("/api/figures", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request" and r.json()["error"]["message"]


@pytest.mark.model
def test_paging_is_in_the_openapi_schema(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/figures"]["get"]
    params = {p["name"]: p["schema"] for p in op["parameters"]}
    assert params["limit"]["maximum"] == FIGURES_PAGE_MAX and params["limit"]["minimum"] == 1
    assert params["offset"]["minimum"] == 0 and set(params["sort"]["anyOf"][0]["enum"]) == set(SORT_KEYS)
    assert "422" in op["responses"]
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/FiguresPage")
    for path in ("/api/check.md", "/api/check.csv"):
        assert "422" in client.get("/openapi.json").json()["paths"][path]["post"]["responses"]


# -- what is no figure -------------------------------------------------------------------------
def _narrative_in(text: str) -> list[str]:
    """Surfaces, with their next characters, of the numbers `is_narrative` drops from `text`."""
    out = []
    for m in find_quantities(text):
        start = max(text.rfind(ch, 0, m.start) for ch in SENTENCE_BREAKS) + 1
        if is_figure(m) and is_narrative(text, m, start):
            out.append(text[m.start : m.end + 4])
    return out


@pytest.mark.parametrize(("sentence", "dropped"), [
    ("二十二年的砥砺奋进、实干担当，书写了平凉政协履职尽责的壮丽画卷。", True),
    ("二十二年来，平凉市政协团结带领各级政协组织和广大政协委员。", True),
    ("历经七十年风雨，人民政协事业蓬勃发展。", True),
    ("他三十年如一日扎根基层。", True),
    ("经过五年持续奋斗，“十三五”规划目标任务胜利完成。", True),
    ("国民经济和社会发展第十四个五年规划和2035年远景目标纲要。", True),
    ("三是坚决打好三大攻坚战，主要目标任务如期完成。", True),
    ("围绕“全市九大重点产业链建设”开展监督。", True),
    ("政协平凉市委员会成立于2002年11月，履职历程已有22年。", False),
    ("劳动年龄人口平均受教育年限提高到10.8年。", False),
    ("全面实施长江十年禁渔。", False),
    ("开展好第二轮土地承包到期后再延长30年试点。", False),
    ("为脱贫县设立5年过渡期。", False),
    ("累计开展协商议事活动2.1万场次、解决问题1.9万件。", False),
])
def test_narrative_durations_and_names_are_no_figures(sentence: str, dropped: bool) -> None:
    assert bool(_narrative_in(sentence)) is dropped


def test_the_built_in_reports_keep_their_figures_and_lose_the_rhetoric() -> None:
    doc = read_markdown_document(CORPUS / "pingliang-2024-highlights.md")
    figs = extract_figures(doc, paragraph_chunks(doc))
    years = [(f.surface, f.measure) for f in figs if f.unit == "年"]
    assert years == [("22年", "履职历程")]  # "履职历程已有22年" stays; the four "二十二年…" are gone
    assert not [f for f in figs if f.unit == "大"]
    assert {"131个", "20次", "260余万元", "94户", "505人次"} <= {f.surface for f in figs}


@pytest.mark.skipif(not REPORTS.exists(), reason="the shared reports are not here")
def test_the_government_reports_lose_only_narrative_and_names() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))]
    dropped = Counter(d[: -4] for t in texts for d in _narrative_in(t))
    # "三大攻坚战", "建军一百年奋斗目标", "第十四个五年规划", "过去五年，", "经过五年持续奋斗"
    assert dropped == Counter({"三大": 7, "五年": 5, "一百年": 3})
    kept = {m.surface for t in texts for m in find_quantities(t)
            if is_figure(m) and not is_narrative(t, m, max(t.rfind(ch, 0, m.start) for ch in SENTENCE_BREAKS) + 1)}
    assert {"十年", "11.3年", "30年", "5年", "1269万人"} <= kept


# -- one verdict, as a claim or inside a draft ---------------------------------------------------
def _claims(*paths: Path) -> list[dict]:
    return [json.loads(line) for p in paths if p.exists() for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _draft_verdict(verdicts: Sequence[Verdict]) -> str:
    """A draft of one claim, read as verify reads a claim: refuted if any part is, supported if all are."""
    kinds = [v.verdict for v in verdicts]
    if "refuted" in kinds:
        return "refuted"
    return "supported" if kinds and all(k == "supported" for k in kinds) else "not_found"


@pytest.mark.model
def test_check_draft_gives_every_claim_the_verdict_verify_gives(engine: QAService) -> None:
    claims = _claims(SHARED / "eval" / "dev_claims.jsonl", REPO / "eval" / "bank" / "builtin_claims.jsonl")
    assert len(claims) >= 60
    differ = []
    for c in claims:
        v = engine.verify(c["claim"])
        d = engine.check_draft(c["claim"])
        if _draft_verdict(d.verdicts) != v.verdict:
            differ.append((c["id"], c["claim"], v.verdict, [(x.claim, x.verdict) for x in d.verdicts]))
    assert differ == []


@pytest.mark.model
@pytest.mark.parametrize("statement", ["平凉市政协主席宋全科带队调研", "平凉市政协主席宋全科带队调研。",
                                       "平凉市政协主席是宋全科。"])
def test_a_named_person_gets_one_verdict_both_ways(engine: QAService, statement: str) -> None:
    v = engine.verify(statement)
    [d] = engine.check_draft(statement).verdicts
    assert (d.verdict, d.explanation) == (v.verdict, v.explanation)
    assert [c.quote for c in d.evidence] == [c.quote for c in v.evidence]


@pytest.mark.model
def test_a_statement_after_a_body_the_corpus_lacks_is_about_that_body(engine: QAService) -> None:
    claim = "张掖市政协签约引进项目30个，总投资50亿元。"
    assert engine.verify(claim).verdict == "not_found"
    assert [v.verdict for v in engine.check_draft(claim).verdicts] == ["not_found", "not_found"]


@pytest.mark.model
def test_refuted_statements_carry_the_reports_figure_and_export(engine: QAService, client: TestClient) -> None:
    draft = "武威市政协委员调结案件36件。平凉市政协协调落实乡村振兴帮扶资金约200万元。平凉市政协主席是宋全科。"
    result = engine.check_draft(draft)
    assert [(v.verdict, v.expected) for v in result.verdicts] == [
        ("refuted", "35件"), ("refuted", "260余万元"), ("supported", None)]
    assert all(v.evidence for v in result.verdicts)
    md = draft_markdown(result)
    assert "## 1. 不符：武威市政协委员调结案件36件" in md and "- 建议改为：35件" in md
    assert "调结案件35件" in md and "相符 1 · 不符 2 · 未找到依据 0" in md
    rows = list(csv.DictReader(io.StringIO(draft_csv(result))))
    assert tuple(rows[0]) == DRAFT_CSV_FIELDS
    assert [(r["verdict"], r["suggested"]) for r in rows] == [("refuted", "35件"), ("refuted", "260余万元"), ("supported", "")]
    r = client.post("/api/check.md", json={"text": draft})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown") and r.text == md
    r = client.post("/api/check.csv", json={"text": draft})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.text.lstrip("\ufeff") == draft_csv(result)


@pytest.mark.model
def test_the_draft_csv_never_hands_a_spreadsheet_a_formula(engine: QAService) -> None:
    text = "=HYPERLINK(\"x\")武威市政协委员调结案件36件。"
    rows = list(csv.DictReader(io.StringIO(draft_csv(engine.check_draft(text)))))
    assert rows and all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert rows[0]["statement"].startswith("'=")
