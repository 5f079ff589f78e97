"""Build a synthetic corpus of a requested size for the end-to-end benchmark (issue 17).

    .venv/bin/python benchmarks/make_corpus.py OUT_DIR --mb 10 [--seed 17]

OUT_DIR gets one UTF-8 ``.txt`` per document and a ``metadata.csv`` with the columns of
data/raw/metadata.csv (sha256 filled in), so ``make CORPUS=OUT_DIR OUT=...`` runs on it.

The text mixes two sources, paragraph by paragraph (``--real-share`` of the paragraphs from the first):

* body paragraphs of the project corpus (data/processed/paragraphs.csv, kind ``body``), so the codebook
  terms, the cleaning rules and the rhetoric of the real texts occur;
* paragraphs sampled from jieba's own dictionary (jieba/dict.txt, ``word freq tag``) as a unigram
  model, each word drawn with probability proportional to its frequency, so the number of distinct
  tokens keeps growing with the size of the corpus as in real text.  Sampled words are grouped into
  clauses of 3-8 words joined by ``，`` or ``；`` and sentences of 2-4 clauses ending in ``。``
  (20-60 characters on average).

Documents: about ``--docs-per-mb`` (30) per MB, years spread evenly over 20-30 years ending in 2024
(20 years for the smallest corpora so that each year has more than one document), genres alternating
``government work report`` / ``newspaper``; a work report starts with its title and a date line, a
newspaper page has a headline (from the project's headlines or sampled) before every few paragraphs.
Paragraphs are separated by blank lines.  Same arguments, same bytes (numpy seeded); the text is
streamed to the files, so 100 MB takes seconds.  MB means 10^6 bytes of UTF-8.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
JIEBA_DICT = Path(__import__("jieba").__file__).resolve().parent / "dict.txt"
PARAGRAPHS = ROOT / "data" / "processed" / "paragraphs.csv"
GENRES = (("government work report", "work report"), ("newspaper", "district news page"))
BLOCK = 1 << 20  # words sampled per numpy call


def unigram(path: Path = JIEBA_DICT) -> tuple[np.ndarray, np.ndarray]:
    """Words of a jieba dictionary (``word freq tag`` lines) and their probabilities (freq / total).

    Words with characters other than CJK ideographs are left out, so the sampled text has no
    stray Latin letters or digits."""
    words, freqs = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in parts[0]):
                words.append(parts[0])
                freqs.append(float(parts[1]))
    f = np.asarray(freqs)
    return np.asarray(words, dtype=object), f / f.sum()


def project_paragraphs(path: Path = PARAGRAPHS) -> tuple[list[str], list[str]]:
    """(body paragraphs, headlines) of the project corpus."""
    p = pd.read_csv(path, dtype=str, keep_default_na=False)
    body = p.loc[p["kind"] == "body", "text"].tolist()
    heads = p.loc[(p["kind"] == "headline") & (p["text"].str.len().between(6, 30)), "text"].tolist()
    return body, heads


class Sampler:
    """Words drawn from a unigram model in blocks of ``BLOCK`` (one numpy call per block)."""

    def __init__(self, words: np.ndarray, probs: np.ndarray, rng: np.random.Generator):
        self.words, self.cdf, self.rng = words, np.cumsum(probs), rng
        self.buf: list[str] = []
        self.pos = 0

    def take(self, n: int) -> list[str]:
        """The next ``n`` sampled words."""
        if self.pos + n > len(self.buf):
            idx = np.searchsorted(self.cdf, self.rng.random(BLOCK) * self.cdf[-1], side="right")
            self.buf = self.buf[self.pos:] + self.words[np.minimum(idx, len(self.words) - 1)].tolist()
            self.pos = 0
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out


def sampled_sentence(s: Sampler, rng: np.random.Generator) -> str:
    """One sentence of 2-4 clauses of 3-8 sampled words, clauses joined by ，or ；, ending in 。."""
    clauses = ["".join(s.take(int(k))) for k in rng.integers(3, 9, size=int(rng.integers(2, 5)))]
    out = clauses[0]
    for c in clauses[1:]:
        out += ("；" if rng.random() < 0.15 else "，") + c
    return out + "。"


def sampled_paragraph(s: Sampler, rng: np.random.Generator) -> str:
    """A paragraph of 2-7 sampled sentences."""
    return "".join(sampled_sentence(s, rng) for _ in range(int(rng.integers(2, 8))))


def sampled_headline(s: Sampler, rng: np.random.Generator) -> str:
    """A short headline of 3-6 sampled words, no punctuation."""
    return "".join(s.take(int(rng.integers(3, 7))))


def plan(megabytes: float, docs_per_mb: float, last_year: int = 2024) -> list[tuple[int, int]]:
    """(year, genre index) of each document: evenly over 20-30 years, genres alternating."""
    n_docs = max(2, int(round(megabytes * docs_per_mb)))
    n_years = int(min(30, max(20, n_docs // 2)))
    years = [last_year - n_years + 1 + (i * n_years) // n_docs for i in range(n_docs)]
    return [(y, i % 2) for i, y in enumerate(years)]


def build(out_dir: Path, megabytes: float, seed: int = 17, docs_per_mb: float = 30,
          real_share: float = 0.5) -> pd.DataFrame:
    """Write the corpus into ``out_dir`` (texts + metadata.csv); return its metadata table."""
    rng = np.random.default_rng(seed)
    words, probs = unigram()
    sampler = Sampler(words, probs, rng)
    body, heads = project_paragraphs()
    docs = plan(megabytes, docs_per_mb)
    target = megabytes * 1e6 / len(docs)  # bytes per document
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, seen = [], {}
    for i, (year, g) in enumerate(docs):
        genre, subgenre = GENRES[g]
        n = seen[(year, g)] = seen.get((year, g), 0) + 1
        doc_id = f"{year}_{'work_report' if g == 0 else 'news'}_{n:02d}"
        month, day = 1 + (i * 7 + n) % 12, 1 + (i * 11 + n) % 28
        date = f"{year}-{month:02d}-{day:02d}"
        if g == 0:
            title = f"政府工作报告（{year}年）"
            parts = ["政府工作报告", f"——{year}年{month}月{day}日在区人民代表大会上", "各位代表："]
        else:
            title = heads[int(rng.integers(len(heads)))] if heads else sampled_headline(sampler, rng)
            parts = [title]
        size = sum(len(p.encode("utf-8")) for p in parts)
        goal = target * rng.uniform(0.6, 1.4)
        k = 0
        while size < goal:
            if g == 1 and k and k % int(rng.integers(3, 7)) == 0:
                parts.append(heads[int(rng.integers(len(heads)))] if rng.random() < 0.5 and heads
                             else sampled_headline(sampler, rng))
            para = (body[int(rng.integers(len(body)))] if rng.random() < real_share
                    else sampled_paragraph(sampler, rng))
            parts.append(para)
            size += len(para.encode("utf-8")) + 2
            k += 1
        data = ("\n\n".join(parts) + "\n").encode("utf-8")
        name = f"{i:05d}_{doc_id}.txt"
        (out_dir / name).write_bytes(data)
        rows.append({"doc_id": doc_id, "file": name, "year": year, "date": date, "genre": genre,
                     "subgenre": subgenre, "title": title, "date_note": "synthetic (benchmarks/make_corpus.py)",
                     "sha256": hashlib.sha256(data).hexdigest()})
    meta = pd.DataFrame(rows)
    with open(out_dir / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return meta


def text_files(corpus_dir: Path) -> list[Path]:
    """The text files of a corpus built by :func:`build`, in metadata order."""
    meta = pd.read_csv(corpus_dir / "metadata.csv", dtype=str, keep_default_na=False)
    return [corpus_dir / f for f in meta["file"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--mb", type=float, default=1, help="size in MB (10^6 bytes of UTF-8 text)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--docs-per-mb", type=float, default=30)
    ap.add_argument("--real-share", type=float, default=0.5, help="share of paragraphs from the project corpus")
    args = ap.parse_args()
    meta = build(args.out_dir, args.mb, args.seed, args.docs_per_mb, args.real_share)
    total = sum((args.out_dir / f).stat().st_size for f in meta["file"])
    print(f"{len(meta)} documents, {meta['year'].nunique()} years ({meta['year'].min()}-{meta['year'].max()}), "
          f"{total / 1e6:.2f} MB -> {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
