"""Reading the reports staff bring: .txt, .md, .pdf, .docx, .html — and refusing what is not."""
from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_qa.errors import IngestError
from cppcc_qa.ingest.cjk import Block
from cppcc_qa.ingest.docfile import read_markdown_document
from cppcc_qa.ingest.readers import detect_committee, make_doc_id, read_document, render_blocks
from cppcc_qa.records import Document

REPO = Path(__file__).resolve().parents[1]
RAW_PAGE = REPO / "corpus" / "raw" / "000_7d7f812912060c73.txt"
CJK_PAIR_WITH_SPACE = re.compile(r"[\u4e00-\u9fff][ \t\u3000]+[\u4e00-\u9fff]")

# Column-broken lines exactly as they stand on the raw page (lines 11-16 and 53-57).
PAGE_LINES = [
    "近年来，武威市政协深入学习贯彻党的二十",
    "大和二十届二中、三中全会精神，认真贯彻落实习",
    "近平总书记关于加强和改进人民政协工作的重要",
    "思想，集政协之智、倾政协之力、尽政协之责，以高",
    "水平履职服务高质量发展，为奋力谱写中国式现",
    "代化武威实践新篇章贡献智慧力量。",
    "聚焦助推落实强化民主监督。坚持协商式监",
    "督的定位，持续开展监督性调研视察活动。联合",
    "市中级人民法院推进诉源治理，2024年以来共有",
    "124名政协委员参与诉前调解，调结案件 35件，调",
    "解成功 27件。",
]
FIRST_PARA = (
    "近年来，武威市政协深入学习贯彻党的二十大和二十届二中、三中全会精神，认真贯彻落实习近平总书记"
    "关于加强和改进人民政协工作的重要思想，集政协之智、倾政协之力、尽政协之责，以高水平履职服务高质量"
    "发展，为奋力谱写中国式现代化武威实践新篇章贡献智慧力量。"
)
SECOND_PARA = (
    "聚焦助推落实强化民主监督。坚持协商式监督的定位，持续开展监督性调研视察活动。联合市中级人民法院"
    "推进诉源治理，2024年以来共有124名政协委员参与诉前调解，调结案件35件，调解成功27件。"
)


def _sha8(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


# --- the real raw page as a .txt -------------------------------------------------------------


@pytest.fixture()
def page_doc(tmp_path: Path) -> Document:
    target = tmp_path / "page.txt"
    shutil.copy(RAW_PAGE, target)
    return read_document(target)


def test_raw_page_lines_are_joined(page_doc: Document) -> None:
    text = page_doc.text
    assert "认真贯彻落实习近平总书记关于加强和改进人民政协工作的重要思想" in text
    assert "习\n近平" not in text
    assert "调结案件35件，调解成功27件。" in text
    assert "解决问题1.9万件" in text
    assert "协商议事活动2.1万场次" in text
    assert CJK_PAIR_WITH_SPACE.search(text) is None


def test_raw_page_renders_headings_paragraphs_and_captions(page_doc: Document) -> None:
    text = page_doc.text
    assert f"\n\n{FIRST_PARA}\n\n" in text
    assert "\n\n## 筑牢政治底色，把准正确方向，在思想政治引领上体现更高站位\n\n" in text
    head, captions = text.split("\n\n## 图片说明\n\n")
    assert "▲" not in head
    assert captions.startswith("▲平凉市政协主席宋全科带领委员深入平凉市崆峒区西郊街道甘沟路社区，")
    assert captions.count("▲") == 6
    assert text.endswith("专题议政会。\n")


def test_raw_page_metadata(page_doc: Document) -> None:
    assert page_doc.title == "我与人民政协同我与人民政协同行行"  # the page's first (garbled) heading
    # both reports are on the page; the formal "政协平凉市委员会" is named twice, 武威 once
    assert page_doc.committee == "平凉市政协"
    assert page_doc.region == ""
    assert page_doc.headline == ""
    assert page_doc.source == "page.txt"
    assert page_doc.doc_id == f"page-{_sha8(page_doc.text)}"


def test_doc_id_is_stable_and_follows_content(tmp_path: Path) -> None:
    a = read_document(tmp_path / "周报 2024.txt", FIRST_PARA.encode())
    b = read_document(tmp_path / "周报 2024.txt", FIRST_PARA.encode())
    c = read_document(tmp_path / "周报 2024.txt", SECOND_PARA.encode())
    assert a.doc_id == b.doc_id == f"2024-{_sha8(FIRST_PARA + chr(10))}"
    assert c.doc_id != a.doc_id
    assert make_doc_id("武威市政协", "x") == f"doc-{_sha8('x')}"
    assert make_doc_id("Wuwei_Report 2024", "x") == f"wuwei-report-2024-{_sha8('x')}"


# --- encodings and normalisation -------------------------------------------------------------


def test_gb18030_text_decodes(tmp_path: Path) -> None:
    path = tmp_path / "gb.txt"
    path.write_bytes("\n".join(PAGE_LINES).encode("gb18030"))
    doc = read_document(path)
    assert doc.text == f"{FIRST_PARA}\n\n{SECOND_PARA}\n"
    assert doc.committee == "武威市政协"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_text_decodes(tmp_path: Path, encoding: str) -> None:
    doc = read_document(tmp_path / "bom.txt", "\r\n".join(PAGE_LINES).encode(encoding))
    assert doc.text == f"{FIRST_PARA}\n\n{SECOND_PARA}\n"


def test_nfc_and_control_characters_but_traditional_kept(tmp_path: Path) -> None:
    raw = "武威市政協推動經濟發展，caf\u00e9與cafe\u0301。\x00\x07\x1b\u200b\r\n"
    doc = read_document(tmp_path / "t.txt", raw.encode())
    assert doc.text == "武威市政協推動經濟發展，café與café。\n"


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\ufeff".encode()])
def test_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(IngestError, match="empty"):
        read_document(tmp_path / "e.txt", data)


def test_empty_file_on_disk(tmp_path: Path) -> None:
    (tmp_path / "e.md").write_bytes(b"")
    with pytest.raises(IngestError, match=r"e\.md: the file is empty"):
        read_document(tmp_path / "e.md")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read"):
        read_document(tmp_path / "nope.txt")


# --- Markdown ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["wuwei-2024-highlights.md", "pingliang-2024-highlights.md"])
def test_corpus_markdown_reads_as_docfile_does(name: str) -> None:
    path = REPO / "corpus" / name
    assert read_document(path) == read_markdown_document(path)


def test_markdown_front_matter_wins_and_crlf_is_folded(tmp_path: Path) -> None:
    md = (
        "---\r\ndoc_id: ww-1\r\ntitle: 武威亮点\r\nregion: 甘肃省武威市\r\n---\r\n"
        f"# 不是标题\r\n\r\n{FIRST_PARA}\r\n"
    )
    doc = read_document(tmp_path / "x.md", md.encode())
    assert doc.doc_id == "ww-1"
    assert doc.title == "武威亮点"
    assert doc.region == "甘肃省武威市"
    assert doc.committee == "武威市政协"  # not in the front matter: detected
    assert doc.source == "x.md"
    assert doc.text == f"# 不是标题\n\n{FIRST_PARA}\n"


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    md = f"{FIRST_PARA}\n\n## 彰显协商特色，深耕主责主业\n\n{SECOND_PARA}\n"
    doc = read_document(tmp_path / "wuwei.md", md.encode())
    assert doc.text == md  # body kept as written
    assert doc.title == "彰显协商特色，深耕主责主业"
    assert doc.doc_id == f"wuwei-{_sha8(md)}"


def test_markdown_with_broken_front_matter(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="front matter is not closed"):
        read_document(tmp_path / "x.md", b"---\ntitle: a\n\nbody\n")


@pytest.mark.parametrize("front", ["date: 2024-13-01", "at: 2024-01-01 25:00:00"])
def test_markdown_front_matter_with_impossible_date(tmp_path: Path, front: str) -> None:
    with pytest.raises(IngestError, match="front matter has a value YAML cannot read"):
        read_document(tmp_path / "x.md", f"---\n{front}\n---\nbody\n".encode())


def test_undecodable_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="neither UTF-8 nor GB18030 text"):
        read_document(tmp_path / "x.txt", "武威".encode() + b"\x80\xff\xfe")


# --- DOCX ----------------------------------------------------------------------------------


def _make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("彰显协商特色，深耕主责主业", level=1)
    d.add_paragraph("聚焦中心工作深入协商议政。紧扣建设“两区两地”目标定位，累计形成协商成果40篇。")
    d.add_paragraph("")
    d.add_paragraph("武威市政协 联合市中级人民法院推进诉源治理，调结案件 35件。")
    d.add_heading("团结联谊凝聚共识", level=2)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "委员工作室"
    table.rows[0].cells[1].text = "149个"
    d.add_paragraph("▲武威市政协召开专题议政会。")
    d.save(str(path))


def test_docx_headings_paragraphs_table_caption(tmp_path: Path) -> None:
    path = tmp_path / "亮点 Report.docx"
    _make_docx(path)
    doc = read_document(path)
    assert doc.text == (
        "## 彰显协商特色，深耕主责主业\n\n"
        "聚焦中心工作深入协商议政。紧扣建设“两区两地”目标定位，累计形成协商成果40篇。\n\n"
        "武威市政协联合市中级人民法院推进诉源治理，调结案件35件。\n\n"
        "## 团结联谊凝聚共识\n\n"
        "委员工作室 | 149个\n\n"
        "## 图片说明\n\n"
        "▲武威市政协召开专题议政会。\n"
    )
    assert doc.title == "彰显协商特色，深耕主责主业"
    assert doc.committee == "武威市政协"
    assert doc.doc_id == f"report-{_sha8(doc.text)}"
    assert doc.source == "亮点 Report.docx"


def test_docx_that_is_plain_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_text(FIRST_PARA, encoding="utf-8")
    with pytest.raises(IngestError, match=r"fake\.docx: the name says \.docx but the content is plain text"):
        read_document(path)


def test_zip_that_is_not_word_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(IngestError, match=r"a\.docx: the name says \.docx but the content is a ZIP archive; allowed: \.txt, \.md"):
        read_document(tmp_path / "a.docx", buf.getvalue())


def test_damaged_docx_is_ingest_error(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><oops")
    with pytest.raises(IngestError, match="not a readable Word .docx file"):
        read_document(tmp_path / "a.docx", buf.getvalue())
    good = tmp_path / "good.docx"
    _make_docx(good)
    with pytest.raises(IngestError, match=r"cut\.docx: the name says \.docx but the content is a damaged ZIP archive"):
        read_document(tmp_path / "cut.docx", good.read_bytes()[:300])


# --- HTML ----------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>页面标题</title>
<style>p { color: red }</style><script>var x = "政协";</script></head>
<body><nav><ul><li>首页</li><li>政协要闻</li></ul></nav>
<h1>履职尽责担使命 奋发进取展作为</h1>
<p>近年来，<b>平凉</b>市政协深入学习贯彻党的二十大精神，
   认真贯彻落实习近平总书记重要思想。</p>
<ul><li>建成委员工作室 <em>149</em> 个；</li><li><p>开展协商议事活动2.1万场次。</p></li></ul>
<h2>Growth in English</h2><p>Members met   farmers
and workers.</p>
</body></html>
"""


def test_html_blocks(tmp_path: Path) -> None:
    path = tmp_path / "pl.htm"
    path.write_text(HTML, encoding="utf-8")
    doc = read_document(path)
    assert doc.text == (
        "## 履职尽责担使命奋发进取展作为\n\n"
        "近年来，平凉市政协深入学习贯彻党的二十大精神，认真贯彻落实习近平总书记重要思想。\n\n"
        "建成委员工作室149个；\n\n"
        "开展协商议事活动2.1万场次。\n\n"
        "## Growth in English\n\n"
        "Members met farmers and workers.\n"
    )
    assert doc.title == "履职尽责担使命奋发进取展作为"
    assert doc.committee == "平凉市政协"


def test_html_fragment_and_gb18030_page(tmp_path: Path) -> None:
    doc = read_document(tmp_path / "frag.html", f"<p>{FIRST_PARA}</p>".encode("gb18030"))
    assert doc.text == FIRST_PARA + "\n"


def test_html_under_a_txt_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"rename it to \.html"):
        read_document(tmp_path / "page.txt", HTML.encode())


# --- PDF -----------------------------------------------------------------------------------


def _make_cjk_pdf(path: Path, pages: list[list[str]]) -> None:
    """A real CJK PDF: reportlab's built-in STSong-Light CID font needs no font file."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 11)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    c.save()


@pytest.fixture()
def cjk_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "wuwei.pdf"
    # the second paragraph runs across the page break
    _make_cjk_pdf(path, [PAGE_LINES[:8], PAGE_LINES[8:] + ["计开展协商议事活动 2.1 万场次、解决问题 1.9 万", "件。"]])
    return path


def test_cjk_pdf_is_joined(cjk_pdf: Path) -> None:
    doc = read_document(cjk_pdf)
    assert doc.text == f"{FIRST_PARA}\n\n{SECOND_PARA}\n\n计开展协商议事活动2.1万场次、解决问题1.9万件。\n"
    assert "习近平" in doc.text and "习\n近平" not in doc.text
    assert CJK_PAIR_WITH_SPACE.search(doc.text) is None
    assert doc.committee == "武威市政协"
    assert doc.doc_id == f"wuwei-{_sha8(doc.text)}"


def test_pdf_bytes_under_a_txt_name_are_refused(cjk_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"name says \.txt but the content is a PDF document; rename it to \.pdf"):
        read_document(tmp_path / "report.txt", cjk_pdf.read_bytes())


def test_pdf_without_extension_is_read_by_content(cjk_pdf: Path, tmp_path: Path) -> None:
    doc = read_document(tmp_path / "upload", cjk_pdf.read_bytes())
    assert doc.text.startswith(FIRST_PARA)


def test_garbage_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(IngestError, match=r"bad\.pdf: the name says \.pdf but the content is binary data that is neither UTF-8 nor GB18030"):
        read_document(path)


def test_damaged_pdf_is_ingest_error(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 8
    with pytest.raises(IngestError, match=r"bad\.pdf: not a readable PDF"):
        read_document(tmp_path / "bad.pdf", data)


def test_truncated_pdf_is_ingest_error(cjk_pdf: Path, tmp_path: Path) -> None:
    data = cjk_pdf.read_bytes()
    with pytest.raises(IngestError, match=r"cut\.pdf: (not a readable PDF|the PDF has no text layer)"):
        read_document(tmp_path / "cut.pdf", data[: len(data) // 3])


# --- unsupported types ---------------------------------------------------------------------


def test_unsupported_extension_names_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"unsupported file type '\.rtf'; allowed: \.txt, \.md, \.markdown, \.pdf, \.docx, \.html, \.htm"):
        read_document(tmp_path / "a.rtf", FIRST_PARA.encode())


def test_image_named_txt_is_refused(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
    with pytest.raises(IngestError, match=r"a\.txt: the name says \.txt but the content is a binary image/png file; allowed"):
        read_document(tmp_path / "a.txt", png)


def test_legacy_doc_is_refused(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(IngestError, match=r"legacy Office file .*save it as \.docx"):
        read_document(tmp_path / "a.docx", ole)


def test_text_whose_start_looks_like_a_magic_number_is_text(tmp_path: Path) -> None:
    doc = read_document(tmp_path / "a.txt", "BM 武威市政协召开会议。\nID3 标签。".encode())
    assert doc.text == "BM武威市政协召开会议。\n\nID3标签。\n"


# --- committee detection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政协武威市委员会亮点工作综述", "武威市政协"),
        ("中国人民政治协商会议甘肃省武威市委员会2024年工作报告", "武威市政协"),
        ("近年来武威市政协深入学习。平凉市政协交流。武威市政协调研。", "武威市政协"),
        ("古浪县政协组织委员视察，古浪县政协主席讲话。", "古浪县政协"),
        ("临夏回族自治州政协召开会议。", "临夏回族自治州政协"),
        ("同乌鲁木齐市政协建立友好政协。", "乌鲁木齐市政协"),
        ("市县区政协、外省市政协、全市政协、五届市政协、社区政协", ""),
        ("甘肃省政协委员来访。", "甘肃省政协"),
        ("没有提到任何委员会。", ""),
        ("", ""),
    ],
)
def test_detect_committee(text: str, expected: str) -> None:
    assert detect_committee(text) == expected


def test_render_blocks() -> None:
    blocks = [Block("caption", "▲图。"), Block("heading", "标题"), Block("para", "正文。")]
    assert render_blocks(blocks) == "## 标题\n\n正文。\n\n## 图片说明\n\n▲图。\n"
    assert render_blocks([]) == ""


# --- properties ----------------------------------------------------------------------------

_FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FAST
@given(text=st.text(), name=st.sampled_from(["a.txt", "a.md", "upload"]))
def test_any_text_raises_only_ingest_error(text: str, name: str) -> None:
    try:
        doc = read_document(Path(name), text.encode("utf-8"))
    except IngestError:
        return
    assert doc.text.strip()
    assert "\x00" not in doc.text and "\r" not in doc.text


@_FAST
@given(data=st.binary(), name=st.sampled_from(["a.txt", "a.md", "a.pdf", "a.docx", "a.html", "upload"]))
def test_any_bytes_raise_only_ingest_error(data: bytes, name: str) -> None:
    with contextlib.suppress(IngestError):
        read_document(Path(name), data)


@_FAST
@given(text=st.text())
def test_text_with_content_usually_gives_a_document(text: str) -> None:
    doc = read_document(Path("a.txt"), ("近年来" + text).encode("utf-8"))
    assert "近年来" in doc.text
    assert doc.committee == detect_committee(doc.text)


def test_a_line_of_invisible_characters_does_not_cut_a_sentence_into_a_heading(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("各位代表：\n\n经济增速是综合性指标，今年预期目标设定\n\u200b\n为6%以上，考虑了经济运行恢复情况。\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert "今年预期目标设定为6%以上" in doc.text and "## 经济增速" not in doc.text
