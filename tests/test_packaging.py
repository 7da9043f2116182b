"""The package works outside the checkout: a wheel carries the built-in corpus, the reply wording,
the chat page and the fitted scorer, and finds them without the repository beside it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cppcc_qa.settings import repo_root

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src-copy"  # built from a copy: a build writes build/ and *.egg-info beside its sources
    root = repo_root()
    shutil.copytree(root / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(src)], check=True, cwd=out)
    (found,) = out.glob("cppcc_qa-*.whl")
    return found


def test_wheel_carries_the_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("cppcc_qa/assets/corpus/wuwei-2024-highlights.md", "cppcc_qa/assets/prompts/replies.yaml",
                 "cppcc_qa/assets/web/index.html", "cppcc_qa/answer/scorer.json", "cppcc_qa/py.typed"):
        assert path in names, path


def test_installed_wheel_builds_and_answers_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "CPPCC_QA_HOME": str(tmp_path / "home"),
           "CPPCC_QA_EMBEDDER": "hash", "CPPCC_QA_LEXICON_EMBEDDER": ""}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([sys.executable, "-c", "import cppcc_qa; print(cppcc_qa.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site)), where  # the installed copy, not the checkout
    built = cli("build")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "home" / "index").is_dir()
    asked = cli("ask", "--json", "武威市政协委员参与诉前调解调结了多少件案件？")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert "35件" in answer["answer"] and answer["citations"], answer
