"""Chunking: sentence-aware, exact offsets, sections and paragraph numbers."""
from __future__ import annotations

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.ingest.docfile import read_markdown_document
from cppcc_qa.records import Document

from .conftest import REPO


def _doc(text: str) -> Document:
    return Document("d", "标题", "武威市政协", "", "x.md", text)


def test_offsets_map_back_and_sections_are_tracked() -> None:
    doc = read_markdown_document(REPO / "corpus" / "wuwei-2024-highlights.md")
    chunks = chunk_document(doc, ChunkingConfig())
    assert chunks, "no chunks"
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert len(c.text) <= ChunkingConfig().max_chars or "。" not in c.text[:-1]
        assert not c.text.startswith("#")
    mediation = next(c for c in chunks if "调结案件35件" in c.text)
    assert mediation.section == "彰显协商特色，深耕主责主业，在服务高质量发展上展现更强担当"
    assert mediation.committee == "武威市政协"
    assert mediation.chunk_id.startswith("wuwei-2024-highlights:p")
    # ids are stable from one run to the next
    assert [c.chunk_id for c in chunks] == [c.chunk_id for c in chunk_document(doc, ChunkingConfig())]


def test_sentences_are_packed_and_never_cut() -> None:
    text = "## 一节\n\n第一句话。第二句话！第三句话？第四句；第五句\n\n另一段。"
    chunks = chunk_document(_doc(text), ChunkingConfig(max_chars=20))
    assert [c.text for c in chunks] == ["第一句话。第二句话！第三句话？第四句；", "第五句", "另一段。"]
    assert [c.paragraph for c in chunks] == [1, 1, 2]
    assert all(c.section == "一节" for c in chunks)


def test_overlap_repeats_the_last_sentence() -> None:
    text = "甲甲甲甲甲甲甲甲甲。乙乙乙乙乙乙乙乙乙。丙丙丙丙丙丙丙丙丙。"
    chunks = chunk_document(_doc(text), ChunkingConfig(max_chars=20, overlap_sentences=1))
    assert [c.text for c in chunks] == ["甲甲甲甲甲甲甲甲甲。乙乙乙乙乙乙乙乙乙。", "乙乙乙乙乙乙乙乙乙。丙丙丙丙丙丙丙丙丙。"]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError, match="at least 20"):
        ChunkingConfig(max_chars=5)
