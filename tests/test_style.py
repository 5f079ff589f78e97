"""tifa.style: the CJK font shipped by mplfonts, registered by path; the figure style; a missing glyph is an error."""
from __future__ import annotations

import pytest

from tifa.style import cjk_font_path, FONT_NAME, PNG_DPI, setup_style


@pytest.fixture
def styled():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup_style()
    yield plt
    plt.close("all")


def test_the_font_comes_from_mplfonts_and_is_noto_sans_cjk_sc():
    import mplfonts
    from matplotlib import font_manager

    path = cjk_font_path()
    assert path.is_file() and path.name == "NotoSansCJKsc-Regular.otf"
    assert path.is_relative_to(__import__("pathlib").Path(mplfonts.__file__).parent)
    assert font_manager.FontProperties(fname=str(path)).get_name() == FONT_NAME


def test_setup_style_registers_the_font_and_sets_the_style(styled):
    import matplotlib as mpl
    from matplotlib import font_manager

    rc = mpl.rcParams
    assert rc["font.family"] == [FONT_NAME, "DejaVu Sans"]
    assert rc["pdf.fonttype"] == 3 and rc["savefig.dpi"] == PNG_DPI and rc["savefig.bbox"] == "tight"
    assert rc["axes.unicode_minus"] is False and rc["svg.hashsalt"] == "weidong"
    assert font_manager.findfont(font_manager.FontProperties(family=FONT_NAME), fallback_to_default=False) \
        == str(cjk_font_path())


def test_after_setup_style_chinese_draws_and_a_missing_glyph_is_an_error(styled):
    plt = styled
    fig, ax = plt.subplots()
    ax.set_title("卫东区 Weidong 2+N “四个意识” -")
    fig.canvas.draw()                                   # no warning, hence no error
    ax.set_title("卫东区 \U0001D11E")                    # musical G clef: in neither font
    with pytest.raises(UserWarning, match="missing from"):
        fig.canvas.draw()
