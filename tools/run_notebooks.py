"""Execute every notebook in notebooks/ in numeric order, headless, and render each to HTML.

    python tools/run_notebooks.py                       # the project corpus -> data/processed, figures, html
    python tools/run_notebooks.py --corpus C --out O    # another corpus -> O/processed, O/figures, O/html
    python tools/run_notebooks.py --corpus C --lexicon L --out O   # ... with its own lexicons and codebooks

Each notebook gets `corpus_dir`, `out_dir` and `lexicon_dir` injected into its cell tagged `parameters`
(papermill).  A cell error stops the run with the notebook's name; a matplotlib warning that a
glyph is missing from the font is an error too.  Executed notebooks go to <html>/executed/
(never back into notebooks/, which stay without outputs).

The site: each page is rendered by nbconvert with the project's template (tools/templates/tifa: header bar
with the index and the previous and next notebook, a table of contents of the page's headings, code cells
folded); html/index.html lists per notebook its question, its figures (thumbnails in html/thumbs/, linking
to PNG, PDF and the figure's data CSV) and its tables, and the corpus the run used.  Which files a notebook
wrote is known by comparing the output folders before and after it runs (name, size, mtime, inode: every
write renames a new file into place); the list is kept in <html>/executed/<notebook>.outputs.json, so an
index written after a run with --only still lists the files of pages rendered earlier.  Every link is
relative (html/ -> ../processed or ../data/processed, ../figures), and no page loads anything from the network.
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
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tifa, for the formulae drawn by tifa.notebook.math_svg
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "tifa"
GLYPH_WARNING = re.compile(r"[Gg]lyph .* missing from")
PROJECT_TITLE = "卫东区 Weidong District: official political language, 2018–2023"
THUMB_WIDTH = 480  # pixels of the index's figure thumbnails


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


def site_title(default_corpus: bool, corpus: str) -> str:
    """The title in every page's header bar and on the index: the project's, or one naming the other corpus."""
    return PROJECT_TITLE if default_corpus else f"Official political language: the notebooks run on {Path(corpus).name}"


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime_ns, inode) of every visible file of ``folder`` and of every Parquet table folder in it
    (``<name>.parquet``, written by renaming a new folder into place: a new inode), empty if ``folder``
    does not exist."""
    if not folder.is_dir():
        return {}
    return {p.name: (_size_bytes(p), st.st_mtime_ns, st.st_ino) for p in folder.iterdir()
            if (p.is_file() or (p.is_dir() and p.suffix == ".parquet")) and not p.name.startswith(".")
            for st in [p.stat()]}


def _size_bytes(path: Path) -> int:
    """Bytes of a file, or of the files of a folder (a Parquet table)."""
    return sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size


def written_files(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """Files new or changed between two snapshots, sorted (atomic writes rename a new file: a new inode)."""
    return sorted(name for name, stat in after.items() if before.get(name) != stat)


def short_label(title: str, width: int = 30) -> str:
    """A notebook's title up to its colon, for the previous/next links ("03 · Rhetoric")."""
    label = re.split(r"[:：]", title, maxsplit=1)[0].strip()
    return label if len(label) <= width else label[: width - 1] + "…"


def neighbours(pages: list[tuple[str, str]], i: int) -> dict:
    """Links to the page before and after ``pages[i]`` (``pages`` = (href, title) in notebook order)."""
    def link(j: int):
        if 0 <= j < len(pages):
            return {"href": quote(pages[j][0]), "title": pages[j][1], "label": short_label(pages[j][1])}
        return None
    return {"prev": link(i - 1), "next": link(i + 1)}


HEADING = re.compile(r'<h([1-6])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def page_headings(body: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of every heading of a rendered page, in order (nbconvert gives each an id)."""
    found = []
    for level, anchor, inner in HEADING.findall(body):
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        found.append((int(level), anchor, text))
    return found


def toc_html(headings: list[tuple[int, str, str]]) -> str:
    """The page's contents: its level-2 headings, each with its level-3 headings nested (the level-1
    heading is the page title).  Empty when the page has fewer than two sections."""
    sections = [(lvl, a, t) for lvl, a, t in headings if lvl in (2, 3)]
    if sum(lvl == 2 for lvl, _, _ in sections) < 2:
        return ""
    out, open_sub, started = [], False, False
    for lvl, anchor, text in sections:
        item = f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>'
        if lvl == 2 or not started:
            if open_sub:
                out.append("</ol>")
                open_sub = False
            if started:
                out.append("</li>")
            out.append(f"<li>{item}")
            started = True
        else:
            if not open_sub:
                out.append("<ol>")
                open_sub = True
            out.append(f"<li>{item}</li>")
    out.append("</ol></li>" if open_sub else "</li>")
    return ('<nav class="tifa-toc" aria-label="Contents"><details open><summary>Contents</summary><ol>'
            + "".join(out) + "</ol></details></nav>")


def relative_href(target: Path, start: Path) -> str:
    """A URL from a page in ``start`` to ``target``, relative (so a copied or moved OUT/ keeps working)."""
    return quote(Path(os.path.relpath(target, start)).as_posix())


TABLE_LINK = re.compile(r'data-tifa-table="([^"]+)" href="[^"]*"')


def fix_table_links(body: str, processed: Path, html_dir: Path) -> str:
    """Point every table link written by ``show_table`` (attribute ``data-tifa-table``) at this run's
    ``processed/`` folder, relative to the page."""
    return TABLE_LINK.sub(lambda m: f'data-tifa-table="{m.group(1)}" href="{relative_href(processed / m.group(1), html_dir)}"',
                          body)


ITABLES_BUNDLE = re.compile(r"<script>\s*function injectCSS\(base64CSS\).*?</script>", re.S)


def dedupe_itables_bundle(body: str) -> str:
    """Keep the first copy of itables' inlined library on a page and drop the others (each interactive
    table carries one, ~1 MB; the library loads once per page anyway)."""
    seen = []
    def keep_first(m: re.Match) -> str:
        seen.append(1)
        return m.group(0) if len(seen) == 1 else ""
    return ITABLES_BUNDLE.sub(keep_first, body)


NETWORK = re.compile(r"""<(?:script|img|iframe|link|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
                     r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)|\b(?:import\s*\(?|from)\s*["']((?:https?:)?//[^"']+)""", re.I)


def network_requests(body: str) -> list[str]:
    """Every URL a page would fetch from the network by itself (scripts, styles, images, frames, CSS
    url(), JavaScript imports); plain links a reader may click (``<a href>``) are not requests."""
    return sorted({next(g for g in m.groups() if g) for m in NETWORK.finditer(body)})


CODE_SPANS = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]*?\S)\$(?![$\w])")


def render_math(markdown: str) -> str:
    """Replace the TeX of a markdown cell (``$$…$$`` and ``$…$``, not inside code) by images of the formula
    drawn by matplotlib's mathtext (pages load no MathJax); TeX mathtext cannot draw is shown as code."""
    from base64 import b64encode

    from tifa.notebook import math_svg

    def image(tex: str, display: bool) -> str:
        svg = math_svg(tex, fontsize=15 if display else 13)
        if svg is None:
            return f"<code>{html.escape(tex.strip())}</code>"
        src = "data:image/svg+xml;base64," + b64encode(svg.encode("utf-8")).decode("ascii")
        kind = "tifa-math tifa-math-display" if display else "tifa-math"
        return f'<img class="{kind}" alt="{html.escape(tex.strip())}" src="{src}">'

    parts = CODE_SPANS.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = DISPLAY_MATH.sub(lambda m: image(m.group(1), True), parts[i])
        parts[i] = INLINE_MATH.sub(lambda m: image(m.group(1), False), text)
    return "".join(parts)


def code_summary(source: str, tags: list[str], width: int = 90) -> str:
    """The one line shown for a folded code cell: its first line, or for a parameters cell the values
    it sets (``out_dir = "/tmp/x"; …``)."""
    lines = [line.strip() for line in source.strip().splitlines() if line.strip()]
    if "parameters" in tags or "injected-parameters" in tags:
        lines = ["; ".join(re.sub(r"\s*#.*$", "", l) for l in lines if not l.startswith("#"))]
    first = lines[0] if lines else ""
    return first if len(first) <= width else first[: width - 1] + "…"


def prepare_for_page(nb) -> None:
    """Mark an executed notebook for the template (in place): each code cell's folded line, the cell after
    which the contents go (the first markdown cell: title and question), and formulae drawn as images."""
    first_markdown = True
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata["tifa_summary"] = code_summary(cell.source, cell.metadata.get("tags", []))
        elif cell.cell_type == "markdown":
            if "$" in cell.source:
                cell.source = render_math(cell.source)
            if first_markdown:
                cell.metadata["tifa_contents_after"] = True
                first_markdown = False


def render_html(executed: Path, target: Path, site: dict | None = None, processed: Path | None = None) -> None:
    """Render an executed notebook to a standalone HTML page (figures embedded), titled by its first heading,
    with the project's template: header bar (``site``: site_title, index_href, prev, next), contents, folded code."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    title = summary_of(nb)[0] or executed.stem
    prepare_for_page(nb)
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
    site = dict(site or {})
    site.setdefault("footer", f"Rendered from <code>executed/{html.escape(executed.name)}</code>, run top to bottom by "
                              "<code>tools/run_notebooks.py</code>.")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "tifa": site})
    toc = toc_html(page_headings(body))
    body = body.replace("<!--tifa-toc-menu-->", toc.replace('<details open>', '<details>', 1), 1)
    body = body.replace("<!--tifa-toc-->", toc, 1)
    if processed is not None:
        body = fix_table_links(body, processed, target.parent)
    target.write_text(dedupe_itables_bundle(body), encoding="utf-8")
    for url in network_requests(body):
        print(f"WARNING {target.name} loads {url} from the network: it will not work offline", file=sys.stderr)


def corpus_summary(documents, corpus: str, lexicon: str = "") -> dict:
    """What the index says about the corpus a run used, from that run's ``documents.csv``."""
    years = sorted({int(y) for y in documents["year"]}) if len(documents) else []
    missing = [y for y in range(years[0], years[-1] + 1) if y not in years] if years else []
    genres = documents["genre"].value_counts().sort_index() if "genre" in documents.columns else {}
    return {"corpus": corpus, "lexicon": lexicon, "documents": int(len(documents)),
            "years": (years[0], years[-1]) if years else None, "missing_years": missing,
            "genres": {str(g): int(n) for g, n in dict(genres).items()},
            "chars": int(documents["chars"].sum()) if "chars" in documents.columns else None}


def corpus_html(info: dict | None) -> str:
    """The index's paragraph on the corpus (``info`` from :func:`corpus_summary`, None if unknown)."""
    if not info:
        return "<p class=\"corpus\">The corpus of this run is unknown (no <code>documents.csv</code> was written).</p>"
    parts = [f"<b>{info['documents']}</b> document{'s' if info['documents'] != 1 else ''}"]
    if info["years"]:
        first, last = info["years"]
        parts.append(f"{first}–{last}" if first != last else str(first))
    if info["missing_years"]:
        parts.append("no text for " + ", ".join(map(str, info["missing_years"])))
    if info["genres"]:
        parts.append("genres: " + ", ".join(f"{html.escape(g)} ({n})" for g, n in info["genres"].items()))
    if info.get("chars"):
        parts.append(f"{info['chars']:,} characters")
    lexicon = (f" with the lexicons of <code>{html.escape(info['lexicon'])}</code>" if info.get("lexicon")
               else "")
    return (f"<p class=\"corpus\">Run on the corpus in <code>{html.escape(info['corpus'])}</code>{lexicon}: "
            + "; ".join(parts) + ".</p>")


def write_thumbnail(png: Path, thumb: Path, width: int = THUMB_WIDTH) -> None:
    """A small copy of a figure for the index (rewritten only when the figure is newer)."""
    if thumb.exists() and thumb.stat().st_mtime_ns >= png.stat().st_mtime_ns:
        return
    from PIL import Image

    thumb.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as image:
        height = max(1, round(image.height * width / image.width))
        image.convert("RGB").resize((width, height), Image.LANCZOS).save(thumb, format="png", optimize=True)


def _size(path: Path) -> str:
    n = _size_bytes(path)
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} KB"


def notebook_section(href: str, title: str, purpose: str, figures: list[Path], tables: list[Path],
                     html_dir: Path) -> str:
    """One notebook on the index: its title (a link to its page), question, figures and tables.
    ``figures`` are PNG paths (a PDF and a data CSV of the same name are linked when they exist)."""
    out = [f'<section class="nb"><h2><a href="{quote(href)}">{html.escape(title)}</a></h2>']
    if purpose:
        out.append(f'<p class="question"><b>Question:</b> {html.escape(purpose)}</p>')
    if figures:
        out.append('<div class="figures">')
        for png in figures:
            links = [f'<a href="{relative_href(png, html_dir)}">PNG</a>']
            for ext, label in ((".pdf", "PDF"), (".csv", "data (CSV)")):
                if png.with_suffix(ext).exists():
                    links.append(f'<a href="{relative_href(png.with_suffix(ext), html_dir)}">{label}</a>')
            out.append(f'<figure><a href="{relative_href(png, html_dir)}"><img src="thumbs/{quote(png.name)}" '
                       f'alt="figure {html.escape(png.stem)}" loading="lazy"></a>'
                       f'<figcaption><code>{html.escape(png.stem)}</code><br>{" · ".join(links)}</figcaption></figure>')
        out.append("</div>")
    if tables:
        items = ", ".join(f'<a href="{relative_href(t, html_dir)}">{html.escape(t.name)}</a> <span>({_size(t)})</span>'
                          for t in tables)
        out.append(f'<p class="tables"><b>Tables:</b> {items}</p>')
    out.append("</section>")
    return "\n".join(out)


INDEX_CSS = """body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
max-width:68em;margin:1.5em auto;padding:0 1em;line-height:1.5;color:#24292f}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin:0 0 .3em} a{color:#0b5cad}
.corpus{background:#f3f5f8;border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em}
section.nb{border-top:1px solid #d0d7de;padding:1.2em 0}
.question{margin:.2em 0 .6em;color:#333}
.figures{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;width:240px} figure img{width:240px;border:1px solid #d0d7de;background:#fff}
figcaption{font-size:12px;color:#57606a;overflow-wrap:anywhere}
.tables{font-size:14px} .tables span{color:#6e7781;font-size:12px}
footer{margin-top:2em;font-size:13px;color:#57606a}"""


def index_page(sections: list[str], heading: str, corpus_paragraph: str) -> str:
    """html/index.html from its notebook sections."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)}</title>
<style>{INDEX_CSS}</style></head>
<body><h1>{html.escape(heading)}</h1>
{corpus_paragraph}
<p>Each notebook was executed top to bottom by <code>make</code> (<code>tools/run_notebooks.py</code>); its page shows
the findings with the code folded. Figures: PNG (300 dpi), PDF and the CSV of the numbers each figure draws. Tables:
CSV, UTF-8 with a byte-order mark (opens in Excel with Chinese intact); their columns are described in
<code>docs/CONTRACTS.md</code>.</p>
{chr(10).join(sections)}
<footer>Every link on this site is relative and nothing is loaded from the network: the folder works offline and can be
copied with the output folders beside it.</footer>
</body></html>
"""


def write_index(entries: list[tuple[str, str, str]], html_dir: Path, corpus: str, *, processed: Path | None = None,
                figures: Path | None = None, default_corpus: bool | None = None, lexicon: str = "") -> None:
    """html/index.html: per notebook (``entries`` = (page, title, purpose)) its question, figures and tables
    (from ``executed/<notebook>.outputs.json``; figures named after the notebook's number when that is
    missing), and the corpus the run used (from ``processed/documents.csv``)."""
    processed = processed or ROOT / "data" / "processed"
    figures = figures or ROOT / "figures"
    default_corpus = corpus == "data/raw" if default_corpus is None else default_corpus
    info = None
    if (processed / "documents.csv").exists():
        import pandas as pd
        info = corpus_summary(pd.read_csv(processed / "documents.csv", encoding="utf-8-sig"), corpus, lexicon)
    sections = []
    for href, title, purpose in entries:
        stem = Path(href).stem
        manifest = html_dir / "executed" / f"{stem}.outputs.json"
        if manifest.exists():
            made = json.loads(manifest.read_text(encoding="utf-8"))
            pngs = [figures / n for n in made.get("figures", []) if n.endswith(".png")]
            tables = [processed / n for n in made.get("tables", []) if n.endswith((".csv", ".parquet"))]
        else:
            pngs, tables = sorted(figures.glob(f"{stem[:2]}_*.png")), []
        pngs, tables = [p for p in pngs if p.exists()], [t for t in tables if t.exists()]
        for png in pngs:
            write_thumbnail(png, html_dir / "thumbs" / png.name)
        sections.append(notebook_section(href, title, purpose, pngs, tables, html_dir))
    page = index_page(sections, site_title(default_corpus, corpus), corpus_html(info))
    (html_dir / "index.html").write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="", help="folder with texts + metadata.csv (default data/raw)")
    ap.add_argument("--out", default="", help="output folder (default: the committed data/processed, figures, html)")
    ap.add_argument("--lexicon", default="", help="folder with the same files as data/lexicon (default data/lexicon)")
    ap.add_argument("--only", default="[0-9][0-9]_*.ipynb", help="glob of notebooks to run")
    ap.add_argument("--no-html", action="store_true", help="execute only, do not render HTML")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (a large corpus needs long cells)")
    ap.add_argument("--scheduler", default="", help="who runs the per-document stages: '' (serial for a small corpus, "
                    "local worker processes for a large one), serial, processes, local-dask, or a Dask scheduler "
                    "address such as tcp://host:8786 (sets $TIFA_SCHEDULER for every notebook)")
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
    if args.scheduler.strip():
        sys.path.insert(0, str(ROOT))
        from tifa.pipeline import SCHEDULER_ENV, resolve_scheduler

        try:
            os.environ[SCHEDULER_ENV] = resolve_scheduler(args.scheduler)  # the kernels inherit it
        except ValueError as err:
            ap.error(str(err))

    params = {"corpus_dir": str(Path(corpus).resolve()) if corpus else "", "out_dir": str(out) if out else "",
              "lexicon_dir": "" if default_lexicon else str(Path(lexicon).resolve())}
    notebooks = notebook_list(args.only)
    if not notebooks:
        print(f"no notebooks match {args.only} in {NOTEBOOKS}", file=sys.stderr)
        return 1
    processed = (out / "processed") if out else ROOT / "data" / "processed"
    figures = (out / "figures") if out else ROOT / "figures"
    corpus_label = corpus or "data/raw"
    title = site_title(default_corpus, corpus_label)
    pages = [(nb.with_suffix(".html").name, summary_of(nbformat.read(nb, as_version=4))[0] or nb.stem)
             for nb in notebook_list()]
    position = {href: i for i, (href, _) in enumerate(pages)}
    for path in notebooks:
        started = time.perf_counter()
        target = executed_dir / path.name
        before = {"tables": snapshot(processed), "figures": snapshot(figures)}
        try:
            execute(path, target, params, args.timeout)
        except pm.PapermillExecutionError as err:
            print(f"FAILED {path.name}: cell {err.exec_count}: {err.ename}: {err.evalue}", file=sys.stderr)
            print(f"  executed copy with the traceback: {target}", file=sys.stderr)
            return 1
        made = {"tables": written_files(before["tables"], snapshot(processed)),
                "figures": written_files(before["figures"], snapshot(figures))}
        (executed_dir / f"{path.stem}.outputs.json").write_text(json.dumps(made, indent=1) + "\n", encoding="utf-8")
        nb = json.loads(target.read_text(encoding="utf-8"))
        missing = glyph_warnings(nb)
        if missing:
            print(f"FAILED {path.name}: glyphs missing from the font:\n  " + "\n  ".join(missing), file=sys.stderr)
            return 1
        if not args.no_html:
            page = path.with_suffix(".html").name
            site = {"site_title": title, "index_href": "index.html", **neighbours(pages, position[page])}
            render_html(target, html_dir / page, site, processed)
        print(f"ran {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    if not args.no_html:  # every page rendered so far, also by earlier runs with --only
        entries = [(nb.with_suffix(".html").name, *summary_of(nbformat.read(nb, as_version=4)))
                   for nb in notebook_list() if (html_dir / nb.with_suffix(".html").name).exists()]
        write_index(entries, html_dir, corpus_label, processed=processed, figures=figures,
                    default_corpus=default_corpus, lexicon="" if default_lexicon else lexicon)
        print(f"HTML: {html_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
