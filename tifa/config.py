"""Where a run reads and writes: the project's folders, the seed, and a notebook's parameters
resolved into :class:`Paths`.  Imports nothing else of the package (the bottom of the import order:
config -> files -> corpus -> settings -> stats/terms -> stages -> style -> plots -> notebook).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"
FIGURES = ROOT / "figures"
LEXICON = ROOT / "data" / "lexicon"
GOLD = ROOT / "data" / "gold"
CACHE = ROOT / ".cache"

SEED = 20180118  # every random draw in the project starts from this seed


@dataclass(frozen=True)
class Paths:
    """Where one run reads its corpus and writes its tables and figures."""

    raw: Path
    processed: Path
    figures: Path
    lexicon: Path = LEXICON
    gold: Path = GOLD


def project_paths(corpus_dir: str | os.PathLike = "", out_dir: str | os.PathLike = "",
                  lexicon_dir: str | os.PathLike = "") -> Paths:
    """Resolve a notebook's parameters into paths.

    ``corpus_dir`` is a folder with the texts and a ``metadata.csv`` ("" = ``data/raw``).
    ``out_dir`` "" writes to the committed ``data/processed`` and ``figures``; any other
    folder receives ``processed/`` and ``figures/`` below it, leaving committed outputs alone.
    ``lexicon_dir`` is a folder with the same files as ``data/lexicon`` ("" = ``data/lexicon``):
    the lexicons, codebooks and settings a study of other texts adapts.
    Relative paths are taken from the project root, so a notebook's working folder does not matter.
    """
    raw = (ROOT / corpus_dir) if corpus_dir else RAW
    lexicon = (ROOT / lexicon_dir).resolve() if lexicon_dir else LEXICON
    if not lexicon.is_dir():
        raise FileNotFoundError(f"lexicon folder {lexicon} does not exist (parameter lexicon_dir)")
    if out_dir:
        out = ROOT / out_dir
        paths = Paths(raw=raw.resolve(), processed=(out / "processed").resolve(),
                      figures=(out / "figures").resolve(), lexicon=lexicon)
    else:
        paths = Paths(raw=raw.resolve(), processed=PROCESSED, figures=FIGURES, lexicon=lexicon)
    paths.processed.mkdir(parents=True, exist_ok=True)
    paths.figures.mkdir(parents=True, exist_ok=True)
    return paths
