"""Shared fixtures: the project root on sys.path, and a writer of small corpora for tests."""
from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_corpus(folder: Path, docs: list[dict], encoding: dict[str, str] | None = None) -> Path:
    """Write texts and a metadata.csv (with correct sha256) into ``folder``.

    Each doc: doc_id, year, text, and optionally date, genre, subgenre, title, file.
    ``encoding`` maps doc_id to a codec (default UTF-8).
    """
    folder.mkdir(parents=True, exist_ok=True)
    encoding = encoding or {}
    rows = []
    for d in docs:
        name = d.get("file", f"{d['doc_id']}.txt")
        data = d["text"].encode(encoding.get(d["doc_id"], "utf-8"))
        (folder / name).write_bytes(data)
        rows.append({"doc_id": d["doc_id"], "file": name, "year": d["year"], "date": d.get("date", str(d["year"])),
                     "genre": d.get("genre", "newspaper"), "subgenre": d.get("subgenre", ""),
                     "title": d.get("title", d["doc_id"]), "date_note": "", "sha256": hashlib.sha256(data).hexdigest()})
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return folder


@pytest.fixture
def corpus_writer():
    return write_corpus
