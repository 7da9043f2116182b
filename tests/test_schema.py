"""Schemathesis against the app's own OpenAPI schema, on a real built index (default embedder):
every operation, every phase (examples, coverage, fuzzing, stateful) and every built-in check,
contract included (status codes, content types, response headers and schemas, negative data
rejected and positive data accepted, missing headers, unsupported methods and their Allow
header, ignored auth), plus one of ours: every error is a JSON body in the one error shape.

It runs schemathesis' own engine (what `schemathesis run` runs) with a fixed seed, so a failure
reproduces; the examples per operation are bounded so the module takes about 30 s on two
cores (about 780 requests). (Its pytest wrapper `from_fixture(...).parametrize()` sets `request.node._nodeid`, which
pytest 9 no longer has, so the engine is driven here instead.)
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from cppcc_qa.api.app import create_app
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

pytestmark = [pytest.mark.model, pytest.mark.slow]

KEY = "staff-key"
SEED = 20240305
# Fuzzed cases per operation (the coverage phase adds its own, one per rule of the schema):
# enough to reach every validator of the thirteen operations (measured: all 14 built-in checks
# run on each response), bounded for the run time above.
EXAMPLES = 25
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "headers": {"X-API-Key": KEY},
    "generation": {"max-examples": EXAMPLES, "database": "none"},
    "operations": [{
        # Which bytes make a readable report no schema can say: a well-formed upload of a PNG is
        # refused as 415 (type) or 422 (unreadable), as it should be.
        "include-path": "/api/documents", "include-method": "POST",
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "413", "415", "422", "429", "5xx"]}},
    }, *({
        # Two dates each valid alone may come in the wrong order (since after until): 422.
        "include-path": path, "include-method": "GET",
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "422", "429", "5xx"]}},
    } for path in ("/api/feedback", "/api/feedback.csv"))],
}


@schemathesis.check
def errors_are_json(ctx: Any, response: Any, case: Any) -> None:
    """A 4xx/5xx carries {"error": {"code", "message"}} as JSON (HEAD answers have no body)."""
    if response.status_code < 400 or response.request.method == "HEAD":
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (response.status_code, content_type)
    body = json.loads(response.content)
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body


@pytest.fixture(scope="module")
def api_schema(engine: QAService, engine_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The schema of an app over a copy of the session's real index (uploads and removals the
    fuzzer sends with the staff key change the copy only)."""
    root = Path(tmp_path_factory.mktemp("schema"))
    shutil.copytree(engine_settings.index_dir, root / "index", symlinks=True)
    app_settings = engine_settings.model_copy(update={
        "index_dir": root / "index", "data_dir": root / "data", "rate_limit_per_minute": 0,
        "staff_api_key": KEY})
    service = build_service(app_settings)
    service.warm_up()
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(app_settings, service),
                                          config=schemathesis.Config.from_dict(CONFIG))


def run(schema: Any) -> tuple[list[str], set[str]]:
    """Run every phase; the failures (operation, check, what, the response) and the operations run."""
    failures: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.label:
            tested.add(event.label)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    interaction = event.recorder.interactions.get(case_id)
                    response = interaction.response if interaction is not None else None
                    failures.append(f"{event.label} [{check.name}] {check.failure_info.failure.title}: "
                                    f"{check.failure_info.failure.message}\n  -> "
                                    f"{getattr(response, 'status_code', '?')} "
                                    f"{getattr(response, 'content', b'')[:300]!r}")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return failures, tested


def test_every_operation_keeps_the_contract_for_any_request(api_schema: Any) -> None:
    failures, tested = run(api_schema)
    operations = {op.ok().label for op in api_schema.get_all_operations()}
    assert len(operations) == 13 and tested >= operations, sorted(operations - tested)
    assert not failures, "\n\n".join(sorted(set(failures)))
