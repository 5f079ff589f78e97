"""tifa.notebook: ``save_figure`` (PNG 300 dpi + PDF, byte-stable, atomic; a missing glyph is an error; the
notebook shows the saved pixels) and the colophon."""
from __future__ import annotations

import pandas as pd
import pytest

from tifa.config import Paths
from tifa.style import DISPLAY_REDUCTION, PNG_DPI, setup_style
from tifa.files import csv_bytes
from tifa.notebook import attach_data, colophon, figure_data, save_figure


def test_missing_glyph_is_an_error(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    fig, ax = plt.subplots()
    ax.set_title("卫东区 \U0001D11E")  # musical G clef: in neither Noto Sans CJK nor DejaVu Sans
    with pytest.raises(UserWarning, match="missing"):
        save_figure(fig, "99_glyph_test", paths)
    assert not list(tmp_path.glob("99_glyph_test*")) and not list(tmp_path.glob(".99_glyph_test*"))
    assert not plt.fignum_exists(fig.number)  # closed even though saving failed
    fig, ax = plt.subplots()
    ax.set_title("卫东区 Weidong 2+N 12+9+N “四个意识” −")
    save_figure(fig, "99_glyph_test", paths)
    assert (tmp_path / "99_glyph_test.png").exists() and (tmp_path / "99_glyph_test.pdf").exists()


def test_save_figure_writes_files_and_shows_the_same_pixels(tmp_path):
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([2018, 2023], [1, 2])
    ax.set_title("卫东区 Weidong")
    fig.legend(["line"], loc="lower center", bbox_to_anchor=(0.5, -0.2))  # outside the figure: tight bbox grows
    shown = save_figure(fig, "99_pixels", paths)
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend will not draw it again
    png = Image.open(tmp_path / "99_pixels.png")
    assert png.mode == "RGB" and round(png.info["dpi"][0]) == PNG_DPI
    assert png.size[1] > 3 * PNG_DPI  # taller than the 3-inch figure: the legend below is inside
    small = Image.open(io.BytesIO(shown.data))
    assert small.size == png.reduce(DISPLAY_REDUCTION).size
    assert small.tobytes() == png.reduce(DISPLAY_REDUCTION).tobytes()
    assert (tmp_path / "99_pixels.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".99_pixels*"))  # no temporary files left


def test_save_figure_writes_the_attached_data_beside_the_figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    table = pd.DataFrame({"year": [2018, 2019], "term": ["党建", "发展"], "per_10k": [1 / 3, 2.5]})

    def figure():
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(table["year"], table["per_10k"])
        return fig

    fig = attach_data(figure(), table)
    assert figure_data(fig) is not None and figure_data(fig).equals(table)
    save_figure(fig, "99_data", paths)                  # data=None: the attached table is written
    assert (tmp_path / "99_data.csv").read_bytes() == csv_bytes(table)
    assert (tmp_path / "99_data.csv").read_bytes().decode("utf-8-sig").startswith("year,term,per_10k\n2018,党建,0.333333")
    other = table.head(1)
    save_figure(attach_data(figure(), table), "99_data", paths, data=other)   # an explicit table wins
    assert (tmp_path / "99_data.csv").read_bytes() == csv_bytes(other)
    save_figure(figure(), "99_data", paths)             # no table at all: the stale CSV goes
    assert not (tmp_path / "99_data.csv").exists() and (tmp_path / "99_data.png").exists()
    with pytest.raises(TypeError, match="DataFrame"):
        attach_data(figure(), [1, 2])
    plt.close("all")


def test_save_figure_matches_matplotlib_with_a_layout_engine(tmp_path):
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    setup_style()
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)

    def make():
        fig, ax = plt.subplots(figsize=(4.5, 2.4), layout="constrained")
        ax.plot(range(5))
        ax.set_xlabel("年份 a long x label that reaches the right edge of the figure")
        return fig

    save_figure(make(), "99_constrained", paths)
    ours = Image.open(tmp_path / "99_constrained.png")
    fig = make()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight")
    plt.close(fig)
    theirs = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    assert ours.size == theirs.size and ours.tobytes() == theirs.tobytes()


def test_save_figure_rejects_a_name_without_the_notebook_number(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    fig, _ = plt.subplots()
    for bad in ["length_by_year", "0_length", "00_Length", "00_length.png"]:
        with pytest.raises(ValueError, match="NN_what_it_shows"):
            save_figure(fig, bad, paths)
    plt.close(fig)
    assert not list(tmp_path.iterdir())


def test_colophon_lists_python_the_packages_and_the_commit():
    c = colophon()
    assert list(c.columns) == ["component", "version"]
    assert c["component"].tolist()[:2] == ["python", "pandas"] and c["component"].iloc[-1] == "git commit"
    assert c["version"].iloc[0].count(".") == 2 and c.set_index("component").loc["pandas", "version"] == pd.__version__
    assert (c["version"] != "").all()
