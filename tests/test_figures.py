"""Figures extracted from the two built-in reports, with exact asserts."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cppcc_qa.factcheck.figures import (
    FIGURE_FIELDS,
    extract_figures,
    figures_csv,
    figures_to_rows,
    filter_figures,
)
from cppcc_qa.ingest.docfile import read_markdown_document
from cppcc_qa.records import Chunk, Document, Figure

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PARAGRAPH_BREAK = "\n\n"


def paragraph_chunks(doc: Document) -> list[Chunk]:
    """One chunk per paragraph of doc.text, with offsets into it."""
    chunks = []
    start = 0
    for n, para in enumerate(doc.text.split(PARAGRAPH_BREAK)):
        end = start + len(para)
        chunk_id = f"{doc.doc_id}#{n}"
        chunks.append(Chunk(chunk_id, doc.doc_id, doc.title, doc.committee, "", n, start, end, para))
        start = end + len(PARAGRAPH_BREAK)
    return chunks


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {
        name: read_markdown_document(CORPUS / f"{name}-2024-highlights.md")
        for name in ("wuwei", "pingliang")
    }


@pytest.fixture(scope="module")
def figs(docs: dict[str, Document]) -> dict[str, list[Figure]]:
    return {name: extract_figures(doc, paragraph_chunks(doc)) for name, doc in docs.items()}


def one(figs: list[Figure], surface: str, measure_part: str = "") -> Figure:
    found = [f for f in figs if f.surface == surface and measure_part in f.measure]
    assert len(found) == 1, [(f.surface, f.measure) for f in found]
    return found[0]


def test_counts_per_committee(figs: dict[str, list[Figure]]) -> None:
    assert len(figs["wuwei"]) == 23
    assert len(figs["pingliang"]) == 32  # "二十二年的砥砺奋进…"/"二十二年来" and "九大…" are no figures
    assert {f.committee for f in figs["wuwei"]} == {"武威市政协"}
    assert {f.committee for f in figs["pingliang"]} == {"平凉市政协"}


def test_every_figure_is_located(docs: dict[str, Document], figs: dict[str, list[Figure]]) -> None:
    for name, doc in docs.items():
        chunks = {c.chunk_id: c for c in paragraph_chunks(doc)}
        for f in figs[name]:
            assert doc.text[f.start : f.end] == f.surface
            assert f.figure_id == f"{doc.doc_id}:{f.start}"
            chunk = chunks[f.passage_id]
            assert chunk.start <= f.start and f.end <= chunk.end
            assert chunk.text[f.start - chunk.start : f.end - chunk.start] == f.surface


def test_wuwei_mediation_cases(figs: dict[str, list[Figure]]) -> None:
    f = one(figs["wuwei"], "35件")
    assert (f.value, f.unit, f.qualifier, f.measure, f.period) == (35.0, "件", "", "调结案件", "2024年以来")
    assert one(figs["wuwei"], "27件").measure == "调解成功"
    assert one(figs["wuwei"], "124名").measure == "政协委员"


def test_wuwei_magnitudes(figs: dict[str, list[Figure]]) -> None:
    f = one(figs["wuwei"], "2.1万场次")
    assert (f.value, f.unit, f.measure, f.period) == (21000.0, "场次", "协商议事活动", "累计")
    f = one(figs["wuwei"], "91.69亿元")
    assert (f.value, f.unit, f.measure) == (9169000000.0, "元", "总投资")
    assert one(figs["wuwei"], "1.9万件").measure == "解决问题"


def test_committee_member_studios_with_breakdown(figs: dict[str, list[Figure]]) -> None:
    measures = [(f.value, f.measure) for f in figs["wuwei"] if "委员工作室" in f.measure]
    assert measures == [(149.0, "委员工作室"), (19.0, "委员工作室 (市级)"), (130.0, "委员工作室 (县区)")]
    f = one(figs["pingliang"], "131个")
    assert (f.committee, f.measure, f.period) == ("平凉市政协", "委员工作室", "目前")


def test_pingliang_qualifiers(figs: dict[str, list[Figure]]) -> None:
    f = one(figs["pingliang"], "260余万元")
    assert (f.value, f.unit, f.qualifier, f.measure) == (2600000.0, "元", "余", "乡村振兴帮扶资金")
    f = one(figs["pingliang"], "近400次")
    assert (f.value, f.unit, f.qualifier, f.measure) == (400.0, "次", "近", "各类委员学习交流活动")
    f = one(figs["pingliang"], "1.9万余人次")
    assert (f.value, f.unit, f.qualifier, f.measure) == (19000.0, "人次", "余", "联系界别群众")
    f = one(figs["pingliang"], "180多人（次）")
    assert (f.value, f.unit, f.qualifier, f.measure) == (180.0, "人次", "多", "政协各类会议活动")


def test_pingliang_durations_and_dates(figs: dict[str, list[Figure]]) -> None:
    f = one(figs["pingliang"], "22年")
    assert (f.value, f.unit, f.measure) == (22.0, "年", "履职历程")
    assert [f.value for f in figs["pingliang"] if f.surface == "二十二年"] == []  # narrative: "二十二年的砥砺奋进"
    assert not [f for f in figs["pingliang"] if f.value in (2002.0, 11.0)]
    assert not [f for f in figs["wuwei"] if f.value == 2024.0]


def test_pingliang_periods_and_measures(figs: dict[str, list[Figure]]) -> None:
    f = one(figs["pingliang"], "39次")
    assert (f.measure, f.period) == ("党组理论学习中心组学习会议", "五届市政协以来 累计")
    assert one(figs["pingliang"], "29名").measure == "民主党派中的政协委员"
    assert [f.measure for f in figs["pingliang"] if f.surface == "九大"] == []  # a name: "九大重点产业链"


def test_figure_outside_any_chunk_has_no_passage(docs: dict[str, Document]) -> None:
    figs = extract_figures(docs["wuwei"], [])
    assert len(figs) == 23 and {f.passage_id for f in figs} == {""}


def test_rows_and_csv(figs: dict[str, list[Figure]]) -> None:
    rows = figures_to_rows(figs["wuwei"])
    assert rows[0].keys() == set(FIGURE_FIELDS)
    row = next(r for r in rows if r["surface"] == "35件")
    assert row["value"] == 35 and isinstance(row["value"], int)
    parsed = list(csv.DictReader(io.StringIO(figures_csv(figs["wuwei"]))))
    assert len(parsed) == 23
    assert next(r for r in parsed if r["surface"] == "91.69亿元")["value"] == "9169000000"


def test_filter_figures(figs: dict[str, list[Figure]]) -> None:
    everything = figs["wuwei"] + figs["pingliang"]
    assert filter_figures(everything, None, None) == everything
    assert len(filter_figures(everything, "武威", None)) == 23
    studios = filter_figures(everything, None, "委员工作室")
    assert [(f.committee, f.value) for f in studios] == [
        ("武威市政协", 149.0), ("武威市政协", 19.0), ("武威市政协", 130.0), ("平凉市政协", 131.0),
    ]
    assert len(filter_figures(everything, "平凉市政协", "22年")) == 1  # 22年; the four 二十二年 are narrative
