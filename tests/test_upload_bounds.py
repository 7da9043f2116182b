"""The upload route and `cppcc-qa add` at the bounds: replacing a report needs saying so (409
without it, naming the report; the response names what was replaced), and a file past a reading
bound is refused (413/422 naming the bound; CLI exit 2 with one line), leaving the index as it was."""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.cli.app import main
from cppcc_qa.indexing.store import current_version
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings

from .test_api import assert_error
from .test_ingest_bounds import ALIAS_BOMB, _docx, _inflating_pdf

KEY = "staff-key"
STAFF = {"X-API-Key": KEY}
JIUQUAN = "酒泉市政协2024年共报送社情民意信息120条。\n".encode()
WUWEI_TITLE = "政协武威市委员会亮点工作综述"
# front matter naming a built-in report by its doc id, and an uploaded one by its source name
SAME_ID = "---\ndoc_id: wuwei-2024-highlights\n---\n武威市政协2024年调结案件36件。\n".encode()
SAME_SOURCE = "---\nsource: jiuquan.txt\n---\n酒泉市政协2024年共报送社情民意信息150条。\n".encode()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("upload-bounds")
    build_service(_settings(root)).build()
    return root


def _settings(root: Path) -> Settings:
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="",
                    staff_api_key=KEY, rate_limit_per_minute=0)


@pytest.fixture
def settings(template: Path, tmp_path: Path) -> Settings:
    shutil.copytree(template / "index", tmp_path / "index", symlinks=True)
    return _settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, build_service(settings))) as c:
        yield c


def _upload(client: TestClient, name: str, data: bytes, **form: str) -> object:
    return client.post("/api/documents", files={"files": (name, data, "application/octet-stream")},
                       data=form, headers=STAFF)


def _titles(client: TestClient) -> dict[str, str]:
    return {d["doc_id"]: d["title"] for d in client.get("/api/documents").json()["documents"]}


# ------------------------------------------------------------------------------ replacing

def test_front_matter_naming_another_report_is_refused_without_replace(client: TestClient,
                                                                       settings: Settings) -> None:
    first = _upload(client, "jiuquan.txt", JIUQUAN)
    assert first.status_code == 200, first.text
    jiuquan_id = first.json()["changes"][0]["doc_id"]
    before, version = _titles(client), current_version(settings.index_dir)
    error = assert_error(_upload(client, "wuwei-new.md", SAME_ID), 409, "replace_refused")
    assert "wuwei-2024-highlights" in error["message"] and WUWEI_TITLE in error["message"]
    assert "replace" in error["message"]
    error = assert_error(_upload(client, "other.md", SAME_SOURCE), 409, "replace_refused")
    assert jiuquan_id in error["message"]
    error = assert_error(_upload(client, "jiuquan.txt", SAME_SOURCE[SAME_SOURCE.index(b"\n---\n") + 5 :]), 409)
    assert jiuquan_id in error["message"]  # the same file name is the same report too
    assert _titles(client) == before and current_version(settings.index_dir) == version


def test_replace_field_replaces_and_says_what(client: TestClient) -> None:
    assert_error(_upload(client, "wuwei-new.md", SAME_ID, replace="maybe"), 422, "input_error")
    r = _upload(client, "wuwei-new.md", SAME_ID, replace="true")
    assert r.status_code == 200, r.text
    change = r.json()["changes"][0]
    assert (change["status"], change["previous_id"], change["previous_title"]) == (
        "replaced", "wuwei-2024-highlights", WUWEI_TITLE)
    assert "wuwei-2024-highlights" in change["message"] and WUWEI_TITLE in change["message"]
    ask = client.post("/api/verify", json={"claim": "武威市政协2024年调结案件36件。"}).json()
    assert ask["verdict"] == "supported"


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings,
         *args: str) -> tuple[int, str, str]:
    """Run `cppcc-qa` in this process through main(), which maps errors to exit codes."""
    for key, value in {"CPPCC_QA_EMBEDDER": "hash", "CPPCC_QA_LEXICON_EMBEDDER": "",
                       "CPPCC_QA_INDEX_DIR": str(settings.index_dir),
                       "CPPCC_QA_DATA_DIR": str(settings.data_dir)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["cppcc-qa", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def test_cli_add_refuses_a_replacement_without_replace(settings: Settings, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "wuwei-new.md"
    report.write_bytes(SAME_ID)
    version = current_version(settings.index_dir)
    code, _, err = _cli(monkeypatch, capsys, settings, "add", str(report))
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1, err
    assert "wuwei-2024-highlights" in err and "--replace" in err
    assert current_version(settings.index_dir) == version
    code, _, err = _cli(monkeypatch, capsys, settings, "add", "--replace", str(report))
    assert code == 0, err
    assert "replaced" in err and "wuwei-2024-highlights" in err and WUWEI_TITLE in err


# ------------------------------------------------------------------------------ bounds at the edges

BOUNDED_UPLOADS = {
    # case: (file name, bytes, status, words in the message)
    "alias bomb": ("bomb.md", ALIAS_BOMB, 422, "anchor or alias"),
    "inflating pdf": ("bomb.pdf", _inflating_pdf(4 * 1024 * 1024), 413, "a page may have at most 1 MiB"),
    "large docx": ("big.docx", _docx(3300), 413, "at most 100,000 characters"),
    "long text": ("long.txt", "委员调研视察。".encode() * 15000, 413, "at most 100,000 characters"),
}


@pytest.mark.parametrize("case", list(BOUNDED_UPLOADS))
def test_an_upload_past_a_bound_is_refused_saying_which(client: TestClient, settings: Settings, case: str) -> None:
    name, data, status, words = BOUNDED_UPLOADS[case]
    before, version = _titles(client), current_version(settings.index_dir)
    error = assert_error(_upload(client, name, data), status)
    assert words in error["message"], error
    assert _titles(client) == before and current_version(settings.index_dir) == version


@pytest.mark.parametrize("case", ["alias bomb", "inflating pdf"])
def test_cli_add_past_a_bound_is_one_line_and_exit_2(settings: Settings, tmp_path: Path, case: str,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    name, data, _, words = BOUNDED_UPLOADS[case]
    (tmp_path / name).write_bytes(data)
    version = current_version(settings.index_dir)
    code, _, err = _cli(monkeypatch, capsys, settings, "add", str(tmp_path / name))
    assert code == 2 and err.startswith("error:") and words in err and "Traceback" not in err, err
    assert current_version(settings.index_dir) == version
