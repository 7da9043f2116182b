"""Shared fixtures: one real index of the built-in corpus (default embedder), built once."""
from __future__ import annotations

from pathlib import Path

import pytest

from cppcc_qa.service import QAService, build_service
from cppcc_qa.settings import Settings, repo_root

REPO = repo_root()
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("engine")
    return Settings(index_dir=root / "index", data_dir=root / "data")


@pytest.fixture(scope="session")
def engine(engine_settings: Settings) -> QAService:
    """The real service over the built-in corpus, with the default embedder."""
    svc = build_service(engine_settings)
    svc.build()
    return svc


@pytest.fixture
def hash_settings(tmp_path: Path) -> Settings:
    """Settings for a model-free index (the deterministic hash embedder) in a temp folder."""
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", embedder="hash", lexicon_embedder="")


@pytest.fixture()
def browser():
    """Debian's headless Chromium (tests/live.py), one per test."""
    from .live import chromium

    with chromium() as b:
        yield b
