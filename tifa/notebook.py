"""Notebook plumbing: saving a figure (PNG 300 dpi + PDF, byte-stable, atomic) and returning its
pixels for display, and the colophon that closes every notebook.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Paths, ROOT
from .files import publish_file
from .style import DISPLAY_REDUCTION, GLYPH_MISSING, PNG_DPI

def save_figure(fig, name: str, paths: Paths):
    """Save ``fig`` as ``<figures>/<name>.png`` (300 dpi) and ``.pdf`` (fonts embedded), byte-stable;
    close it and return its PNG at half resolution for the notebook to display.

    ``name`` starts with the notebook number, e.g. ``"00_length_by_year"``.  Each file is written
    to a temporary name and renamed (the PNG first, then the PDF); PDF metadata carries no creation
    date, so re-runs are byte-identical.  The figure is laid out once for the tight bounding box,
    drawn once by Agg at 300 dpi and once as PDF; the notebook shows those same pixels (150 dpi, at
    the size the inline backend would use) instead of drawing the figure again.  The PNG is encoded
    (RGB when the figure is opaque) in a thread while the PDF is drawn.  The figure is closed even
    when saving fails (a missing glyph, a full disk): no file of that name is then written.
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

    tmps = {ext: tempfile.mkstemp(dir=paths.figures, prefix=f".{name}.", suffix=f".{ext}") for ext in ("png", "pdf")}
    for fd, _ in tmps.values():
        os.close(fd)
    try:
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
    except BaseException:
        for _, tmp in tmps.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    width = pixels.shape[1]
    return DisplayImage(data=shown, format="png", width=round(width * mpl.rcParams["figure.dpi"] / PNG_DPI))


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
