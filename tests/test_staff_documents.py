"""The report list staff read (GET /api/documents): how many passages each report has and when
it entered the index, kept across later adds and replaced with the report."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings

KEY = "staff-key"
STAFF = {"X-API-Key": KEY}
REPORT = ("张掖市政协2024年组织委员视察调研28次，形成调研报告9篇。\n\n"
          "张掖市政协全年共提交提案316件，立案289件。\n").encode()
REVISED = REPORT.replace("316件".encode(), "318件".encode())


@pytest.fixture()
def client(tmp_path) -> TestClient:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash",
                        lexicon_embedder="", staff_api_key=KEY, rate_limit_per_minute=0)
    service = build_service(settings)
    service.build()
    with TestClient(create_app(settings, service)) as c:
        yield c


def _listed(client: TestClient) -> dict[str, dict]:
    r = client.get("/api/documents")
    assert r.status_code == 200, r.text
    return {d["source"]: d for d in r.json()["documents"]}


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_each_report_lists_its_passages_and_when_it_was_added(client: TestClient) -> None:
    before = _listed(client)
    built_in = next(iter(before.values()))
    assert built_in["chunks"] > 0 and built_in["added"]
    t0 = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)  # stamps are to the second: the upload's must be later than the build's
    r = client.post("/api/documents", files=[("files", ("zhangye-2024.txt", REPORT, "text/plain"))],
                    data={"body": "张掖市政协", "title": "张掖市政协2024年工作报告", "date": "2025-01-10"},
                    headers=STAFF)
    assert r.status_code == 200, r.text
    after = _listed(client)
    added = after["zhangye-2024.txt"]
    assert (added["body"], added["title"], added["date"]) == ("张掖市政协", "张掖市政协2024年工作报告", "2025-01-10")
    assert added["chunks"] == 2  # one passage a paragraph here
    assert _when(added["added"]) > t0 >= _when(built_in["added"])
    for source, doc in before.items():  # the reports already there keep when they came
        assert after[source]["added"] == doc["added"] and after[source]["chunks"] == doc["chunks"]

    time.sleep(1.1)
    r = client.post("/api/documents", files=[("files", ("zhangye-2024.txt", REVISED, "text/plain"))],
                    data={"replace": "true"}, headers=STAFF)
    assert r.status_code == 200 and r.json()["changes"][0]["status"] == "replaced", r.text
    assert _when(_listed(client)["zhangye-2024.txt"]["added"]) > _when(added["added"])


def test_the_list_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    item = schema["components"]["schemas"]["DocumentItem"]
    assert {"body", "title", "date", "source", "chunks", "added"} <= set(item["required"])
