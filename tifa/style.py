"""The figure style: the CJK font (Noto Sans CJK SC from ``mplfonts``, SIL OFL 1.1) registered by path,
matplotlib's rcParams, and a missing glyph turned into an error.
"""
from __future__ import annotations

import warnings
from pathlib import Path

FONT_NAME = "Noto Sans CJK SC"


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font (SIL OFL 1.1) shipped by the pip package ``mplfonts``."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: reinstall requirements.txt (package mplfonts)")
    return path


# Categorical palette of every figure: Okabe & Ito (2008), "Color Universal Design", distinguishable with the
# common colour-vision deficiencies (https://jfly.uni-koeln.de/color/). Black is last so that it is used only for a
# ninth category; sequential maps stay viridis/cividis (or ColorBrewer's sequential and diverging ramps).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OKABE_ITO_NAMES = ("blue", "orange", "bluish green", "reddish purple", "sky blue", "vermillion", "yellow", "black")

GLYPH_MISSING = r".*[Gg]lyph.*missing from.*"  # matplotlib's warning, turned into an error
PNG_DPI, DISPLAY_REDUCTION = 300, 2           # saved PNG resolution; shown in notebooks at 1/2 of it


def setup_style() -> None:
    """Register the CJK font with matplotlib and set the project's figure style.

    Call once at the top of a notebook.  Fallback only works between entries of
    ``font.family``, so Noto comes first and DejaVu Sans second.  A missing glyph
    becomes an error, not a silent box.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    mpl.rcParams.update({
        "font.family": [FONT_NAME, "DejaVu Sans"],
        "axes.unicode_minus": False,   # the CJK font has no U+2212; use '-'
        "pdf.fonttype": 3,             # Type 42 mislabels this CFF font (see README)
        "svg.hashsalt": "weidong",
        "figure.dpi": 100,
        "savefig.dpi": PNG_DPI,
        "savefig.bbox": "tight",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.frameon": False,
    })
    warnings.filterwarnings("error", message=GLYPH_MISSING)
