"""The index writer lock of a deployment whose replicas share one Milvus server: a PostgreSQL
session advisory lock, which every machine reaching the database contends for (a file lock
holds only among the processes of one host).

`pg_try_advisory_lock` is polled until the wait is over, so a writer that waits can give up with
IndexBusyError like the folder store's; the lock is the connection's, so a writer that dies
(even by SIGKILL) releases it when the server sees its connection close.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from cppcc_qa.errors import IndexBusyError, StorageError

__all__ = ["advisory_lock", "INDEX_WRITER_KEY"]

#: The advisory lock key of index writers (the feedback migrations use another).
INDEX_WRITER_KEY = 0x6370_7171_0002
POLL_S = 0.05
CONNECT_TIMEOUT_S = 5


@contextmanager
def advisory_lock(url: str, what: str, wait_s: float, key: int = INDEX_WRITER_KEY) -> Iterator[None]:
    """Hold the advisory lock `key` of the database at `url` while the block runs; IndexBusyError
    naming `what` after `wait_s` seconds of waiting, StorageError when the database cannot be
    reached (the writer does not go on unlocked)."""
    import psycopg

    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
    except psycopg.Error as exc:
        raise StorageError(f"无法连接数据库，报告暂不能更新。(The database that serialises index writers cannot be "
                           f"reached: {type(exc).__name__}.)") from exc
    try:
        deadline = time.monotonic() + wait_s
        while True:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            if row is not None and row[0]:
                break
            if time.monotonic() >= deadline:
                raise IndexBusyError(f"another build or update of {what} has held its lock for over "
                                     f"{wait_s:.0f} s; try again later")
            time.sleep(POLL_S)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        conn.close()
