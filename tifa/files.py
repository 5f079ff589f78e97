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
    os.chmod(tmp, 0o666 & ~_umask())
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


# Tables of at least this many rows are written as Parquet instead of CSV: Excel opens at most
# 1,048,576 rows, so a larger CSV serves no reader better, and writing it costs ~10x the time and disk.
# $TIFA_PARQUET_MIN_ROWS overrides it (the tests force Parquet on a small corpus with it).
PARQUET_MIN_ROWS = 1_000_000


def parquet_min_rows() -> int:
    """The row count from which ``write_table`` writes Parquet (``$TIFA_PARQUET_MIN_ROWS`` or
    ``PARQUET_MIN_ROWS``); a value that is not a whole number is an error naming the variable."""
    value = os.environ.get("TIFA_PARQUET_MIN_ROWS", "").strip()
    if not value:
        return PARQUET_MIN_ROWS
    if not value.isdigit():
        raise ValueError(f"$TIFA_PARQUET_MIN_ROWS must be a whole number of rows, got {value!r}")
    return int(value)


def _remove_tree(path: Path) -> None:
    """Remove a file or a folder (a Parquet table), if present.  A folder is first renamed to a hidden
    name, so that it disappears at once: an interrupted removal leaves no partial table under its name."""
    import shutil

    if path.is_dir():
        doomed = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".del"))
        os.replace(path, doomed / path.name)
        shutil.rmtree(doomed)
    elif path.exists():
        path.unlink()


def _old_name(path: Path) -> Path:
    """Where ``write_parquet_table`` keeps the previous table during the swap."""
    return path.with_name(f".{path.name}.old")


def _clear_leftovers(path: Path) -> None:
    """Before writing ``path``: put back a previous table that a run killed between the two renames of
    the swap left under its old name, and remove the temporary and half-removed folders of killed runs."""
    import shutil

    old = _old_name(path)
    if old.is_dir() and not path.exists():
        os.replace(old, path)
    for leftover in [old, *path.parent.glob(f".{path.name}.*.tmp"), *path.parent.glob(f".{path.name}.*.del")]:
        if leftover.is_dir():
            shutil.rmtree(leftover)


PARQUET_PART_ROWS = 1_000_000   # rows per file of a Parquet table (bounds the memory of writing and reading a part)


def write_parquet_table(df: pd.DataFrame, path: str | os.PathLike, part_rows: int = PARQUET_PART_ROWS) -> Path:
    """Write a table as a folder of Parquet files of at most ``part_rows`` rows each, in table order
    (``part-00000.parquet``, ``part-00001.parquet``, ...; zstd-compressed; one schema, that of the whole
    table, for every part).

    Atomic: the files go to a temporary folder beside ``path``; the previous table is renamed away
    (``.<name>.old``), the new folder renamed into place, the previous one removed.  A run killed
    between the two renames leaves the previous table under its old name, which ``read_table`` reads
    and the next write puts back; temporary folders of killed runs are removed by the next write.  So
    a failed or interrupted run leaves the previous table or the new one, never half of one.  DuckDB
    reads the folder as ``read_parquet('<path>/*.parquet')``; ``read_table`` reads it back in order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(path)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    old = _old_name(path)
    try:
        frame = df.reset_index(drop=True)
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        for i, start in enumerate(range(0, max(len(frame), 1), part_rows)):
            table = pa.Table.from_pandas(frame.iloc[start:start + part_rows], schema=schema, preserve_index=False)
            pq.write_table(table, tmp / f"part-{i:05d}.parquet", compression="zstd")
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        _remove_tree(old)
    except BaseException:
        _remove_tree(tmp)
        raise
    return path


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a result table that may grow with the corpus: CSV (``write_csv``) below
    ``parquet_min_rows()`` rows, else a Parquet folder (``write_parquet_table``) named like the CSV with
    ``.parquet`` for ``.csv``.  The other form of the same table, left by an earlier run, is removed
    afterwards (and, should a run be killed before that, ``read_table`` takes the newer of the two).
    Returns the path written."""
    path = Path(path)
    csv_path, parquet_path = path.with_suffix(".csv"), path.with_suffix(".parquet")
    if len(df) >= parquet_min_rows():
        written = write_parquet_table(df, parquet_path)
        _remove_tree(csv_path)
    else:
        written = write_csv(df, csv_path)
        _remove_tree(parquet_path)
        _remove_tree(_old_name(parquet_path))
    return written


def table_path(paths: Paths, name: str) -> Path:
    """Where ``processed/<name>`` is: the Parquet folder or the CSV, whichever was written last if both
    are there (a run killed between writing one and removing the other); a Parquet table left under
    its old name by a run killed in the middle of its swap counts as the folder.  May not exist."""
    csv = paths.processed / f"{name}.csv"
    parquet = paths.processed / f"{name}.parquet"
    if not parquet.is_dir() and _old_name(parquet).is_dir():
        parquet = _old_name(parquet)
    if parquet.is_dir() and (not csv.exists() or parquet.stat().st_mtime_ns > csv.stat().st_mtime_ns):
        return parquet
    return csv


TEXT_COLUMNS = {"doc_id": "str", "token": "str", "term": "str", "text": "str", "pos": "str", "title": "str"}


def read_parquet_table(path: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a folder of ``write_parquet_table`` back, parts in order, as ``read_table`` reads a CSV: an
    empty string is missing (NaN), as in a CSV cell; ``columns`` that the table lacks are ignored.
    Floats keep every digit (a CSV keeps six)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(Path(path).glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"{path}: Parquet table without parts (part-*.parquet)")
    if columns is not None:   # those of ``columns`` the table has, in the table's order (as a CSV's usecols)
        columns = [c for c in pq.read_schema(parts[0]).names if c in set(columns)]
    df = pa.concat_tables([pq.read_table(p, columns=columns) for p in parts]).to_pandas()
    for col in df.columns:
        if pd.api.types.is_string_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
            empty = df[col].eq("")
            if empty.any():
                df[col] = df[col].mask(empty)
    return df


def read_table(paths: Paths, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a table an earlier notebook wrote (``processed/<name>.csv``, or the ``<name>.parquet`` folder
    ``write_table`` makes of a large one), with a clear error if absent; only ``columns`` if given.
    A CSV's byte-order mark is accepted and dropped (tables are written with one), as is its absence.
    Identifier and text columns (``TEXT_COLUMNS``) are text in both forms, so a doc_id such as ``001``
    stays ``001`` and joins across tables whatever form each has; other columns get the types a CSV
    suggests, which for the tables the notebooks write are the types they were written with (a test
    checks).  Parquet keeps every digit of a float where a CSV keeps six."""
    path = table_path(paths, name)
    if path.is_dir():
        return read_parquet_table(path, columns)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the notebook that writes '{name}.csv' first")
    usecols = None if columns is None else (lambda c: c in set(columns))
    return pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=False, na_values=[""], usecols=usecols,
                       dtype=TEXT_COLUMNS)


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
