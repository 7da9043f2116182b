"""Tests of the corpus synthesiser and the benchmark's exact segment tokeniser
(run: .venv/bin/python -m pytest bench/test_synth.py -q)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.records import Document
from cppcc_qa.text.tokenize import tokenize
from synth import clustered_unit_vectors, shift_figures, swap_place, synthesize_documents

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale

BASE = Document("wuwei-2024", "政协武威市委员会亮点工作综述", "武威市政协", "甘肃省武威市", "x.md",
                "## 一\n\n武威市政协2024年以来共有124名委员参与调解，调结案件35件。\n\n总投资91.69亿元，人文武威。")


def test_swap_place_replaces_the_full_name_then_the_bare_place() -> None:
    assert swap_place("武威市政协，人文武威", "武威", "市", "酒泉", "县") == "酒泉县政协，人文酒泉"


def test_shift_figures_moves_dates_and_keeps_number_shapes() -> None:
    out = shift_figures("2024年以来共有124名委员，总投资91.69亿元，二十二年来", np.random.default_rng(0), 2019)
    assert out.startswith("2019年以来共有")
    assert out.endswith("亿元，二十二年来")
    count = out.split("共有")[1].split("名")[0]
    money = out.split("总投资")[1].split("亿元")[0]
    assert count.isdigit() and int(count) >= 1
    assert len(money.split(".")[1]) == 2


def test_synthesize_documents_swaps_committee_and_keeps_chunk_offsets() -> None:
    docs = list(synthesize_documents([BASE], ["酒泉市", "临潭县"], [2024, 2023]))
    assert [d.committee for d in docs] == ["酒泉市政协", "临潭县政协", "酒泉市政协", "临潭县政协"]
    assert len({d.doc_id for d in docs}) == 4
    assert "武威" not in docs[1].text and "人文临潭" in docs[1].text and "临潭县政协" in docs[1].text
    assert docs[2].text.count("2023年以来") == 1
    for d in docs:
        for c in chunk_document(d, ChunkingConfig()):
            assert d.text[c.start : c.end] == c.text


def test_clustered_unit_vectors_are_unit_deterministic_and_around_the_center() -> None:
    center = np.zeros(384, np.float32)
    center[0] = 1.0
    a = clustered_unit_vectors(500, center=center)
    b = clustered_unit_vectors(500, center=center)
    assert a.shape == (500, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, b)
    assert float(a[:, 0].mean()) > 0.9


def test_segment_tokenizer_equals_tokenize() -> None:
    tok = scale.SegmentTokenizer()
    for c in chunk_document(BASE, ChunkingConfig()):
        text = c.index_text()
        assert tok(text) == tokenize(text)
