"""Execute every notebook in notebooks/ in numeric order, headless, and render each to HTML.

    python tools/run_notebooks.py                       # the project corpus -> data/processed, figures, html
    python tools/run_notebooks.py --corpus C --out O    # another corpus -> O/processed, O/figures, O/html
    python tools/run_notebooks.py --corpus C --lexicon L --out O   # ... with its own lexicons and codebooks

Each notebook gets `corpus_dir`, `out_dir` and `lexicon_dir` injected into its cell tagged `parameters`
(papermill).  A cell error stops the run with the notebook's name; a matplotlib warning that a
glyph is missing from the font is an error too.  Executed notebooks go to <html>/executed/
(never back into notebooks/, which stay without outputs).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GLYPH_WARNING = re.compile(r"[Gg]lyph .* missing from")


def notebook_list(pattern: str = "[0-9][0-9]_*.ipynb") -> list[Path]:
    """The notebooks to run, in numeric order."""
    return sorted(NOTEBOOKS.glob(pattern))


def summary_of(nb: dict) -> tuple[str, str]:
    """Title (first heading) and one-line purpose (the **Question** line) of a notebook."""
    title, purpose = "", ""
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for line in src.splitlines():
            if not title and line.startswith("# "):
                title = line[2:].strip()
            m = re.match(r"\**Question\**[:：]?\**\s*(.+)", line.strip())
            if not purpose and m:
                purpose = m.group(1).strip()
        if title and purpose:
            break
    return title, re.sub(r"[*_`]", "", purpose)


def glyph_warnings(nb: dict) -> list[str]:
    """Every output text of an executed notebook that reports a glyph missing from the font."""
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found += [line for line in text.splitlines() if GLYPH_WARNING.search(line)]
    return found


def execute(path: Path, target: Path, params: dict, timeout: int = 600) -> None:
    """Execute one notebook headless with papermill (kernel python3, working folder notebooks/)."""
    import papermill as pm

    pm.execute_notebook(str(path), str(target), parameters=params, cwd=str(NOTEBOOKS),
                        kernel_name="python3", progress_bar=False, log_output=False,
                        execution_timeout=timeout, request_save_on_cell_execute=False)


def render_html(executed: Path, target: Path) -> None:
    """Render an executed notebook to a standalone HTML page (figures embedded), titled by its first heading."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    title = summary_of(nb)[0] or executed.stem
    body, _ = HTMLExporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")


def write_index(entries: list[tuple[str, str, str]], html_dir: Path, corpus: str) -> None:
    """html/index.html: one link per notebook with its title and purpose."""
    items = "\n".join(
        f'  <li><a href="{html.escape(href)}">{html.escape(title)}</a><br><span>{html.escape(purpose)}</span></li>'
        for href, title, purpose in entries)
    heading = ("卫东区 Weidong District: official political language, 2018–2023" if corpus == "data/raw"
               else "Official political language: notebooks run on another corpus")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(heading)}</title>
<style>body{{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:48em;margin:2em auto;line-height:1.5}}
li{{margin:0.8em 0}} span{{color:#444}}</style></head>
<body><h1>{heading}</h1>
<p>Notebooks executed top to bottom by <code>make</code> on the corpus in <code>{html.escape(corpus)}</code>.</p>
<ol>
{items}
</ol></body></html>
"""
    (html_dir / "index.html").write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="", help="folder with texts + metadata.csv (default data/raw)")
    ap.add_argument("--out", default="", help="output folder (default: the committed data/processed, figures, html)")
    ap.add_argument("--lexicon", default="", help="folder with the same files as data/lexicon (default data/lexicon)")
    ap.add_argument("--only", default="[0-9][0-9]_*.ipynb", help="glob of notebooks to run")
    ap.add_argument("--no-html", action="store_true", help="execute only, do not render HTML")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = ap.parse_args(argv)

    import nbformat
    import papermill as pm

    corpus = args.corpus.strip()
    default_corpus = not corpus or Path(corpus).resolve() == (ROOT / "data" / "raw").resolve()
    lexicon = args.lexicon.strip()
    default_lexicon = not lexicon or Path(lexicon).resolve() == (ROOT / "data" / "lexicon").resolve()
    if not (default_corpus and default_lexicon) and not args.out:
        ap.error("another corpus or lexicon needs OUT too (make CORPUS=... LEXICON=... OUT=...), "
                 "so committed outputs stay untouched")
    if not default_lexicon and not Path(lexicon).is_dir():
        ap.error(f"lexicon folder {lexicon} does not exist")
    out = Path(args.out).resolve() if args.out else None
    html_dir = (out / "html") if out else ROOT / "html"
    executed_dir = html_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONHASHSEED"] = "0"  # the kernels inherit it: set iteration order is fixed

    params = {"corpus_dir": str(Path(corpus).resolve()) if corpus else "", "out_dir": str(out) if out else "",
              "lexicon_dir": "" if default_lexicon else str(Path(lexicon).resolve())}
    notebooks = notebook_list(args.only)
    if not notebooks:
        print(f"no notebooks match {args.only} in {NOTEBOOKS}", file=sys.stderr)
        return 1
    for path in notebooks:
        started = time.perf_counter()
        target = executed_dir / path.name
        try:
            execute(path, target, params, args.timeout)
        except pm.PapermillExecutionError as err:
            print(f"FAILED {path.name}: cell {err.exec_count}: {err.ename}: {err.evalue}", file=sys.stderr)
            print(f"  executed copy with the traceback: {target}", file=sys.stderr)
            return 1
        nb = json.loads(target.read_text(encoding="utf-8"))
        missing = glyph_warnings(nb)
        if missing:
            print(f"FAILED {path.name}: glyphs missing from the font:\n  " + "\n  ".join(missing), file=sys.stderr)
            return 1
        if not args.no_html:
            render_html(target, html_dir / path.with_suffix(".html").name)
        print(f"ran {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    if not args.no_html:  # every page rendered so far, also by earlier runs with --only
        entries = [(nb.with_suffix(".html").name, *summary_of(nbformat.read(nb, as_version=4)))
                   for nb in notebook_list() if (html_dir / nb.with_suffix(".html").name).exists()]
        write_index(entries, html_dir, corpus or "data/raw")
        print(f"HTML: {html_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
