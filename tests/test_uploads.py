"""Staff upload and removal of reports over HTTP (POST/DELETE /api/documents), and every kind of
bad upload refused with a 4xx and a reason, leaving the index as it was."""
from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.indexing.store import current_version
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

from .test_api import assert_error

KEY = "staff-key"
STAFF = {"X-API-Key": KEY}
MAX_UPLOAD = 64 * 1024  # small, so the size tests stay light
JIUQUAN = "酒泉市政协2024年共报送社情民意信息120条。\n\n酒泉市政协组织委员开展专题协商12次。\n".encode()
ZHANGYE = "张掖市政协2024年组织委员视察调研28次，形成调研报告9篇。\n".encode()
BOUNDARY = "cppccqaBoundary7MA4YWxk"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("uploads")
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="",
                    staff_api_key=KEY, rate_limit_per_minute=0, max_upload_bytes=MAX_UPLOAD)


@pytest.fixture(scope="module")
def service(settings: Settings) -> QAService:
    svc = build_service(settings)
    svc.build()
    return svc


@pytest.fixture(scope="module")
def client(settings: Settings, service: QAService) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service)) as c:
        yield c


def multipart(files: list[tuple[bytes, bytes]], field: bytes = b"files") -> tuple[bytes, dict[str, str]]:
    """A multipart body written by hand, so file names go out exactly as given (NUL, slashes)."""
    body = b""
    for name, data in files:
        body += (b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; name="' + field
                 + b'"; filename="' + name + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n")
    body += b"--" + BOUNDARY.encode() + b"--\r\n"
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **STAFF}


def upload(client: TestClient, *files: tuple[str | bytes, bytes]) -> object:
    named = [(n if isinstance(n, bytes) else n.encode(), d) for n, d in files]
    body, headers = multipart(named)
    return client.post("/api/documents", content=body, headers=headers)




def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _lying_zip() -> bytes:
    """A small docx-shaped ZIP whose central directory claims its XML expands to 3 GiB."""
    data = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}))
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == b"word/document.xml":
            struct.pack_into("<I", data, at + 24, 3 * 1024**3)  # uncompressed size
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


# ------------------------------------------------------------------------------------ staff only

def test_staff_routes_need_the_key(client: TestClient) -> None:
    body, headers = multipart([(b"jiuquan.txt", JIUQUAN)])
    assert_error(client.post("/api/documents", content=body,
                             headers={"content-type": headers["content-type"]}), 401, "unauthorized")
    assert_error(client.post("/api/documents", content=body,
                             headers={**headers, "X-API-Key": "wrong"}), 403, "forbidden")
    assert_error(client.delete("/api/documents/wuwei-2024-highlights"), 401)


def test_staff_routes_are_off_without_a_key(settings: Settings, service: QAService) -> None:
    with TestClient(create_app(settings.model_copy(update={"staff_api_key": None}), service)) as c:
        assert_error(upload(c, ("jiuquan.txt", JIUQUAN)), 404, "not_found")
        assert_error(c.delete("/api/documents/wuwei-2024-highlights", headers=STAFF), 404, "not_found")


def test_default_upload_cap_is_20_mib() -> None:
    assert Settings().max_upload_bytes == 20 * 1024 * 1024


# ---------------------------------------------------------------------------------- good uploads

def test_upload_add_dedupe_and_remove(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    before = client.get("/api/health").json()["index_version"]
    r = upload(client, ("jiuquan.txt", JIUQUAN), ("zhangye.docx", _docx(ZHANGYE.decode())))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["written"] and body["index_version"] != before and body["documents"] == 4
    assert [(c["source"], c["status"]) for c in body["changes"]] == [("jiuquan.txt", "added"),
                                                                     ("zhangye.docx", "added")]
    health = client.get("/api/health").json()
    assert health["index_version"] == body["index_version"] and health["documents"] == 4
    ask = client.post("/api/ask", json={"question": "张掖市政协2024年组织委员视察调研多少次？"}).json()
    assert ask["index_version"] == body["index_version"]
    # the same content again is a no-op, said plainly
    again = upload(client, ("jiuquan-again.txt", JIUQUAN)).json()
    doc_id = body["changes"][0]["doc_id"]
    assert not again["written"] and again["index_version"] == body["index_version"]
    assert again["changes"][0]["message"] == f"already indexed as {doc_id}"
    # uploads are read from memory: nothing is saved under the names they came with
    assert not [p for p in settings.index_dir.parent.rglob("*") if p.name in ("jiuquan.txt", "zhangye.docx")]
    # removal
    removed = client.delete(f"/api/documents/{doc_id}", headers=STAFF)
    assert removed.status_code == 200 and removed.json()["changes"][0]["status"] == "removed"
    ids = [d["doc_id"] for d in client.get("/api/documents").json()["documents"]]
    assert doc_id not in ids and len(ids) == 3
    assert_error(client.delete(f"/api/documents/{doc_id}", headers=STAFF), 404, "not_found")


# ----------------------------------------------------------------------------------- bad uploads

PDF_GARBAGE = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer <<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
BAD_UPLOADS = {
    # name: (file name, bytes, status, code, words in the message)
    "over the cap": ("big.txt", "政协".encode() * (MAX_UPLOAD // 6 + 100), 413, "upload_too_large", "at most"),
    "request far over the cap": ("huge.txt", b"a" * (MAX_UPLOAD * 3), 413, "body_too_large", "limit"),
    "image named .txt": ("report.txt", PNG, 415, "unsupported_file_type", "image/png"),
    "unsupported extension": ("report.exe", JIUQUAN, 415, "unsupported_file_type", ".exe"),
    "plain zip named .docx": ("report.docx", _zip({"a.txt": b"hello"}), 415, "unsupported_file_type", "ZIP"),
    "pdf named .txt": ("report.txt", PDF_GARBAGE, 422, "unreadable_file", "rename it to .pdf"),
    "damaged pdf": ("report.pdf", PDF_GARBAGE, 422, "unreadable_file", "PDF"),
    "truncated pdf": ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<", 422, "unreadable_file", "PDF"),
    "damaged docx": ("report.docx", _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:doc"}),
                     422, "unreadable_file", "docx"),
    "empty file": ("report.txt", b"", 422, "unreadable_file", "empty"),
    "zip bomb (ratio)": ("report.docx", _zip({"[Content_Types].xml": b"<Types/>",
                                              "word/document.xml": b"0" * (8 * 1024 * 1024)}),
                         422, "unreadable_file", "ZIP bomb"),
    "zip bomb (declared size)": ("report.docx", _lying_zip(), 413, "upload_too_large", "expand"),
    "parent folder": ("../evil.txt", JIUQUAN, 422, "unreadable_file", "plain file name"),
    "absolute path": ("/etc/cron.d/evil.txt", JIUQUAN, 422, "unreadable_file", "plain file name"),
    "windows path": ("..\\..\\evil.txt", JIUQUAN, 422, "unreadable_file", "plain file name"),
    "drive": ("C:evil.txt", JIUQUAN, 422, "unreadable_file", "plain file name"),
    "NUL in name": (b"evil\x00.txt", JIUQUAN, 422, "unreadable_file", "U+0000"),
    "no name": ("", JIUQUAN, 422, None, "file"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS), ids=list(BAD_UPLOADS))
def test_bad_upload_is_refused_and_the_index_unchanged(client: TestClient, settings: Settings,
                                                       monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    name, data, status, code, words = BAD_UPLOADS[case]
    if case.startswith("zip bomb"):  # the archive must be refused before python-docx opens it
        monkeypatch.setattr("cppcc_qa.ingest.readers.docx_blocks",
                            lambda *a: pytest.fail("python-docx opened a zip bomb"))
    version = current_version(settings.index_dir)
    versions = sorted(p.name for p in (settings.index_dir / "versions").iterdir())
    # a good file beside the bad one is not added either: a batch is all or nothing
    error = assert_error(upload(client, ("zhangye-batch.txt", ZHANGYE), (name, data)), status, code)
    assert words in error["message"], error
    assert current_version(settings.index_dir) == version
    assert sorted(p.name for p in (settings.index_dir / "versions").iterdir()) == versions
    assert client.get("/api/health").json()["index_version"] == version


@pytest.mark.parametrize("request_kind", ["no files field", "json body", "too many files", "not multipart"])
def test_malformed_upload_requests_are_refused(client: TestClient, settings: Settings, request_kind: str) -> None:
    version = current_version(settings.index_dir)
    if request_kind == "no files field":
        body, headers = multipart([(b"jiuquan.txt", JIUQUAN)], field=b"report")
        r = client.post("/api/documents", content=body, headers=headers)
    elif request_kind == "json body":
        r = client.post("/api/documents", json={"files": ["jiuquan.txt"]}, headers=STAFF)
    elif request_kind == "too many files":
        r = upload(client, *[(f"r{i}.txt", b"x") for i in range(21)])
    else:
        r = client.post("/api/documents", content=b"--x\r\nbroken", headers={
            **STAFF, "content-type": "multipart/form-data; boundary=x"})
    assert_error(r, 422)
    assert current_version(settings.index_dir) == version


def test_first_upload_creates_the_index_and_the_api_starts_answering(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash",
                        lexicon_embedder="", staff_api_key=KEY, rate_limit_per_minute=0)
    with TestClient(create_app(settings, build_service(settings))) as c:
        assert_error(c.get("/api/health"), 503, "index_missing")
        r = upload(c, ("jiuquan.txt", JIUQUAN))
        assert r.status_code == 200 and r.json()["documents"] == 1, r.text
        health = c.get("/api/health")
        assert health.status_code == 200 and health.json()["index_version"] == r.json()["index_version"]


def test_upload_metadata_fields_are_kept_and_bad_ones_refused(client: TestClient, settings: Settings) -> None:
    files = {"files": ("云岭县报告.txt", "一年来，云岭县政协共收到提案300件，其中立案210件。\n".encode(), "text/plain")}
    before = client.get("/api/documents").json()["documents"]
    bad = client.post("/api/documents", files=files, data={"date": "2024-13-01"}, headers=STAFF)
    assert "2024-13-01" in assert_error(bad, 422, "unreadable_file")["message"]
    assert client.get("/api/documents").json()["documents"] == before  # nothing half-added
    r = client.post("/api/documents", files=files, data={"body": "云岭县政协", "date": "2024-01-05"}, headers=STAFF)
    assert r.status_code == 200, r.text
    doc = next(d for d in client.get("/api/documents").json()["documents"] if d["source"] == "云岭县报告.txt")
    assert (doc["body"], doc["date"], doc["kind"]) == ("云岭县政协", "2024-01-05", "政协工作报告")
    assert doc["title"] == "2024年云岭县报告"  # the year put before a yearly report's title
    client.delete(f"/api/documents/{doc['doc_id']}", headers=STAFF)
