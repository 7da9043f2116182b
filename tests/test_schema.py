"""Schemathesis against the app's own OpenAPI schema, on a real built index (default embedder):
whatever it sends, valid or not, no 5xx, and every error is a JSON body in the one error shape.

Cases come from schemathesis' per-operation Hypothesis strategies, run here with a bounded
number of examples. (Its `from_fixture(...).parametrize()` wrapper sets `request.node._nodeid`,
which pytest 9 no longer has, so the operations are walked in one test instead.)
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from cppcc_qa.api.app import create_app
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

pytestmark = pytest.mark.model

# Examples per operation and mode: enough to reach every validator of the seven operations,
# bounded so the module takes about a minute on two cores (answers run the real model).
EXAMPLES = 30
KEY = "staff-key"
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def api_schema(engine: QAService, engine_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The schema of an app over a copy of the session's real index (uploads and removals the
    fuzzer sends with the staff key change the copy only)."""
    root = Path(tmp_path_factory.mktemp("schema"))
    shutil.copytree(engine_settings.index_dir, root / "index", symlinks=True)
    app_settings = engine_settings.model_copy(update={
        "index_dir": root / "index", "data_dir": root / "data", "rate_limit_per_minute": 0,
        "staff_api_key": KEY})
    service = build_service(app_settings)
    service.warm_up()
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(app_settings, service))


def errors_are_json(ctx, response, case) -> None:
    """A 4xx/5xx carries {"error": {"code", "message"}} as JSON."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (response.status_code, content_type)
    body = json.loads(response.content)
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body


def test_no_server_errors_and_json_errors_for_any_request(api_schema) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/ask", "POST /api/documents",
                                               "DELETE /api/documents/{doc_id}", "GET /api/health"}
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @BOUNDED
            @given(case=op.as_strategy(generation_mode=mode, headers={"X-API-Key": KEY}))
            def run(case) -> None:
                case.call_and_validate(checks=[not_a_server_error, errors_are_json])

            try:
                run()
            except Unsatisfiable:  # nothing in this operation can be made invalid (no body, a free string)
                assert mode is GenerationMode.NEGATIVE
            except Exception as exc:
                failures.append(f"{op.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
