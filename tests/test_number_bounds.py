"""Numbers no input can turn into a 500: a figure of hundreds of digits is no figure (it used to
overflow the claim parser), a sign is part of a figure ("-35件" is not "35件"), and a batch goes on
past a line that fails."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cppcc_qa.api.app import create_app
from cppcc_qa.cli.app import app as cli_app
from cppcc_qa.factcheck.claims import claim_quantities, interval
from cppcc_qa.factcheck.verify import Verifier
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings
from cppcc_qa.text.numerals import MAX_FIGURE_DIGITS, MAX_FIGURE_VALUE, find_quantities, parse_quantity

HUGE = "9" * 400  # more digits than a double can hold (1e308): float() of it is inf
HUGE_CLAIM = f"武威市政协委员调结案件{HUGE}件。"
SIGNED_CLAIM = "武威市政协委员调结案件-35件。"


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("numbers")
    s = Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="",
                 rate_limit_per_minute=0)
    build_service(s).build()
    return s


@pytest.fixture(scope="module")
def service(hash_index: Settings) -> QAService:
    svc = build_service(hash_index)
    svc.warm_up()
    return svc


@pytest.fixture(scope="module")
def client(hash_index: Settings, service: QAService) -> Iterator[TestClient]:
    with TestClient(create_app(hash_index, service)) as c:
        yield c


# ------------------------------------------------------------------------------ the parser

@pytest.mark.parametrize("text", [
    HUGE_CLAIM,
    f"投资{HUGE}万亿元",
    f"增长{HUGE}.5%",
    f"百分之{HUGE}",
    "九" * 400 + "亿件",
    "投资" + "九千九百九十九万亿" * 3 + "元",
    "0." + "0" * 400 + "1件",
])
def test_a_number_past_the_bounds_is_no_figure(text: str) -> None:
    found = find_quantities(text)
    assert all(abs(m.quantity.value) < MAX_FIGURE_VALUE for m in found), found
    assert not any(len([c for c in m.surface if c.isdigit()]) > MAX_FIGURE_DIGITS for m in found), found
    for m in claim_quantities(text):
        interval(m.quantity.value, m.quantity.qualifier)  # overflowed on float('inf') before


def test_figures_within_the_bounds_are_kept() -> None:
    # the largest figure in the reports: 114万亿元 (1.14e14 yuan); the longest digit run: 9 digits
    assert find_quantities("国内生产总值达到114万亿元")[0].quantity.value == 114e12
    assert parse_quantity("123456789012345件").value == 123456789012345  # 15 digits: kept
    assert parse_quantity("1234567890123456件") is None  # 16: more than a double holds exactly


def test_a_sign_is_part_of_a_figure() -> None:
    (m,) = find_quantities("调结案件-35件")
    assert (m.quantity.value, m.surface) == (-35.0, "-35件")
    (m,) = find_quantities("增速为−0.5%")  # U+2212 MINUS SIGN
    assert (m.quantity.value, m.surface) == (-0.5, "−0.5%")
    # a hyphen between numbers or after a letter is no sign: a range, a date, a code
    assert [q.quantity.value for q in find_quantities("2018-2022年")] == [2018.0]
    assert [q.quantity.value for q in find_quantities("编号A-35件")] == []
    assert interval(-35.0, "余") == (-35.0, -34.0)


@pytest.mark.parametrize(("text", "values"), [
    ("国内生产总值增长6%－6.5%", [6.0, 6.5]),  # the 2019 government work report's target range
    ("投资3万-5万元", [30000.0, 50000.0]),
    ("2018年-2022年", [2018.0, 2022.0]),
])
def test_a_dash_right_after_a_figure_is_a_range_not_a_sign(text: str, values: list[float]) -> None:
    assert [m.quantity.value for m in find_quantities(text)] == values


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(digits=st.text(alphabet="0123456789.,-−万亿千百十九两", min_size=1, max_size=600),
       unit=st.sampled_from(["件", "万元", "%", "", "年", "亿元以上"]))
def test_any_run_of_digits_parses_or_is_skipped_never_raises(digits: str, unit: str) -> None:
    text = f"委员调结案件{digits}{unit}。"
    for m in claim_quantities(text):
        assert abs(m.quantity.value) < MAX_FIGURE_VALUE
        interval(m.quantity.value, m.quantity.qualifier)


# ------------------------------------------------------------------------------ verify

def test_a_signed_figure_is_not_supported(service: QAService) -> None:
    assert Verifier(service).verify("武威市政协委员调结案件35件。").verdict == "supported"
    assert Verifier(service).verify(SIGNED_CLAIM).verdict in ("refuted", "not_found")


def test_a_huge_number_gets_a_verdict_not_an_overflow(service: QAService) -> None:
    """No figure, so the words are lined up with the report's sentence: it says 35件."""
    v = Verifier(service).verify(HUGE_CLAIM)
    assert v.verdict == "refuted" and "调结案件35件" in v.evidence[0].quote


def test_api_verify_and_check_answer_a_huge_number(client: TestClient) -> None:
    r = client.post("/api/verify", json={"claim": HUGE_CLAIM})
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "refuted"
    r = client.post("/api/check", json={"text": f"{HUGE_CLAIM}{SIGNED_CLAIM}武威市政协委员调结案件35件。"})
    assert r.status_code == 200, r.text
    verdicts = [s["verdict"] for s in r.json()["statements"]]
    assert "supported" in verdicts and verdicts.count("supported") == 1, r.json()


def _cli(settings: Settings, *args: str, stdin: str | None = None):
    env = {"CPPCC_QA_EMBEDDER": "hash", "CPPCC_QA_LEXICON_EMBEDDER": "",
           "CPPCC_QA_INDEX_DIR": str(settings.index_dir), "CPPCC_QA_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(cli_app, list(args), input=stdin, env=env)


def test_cli_verify_a_huge_number_and_a_signed_one(hash_index: Settings) -> None:
    r = _cli(hash_index, "verify", "--json", HUGE_CLAIM)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["verdict"] == "refuted"
    r = _cli(hash_index, "verify", "--json", SIGNED_CLAIM)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["verdict"] != "supported"


def test_cli_verify_jsonl_goes_on_past_every_line(hash_index: Settings) -> None:
    lines = [{"id": 1, "claim": "武威市政协委员调结案件35件。"}, {"id": 2, "claim": HUGE_CLAIM},
             {"id": 3, "claim": 5}, {"id": "four", "claim": SIGNED_CLAIM}]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n"
    r = _cli(hash_index, "verify", "--jsonl", stdin=stdin)
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, 2, 3, "four", None]
    assert [o["verdict"] for o in out[:2]] == ["supported", "refuted"]
    assert "error" in out[2] and "error" in out[4] and "error" not in out[1]
    assert out[3]["verdict"] != "supported"
    assert r.exit_code == 2


def test_cli_jsonl_reports_an_unexpected_failure_in_place_and_goes_on(
        hash_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line that hits a bug (here one raised on purpose) gets an error entry, the next lines are
    still answered, and the exit code says a line failed."""
    real = QAService.verify

    def verify(self: QAService, claim: str):  # type: ignore[no-untyped-def]
        if "爆" in claim:
            raise OverflowError("cannot convert float infinity to integer")
        return real(self, claim)

    monkeypatch.setattr(QAService, "verify", verify)
    stdin = "\n".join(json.dumps({"id": i, "claim": c}, ensure_ascii=False)
                      for i, c in enumerate(["爆", "武威市政协委员调结案件35件。"])) + "\n"
    r = _cli(hash_index, "verify", "--jsonl", stdin=stdin)
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1]
    assert "OverflowError" in out[0]["error"] and out[1]["verdict"] == "supported"
    assert r.exit_code != 0
