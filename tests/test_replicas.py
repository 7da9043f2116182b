"""Two `cppcc-qa serve` replicas on one Milvus and one PostgreSQL: a report added through one
is answered by the other, and feedback written through both is read back whole.

Milvus Lite opens a file from one process only (a second MilvusClient on the same .db fails
with "Open local milvus failed"), so both replicas reach one Milvus Lite server process
(`milvus-lite server`) over its uri, as they would a Milvus server."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .live import free_port
from .pg import postgres_server

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")
pytestmark = pytest.mark.slow

KEY = "staff-key-for-tests"
START_S = 120.0
REPORT = ("yunling-2024.md", "# 云岭县政协工作报告\n\n一年来，云岭县政协共收到提案318件，立案296件，办复率达到100%。\n".encode())
QUESTION = "云岭县政协共收到提案多少件？"


def _wait(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} did not start in {START_S:.0f} s")


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _milvus_server(tmp: Path) -> tuple[list[str], int]:
    exe = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the milvus-lite command is not installed")
    port = free_port()
    return [exe, "server", "--data-dir", str(tmp / "milvus"), "--host", "127.0.0.1", "--port", str(port)], port


def test_two_replicas_share_milvus_and_postgres(tmp_path: Path) -> None:
    cli = [sys.executable, "-c", "from cppcc_qa.cli.app import main; main()"]
    milvus_args, milvus_port = _milvus_server(tmp_path)
    with postgres_server() as pg, _process(milvus_args, dict(os.environ), tmp_path / "milvus.log") as milvus:
        deadline = time.monotonic() + START_S
        while True:  # the gRPC port answers once Milvus Lite is up
            try:
                from pymilvus import MilvusClient

                MilvusClient(f"http://127.0.0.1:{milvus_port}").list_collections()
                break
            except Exception:
                if milvus.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"milvus-lite server did not start: {(tmp_path / 'milvus.log').read_text()[-2000:]}")
                time.sleep(0.5)
        env = dict(os.environ, CPPCC_QA_INDEX_BACKEND="milvus", CPPCC_QA_MILVUS_URI=f"http://127.0.0.1:{milvus_port}",
                   CPPCC_QA_EMBEDDER="hash", CPPCC_QA_LEXICON_EMBEDDER="", CPPCC_QA_INDEX_DIR=str(tmp_path / "index"),
                   CPPCC_QA_DATA_DIR=str(tmp_path / "data"), CPPCC_QA_DATABASE_URL=pg.create_database("votes"),
                   CPPCC_QA_STAFF_API_KEY=KEY, CPPCC_QA_RATE_LIMIT_PER_MINUTE="0", CPPCC_QA_FEEDBACK_PER_MINUTE="0",
                   PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                               os.environ.get("PYTHONPATH", "")]))
        subprocess.run([*cli, "build"], env=env, check=True, capture_output=True, timeout=300)
        ports = [free_port(), free_port()]
        with _process([*cli, "serve", "--port", str(ports[0])], env, tmp_path / "a.log") as a, \
             _process([*cli, "serve", "--port", str(ports[1])], env, tmp_path / "b.log") as b:
            base = [f"http://127.0.0.1:{p}" for p in ports]
            _wait(base[0] + "/api/health", a, "replica A")
            _wait(base[1] + "/api/health", b, "replica B")
            first = httpx.get(base[1] + "/api/health").json()["index_version"]
            assert httpx.get(base[0] + "/api/health").json()["index_version"] == first

            added = httpx.post(base[0] + "/api/documents", headers={"X-API-Key": KEY},
                               files=[("files", (REPORT[0], REPORT[1], "text/markdown"))], timeout=60)
            assert added.status_code == 200, added.text
            version = added.json()["index_version"]
            assert version != first
            time.sleep(1.2)  # a replica looks at the alias at most once a second
            answer = httpx.post(base[1] + "/api/ask", json={"question": QUESTION}, timeout=30).json()
            assert answer["index_version"] == version
            assert "318" in answer["answer"]
            assert answer["citations"][0]["doc_id"].startswith("yunling")

            for i in range(6):
                vote = {"question": f"问题{i}", "answer": f"回答{i}", "rating": "up" if i % 2 else "down",
                        "citations": [], "index_version": version}
                r = httpx.post(base[i % 2] + "/api/feedback", json=vote, timeout=10)
                assert r.status_code == 201, r.text
            for url in base:
                listed = httpx.get(url + "/api/feedback", headers={"X-API-Key": KEY}, timeout=10).json()
                assert listed["count"] == 6
                assert sorted(e["question"] for e in listed["feedback"]) == [f"问题{i}" for i in range(6)]
