"""The HTTP contract without the real model: what any request or fault gets back.

An app over a small index built with the deterministic hash embedder, so these run in the fast
tier. The report `evil.md` carries spreadsheet formulas in its front matter and text, as an
uploaded report could.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.factcheck.figures import figures_csv
from cppcc_qa.records import Figure
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

KEY = "staff-key"
EVIL_REPORT = """---
doc_id: evil-2024
title: "=HYPERLINK(\\"http://example.invalid\\")"
committee: "=1+2政协"
---
@SUM(1+1) 调结案件35件。

+cmd 建成委员工作室131个。
"""


@pytest.fixture(scope="module")
def contract_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("contract")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "evil.md").write_text(EVIL_REPORT, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=root / "index", data_dir=root / "data", embedder="hash",
                    lexicon_embedder="", rate_limit_per_minute=0, staff_api_key=KEY)


@pytest.fixture(scope="module")
def contract_service(contract_settings: Settings) -> QAService:
    svc = build_service(contract_settings)
    svc.build()
    return svc


@pytest.fixture(scope="module")
def client(contract_settings: Settings, contract_service: QAService) -> Iterator[TestClient]:
    with TestClient(create_app(contract_settings, contract_service)) as c:
        yield c


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is `status` with the one JSON error shape (and `code`, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


# ------------------------------------------------------------------------------ CSV injection

def test_figures_csv_neutralises_cells_a_spreadsheet_would_run(client: TestClient) -> None:
    r = client.get("/api/figures.csv")
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(row["committee"], row["measure"], row["value"]) for row in rows] == [
        ("'=1+2政协", "调结案件", "35"), ("'=1+2政协", "委员工作室", "131")]
    risky = tuple("=+-@\t\r")
    assert not [cell for row in rows for cell in row.values() if cell.startswith(risky)]
    # the JSON table keeps the text as it is: only the spreadsheet form is escaped
    assert {f["committee"] for f in client.get("/api/figures").json()["figures"]} == {"=1+2政协"}


def test_figures_csv_keeps_negative_numbers_numbers_but_escapes_signed_text() -> None:
    fig = Figure(figure_id="d:1", committee="武威市政协", measure="@案件", value=-35.0, unit="件",
                 qualifier="", period="\t2024年", surface="-35件", passage_id="d:p001.0", doc_id="d",
                 start=0, end=4)
    row = next(csv.DictReader(io.StringIO(figures_csv([fig]))))
    assert (row["value"], row["surface"], row["measure"], row["period"]) == ("-35", "'-35件", "'@案件", "'\t2024年")
