"""Synthetic corpora for scale benchmarks: many committees' reports made from the real ones.

A synthetic report is a real one with its place swapped ("武威市政协" → "酒泉市政协", "武威实践" →
"酒泉实践"), its year moved and its figures shifted, so the text keeps the vocabulary, sentence
shapes and chunk sizes of the real reports while every committee's figures differ. Vectors for
such a corpus may be synthetic too (`clustered_unit_vectors`), where embedding a million
passages would take hours.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from cppcc_qa.records import Document
from cppcc_qa.text.places import place_of

__all__ = ["swap_place", "shift_figures", "synthesize_documents", "clustered_unit_vectors"]

BASE_YEAR = 2024  # the year the real reports describe; "2024年" moves with a synthetic report's year
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR_RANGE = (1949, 2100)  # a 4-digit number in this range followed by 年 is a date, not a count
_PLACE_SUFFIX = re.compile(r"(?:市|县|区|州|盟|旗)$")


def swap_place(text: str, old_place: str, old_suffix: str, new_place: str, new_suffix: str) -> str:
    """Replace a place with another: "武威市" → "酒泉县" first, then the bare "武威" → "酒泉"."""
    return text.replace(old_place + old_suffix, new_place + new_suffix).replace(old_place, new_place)


def shift_figures(text: str, rng: np.random.Generator, year: int = BASE_YEAR) -> str:
    """Move dates by `year - BASE_YEAR` and scale every other Arabic figure by a random factor
    (0.5–1.6 for the report, ±10% per figure); integers stay integers of at least 1, decimals keep
    their number of decimal places. Chinese numerals ("二十二年") are left as they are."""
    factor = float(rng.uniform(0.5, 1.6))
    jitter = rng.uniform(0.9, 1.1, size=len(_NUMBER.findall(text)) + 1)

    def sub(m: re.Match[str], it: Iterator[float] = iter(jitter)) -> str:
        s = m.group(0)
        f = factor * next(it)
        if "." not in s and text[m.end() : m.end() + 1] == "年" and _YEAR_RANGE[0] <= int(s) <= _YEAR_RANGE[1]:
            return str(int(s) + year - BASE_YEAR)
        if "." in s:
            places = len(s.split(".")[1])
            return f"{float(s) * f:.{places}f}"
        return str(max(1, round(int(s) * f)))

    return _NUMBER.sub(sub, text)


def synthesize_documents(
    bases: Sequence[Document], places: Sequence[str], years: Sequence[int], seed: int = 0
) -> Iterator[Document]:
    """Reports of many committees: for each year, for each place ("酒泉市"), one report per base.

    Ordered year by year so that a small prefix covers many committees of one year; ids are
    `syn-<year>-<place>-<base doc_id>`. Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    olds = []
    for b in bases:
        old_place = place_of(b.committee)
        m = _PLACE_SUFFIX.search(b.region or "")
        olds.append((old_place, m.group(0) if m else "市"))
    for year in years:
        for full in places:
            m = _PLACE_SUFFIX.search(full)
            new_place, new_suffix = (full[: m.start()], m.group(0)) if m else (full, "")
            for base, (old_place, old_suffix) in zip(bases, olds):
                def swap(s: str, old: tuple[str, str] = (old_place, old_suffix),
                         new: tuple[str, str] = (new_place, new_suffix)) -> str:  # this pair's places, bound now
                    return swap_place(s, *old, *new)

                yield replace(
                    base,
                    doc_id=f"syn-{year}-{full}-{base.doc_id}",
                    title=f"{swap(base.title)}（{year}年）",
                    committee=swap(base.committee),
                    region=full,
                    source=f"synthetic from {base.doc_id}",
                    text=shift_figures(swap(base.text), rng, year),
                    headline=swap(base.headline),
                )


def clustered_unit_vectors(
    n: int,
    dim: int = 384,
    n_clusters: int | None = None,
    topic_var: float = 0.065,
    topic_dims: int = 128,
    topic_decay: float = 0.42,
    within_var: float = 0.02,
    within_dims: int = 16,
    noise_var: float = 0.006,
    seed: int = 0,
    center: np.ndarray | None = None,
) -> np.ndarray:
    """`n` unit vectors (float32, `dim` wide) shaped like sentence embeddings.

    All vectors share one direction (e5 vectors of one language sit in a narrow cone); `n_clusters`
    topic centres (default ~sqrt(n)) are offset from it inside a `topic_dims` subspace whose scales
    decay as i**-topic_decay (total variance `topic_var`); each cluster spreads in its own
    `within_dims` subspace (variance `within_var`), plus isotropic noise (`noise_var`). The defaults
    were fitted to multilingual-e5-small vectors of 800 synthetic passages: mean cosine of random
    pairs 0.917 (e5: 0.919), its s.d. 0.017 (0.016), mean nearest-neighbour cosine 0.980 (0.979),
    participation ratio of the covariance spectrum 48 (47) — bench/RESULTS.md, "What was measured".
    What they do not copy is the reports' template structure (the same sentence in every committee,
    differing only in place and figures), which makes real nearest neighbours near-duplicates.

    `center` is the shared direction (random by default): pass the mean of real passage
    embeddings and real query embeddings meet the synthetic passages at a realistic similarity.
    Generated cluster by cluster: the peak memory is the result plus one cluster.
    """
    rng = np.random.default_rng(seed)
    k = n_clusters or max(4, int(np.sqrt(n)))
    mean = rng.standard_normal(dim).astype(np.float32) if center is None else np.asarray(center, np.float32).copy()
    mean /= np.linalg.norm(mean)
    topic_basis = np.linalg.qr(rng.standard_normal((dim, topic_dims)))[0].T.astype(np.float32)
    decay = np.arange(1, topic_dims + 1) ** -topic_decay
    topic_scale = (decay * np.sqrt(topic_var / (decay**2).sum())).astype(np.float32)
    centers = mean + (rng.standard_normal((k, topic_dims)).astype(np.float32) * topic_scale) @ topic_basis
    within = 1 / np.sqrt(np.arange(1, within_dims + 1))
    within_scale = (within * np.sqrt(within_var / (within**2).sum())).astype(np.float32)
    labels = rng.integers(0, k, size=n)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    out = np.empty((n, dim), dtype=np.float32)
    for c in range(k):
        rows = order[bounds[c] : bounds[c + 1]]
        if len(rows) == 0:
            continue
        basis = rng.standard_normal((within_dims, dim)).astype(np.float32) / np.float32(np.sqrt(dim))
        v = centers[c] + (rng.standard_normal((len(rows), within_dims)).astype(np.float32) * within_scale) @ basis
        v += np.float32(np.sqrt(noise_var / dim)) * rng.standard_normal((len(rows), dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[rows] = v
    return out
