"""Notebook plumbing: saving a figure (PNG 300 dpi + PDF, and the CSV of the numbers it draws; byte-stable,
atomic) and returning its pixels for display, showing a table whole or as an interactive table that works
offline, and the colophon that closes every notebook.
"""
from __future__ import annotations

import io
import itertools
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Paths, ROOT
from .files import csv_bytes, publish_file
from .style import DISPLAY_REDUCTION, GLYPH_MISSING, PNG_DPI

FIGURE_DATA_ATTR = "tifa_data"  # the attribute of a figure that holds the table of the numbers it draws


def attach_data(fig, table: pd.DataFrame):
    """Attach ``table`` (the numbers ``fig`` draws, a tidy long table) to the figure, for
    :func:`save_figure` to write beside it as CSV; returns ``fig``.  The one mechanism by which every
    plot function of :mod:`tifa.plots` hands its data on."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"attach_data takes a pandas DataFrame, not {type(table).__name__}")
    setattr(fig, FIGURE_DATA_ATTR, table.reset_index(drop=True))
    return fig


def figure_data(fig) -> pd.DataFrame | None:
    """The table attached to ``fig`` by :func:`attach_data`, or None."""
    return getattr(fig, FIGURE_DATA_ATTR, None)


def save_figure(fig, name: str, paths: Paths, data: pd.DataFrame | None = None):
    """Save ``fig`` as ``<figures>/<name>.png`` (300 dpi) and ``.pdf`` (fonts embedded), byte-stable;
    close it and return its PNG at half resolution for the notebook to display.

    ``data`` is the table of the numbers the figure draws: it is written beside the figure as
    ``<figures>/<name>.csv`` (the same bytes as :func:`tifa.files.write_csv`: UTF-8 with a BOM,
    reproducible), so a reader can redraw the figure or check a value without running the notebook.
    When ``data`` is None the table the plot function attached to the figure is used
    (:func:`figure_data`: every function of :mod:`tifa.plots` attaches one), so a notebook passes
    nothing.  A figure without any table gets no CSV, and a ``<name>.csv`` left by an earlier run is
    removed, so a CSV beside a figure always belongs to it.

    ``name`` starts with the notebook number, e.g. ``"00_length_by_year"``.  Each file is written
    to a temporary name and renamed (the PNG first, then the PDF); PDF metadata carries no creation
    date, so re-runs are byte-identical.  The figure is laid out once for the tight bounding box,
    drawn once by Agg at 300 dpi and once as PDF; the notebook shows those same pixels (150 dpi, at
    the size the inline backend would use) instead of drawing the figure again.  The PNG is encoded
    (RGB when the figure is opaque) in a thread while the PDF is drawn.  The figure is closed even
    when saving fails (a missing glyph, a full disk): no file of that name is then written, the CSV
    included.  The three files are renamed into place only once all three are complete.
    """
    if not re.fullmatch(r"\d\d_[a-z0-9_]+", name):
        raise ValueError(f"figure name '{name}' should look like 'NN_what_it_shows'")
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import Image as DisplayImage
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    def encode_png(pixels: np.ndarray, tmp: str) -> bytes:
        image = Image.fromarray(pixels, "RGBA")
        if image.getextrema()[3][0] == 255:  # opaque: the alpha channel carries nothing
            image = image.convert("RGB")
        image.save(tmp, format="png", dpi=(PNG_DPI, PNG_DPI), compress_level=3)
        shown = io.BytesIO()
        image.reduce(DISPLAY_REDUCTION).save(shown, format="png", compress_level=3)
        return shown.getvalue()

    tmps: dict[str, tuple[int, str]] = {}
    try:
        if data is None:
            data = figure_data(fig)
        if data is not None and not isinstance(data, pd.DataFrame):
            raise TypeError(f"save_figure(data=...) takes a pandas DataFrame, not {type(data).__name__}")
        table = csv_bytes(data) if data is not None else None  # a bad table fails before anything is drawn
        for ext in ("png", "pdf") + (("csv",) if table is not None else ()):
            tmps[ext] = tempfile.mkstemp(dir=paths.figures, prefix=f".{name}.", suffix=f".{ext}")
            os.close(tmps[ext][0])
        if table is not None:
            Path(tmps["csv"][1]).write_bytes(table)
        with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=1) as pool:
            warnings.filterwarnings("error", message=GLYPH_MISSING)
            canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
            if fig.get_layout_engine() is not None:  # constrained/tight layout must run before measuring
                fig.draw_without_rendering()
            bbox = fig.get_tightbbox(canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])
            fig.savefig(io.BytesIO(), format="rgba", dpi=PNG_DPI, bbox_inches=bbox)
            pixels = np.array(canvas.buffer_rgba())  # what was just printed, with its exact pixel size
            png = pool.submit(encode_png, pixels, tmps["png"][1])
            fig.savefig(tmps["pdf"][1], format="pdf", metadata={"CreationDate": None, "Producer": None},
                        bbox_inches=bbox)
            shown = png.result()
        for ext, (_, tmp) in tmps.items():
            publish_file(tmp, paths.figures / f"{name}.{ext}")
        if table is None:
            (paths.figures / f"{name}.csv").unlink(missing_ok=True)
    except BaseException:
        for _, tmp in tmps.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    width = pixels.shape[1]
    return DisplayImage(data=shown, format="png", width=round(width * mpl.rcParams["figure.dpi"] / PNG_DPI))


TABLE_ROWS = 25  # show_table: a table of up to this many rows is shown whole, a longer one interactively
TABLE_PAGE = 20  # rows per page of an interactive table (the reader can choose 10, 50, 100 or all)
TABLE_MAX_BYTES = "2MB"  # an interactive table larger than this is sampled by itables, which says so
TABLE_HREF = "../data/processed/{file}"  # a table's link from notebooks/ and from the default html/;
# tools/run_notebooks.py rewrites it (attribute data-tifa-table) for pages of a run with OUT
_table_ids = itertools.count(1)


def table_note_html(name: str, n_rows: int) -> str:
    """The line under a table that links to its full CSV (``processed/<name>.csv``)."""
    file = f"{name.removesuffix('.csv')}.csv"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+\.csv", file):
        raise ValueError(f"table name '{name}' should be a file name of processed/, e.g. 'adoption'")
    href = TABLE_HREF.format(file=file)
    return (f'<p class="tifa-table-note">{n_rows:,} row{"s" if n_rows != 1 else ""}. Full table: '
            f'<a class="tifa-table-link" data-tifa-table="{file}" href="{href}">{file}</a></p>')


def interactive_table_html(df: pd.DataFrame, table_id: str, page_length: int = TABLE_PAGE) -> str:
    """``df`` as an itables DataTable (searchable, sortable, paged) with the DataTables library inlined.

    The library (itables' offline bundle, ~0.9 MB base64) comes with every table, so the output works in
    a notebook whose other outputs were cleared, and an HTML page needs no network; a page that holds
    several tables loads it once (the bundle checks ``window`` first).  Without JavaScript, itables'
    static preview shows the table.
    """
    import itables
    from itables import javascript

    table = itables.to_html_datatable(
        df, connected=False, table_id=table_id, pageLength=page_length,
        lengthMenu=[10, page_length, 50, 100, -1] if page_length not in (10, 50, 100) else [10, 50, 100, -1],
        maxBytes=TABLE_MAX_BYTES, maxColumns=0, classes="display compact", display_logo_when_loading=False,
        style="table-layout:auto;width:auto;margin:0 auto 0 0")  # left-aligned, like pandas' tables
    return javascript.generate_init_offline_itables_html(itables.options.dt_bundle) + table


def show_table(df: pd.DataFrame, name: str | None = None, max_rows: int = TABLE_ROWS) -> None:
    """Display ``df`` in a notebook: whole when it has at most ``max_rows`` rows, else as an interactive
    table (search box, sortable columns, pages; works offline, from ``file://``), never cut to "…".

    ``name`` is the table's file in ``processed/`` (``"adoption"`` or ``"adoption.csv"``): a line under
    the table then gives its number of rows and links to the full CSV.  Displays and returns nothing, so
    it may stand anywhere in a cell.
    """
    from IPython.display import display

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"show_table takes a pandas DataFrame, not {type(df).__name__}")
    note = table_note_html(name, len(df)) if name else ""
    if len(df) <= max_rows:
        with pd.option_context("display.max_rows", None, "display.min_rows", None, "display.max_columns", None):
            display(df)
    else:
        table_id = f"tifa_table_{next(_table_ids)}"
        with pd.option_context("display.max_columns", None):
            text = repr(df)
        display({"text/html": interactive_table_html(df, table_id), "text/plain": text}, raw=True)
    if note:
        file = f"{name.removesuffix('.csv')}.csv"
        display({"text/html": note, "text/plain": f"{len(df):,} rows. Full table: {file}"}, raw=True)


_TEX_SUBSTITUTES = {r"\tfrac": r"\frac", r"\dfrac": r"\frac", r"\operatorname": r"\mathrm"}  # what mathtext lacks


def math_svg(tex: str, fontsize: float = 13) -> str | None:
    """A TeX formula (without the ``$``) drawn by matplotlib's mathtext as an SVG document (glyphs as paths,
    no font or network needed), for HTML pages that load no MathJax; None when mathtext cannot parse it."""
    from matplotlib import mathtext, rc_context

    for old, new in _TEX_SUBSTITUTES.items():
        tex = tex.replace(old, new)
    tex = re.sub(r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", tex)  # TeX's \frac12 shorthand
    buf = io.BytesIO()
    try:
        with rc_context({"svg.hashsalt": "tifa", "svg.fonttype": "path", "mathtext.fontset": "dejavusans"}):
            mathtext.math_to_image(f"${tex.strip()}$", buf, prop=None, format="svg", dpi=72)
    except Exception:  # noqa: BLE001 - any parse failure means: show the TeX source instead
        return None
    svg = buf.getvalue().decode("utf-8")
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)  # date and creator: not wanted in a page
    if fontsize != 10:  # math_to_image draws at 10 pt; scale the declared size, the drawing follows its viewBox
        def scale(m: re.Match) -> str:
            return f'{m.group(1)}="{float(m.group(2)) * fontsize / 10:.2f}pt"'
        svg = re.sub(r'\b(width|height)="([\d.]+)pt"', scale, svg, count=2)
    return svg


def colophon() -> pd.DataFrame:
    """Package versions and the git commit, for the closing cell of every notebook."""
    import subprocess
    from importlib.metadata import version

    rows = [("python", ".".join(map(str, __import__("sys").version_info[:3])))]
    for pkg in ["pandas", "numpy", "matplotlib", "jieba", "rjieba", "wordcloud", "mplfonts"]:
        try:
            rows.append((pkg, version(pkg)))
        except Exception:  # a package not installed is reported, not fatal
            rows.append((pkg, "not installed"))
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except Exception:
        commit = "unknown (not a git checkout)"
    rows.append(("git commit", commit))
    return pd.DataFrame(rows, columns=["component", "version"])
