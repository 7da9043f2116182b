"""The built-in corpus: cleaned reports are reproducible from the raw page, and clean."""
from __future__ import annotations

from pathlib import Path

from cppcc_qa.ingest.docfile import read_markdown_document
from cppcc_qa.ingest.page import rebuild_corpus

from .conftest import REPO

CORPUS = REPO / "corpus"


def test_cleaned_corpus_is_reproducible_from_raw(tmp_path: Path) -> None:
    written = rebuild_corpus(CORPUS / "raw", tmp_path)
    assert sorted(p.name for p in written) == ["pingliang-2024-highlights.md", "wuwei-2024-highlights.md"]
    for p in written:
        assert p.read_text(encoding="utf-8") == (CORPUS / p.name).read_text(encoding="utf-8")


def test_front_matter_and_cleaning() -> None:
    wuwei = read_markdown_document(CORPUS / "wuwei-2024-highlights.md")
    ping = read_markdown_document(CORPUS / "pingliang-2024-highlights.md")
    assert (wuwei.committee, wuwei.title, wuwei.region) == ("武威市政协", "政协武威市委员会亮点工作综述", "甘肃省武威市")
    assert ping.committee == "平凉市政协"
    assert wuwei.source == ping.source == "000_7d7f812912060c73.txt"
    # line breaks joined, numbers rejoined, no space between CJK characters
    assert "习近平总书记" in wuwei.text and "调结案件35件，调解成功27件" in wuwei.text
    assert "累计开展协商议事活动2.1万场次、解决问题1.9万件" in wuwei.text
    # the garbled page header and the out-of-order subtitles are gone
    for doc in (wuwei, ping):
        assert "我与人民政协同我与" not in doc.text
        assert "亮点工作综述" not in doc.text
    # captions attached to the report of the committee they name
    assert "▲武威市政协主席李宏伟带领视察组围绕“推进源头治理工作”开展视察。" in wuwei.text
    assert "甘沟路社区" in ping.text and "甘沟路社区" not in wuwei.text
    assert wuwei.text.count("▲") == 3 and ping.text.count("▲") == 3
    # section headings are kept as headings
    assert "\n## 筑牢政治底色，把准正确方向，在思想政治引领上体现更高站位\n" in wuwei.text
    assert "\n## 讲政治、铭初心，始终坚持正确履职方向\n" in ping.text
    # a paragraph broken by a blank line mid-sentence is joined
    assert "坚定“四个自信”" in wuwei.text and "党对政协工作的全面领导" in wuwei.text
