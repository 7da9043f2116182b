"""A growing corpus: add, replace and remove reports without rebuilding the index from scratch.

`plan_additions` / `plan_removal` decide what changes: a report whose text is already indexed is
a no-op ("already indexed as <doc_id>"); one with the source file name or the doc id of an
indexed report replaces it (its old chunks go, its new ones come) when the caller says `replace`,
and is refused (ReplaceRefusedError naming the report) otherwise, since a front matter `source:`
or `doc_id:` must not silently take another report's place; anything else is added.
`apply_plan` then makes the next index version in memory:

- the chunks that stay keep the vectors FAISS already holds, read back with `reconstruct_n`.
  Flat and HNSW indexes store every vector exactly, so a second copy on disk (a vectors.npy)
  would only double the index's size and be one more file to keep in step; an `ivfpq` index
  keeps lossy codes only, so there every chunk is embedded again (a full rebuild);
- only the new reports' chunks are embedded;
- BM25 (cheap) and the FAISS index are rebuilt from all rows; the English lexicon keeps the
  vectors of terms it already had and embeds only new terms.

The caller (`service.QAService`) holds `store.writer_lock` from reading the current version to
writing the new one, so two concurrent updates never lose one another.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from cppcc_qa.errors import CppccError, InputError, LibraryMismatchError, NotFoundError, ReplaceRefusedError
from cppcc_qa.indexing.build import IndexData, assemble_index, chunk_tokens, embed_chunks, stamp_added, term_counts
from cppcc_qa.indexing.chunking import ChunkingConfig, chunk_document
from cppcc_qa.indexing.embedders import Embedder
from cppcc_qa.indexing.lexicon import Lexicon, lexicon_vocabulary
from cppcc_qa.indexing.store import read_documents
from cppcc_qa.ingest.corpus import load_corpus
from cppcc_qa.records import Document

__all__ = ["Change", "Plan", "LibraryUpdate", "content_hash", "plan_additions", "plan_removal", "library_documents",
           "apply_plan", "refresh_lexicon", "DOC_ID_PATTERN"]

# Doc ids appear in passage ids ("<doc_id>:p001.0") and URLs; keep them to a safe alphabet.
DOC_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
# Where an earlier release mirrored the library (read only to check it agrees; never written).
LEGACY_LIBRARY = "library"
MISMATCH_IDS_SHOWN = 5  # doc ids a mismatch names of each kind; the rest are counted


@dataclass(frozen=True)
class Change:
    """What happened to one report: added, replaced, unchanged (already indexed) or removed."""

    source: str
    status: str
    doc_id: str
    previous_id: str = ""
    message: str = ""
    previous_title: str = ""  # the title of the report replaced

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    """Reports to add, doc ids to remove, and what to tell the caller about each input."""

    add: tuple[Document, ...]
    remove: frozenset[str]
    changes: tuple[Change, ...]

    @property
    def is_noop(self) -> bool:
        return not self.add and not self.remove


@dataclass(frozen=True)
class LibraryUpdate:
    """The outcome of an add or remove: the index version now current and the changes made."""

    index_version: str
    changes: tuple[Change, ...]
    written: bool
    documents: int
    chunks: int

    def to_dict(self) -> dict[str, object]:
        return {"index_version": self.index_version, "written": self.written,
                "documents": self.documents, "chunks": self.chunks,
                "changes": [c.to_dict() for c in self.changes]}


def content_hash(doc: Document) -> str:
    """sha256 of a report's text: the same content under another name is the same report."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def _check_doc_id(doc: Document) -> None:
    if not DOC_ID_PATTERN.fullmatch(doc.doc_id):
        raise InputError(f"{doc.source}: doc id {doc.doc_id!r} is not allowed; use letters, digits, "
                         "'.', '_' and '-' (at most 120, starting with a letter or digit)")


def _refuse_replacing(doc: Document, old: Document) -> None:
    """ReplaceRefusedError: `doc` would take the place of the indexed report `old`."""
    by = "doc id" if doc.doc_id == old.doc_id else "file name (source)"
    raise ReplaceRefusedError(
        f"{doc.source}: its {by} is that of the indexed report {old.doc_id} (“{old.title}”); to replace it, "
        "say so (cppcc-qa add --replace, or the upload form field replace=true), else give it another "
        f"{'doc_id' if by == 'doc id' else 'name'}")


def plan_additions(existing: Sequence[Document], incoming: Sequence[Document], replace: bool = False) -> Plan:
    """What adding `incoming` to an index of `existing` reports changes (see the module doc);
    without `replace`, a report that would replace one is refused."""
    by_hash = {content_hash(d): d.doc_id for d in existing}
    ids = {d.doc_id for d in existing}
    by_source: dict[str, list[str]] = {}
    for d in existing:
        by_source.setdefault(d.source, []).append(d.doc_id)
    add: list[Document] = []
    remove: set[str] = set()
    changes: list[Change] = []
    for doc in incoming:
        _check_doc_id(doc)
        digest = content_hash(doc)
        if digest in by_hash:
            same = by_hash[digest]
            changes.append(Change(doc.source, "unchanged", same, message=f"already indexed as {same}"))
            continue
        if any(d.doc_id == doc.doc_id or d.source == doc.source for d in add):
            raise InputError(f"{doc.source}: two files in this batch give the same name or doc id "
                             f"({doc.doc_id}); send one of them")
        olds = sorted(({doc.doc_id} & ids) | set(by_source.get(doc.source, ())))
        if len(olds) > 1:
            raise InputError(f"{doc.source}: its name or doc id matches {len(olds)} indexed reports "
                             f"({', '.join(olds)}); remove the one it replaces first")
        old = olds[0] if olds else ""
        old_title = ""
        if old:
            old_doc = next(d for d in existing if d.doc_id == old)
            if not replace:
                _refuse_replacing(doc, old_doc)
            old_title = old_doc.title
            remove.add(old)
            by_hash = {h: i for h, i in by_hash.items() if i != old}
        by_hash[digest] = doc.doc_id
        add.append(doc)
        message = f"replaced {old} (“{old_title}”) with {doc.doc_id}" if old else f"added as {doc.doc_id}"
        changes.append(Change(doc.source, "replaced" if old else "added", doc.doc_id, old, message, old_title))
    return Plan(tuple(add), frozenset(remove), tuple(changes))


def plan_removal(existing: Sequence[Document], doc_id: str) -> Plan:
    """Removing one report by id (NotFoundError if absent; an index keeps at least one report)."""
    doc = next((d for d in existing if d.doc_id == doc_id), None)
    if doc is None:
        raise NotFoundError(f"no indexed report with id {doc_id!r} (`cppcc-qa documents` lists them)")
    if len(existing) == 1:
        raise InputError(f"{doc_id} is the only indexed report; an index needs at least one "
                         "(add its replacement instead)")
    return Plan((), frozenset({doc_id}), (Change(doc.source, "removed", doc_id, message=f"removed {doc_id}"),))


def refresh_lexicon(term_df: dict[str, int], embedder: Embedder, previous: Lexicon | None,
                    previous_name: str | None) -> Lexicon:
    """The English lexicon for a changed vocabulary, re-using the vectors of terms it had."""
    terms = lexicon_vocabulary(term_df)
    known = ({t: i for i, t in enumerate(previous.terms)}
             if previous is not None and previous_name == embedder.name else {})
    missing = [t for t in terms if t not in known]
    fresh = embedder.embed_passages(missing, batch_size=128) if missing else None
    fresh_row = {t: i for i, t in enumerate(missing)}
    if not terms:
        return Lexicon((), np.zeros((0, embedder.dim), np.float32))

    def row(t: str) -> np.ndarray:
        if t in fresh_row:
            if fresh is None:  # fresh_row is empty when nothing was embedded
                raise CppccError(f"lexicon refresh: term {t!r} was to be embedded but was not")
            return fresh[fresh_row[t]]
        if previous is None:  # `known` is empty without a previous lexicon
            raise CppccError(f"lexicon refresh: term {t!r} has no previous vector to re-use")
        return previous.vectors[known[t]]

    rows = [row(t) for t in terms]
    return Lexicon(tuple(terms), np.ascontiguousarray(np.stack(rows), dtype=np.float32))


def apply_plan(
    base: IndexData | None,
    plan: Plan,
    embedder: Embedder,
    chunking: ChunkingConfig,
    faiss_type: str = "auto",
    lexicon_embedder: Embedder | None = None,
) -> IndexData:
    """The next index version (in memory): `base` minus `plan.remove`, plus `plan.add`, embedding
    only what it must (see the module doc). With no `base`, a new index of `plan.add`."""
    # reports of an index made before reports were stamped were there when `base` was built
    base_docs = stamp_added(base.documents, str(base.manifest.get("built_at", ""))) if base is not None else ()
    base_chunks = base.chunks if base is not None else ()
    keep = [i for i, c in enumerate(base_chunks) if c.doc_id not in plan.remove]
    kept_chunks = [base_chunks[i] for i in keep]
    stored = base.vectors.stored_vectors() if base is not None else None
    if base is None or not keep:
        kept_vecs = np.zeros((0, embedder.dim), np.float32)
    elif stored is not None:
        kept_vecs = stored[keep]
    else:
        kept_vecs = embed_chunks(kept_chunks, embedder)
    new_chunks = [c for d in plan.add for c in chunk_document(d, chunking)]
    new_vecs = embed_chunks(new_chunks, embedder) if new_chunks else np.zeros((0, kept_vecs.shape[1]), np.float32)
    docs = [d for d in base_docs if d.doc_id not in plan.remove] + list(plan.add)
    chunks = kept_chunks + new_chunks
    tokens = chunk_tokens(chunks)
    lexicon = None
    if lexicon_embedder is not None:
        previous_name = base.manifest.get("lexicon") if base is not None else None
        lexicon = refresh_lexicon(term_counts(tokens), lexicon_embedder,
                                  base.lexicon if base is not None else None, previous_name)
    return assemble_index(docs, chunks, np.vstack([kept_vecs, new_vecs]), tokens, embedder, chunking,
                          faiss_type, lexicon, lexicon_embedder.name if lexicon_embedder is not None else None,
                          library=True)


def library_documents(root: Path, read: Callable[[], tuple[dict, tuple[Document, ...]] | None] | None = None,
                      ) -> tuple[Document, ...] | None:
    """The reports a plain `build` rebuilds: the current version's own when it is a library
    (built from named files, or changed by add/remove), read from its documents.jsonl; None for
    an index of the built-in corpus, or none at all.

    The library is the index's: each version keeps its reports, and switching `current`
    switches both at once, so no kill can leave them out of step. An earlier release mirrored
    them to `<index>/library/` after the switch, which a kill could leave short (a plain build
    then dropped what it missed); while such a folder is there, a build refuses with
    LibraryMismatchError unless it holds exactly the reports served."""
    current = read() if read is not None else read_documents(root)  # `read`: another store's (backend.py)
    legacy = root / LEGACY_LIBRARY
    mirrored = load_corpus([legacy]) if legacy.is_dir() and any(legacy.glob("*.md")) else None
    if current is None:
        return tuple(mirrored) if mirrored else None
    manifest, served = current
    if mirrored is not None:
        _check_agree(mirrored, served, legacy, manifest.get("version", "?"))
        return served
    return served if manifest.get("library") else None


def _check_agree(mirrored: Sequence[Document], served: Sequence[Document], folder: Path, version: str) -> None:
    """LibraryMismatchError naming the reports where the mirror folder and the index differ."""
    want = {d.doc_id: content_hash(d) for d in served}
    have = {d.doc_id: content_hash(d) for d in mirrored}
    only_index = sorted(set(want) - set(have))
    only_folder = sorted(set(have) - set(want))
    differ = sorted(i for i in set(want) & set(have) if want[i] != have[i])
    if not (only_index or only_folder or differ):
        return

    def ids(xs: list[str]) -> str:
        shown = ", ".join(xs[:MISMATCH_IDS_SHOWN])
        return shown + (f" and {len(xs) - MISMATCH_IDS_SHOWN} more" if len(xs) > MISMATCH_IDS_SHOWN else "")

    parts = [f"{len(xs)} {what} ({ids(xs)})" for xs, what in (
        (only_index, "only in the index"), (only_folder, "only in the folder"), (differ, "different")) if xs]
    raise LibraryMismatchError(
        f"the report library at {folder} ({len(have)} reports) disagrees with index version {version} "
        f"({len(want)} reports): {'; '.join(parts)}; a plain build would drop or change them. Move {folder} "
        f"away to rebuild what is served, or build exactly that folder with `cppcc-qa build {folder}`")
