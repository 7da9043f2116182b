"""The index writer lock of replicas on several machines: PostgreSQL's advisory lock
(indexing/pglock.py), against a throwaway server (tests/pg.py)."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cppcc_qa.errors import IndexBusyError, StorageError
from cppcc_qa.indexing.backend import make_store
from cppcc_qa.indexing.pglock import advisory_lock
from cppcc_qa.settings import Settings

from .pg import PostgresServer, postgres_server


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


def test_a_second_writer_waits_for_the_first_and_gives_up_after_its_wait(pg: PostgresServer) -> None:
    url = pg.url()
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with advisory_lock(url, "the index", wait_s=5):
            held.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert held.wait(10)
    started = time.monotonic()
    with pytest.raises(IndexBusyError, match="another build or update of the index"), \
            advisory_lock(url, "the index", wait_s=0.3):
        pass
    assert time.monotonic() - started >= 0.3
    release.set()
    t.join(10)
    with advisory_lock(url, "the index", wait_s=2):  # released with the first writer's block
        pass


def test_a_writer_that_dies_releases_the_lock(pg: PostgresServer) -> None:
    import psycopg

    url = pg.url()
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SELECT pg_advisory_lock(%s)", (0x6370_7171_0002,))
    with pytest.raises(IndexBusyError), advisory_lock(url, "the index", wait_s=0.2):
        pass
    conn.close()  # as a killed process: the server drops its session's locks
    with advisory_lock(url, "the index", wait_s=5):
        pass


def test_no_database_is_a_storage_error_not_an_unlocked_write(tmp_path: Path) -> None:
    with pytest.raises(StorageError), \
            advisory_lock(f"postgresql://nobody@127.0.0.1:1/x?host={tmp_path}", "the index", wait_s=1):
        pytest.fail("wrote without the lock")


def test_a_milvus_server_store_with_a_database_locks_there(tmp_path: Path, pg: PostgresServer) -> None:
    settings = Settings(index_dir=tmp_path / "index", index_backend="milvus", milvus_uri="http://127.0.0.1:1",
                        database_url=SecretStr(pg.url()))
    store = make_store(settings)
    with store.lock(wait_s=1), pytest.raises(IndexBusyError), \
            advisory_lock(pg.url(), "the index", wait_s=0.2):  # no Milvus is reached to take the lock
        pass
    assert not (tmp_path / "index" / ".milvus.lock").exists()
