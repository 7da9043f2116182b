"""Properties that must hold for any input (hypothesis): chunk offsets map back to the text,
reading a file fails only with IngestError, question normalisation is idempotent."""
from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_qa.errors import IngestError
from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.ingest.readers import read_document
from cppcc_qa.ingest.uploads import read_report
from cppcc_qa.records import Document
from cppcc_qa.text.normalize import normalize_question

# Bounded so the module runs in seconds on two cores, while still mixing in the characters the
# code treats specially (sentence ends, closing quotes, headings, blank lines, full-width forms).
EXAMPLES = 300
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIAL = list("。！？；;!?”’」』）)\n\n #　\t\r\u2028\ufeff\x00政协委员会武威市一二三十百万亿０１２ＡＢ")
report_text = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=800)
NAMES = ["r.txt", "r.md", "r.markdown", "r.html", "r.htm", "r", "r.pdf", "r.docx"]


def _doc(text: str) -> Document:
    return Document(doc_id="d", title="t", committee="c", region="", source="s", text=text)


@BOUNDED
@given(text=report_text, max_chars=st.integers(20, 300), overlap=st.integers(0, 2))
def test_chunk_offsets_always_map_back_to_the_text(text: str, max_chars: int, overlap: int) -> None:
    doc = _doc(text)
    chunks = chunk_document(doc, ChunkingConfig(max_chars, overlap))
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.text and c.text == c.text.strip()
    assert len({c.chunk_id for c in chunks}) == len(chunks)


@BOUNDED
@given(text=report_text, name=st.sampled_from(NAMES), encoding=st.sampled_from(["utf-8", "utf-16", "gb18030"]))
def test_reading_unicode_text_fails_only_with_ingest_error(text: str, name: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates, or beyond GB18030
        data = text.encode("utf-8", "surrogatepass")
    for read in (lambda: read_document(Path(name), data), lambda: read_report(name, data)):
        try:
            doc = read()
        except IngestError:
            continue
        assert doc.text.strip() and doc.doc_id


@BOUNDED
@given(data=st.one_of(st.binary(max_size=2000),
                      st.builds(lambda head, tail: head + tail,
                                st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xef\xbb\xbf---\n", b"<html>"]),
                                st.binary(max_size=2000))),
       name=st.sampled_from(NAMES))
def test_reading_arbitrary_bytes_fails_only_with_ingest_error(data: bytes, name: str) -> None:
    with contextlib.suppress(IngestError):
        read_report(name, data)


@BOUNDED
@given(question=st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8")), max_size=200))
def test_question_normalisation_is_idempotent(question: str) -> None:
    """Any text a question can be (unpaired surrogates are not text: the API refuses them)."""
    once = normalize_question(question)
    assert normalize_question(once) == once
