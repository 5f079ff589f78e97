"""tifa.files: atomic CSV writes, reading the tables of earlier notebooks, and the ``#``-headed lexicon CSVs."""
from __future__ import annotations

import os

import pandas as pd
import pytest

import tifa.files
from tifa.config import Paths
from tifa.files import CorpusError, csv_bytes, lexicon_header_line, LexiconError, read_lexicon_csv, read_table, write_csv


def test_write_csv_leaves_no_partial_file_on_failure(tmp_path):
    class Boom:
        def __str__(self):
            raise RuntimeError("cannot format")
    target = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    good = target.read_bytes()
    with pytest.raises(RuntimeError):
        write_csv(pd.DataFrame({"a": [Boom()]}), target)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_write_csv_is_atomic_and_reads_back(tmp_path):
    df = pd.DataFrame({"doc_id": ["a", "b"], "term": ["四个意识", "NA"], "count": [3, 0], "share": [1 / 3, None]})
    target = tmp_path / "new" / "t.csv"                          # the folder is made
    assert write_csv(df, target) == target
    assert [p.name for p in target.parent.iterdir()] == ["t.csv"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask          # not mkstemp's 0600
    back = read_table(Paths(raw=tmp_path, processed=target.parent, figures=tmp_path), "t")
    assert list(back.columns) == list(df.columns) and back["term"].tolist() == ["四个意识", "NA"]  # "NA" is a term
    assert back["count"].tolist() == [3, 0] and back["share"].iloc[0] == pytest.approx(1 / 3, rel=1e-5)
    assert pd.isna(back["share"].iloc[1])
    assert b"\r" not in target.read_bytes()


def test_a_failure_after_writing_leaves_no_half_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    good = target.read_bytes()

    def disk_full(tmp, path):
        raise OSError("disk full")

    monkeypatch.setattr(tifa.files, "publish_file", disk_full)     # the rename step fails
    with pytest.raises(OSError, match="disk full"):
        write_csv(pd.DataFrame({"a": list(range(1000))}), target)
    assert target.read_bytes() == good                             # the old table, whole
    with pytest.raises(OSError, match="disk full"):
        write_csv(pd.DataFrame({"a": [2]}), tmp_path / "other.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]   # nothing half-written, no temporary file


def test_read_table_names_the_missing_table_and_its_notebook(tmp_path):
    paths = Paths(raw=tmp_path, processed=tmp_path / "processed", figures=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"processed/keyness\.csv does not exist: run the notebook that "
                                                r"writes 'keyness\.csv' first"):
        read_table(paths, "keyness")


def write_lexicon(path, body: str) -> None:
    path.write_text("# source: a test\n# rule: one term a line\n" + body, encoding="utf-8")


def test_read_lexicon_csv_skips_the_header_and_strips_terms(tmp_path):
    p = tmp_path / "lex.csv"
    write_lexicon(p, "term,subtype\n 六稳 ,a\n四个意识,\n")
    df = read_lexicon_csv(p, ["term", "subtype"])
    assert df["term"].tolist() == ["六稳", "四个意识"] and df["subtype"].tolist() == ["a", ""]
    assert lexicon_header_line(p) == 3


@pytest.mark.parametrize("body, error, message", [
    ("term,subtype\n六稳,a\n  ,b\n", CorpusError, r"lex\.csv line 5: empty term"),
    ("term\n六稳\n", CorpusError, r"lex\.csv: missing column\(s\) subtype"),
    ('term,subtype\n"六稳,a\n', CorpusError, r"lex\.csv: malformed CSV after line 2"),
])
def test_read_lexicon_csv_errors_name_the_file_and_line(tmp_path, body, error, message):
    p = tmp_path / "lex.csv"
    write_lexicon(p, body)
    with pytest.raises(error, match=message):
        read_lexicon_csv(p, ["term", "subtype"])


def test_a_missing_lexicon_file_is_named_and_lexicon_errors_are_corpus_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.csv: lexicon file is missing"):
        read_lexicon_csv(tmp_path / "nothing.csv", ["term"])
    assert issubclass(LexiconError, CorpusError) and issubclass(CorpusError, ValueError)


# --- large tables as Parquet (issue 17) ---------------------------------------------------------------
def _tokens_like(n: int) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"d{i % 3}" for i in range(n)], "year": [2001 + i % 3 for i in range(n)],
                         "token_id": range(n), "token": ["党建" if i % 4 else "，" for i in range(n)],
                         "pos": ["n"] * n, "is_punct": [i % 4 == 0 for i in range(n)],
                         "score": [i / 7 for i in range(n)], "note": ["" if i % 5 else "x" for i in range(n)]})


def test_write_table_switches_to_parquet_at_the_threshold_and_reads_back_as_the_csv_would(tmp_path, monkeypatch):
    from tifa.config import project_paths
    from tifa.files import read_table, write_table

    paths = project_paths(out_dir=str(tmp_path))
    df = _tokens_like(40)
    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "41")
    assert write_table(df, paths.processed / "tokens.csv").name == "tokens.csv"
    from_csv = read_table(paths, "tokens")
    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "40")
    written = write_table(df, paths.processed / "tokens.csv")
    assert written.name == "tokens.parquet" and written.is_dir()
    assert not (paths.processed / "tokens.csv").exists()          # the stale CSV is gone
    from_parquet = read_table(paths, "tokens")
    # the same frame as from the CSV: columns, dtypes, '' read as missing; floats keep all their digits
    pd.testing.assert_frame_equal(from_parquet.drop(columns="score"), from_csv.drop(columns="score"))
    assert csv_bytes(from_parquet) == csv_bytes(from_csv)
    assert read_table(paths, "tokens", columns=["token", "absent"]).columns.tolist() == ["token"]
    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "1000")
    write_table(df, paths.processed / "tokens.csv")
    assert not (paths.processed / "tokens.parquet").exists()      # and back: the stale Parquet is gone


def test_parquet_tables_are_split_in_order_and_byte_identical_on_rewrite(tmp_path):
    from tifa.files import read_parquet_table, write_parquet_table

    df = _tokens_like(25)
    path = write_parquet_table(df, tmp_path / "t.parquet", part_rows=10)
    parts = sorted(p.name for p in path.iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    first = {p: (path / p).read_bytes() for p in parts}
    write_parquet_table(df, tmp_path / "t.parquet", part_rows=10)
    assert {p: (path / p).read_bytes() for p in parts} == first
    back = read_parquet_table(path)
    assert back["token_id"].tolist() == list(range(25)) and back["score"].tolist() == df["score"].tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]   # no temporary or old folder left


def test_a_failed_parquet_write_keeps_the_previous_table_and_leaves_nothing_else(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from tifa.files import read_parquet_table, write_parquet_table

    write_parquet_table(_tokens_like(5), tmp_path / "t.parquet")
    real = pq.write_table
    calls = []

    def fail_second(table, where, **kw):
        calls.append(where)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", fail_second)
    with pytest.raises(OSError, match="disk full"):
        write_parquet_table(_tokens_like(30), tmp_path / "t.parquet", part_rows=10)
    assert len(read_parquet_table(tmp_path / "t.parquet")) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_a_bad_parquet_threshold_is_named(monkeypatch):
    from tifa.files import parquet_min_rows

    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "many")
    with pytest.raises(ValueError, match="TIFA_PARQUET_MIN_ROWS"):
        parquet_min_rows()


def test_numeric_looking_ids_stay_text_in_both_forms(tmp_path, monkeypatch):
    from tifa.config import project_paths
    from tifa.files import read_table, write_table

    paths = project_paths(out_dir=str(tmp_path))
    df = pd.DataFrame({"doc_id": ["001", "002", "010"], "para_id": [1, 2, 3], "text": ["2018", "", "一"]})
    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "10")
    write_table(df, paths.processed / "paragraphs.csv")
    monkeypatch.setenv("TIFA_PARQUET_MIN_ROWS", "1")
    write_table(df, paths.processed / "tokens.csv")
    csv_form, parquet_form = read_table(paths, "paragraphs"), read_table(paths, "tokens")
    assert csv_form["doc_id"].tolist() == ["001", "002", "010"] == parquet_form["doc_id"].tolist()
    assert csv_form["text"].tolist()[0] == "2018" and pd.isna(csv_form["text"][1]) and pd.isna(parquet_form["text"][1])
    assert csv_form.merge(parquet_form, on=["doc_id", "para_id"]).shape[0] == 3   # they join


def test_parts_share_one_schema_even_where_a_part_has_only_missing_values(tmp_path):
    from tifa.files import read_parquet_table, write_parquet_table

    df = pd.DataFrame({"i": range(6), "note": [None, None, None, "a", "b", None]}, dtype=object).astype({"i": int})
    back = read_parquet_table(write_parquet_table(df, tmp_path / "t.parquet", part_rows=3))
    assert back["note"].tolist()[3:5] == ["a", "b"] and back["i"].tolist() == list(range(6))


def test_a_run_killed_between_the_two_renames_keeps_the_previous_table_readable(tmp_path, monkeypatch):
    from tifa.config import project_paths
    from tifa.files import read_table, write_parquet_table

    paths = project_paths(out_dir=str(tmp_path))
    target = paths.processed / "tokens.parquet"
    write_parquet_table(_tokens_like(5), target)
    real, calls = os.replace, []

    def die_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(src, dst)

    monkeypatch.setattr(tifa.files.os, "replace", die_on_second)
    with pytest.raises(KeyboardInterrupt):
        write_parquet_table(_tokens_like(7), target)
    monkeypatch.setattr(tifa.files.os, "replace", real)
    assert not target.exists() and len(read_table(paths, "tokens")) == 5    # the previous table, under its old name
    (paths.processed / ".tokens.parquet.x.tmp").mkdir()                     # a killed run's temporary folder
    write_parquet_table(_tokens_like(9), target)
    assert len(read_table(paths, "tokens")) == 9
    assert sorted(p.name for p in paths.processed.iterdir()) == ["tokens.parquet"]


def test_if_both_forms_are_left_the_newer_is_read(tmp_path, monkeypatch):
    from tifa.config import project_paths
    from tifa.files import read_table, write_parquet_table

    paths = project_paths(out_dir=str(tmp_path))
    write_parquet_table(_tokens_like(5), paths.processed / "tokens.parquet")
    write_csv(_tokens_like(3), paths.processed / "tokens.csv")   # as if killed before the Parquet was removed
    assert len(read_table(paths, "tokens")) == 3
