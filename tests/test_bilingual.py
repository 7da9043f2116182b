"""The English-to-corpus dictionary (search/bilingual.py) and its use by the translator."""
from __future__ import annotations

import numpy as np

from cppcc_qa.indexing.lexicon import Lexicon
from cppcc_qa.search.bilingual import build_dictionary, stem
from cppcc_qa.search.crosslingual import translate

TERMS = ["委员", "案件", "调解", "整改", "生态", "祁连山", "项目", "培训", "成果", "走访"]


def test_stems_meet_across_word_forms() -> None:
    assert stem("members") == stem("member")
    assert stem("ecological") == stem("ecology")


def test_the_dictionary_maps_english_words_to_corpus_terms_only() -> None:
    d = build_dictionary(TERMS)
    assert "委员" in d.candidates("members")
    assert "案件" in d.candidates("cases")
    assert "生态" in d.candidates("ecological")
    assert "祁连山" in d.candidates("mountains")  # "Qilian Mountains"
    assert set(d.candidates("cases")) <= set(TERMS)  # only words the reports use
    assert d.candidates("spaceship") == ()


def test_a_dictionary_word_stands_for_all_its_corpus_terms() -> None:
    """The encoder's nearest term picks the representative; the others become alternatives, so a
    sentence with any of them covers the word; a word unknown to both stays unmatched."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(TERMS), 8)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lexicon = Lexicon(tuple(TERMS), vectors)

    def embed(words: list[str]) -> np.ndarray:
        return np.zeros((len(words), 8), dtype="float32")  # the encoder knows nothing here

    tr = translate(lexicon, "how many cases did members mediate with spaceship", embed,
                   dictionary=build_dictionary(TERMS))
    assert "案件" in tr.terms and "委员" in tr.terms and "调解" in tr.terms
    assert tr.unmatched == ("spaceship",)
    without = translate(lexicon, "how many cases did members mediate", embed)
    assert "调解" not in without.terms and "mediate" in without.unmatched
