"""tifa.config: where a run reads and writes (``project_paths`` resolves a notebook's parameters)."""
from __future__ import annotations

import dataclasses
import os

import pytest

from tifa.config import FIGURES, GOLD, LEXICON, Paths, PROCESSED, project_paths, RAW, ROOT, SEED


def test_project_paths_takes_another_lexicon_folder_and_rejects_a_missing_one(tmp_path):
    (tmp_path / "lex").mkdir()
    paths = project_paths("", str(tmp_path / "out"), str(tmp_path / "lex"))
    assert paths.lexicon == (tmp_path / "lex").resolve() and paths.processed == (tmp_path / "out" / "processed").resolve()
    assert project_paths("", str(tmp_path / "out")).lexicon == LEXICON
    with pytest.raises(FileNotFoundError, match="no_such_lexicon"):
        project_paths("", str(tmp_path / "out"), str(tmp_path / "no_such_lexicon"))


def test_default_paths_are_the_committed_folders():
    paths = project_paths()
    assert paths == Paths(raw=RAW.resolve(), processed=PROCESSED, figures=FIGURES, lexicon=LEXICON, gold=GOLD)
    assert (paths.raw, paths.processed, paths.figures, paths.lexicon) == (
        ROOT / "data" / "raw", ROOT / "data" / "processed", ROOT / "figures", ROOT / "data" / "lexicon")
    assert isinstance(SEED, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        paths.raw = ROOT  # type: ignore[misc]


def test_out_dir_creates_processed_and_figures_below_it(tmp_path):
    out = tmp_path / "results" / "run1"
    assert not out.exists()
    paths = project_paths("", str(out))
    assert paths.processed == (out / "processed").resolve() and paths.processed.is_dir()
    assert paths.figures == (out / "figures").resolve() and paths.figures.is_dir()
    assert sorted(p.name for p in out.iterdir()) == ["figures", "processed"]
    assert paths.raw == RAW.resolve() and paths.lexicon == LEXICON      # only the outputs move
    assert paths.processed != PROCESSED and paths.figures != FIGURES


def test_relative_paths_are_taken_from_the_project_root_not_the_working_folder(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.chdir(tmp_path)                                           # a notebook's working folder
    rel_out = os.path.relpath(tmp_path / "out", ROOT)
    paths = project_paths(os.path.relpath(corpus, ROOT), rel_out)
    assert paths.raw == corpus.resolve() and paths.processed == (tmp_path / "out" / "processed").resolve()
    assert project_paths("data/raw").raw == RAW.resolve()
    assert project_paths(str(corpus)).raw == corpus.resolve()            # an absolute path is kept


def test_a_missing_lexicon_folder_raises_before_any_folder_is_made(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no_lexicon.*does not exist \(parameter lexicon_dir\)"):
        project_paths("", str(tmp_path / "out"), str(tmp_path / "no_lexicon"))
    assert not (tmp_path / "out").exists()
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="a_file"):
        project_paths("", str(tmp_path / "out"), str(tmp_path / "a_file"))
