"""The folder list is the architecture: each stage imports only the stages below it."""
from __future__ import annotations

import ast
from pathlib import Path

import cppcc_qa

PKG = Path(cppcc_qa.__file__).parent
#: Stages from the bottom up; a module may import its own stage and any stage of a lower rank.
RANK = {
    "records": 0, "errors": 0, "settings": 0,
    "budget": 1,  # a request's time allowance: raises errors' TimeBudgetError, used by service and api
    "text": 1, "ingest": 2, "indexing": 3, "search": 4, "answer": 5, "factcheck": 6,
    "service": 7, "evaluation": 8, "api": 9, "cli": 9,
}
#: Loose modules at the top of the package (the rest live in stage folders).
MAX_LOOSE = 8


def _stage(module: str) -> str:
    return module.split(".")[1] if module.startswith("cppcc_qa.") else ""


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: relative import; use absolute cppcc_qa.<stage> imports")
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
    return [m for m in found if m == "cppcc_qa" or m.startswith("cppcc_qa.")]


def test_no_stage_imports_a_higher_one() -> None:
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel.parts == ("__init__.py",):
            continue  # the public API re-exports from every stage
        own = rel.parts[0].removesuffix(".py")
        assert own in RANK, f"{rel}: module outside the known stages {sorted(RANK)}"
        for mod in _imports(path):
            other = _stage(mod)
            if mod == "cppcc_qa":
                other = "records"  # `from cppcc_qa import __version__`
            if other == own:
                continue
            if RANK[other] >= RANK[own]:
                bad.append(f"{rel} imports {mod}")
    assert not bad, "upward or sideways imports:\n" + "\n".join(bad)


def test_few_loose_modules() -> None:
    loose = [p.name for p in PKG.glob("*.py") if p.name != "__init__.py"]
    assert len(loose) <= MAX_LOOSE, loose


def test_stage_folders_say_what_they_own() -> None:
    for folder in (p for p in PKG.iterdir() if p.is_dir() and not p.name.startswith("_")):
        init = folder / "__init__.py"
        if not any(folder.glob("*.py")):
            continue
        assert init.exists(), f"{folder.name}/ has no __init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"{folder.name}/__init__.py must say what it owns and may import"


def test_public_api_is_pinned() -> None:
    assert sorted(cppcc_qa.__all__) == sorted([
        "__version__", "build_service", "QAService", "Settings",
        "Document", "Chunk", "Hit", "Citation", "Turn", "Answer", "Figure", "Verdict",
        "CppccError", "InputError", "IngestError", "IndexMissingError", "IndexMismatchError",
        "IndexCorruptError", "ModelUnavailableError", "NotFoundError", "IndexBusyError",
        "UploadTooLargeError", "UnsupportedFileTypeError",
    ])
    for name in cppcc_qa.__all__:
        assert hasattr(cppcc_qa, name), name
