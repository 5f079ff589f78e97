"""Readers and writers of tables and lexicon files: atomic CSV writes (temporary name, then rename),
the processed tables of earlier notebooks, and the `#`-headed CSV files of ``data/lexicon``.
The project's error types live here too, so every module can raise them.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from .config import Paths

def publish_file(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions (mkstemp makes it 0600) and rename it."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel then shows Chinese when a table is double-clicked


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The bytes every table of the project is written as: UTF-8 with a BOM, ``\\n`` line ends, no index,
    floats with 6 significant digits (so a re-run is byte-identical)."""
    return df.to_csv(index=False, lineterminator="\n", float_format="%.6g").encode(CSV_ENCODING)


def write_bytes_atomic(data: bytes, path: str | os.PathLike) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        publish_file(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as CSV atomically (temporary file, then rename): never a half-written table.

    The file is UTF-8 with a byte-order mark (``utf-8-sig``), so that Excel, which otherwise reads a
    CSV in the system's legacy code page, shows Chinese correctly when the file is double-clicked.
    pandas, R's readr and LibreOffice read the mark as such; Python's ``csv`` module needs
    ``encoding="utf-8-sig"``, or the first column is named ``"\\ufeffdoc_id"``.
    """
    return write_bytes_atomic(csv_bytes(df), path)


def read_table(paths: Paths, name: str) -> pd.DataFrame:
    """Read a table an earlier notebook wrote (``processed/<name>.csv``), with a clear error if absent.
    A byte-order mark is accepted and dropped (tables are written with one), as is its absence."""
    path = paths.processed / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the notebook that writes '{name}.csv' first")
    return pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=False, na_values=[""])  # BOM or not


class CorpusError(ValueError):
    """Bad corpus input; the message names the file or metadata row."""


def read_lexicon_csv(path: str | os.PathLike, required: list[str], term_column: str = "term") -> pd.DataFrame:
    """Read a research-decision CSV under ``data/`` whose header lines start with ``#``.

    Validates that the ``required`` columns exist and that no ``term_column`` cell is empty;
    errors name the file and the line number.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: lexicon file is missing")
    lines = path.read_text(encoding="utf-8").splitlines()
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("#") or not lines[skip].strip()):
        skip += 1
    body = "\n".join(lines[skip:])
    try:
        df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        raise CorpusError(f"{path}: malformed CSV after line {skip} ({err})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    if term_column in df.columns:
        for i, term in enumerate(df[term_column]):
            if not term.strip():
                raise CorpusError(f"{path} line {skip + i + 2}: empty {term_column}")
        df[term_column] = df[term_column].str.strip()
    return df


class LexiconError(CorpusError):
    """A malformed lexicon file; the message names the file and the line."""


def lexicon_header_line(path: str | os.PathLike) -> int:
    """Line number (1-based) of the CSV header of a lexicon file, after its `#` comment lines."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("#") or not lines[skip].strip()):
        skip += 1
    return skip + 1
