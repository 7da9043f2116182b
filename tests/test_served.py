"""What the answer path reads of an index version (indexing/passages.py), and the tables built
from it in the background (factcheck/verify.Verifier.facts_within)."""
from __future__ import annotations

import threading

import pytest

from cppcc_qa.factcheck import verify
from cppcc_qa.indexing.passages import PassageTable, neighbours
from cppcc_qa.records import Chunk, Document
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings


def _chunk(doc: str, i: int, text: str) -> Chunk:
    return Chunk(f"{doc}-{i}", doc, doc, "某县政协", "一、", 0, 0, len(text), text)


A = Document("a", "a", "某县政协", "某县", "a.md", "甲。乙。")
B = Document("b", "b", "某县政协", "某县", "b.md", "丙。")
TABLE = PassageTable("v1", (A, B), (_chunk("a", 0, "甲。"), _chunk("a", 1, "乙。"), _chunk("b", 0, "丙。")))


def test_table_reads_by_row_id_and_report() -> None:
    assert len(TABLE) == 3
    assert [c.chunk_id for c in TABLE.rows([2, 0])] == ["b-0", "a-0"]
    assert TABLE.find("a-1") == 1 and TABLE.find("nope") is None
    assert [c.chunk_id for c in TABLE.of_document("a")] == ["a-0", "a-1"]
    assert TABLE.of_document("nope") == ()
    assert TABLE.document("b") == B and TABLE.document("nope") is None
    assert TABLE.sizes() == {"a": (4, 2), "b": (2, 1)}
    assert [(d.doc_id, len(cs)) for d, cs in TABLE.by_report()] == [("a", 2), ("b", 1)]


def test_neighbours_stay_in_their_report() -> None:
    assert neighbours(TABLE, 0) == (None, "a-1")
    assert neighbours(TABLE, 1) == ("a-0", None)  # the next row is another report's
    assert neighbours(TABLE, 2) == (None, None)


@pytest.fixture
def built(hash_settings: Settings) -> QAService:
    svc = build_service(hash_settings)
    svc.build()
    return svc


def test_help_is_not_held_up_by_the_figures_table(built: QAService, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the figures table is being made, example questions come back empty at once; once it
    is made they come from it, and the blocking `facts` waits for the same build."""
    gate = threading.Event()
    real = verify.build_facts
    calls: list[str] = []

    def slow(index):  # type: ignore[no-untyped-def]
        calls.append(index.version)
        gate.wait(30)
        return real(index)

    monkeypatch.setattr(verify, "build_facts", slow)
    assert built.checker.facts_within(0.05) is None
    assert built.examples(seconds=0.05) == []
    gate.set()
    facts = built.checker.facts()
    assert facts.version == built.index_version and facts.figures
    assert calls == [built.index_version]  # one build, shared by all who asked
    assert built.checker.facts_within(0.0) is facts
    assert built.examples(seconds=10.0)


def test_a_failed_build_raises_where_the_table_is_needed(built: QAService, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(index):  # type: ignore[no-untyped-def]
        raise RuntimeError("no figures today")

    monkeypatch.setattr(verify, "build_facts", broken)
    assert built.checker.facts_within(5.0) is None
    with pytest.raises(RuntimeError, match="no figures today"):
        built.checker.facts()
