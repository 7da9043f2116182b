"""The Milvus index backend (Milvus Lite files in tmp_path): the same answers as the FAISS
folder store, versions switched by alias, faults, migrate without re-embedding."""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from cppcc_qa.errors import IndexCorruptError
from cppcc_qa.indexing import milvus_store, store
from cppcc_qa.indexing.build import IndexData
from cppcc_qa.indexing.migrate import migrate_to_milvus
from cppcc_qa.indexing.milvus_served import MilvusIndex, MilvusPassages
from cppcc_qa.indexing.milvus_store import ALIAS, MilvusStore, _name
from cppcc_qa.indexing.passages import PassageTable, neighbours
from cppcc_qa.records import Document
from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings

from .conftest import SHARED

DEV = [SHARED / "eval" / "dev_gold.jsonl", SHARED / "eval" / "dev_paraphrase.jsonl"]


def _questions() -> list[str]:
    return [json.loads(line)["question"] for f in DEV if f.is_file() for line in f.open(encoding="utf-8") if line.strip()]


def _milvus(settings: Settings, uri: Path) -> Settings:
    return settings.model_copy(update={"index_backend": "milvus", "milvus_uri": str(uri)})


def _same(a: QAService, b: QAService, questions: list[str]) -> None:
    for q in questions:
        x, y = a.ask(q), b.ask(q)
        assert (q, y.answer) == (q, x.answer)
        assert [(c.passage_id, c.quote) for c in y.citations] == [(c.passage_id, c.quote) for c in x.citations], q


REPORT = Document(doc_id="yunling-2024", title="云岭县政协工作报告", committee="云岭县政协", region="云岭县",
                  source="yunling-2024.md", body="云岭县政协", date="2024-01-10",
                  text="一年来，云岭县政协共收到提案318件，立案296件，办复率达到100%。\n\n"
                       "组织委员开展茶产业专题调研12次，形成调研报告9篇。")


@pytest.fixture
def pair(hash_settings: Settings, tmp_path: Path) -> tuple[QAService, QAService]:
    """A FAISS and a Milvus service over the built-in corpus (hash embedder)."""
    faiss = build_service(hash_settings)
    faiss.build()
    milvus = build_service(_milvus(hash_settings.model_copy(update={"index_dir": tmp_path / "m"}), tmp_path / "m.db"))
    milvus.build()
    return faiss, milvus


def test_milvus_answers_as_faiss_hash(pair: tuple[QAService, QAService]) -> None:
    faiss, milvus = pair
    assert milvus.store.current_version() == milvus.index_version
    assert [d.doc_id for d in milvus.documents()] == [d.doc_id for d in faiss.documents()]
    assert [c.chunk_id for c in milvus.chunks()] == [c.chunk_id for c in faiss.chunks()]
    _same(faiss, milvus, _questions()[:12])
    # the figures table is built from what Milvus holds, and is the FAISS one
    assert [(f.committee, f.value) for f in milvus.figures()] == [(f.committee, f.value) for f in faiss.figures()]
    assert milvus.ask("武威市级委员工作室有多少个？").index_version == milvus.index_version


@pytest.mark.model
def test_dev_sets_same_answers_with_milvus(engine: QAService, tmp_path: Path) -> None:
    """Every dev question (gold and paraphrase) through the real default embedder: the Milvus
    backend gives the FAISS backend's answer text and citations."""
    milvus = build_service(_milvus(engine.settings.model_copy(update={"index_dir": tmp_path / "m"}), tmp_path / "m.db"))
    migrate_to_milvus(engine.settings.index_dir, milvus.store)  # type: ignore[arg-type]
    milvus.warm_up()
    assert milvus.index_version == engine.index_version
    questions = _questions()
    assert len(questions) >= 40
    _same(engine, milvus, questions)


def test_killed_build_leaves_alias_and_answers(pair: tuple[QAService, QAService], monkeypatch: pytest.MonkeyPatch) -> None:
    _, milvus = pair
    before, answer = milvus.index_version, milvus.ask("武威市级委员工作室有多少个？").answer
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    written: list[str] = []

    def killed(self: MilvusStore, version: str) -> None:
        written.append(version)
        raise KeyboardInterrupt("killed between the write and the alias switch")

    monkeypatch.setattr(MilvusStore, "switch", killed)
    with pytest.raises(KeyboardInterrupt):
        milvus.add_documents([REPORT])
    monkeypatch.undo()
    assert written and st.client.has_collection(_name(written[0], "chunks"))  # written whole, not switched
    assert st.current_version() == before
    replica = build_service(milvus.settings)
    replica.load()
    assert replica.index_version == before
    assert replica.ask("武威市级委员工作室有多少个？").answer == answer
    assert "yunling-2024" not in {d.doc_id for d in replica.documents()}


def test_damaged_collection_reported_and_previous_served(pair: tuple[QAService, QAService],
                                                          caplog: pytest.LogCaptureFixture) -> None:
    _, milvus = pair
    good = milvus.index_version
    update = milvus.add_documents([REPORT])
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    assert st.current_version() == update.index_version != good
    st.client.delete(_name(update.index_version, "chunks"), filter="row < 3")  # damage the current version
    with pytest.raises(IndexCorruptError, match="damaged"):
        st.load(milvus.embedder.name, milvus.chunking)
    replica = build_service(milvus.settings)
    replica.load()
    assert replica.index_version == good  # the newest good one
    assert "did not load" in caplog.text and update.index_version in caplog.text


def test_only_version_dropped_is_a_clear_error(pair: tuple[QAService, QAService]) -> None:
    _, milvus = pair
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    st.client.drop_collection(_name(milvus.index_version, "meta"))
    replica = build_service(milvus.settings)
    with pytest.raises(IndexCorruptError, match="no readable manifest"):
        replica.load()


def test_report_added_while_requests_run(pair: tuple[QAService, QAService], monkeypatch: pytest.MonkeyPatch) -> None:
    _, milvus = pair
    monkeypatch.setattr("cppcc_qa.service.RELOAD_CHECK_SECONDS", 0.0)
    old = milvus.index_version
    seen: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                seen.append(milvus.ask("武威市级委员工作室有多少个？").index_version)
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        update = milvus.add_documents([REPORT])
        after = milvus.ask("云岭县政协共收到提案多少件？")
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors
    assert set(seen) <= {old, update.index_version} and seen
    assert after.index_version == update.index_version and "318" in after.answer
    assert after.citations[0].doc_id == "yunling-2024"
    # an older answer's citation still opens while its version is kept
    assert milvus.passage(milvus.chunks()[0].chunk_id, old).version == old


def test_replica_notices_switched_alias(pair: tuple[QAService, QAService], monkeypatch: pytest.MonkeyPatch) -> None:
    _, milvus = pair
    replica = build_service(milvus.settings)
    replica.store = milvus.store  # Milvus Lite: one process (and one client) per file
    replica.load()
    monkeypatch.setattr("cppcc_qa.service.RELOAD_CHECK_SECONDS", 0.0)
    update = milvus.add_documents([REPORT])
    assert replica.ask("云岭县政协共收到提案多少件？").index_version == update.index_version


def test_old_versions_dropped_after_grace(pair: tuple[QAService, QAService], monkeypatch: pytest.MonkeyPatch) -> None:
    _, milvus = pair
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    first = milvus.index_version
    milvus.add_documents([REPORT])
    monkeypatch.setattr(store, "VERSION_GRACE_S", 0.0)
    monkeypatch.setattr(milvus_store, "KEEP_VERSIONS", 1)
    last = milvus.remove_document("yunling-2024")
    assert st.versions() == [last.index_version]
    assert not st.client.has_collection(_name(first, "chunks"))
    assert st.client.describe_alias(ALIAS)["collection_name"] == _name(last.index_version, "chunks")


def test_migrate_copies_without_embedding(hash_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faiss = build_service(hash_settings)
    faiss.build()
    from cppcc_qa.indexing.embedders.hash_backend import HashEmbedder

    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("migrate embedded something")

    monkeypatch.setattr(HashEmbedder, "embed_passages", no)
    target = MilvusStore(str(tmp_path / "m.db"), tmp_path / "m")
    data = migrate_to_milvus(hash_settings.index_dir, target)
    assert target.current_version() == data.version == faiss.index_version
    monkeypatch.undo()
    milvus = build_service(_milvus(hash_settings.model_copy(update={"index_dir": tmp_path / "m"}), tmp_path / "m.db"))
    milvus.store = target
    milvus.load()
    _same(faiss, milvus, _questions()[:6])


# -- serving from Milvus (indexing/milvus_served.py) ----------------------------------------------
ODD = Document(doc_id="odd.id_2023-b", title="云岭县政协工作报告（二）", committee="云岭县政协", region="云岭县",
               source="odd.md", body="云岭县政协", date="2023-01-10",
               text="2022年，云岭县政协组织委员视察7次。\n\n开展民主监督活动5次。")


def test_replica_answers_from_milvus_without_the_corpus(pair: tuple[QAService, QAService],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica opens the version without reading its passages (no whole load, no scan), and
    answers, cites, opens passages and reports as the FAISS service does."""
    faiss, milvus = pair

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("the replica read the whole corpus")

    monkeypatch.setattr(MilvusStore, "load", whole)
    monkeypatch.setattr(MilvusPassages, "scan", whole)
    replica = build_service(milvus.settings)
    replica.load()
    assert isinstance(replica.state().index, MilvusIndex)
    _same(faiss, replica, _questions()[:12])
    a = replica.ask("武威市级委员工作室有多少个？")
    pid = a.citations[0].passage_id
    mine, theirs = replica.passage(pid), faiss.passage(pid)
    # (each service stamped its build's reports with its own time: `added` differs by that)
    assert (mine.chunk, mine.prev_id, mine.next_id, replace(mine.document, added="")) == (
        theirs.chunk, theirs.prev_id, theirs.next_id, replace(theirs.document, added=""))
    doc_id = a.citations[0].doc_id
    mine_doc, their_doc = replica.document_view(doc_id).to_dict(), faiss.document_view(doc_id).to_dict()
    assert mine_doc["passages"] == their_doc["passages"]
    assert dict(mine_doc["document"], added="") == dict(their_doc["document"], added="")
    assert replica.document_sizes() == faiss.document_sizes()
    assert replica.health()["chunks"] == faiss.health()["chunks"]
    # an overview reads one report's passages
    assert replica.ask("武威市政协的工作报告主要讲了什么？").answer == faiss.ask("武威市政协的工作报告主要讲了什么？").answer


def test_milvus_passages_read_as_the_table(pair: tuple[QAService, QAService]) -> None:
    """Each read of MilvusPassages (rows, ids, reports, texts, sizes, scan) gives what the
    in-memory PassageTable of the same version gives."""
    _, milvus = pair
    milvus.add_documents([ODD])
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    served = st.passages(milvus.index_version)
    whole = st.load(milvus.embedder.name, milvus.chunking).passages
    assert isinstance(served, MilvusPassages) and isinstance(whole, PassageTable)
    n = len(whole)
    assert len(served) == n
    ids = [n - 1, 0, 3, 3, n // 2]
    assert served.rows(ids) == whole.rows(ids)
    for c in whole.rows([0, n - 1]):
        assert served.find(c.chunk_id) == whole.find(c.chunk_id)
    assert served.find("no-such-passage") is None
    for d in whole.documents:
        assert served.of_document(d.doc_id) == whole.of_document(d.doc_id)
        assert served.document(d.doc_id) == whole.document(d.doc_id)
    assert served.document("no-such-report") is None
    assert served.sizes() == whole.sizes()
    assert list(served.scan()) == list(whole.chunks)
    assert list(served.by_report()) == list(whole.by_report())
    assert neighbours(served, 1) == neighbours(whole, 1)


def test_released_collections_are_loaded(pair: tuple[QAService, QAService]) -> None:
    """A Milvus that restarted (or a Lite file opened by a new process) holds its collections
    released: a replica loads them before reading."""
    faiss, milvus = pair
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    for name in st.client.list_collections():
        st.client.release_collection(name)
    replica = build_service(milvus.settings)
    replica.load()
    _same(faiss, replica, _questions()[:3])


def test_damaged_report_text_is_a_clear_error(pair: tuple[QAService, QAService]) -> None:
    _, milvus = pair
    update = milvus.add_documents([REPORT])
    st: MilvusStore = milvus.store  # type: ignore[assignment]
    st.client.delete(_name(update.index_version, "docs"), filter='doc_id == "yunling-2024"')
    replica = build_service(milvus.settings)
    replica.load()
    with pytest.raises(IndexCorruptError, match="damaged"):
        replica.document_view("yunling-2024")
    with pytest.raises(IndexCorruptError):
        st.load(milvus.embedder.name, milvus.chunking)  # a writer refuses the damaged version too


def test_in_memory_option_loads_the_version_whole(pair: tuple[QAService, QAService]) -> None:
    faiss, milvus = pair
    replica = build_service(milvus.settings.model_copy(update={"milvus_in_memory": True}))
    replica.load()
    assert isinstance(replica.state().index, IndexData)
    _same(faiss, replica, _questions()[:4])


def test_scratch_copy_leaves_the_served_milvus_untouched(pair: tuple[QAService, QAService], tmp_path: Path) -> None:
    """`eval --add` adds reports to a copy: from Milvus that is a FAISS folder of the current
    version, so replicas serving the Milvus never see the evaluation's reports."""
    _, milvus = pair
    before = milvus.store.current_version()
    copy = build_service(milvus.scratch_copy(tmp_path / "copy"))
    assert copy.settings.index_backend == "faiss"
    copy.add_documents([REPORT])
    assert "318" in copy.ask("云岭县政协共收到提案多少件？").answer
    assert milvus.store.current_version() == before
    replica = build_service(milvus.settings)
    replica.load()
    assert "yunling-2024" not in {d.doc_id for d in replica.documents()}
