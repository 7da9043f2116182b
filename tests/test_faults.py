"""Staying up through faults: a build killed midway, altered or truncated index files, a newer
version that does not load, and many concurrent feedback writes."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cppcc_qa.api.app import create_app
from cppcc_qa.errors import IndexCorruptError
from cppcc_qa.indexing.chunking import ChunkingConfig
from cppcc_qa.indexing.store import current_version, load_index
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings, repo_root

WUWEI_Q = "武威市政协委员参与诉前调解调结了多少件案件？"
JIUQUAN = "酒泉市政协2024年共报送社情民意信息120条。\n".encode()
ZHANGYE = "张掖市政协2024年组织委员视察调研28次。\n".encode()
# Reports in the corpus the killed build works on: enough that writing its index takes a
# few hundred milliseconds, a window the poll below cannot miss.
KILL_CORPUS_REPORTS = 120
POLL_S = 0.002


def _settings(root: Path) -> Settings:
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="",
                    rate_limit_per_minute=0)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faults-template")
    build_service(_settings(root)).build()
    return root / "index"


@pytest.fixture
def settings(template: Path, tmp_path: Path) -> Settings:
    shutil.copytree(template, tmp_path / "index", symlinks=True)
    return _settings(tmp_path)


def _writable(folder: Path) -> None:
    """Give back write permission to a version's files (written read-only), as whoever damages
    them on purpose would (root needs no such step)."""
    for p in folder.resolve().rglob("*"):
        if p.is_file():
            p.chmod(0o644)


def _chunking(settings: Settings) -> ChunkingConfig:
    return ChunkingConfig(settings.chunk_max_chars, settings.chunk_overlap_sentences)


# ------------------------------------------------------------------------------ killed build

def test_build_killed_while_writing_leaves_the_previous_index_serving(settings: Settings, tmp_path: Path) -> None:
    root = settings.index_dir
    good = current_version(root)
    corpus = tmp_path / "big"
    corpus.mkdir()
    body = (repo_root() / "corpus" / "wuwei-2024-highlights.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    for i in range(KILL_CORPUS_REPORTS):
        (corpus / f"r{i:03d}.txt").write_text(f"第{i}号报告\n\n" + body.replace("武威", f"测试{i}"), encoding="utf-8")
    env = {**os.environ, "CPPCC_QA_LEXICON_EMBEDDER": ""}
    proc = subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", "build", str(corpus), "--embedder", "hash",
                             "--index-dir", str(root)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not list(root.glob(".tmp-*")):
            assert proc.poll() is None, f"the build ended before it was caught writing: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(POLL_S)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert current_version(root) == good
    index = load_index(root, "hash", _chunking(settings))  # checksums and all
    assert index.version == good and len(index.documents) == 2
    svc = build_service(settings)
    svc.warm_up()
    assert svc.ask(WUWEI_Q).index_version == good
    # the dead writer's lock died with it: the next writer goes ahead
    update = svc.add_files([("jiuquan.txt", JIUQUAN)])
    assert update.written and current_version(root) == update.index_version


# ------------------------------------------------------------------- add killed after the switch

# Runs the CLI with `store.write_index` wrapped so the process SIGKILLs itself the moment the
# new version is written and `current` names it: the probe's vulnerable instant, hit every time.
KILL_AFTER_SWITCH = """
import os, signal, sys
import cppcc_qa.indexing.store as store  # what the folder store writes with (indexing/backend.py)
real = store.write_index
def write_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
store.write_index = write_then_die
from cppcc_qa.cli.app import main
sys.argv = ["cppcc-qa", *sys.argv[1:]]
main()
"""


def test_add_killed_just_after_current_switches_loses_no_report(settings: Settings, tmp_path: Path) -> None:
    """The probe: `add` SIGKILLed right after `current` switched left the library without the
    report (6 of 6 tries) and a plain `build` then dropped it. Now the reports a plain build
    rebuilds are the current version's own, so the switch moves both at once."""
    root = settings.index_dir
    build_service(settings).add_files([("zhangye.txt", ZHANGYE)])  # the library holds 3 reports
    report = tmp_path / "jiuquan.txt"
    report.write_bytes(JIUQUAN)
    env = {**os.environ, "CPPCC_QA_LEXICON_EMBEDDER": ""}
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_SWITCH, "add", str(report), "--embedder", "hash",
                           "--index-dir", str(root)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    served = load_index(root, "hash", _chunking(settings))
    assert sorted(d.source for d in served.documents) == ["000_7d7f812912060c73.txt", "000_7d7f812912060c73.txt",
                                                          "jiuquan.txt", "zhangye.txt"]
    rebuilt = build_service(settings).build()  # a plain build: what is served, nothing dropped
    assert sorted(d.doc_id for d in rebuilt.documents) == sorted(d.doc_id for d in served.documents)
    assert rebuilt.manifest["corpus_hash"] == served.manifest["corpus_hash"]


# ----------------------------------------------------------------------- damaged index files

DAMAGE_NAMED = {"truncate vectors.faiss": "index file vectors.faiss in", "alter chunks.jsonl": "index file chunks.jsonl in",
                "delete bm25 file": "index file bm25/", "garble manifest": "index manifest at"}


@pytest.mark.parametrize("damage", list(DAMAGE_NAMED))
def test_damaged_index_is_refused_at_load_with_a_clear_error(settings: Settings, damage: str) -> None:
    folder = settings.index_dir / "current"
    _writable(folder)
    if damage == "truncate vectors.faiss":
        path = folder / "vectors.faiss"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "alter chunks.jsonl":
        path = folder / "chunks.jsonl"
        path.write_text(path.read_text(encoding="utf-8").replace("35件", "53件"), encoding="utf-8")
    elif damage == "delete bm25 file":
        next((folder / "bm25").glob("*.npy")).unlink()
    else:
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"rebuild with `cppcc-qa build`") as info:
        load_index(settings.index_dir, "hash", _chunking(settings))
    assert DAMAGE_NAMED[damage] in str(info.value)


def test_service_keeps_its_last_good_version_when_a_newer_one_is_damaged(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("cppcc_qa.service.RELOAD_CHECK_SECONDS", 0.0)
    serving = build_service(settings)
    serving.warm_up()
    good = serving.index_version
    writer = build_service(settings)
    bad = writer.add_files([("jiuquan.txt", JIUQUAN)]).index_version
    vectors = settings.index_dir / "versions" / bad / "vectors.faiss"
    _writable(vectors.parent)
    vectors.write_bytes(vectors.read_bytes()[:100])  # truncated after it became current
    with caplog.at_level(logging.ERROR, logger="cppcc_qa.service"):
        answer = serving.ask(WUWEI_Q)
    assert answer.index_version == good and answer.answerable
    assert f"index version {bad} did not load; still serving {good}" in caplog.text
    assert serving.health()["index_version"] == good
    # a writer will not build on the damaged version; a rebuild is the way out, picked up as usual
    with pytest.raises(IndexCorruptError, match="vectors.faiss"):
        writer.add_files([("zhangye.txt", "张掖市政协2024年组织委员视察调研28次。\n".encode())])
    fixed = writer.build()
    assert serving.ask(WUWEI_Q).index_version == fixed.version != good


# --------------------------------------------------------- the live version's files, mapped

# A server process: load the index, have the live version's vectors truncated under it (as the
# probe did), then answer. A memory-mapped file cut short kills it with SIGBUS on the next search.
TRUNCATE_LIVE = """
import os, sys
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings
svc = build_service(Settings(index_dir=sys.argv[1], embedder="hash", lexicon_embedder=""))
svc.warm_up()
path = os.path.join(sys.argv[1], "current", "vectors.faiss")
try:
    os.truncate(path, 100)
    print("truncated", flush=True)
except PermissionError:
    print("refused", flush=True)
print(svc.ask(sys.argv[2]).answer, flush=True)
"""


def test_truncating_a_file_of_the_live_index_does_not_kill_the_server(settings: Settings) -> None:
    """The probe: truncating a memory-mapped file of the live index killed the server with
    SIGBUS (exit 135), nothing logged. Files of a version are written read-only, and a file is
    mapped only where this process cannot change it (as root, which ignores file modes, it is
    read into memory), so a truncation is refused or cannot reach what is served."""
    proc = subprocess.run([sys.executable, "-c", TRUNCATE_LIVE, str(settings.index_dir), WUWEI_Q],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stdout.splitlines()
    assert lines[0] == ("truncated" if os.geteuid() == 0 else "refused") and "35件" in lines[1]


def test_index_files_are_written_read_only(settings: Settings) -> None:
    """Copy-on-write versions: once written, no file of a version is ever opened for writing."""
    svc = build_service(settings)
    svc.add_files([("jiuquan.txt", JIUQUAN)])
    files = [p for p in (settings.index_dir / "versions").rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o222 == 0 for p in files), \
        [p.name for p in files if p.stat().st_mode & 0o222]


@pytest.mark.slow
def test_a_server_killed_by_sigbus_says_so_in_its_log(settings: Settings) -> None:
    """Whatever still brings a fatal signal (a file mapped by a non-root server, cut short by
    root): the server's log says what killed it and where, instead of nothing."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CPPCC_QA_LEXICON_EMBEDDER": "", "CPPCC_QA_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", "serve", "--port", str(port), "--embedder", "hash",
                             "--index-dir", str(settings.index_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        os.kill(proc.pid, signal.SIGBUS)
        _, log = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "Fatal Python error: Bus error" in log, log
    # faulthandler re-raises the signal after its report; while it walks the other threads (the
    # start-up's example questions may be running in one) the walk itself can fault, so the
    # process ends by SIGSEGV now and then (seen under CI load) — either way a fatal signal
    assert proc.returncode in (-signal.SIGBUS, -signal.SIGSEGV), proc.returncode


@pytest.mark.parametrize("damage", ["missing", "garbage", "damaged version"])
def test_a_corrupt_current_falls_back_to_the_newest_good_version(
        settings: Settings, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    """At start, a `current` that is missing, garbage or names a damaged version: the service
    serves the newest version that loads, and says so in a warning."""
    root = settings.index_dir
    writer = build_service(settings)
    good = writer.add_files([("zhangye.txt", ZHANGYE)]).index_version
    time.sleep(0.01)  # (versions are ordered by when they were written)
    bad = writer.add_files([("jiuquan.txt", JIUQUAN)]).index_version
    link = root / "current"
    if damage == "missing":
        link.unlink()
        shutil.rmtree(root / "versions" / bad)
    elif damage == "garbage":
        link.unlink()
        link.write_text("versions/nonsense\n", encoding="utf-8")
        shutil.rmtree(root / "versions" / bad)
    else:
        vectors = root / "versions" / bad / "vectors.faiss"
        _writable(vectors.parent)
        vectors.write_bytes(vectors.read_bytes()[:100])
    svc = build_service(settings)
    with caplog.at_level(logging.WARNING, logger="cppcc_qa"):
        svc.warm_up()
    assert svc.index_version == good
    assert [d.source for d in svc.documents()].count("zhangye.txt") == 1
    assert f"serving the newest good version {good}" in caplog.text
    answer = svc.ask(WUWEI_Q)
    assert answer.index_version == good and "35件" in answer.answer


# ------------------------------------------------------------------------------------ feedback

def test_concurrent_feedback_writes_lose_nothing(settings: Settings) -> None:
    service = build_service(settings)
    posts, threads = 200, 8
    unlimited = settings.model_copy(update={"feedback_per_minute": 0})  # one client posts all 200: no rate limit here
    with TestClient(create_app(unlimited, service)) as client:
        def post(i: int) -> int:
            return client.post("/api/feedback", json={"question": f"问题{i}", "answer": f"回答{i}",
                                                      "rating": "up" if i % 2 else "down"}).status_code

        with ThreadPoolExecutor(threads) as pool:
            codes = list(pool.map(post, range(posts)))
    assert codes == [201] * posts
    with sqlite3.connect(settings.data_dir / "feedback.sqlite3") as conn:
        rows = conn.execute("SELECT question FROM feedback").fetchall()
    assert sorted(q for (q,) in rows) == sorted(f"问题{i}" for i in range(posts))
