"""The reading side: tables written for Excel (UTF-8 with a BOM) and read back, the CSV of a figure's data
written with it, ``show_table``, and the runner's site (page template, contents, index, relative links,
no network)."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from conftest import ROOT
from tifa.config import Paths
from tifa.files import csv_bytes, read_table, write_csv

BOM = b"\xef\xbb\xbf"


def load_runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load_runner()


def table() -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["wd_2018", "wd_2019"], "term": ["两个维护", "四个意识"], "per_10k": [1 / 3, 2.5]})


# --- CSV for Excel -----------------------------------------------------------------------------------
def test_written_table_starts_with_a_bom_and_reads_back_with_its_first_column(tmp_path):
    write_csv(table(), tmp_path / "t.csv")
    data = (tmp_path / "t.csv").read_bytes()
    assert data.startswith(BOM + b"doc_id,term,per_10k\n")
    assert data.count(BOM) == 1 and b"\r" not in data
    back = read_table(Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path), "t")
    assert list(back.columns) == ["doc_id", "term", "per_10k"]
    assert back["term"].tolist() == ["两个维护", "四个意识"]
    assert list(pd.read_csv(tmp_path / "t.csv").columns)[0] == "doc_id"  # pandas' default reader too
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh))[0] == "doc_id"
    with open(tmp_path / "t.csv", encoding="utf-8", newline="") as fh:  # why the README names utf-8-sig
        assert next(csv.reader(fh))[0] == "\ufeffdoc_id"


def test_read_table_accepts_a_table_without_bom(tmp_path):
    (tmp_path / "old.csv").write_text("doc_id,term\nwd_2018,两个维护\n", encoding="utf-8")
    back = read_table(Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path), "old")
    assert list(back.columns) == ["doc_id", "term"] and back["term"].iloc[0] == "两个维护"


def test_written_table_is_byte_reproducible_and_leaves_no_temporary_file(tmp_path):
    write_csv(table(), tmp_path / "a.csv")
    write_csv(table().copy(), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes() == csv_bytes(table())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


# --- save_figure(data=...) ---------------------------------------------------------------------------
@pytest.fixture
def figure_paths(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from tifa.style import setup_style

    setup_style()
    return Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)


def bar_figure(data: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(data["doc_id"], data["per_10k"])
    return fig


def test_save_figure_writes_the_figure_data_beside_png_and_pdf(figure_paths):
    from tifa.notebook import save_figure

    folder = figure_paths.figures
    save_figure(bar_figure(table()), "99_bars", figure_paths, data=table())
    assert sorted(p.name for p in folder.iterdir()) == ["99_bars.csv", "99_bars.pdf", "99_bars.png"]
    first = (folder / "99_bars.csv").read_bytes()
    assert first == csv_bytes(table()) and first.startswith(BOM)
    pd.testing.assert_frame_equal(pd.read_csv(folder / "99_bars.csv"), table())
    save_figure(bar_figure(table()), "99_bars", figure_paths, data=table())
    assert (folder / "99_bars.csv").read_bytes() == first  # byte-reproducible like the figure


def test_save_figure_without_data_removes_a_stale_csv(figure_paths):
    from tifa.notebook import save_figure

    folder = figure_paths.figures
    save_figure(bar_figure(table()), "99_bars", figure_paths, data=table())
    save_figure(bar_figure(table()), "99_bars", figure_paths)
    assert sorted(p.name for p in folder.iterdir()) == ["99_bars.pdf", "99_bars.png"]


def test_save_figure_that_fails_writes_no_csv_either(figure_paths):
    import matplotlib.pyplot as plt

    from tifa.notebook import save_figure

    fig, ax = plt.subplots()
    ax.set_title("卫东区 \U0001D11E")  # musical G clef: in neither Noto Sans CJK nor DejaVu Sans, so saving fails
    with pytest.raises(Exception, match="[Gg]lyph"):
        save_figure(fig, "99_fails", figure_paths, data=table())
    assert list(figure_paths.figures.iterdir()) == []  # no PNG, PDF, CSV or temporary file
    assert not plt.fignum_exists(fig.number)
    fig = bar_figure(table())
    with pytest.raises(TypeError, match="DataFrame"):
        save_figure(fig, "99_fails", figure_paths, data=[1, 2, 3])
    assert list(figure_paths.figures.iterdir()) == [] and not plt.fignum_exists(fig.number)


# --- show_table --------------------------------------------------------------------------------------
@pytest.fixture
def shown(monkeypatch):
    """What show_table displays: a list of {mimetype: data} bundles."""
    import IPython.display

    out: list[dict] = []

    def fake_display(obj, raw=False, **kwargs):
        out.append(obj if raw else {"text/html": obj._repr_html_(), "text/plain": repr(obj)})

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return out


def long_table(n: int = 64) -> pd.DataFrame:
    return pd.DataFrame({"term": [f"提法{i:02d}" for i in range(n)], "count": range(n)})


def test_show_table_shows_a_short_table_whole(shown):
    from tifa.notebook import show_table

    with pd.option_context("display.max_rows", 4, "display.min_rows", 2):  # a notebook's tight setting
        show_table(long_table(20), max_rows=25)
    assert len(shown) == 1
    page = shown[0]["text/html"]
    assert all(f"提法{i:02d}" in page for i in range(20)) and "..." not in page and "…" not in page
    assert "dt_bundle" not in page and "<script" not in page


def test_show_table_makes_a_long_table_interactive_and_offline(shown):
    from itables import options

    from tifa.notebook import show_table

    show_table(long_table(64), name="adoption", max_rows=25)
    table_html, note = shown[0]["text/html"], shown[1]["text/html"]
    bundle = options.dt_bundle.read_text(encoding="utf-8")
    import base64
    assert base64.b64encode(bundle.encode("utf-8")).decode("ascii") in table_html  # the library itself, inlined
    data = json.loads(json.loads(re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', table_html).group(1)))
    assert data == [[f"提法{i:02d}", i] for i in range(64)]  # every row is in the page, none sampled away
    assert runner.network_requests(table_html) == []
    assert "adoption.csv" in note and 'data-tifa-table="adoption.csv"' in note and "64 rows" in note
    assert "64 rows" in shown[1]["text/plain"]


def test_show_table_link_and_name_checks(shown):
    from tifa.notebook import show_table

    show_table(long_table(3), name="priorities.csv")
    assert 'href="../data/processed/priorities.csv"' in shown[-1]["text/html"]
    with pytest.raises(ValueError):
        show_table(long_table(3), name="../secret")
    with pytest.raises(TypeError):
        show_table(long_table(3)["term"])


# --- the runner's site -------------------------------------------------------------------------------
def test_written_files_sees_a_rewrite_with_the_same_bytes(tmp_path):
    write_csv(table(), tmp_path / "a.csv")
    write_csv(table(), tmp_path / "b.csv")
    before = runner.snapshot(tmp_path)
    write_csv(table(), tmp_path / "b.csv")  # same bytes, renamed into place: a new file
    write_csv(table(), tmp_path / "c.csv")
    assert runner.written_files(before, runner.snapshot(tmp_path)) == ["b.csv", "c.csv"]
    assert runner.snapshot(tmp_path / "missing") == {}


def test_relative_links_work_for_out_and_for_the_default_layout(tmp_path):
    out = tmp_path / "OUT"
    assert runner.relative_href(out / "processed" / "adoption.csv", out / "html") == "../processed/adoption.csv"
    assert runner.relative_href(ROOT / "data" / "processed" / "a.csv", ROOT / "html") == "../data/processed/a.csv"
    assert runner.relative_href(ROOT / "figures" / "05_a b.png", ROOT / "html") == "../figures/05_a%20b.png"
    body = '<a class="tifa-table-link" data-tifa-table="adoption.csv" href="../data/processed/adoption.csv">'
    fixed = runner.fix_table_links(body, out / "processed", out / "html")
    assert 'href="../processed/adoption.csv"' in fixed and "data/processed" not in fixed


def test_contents_nest_subsections_and_skip_the_title():
    body = ('<h1 id="00-·-Title">00 · Title<a class="anchor-link" href="#00-·-Title">¶</a></h1>'
            '<h2 id="Loading">Loading &amp; checking<a class="anchor-link" href="#Loading">¶</a></h2>'
            '<h3 id="Dates">Dates</h3><h2 id="Summary">Summary</h2>')
    heads = runner.page_headings(body)
    assert heads == [(1, "00-·-Title", "00 · Title"), (2, "Loading", "Loading & checking"), (3, "Dates", "Dates"),
                     (2, "Summary", "Summary")]
    toc = runner.toc_html(heads)
    assert toc.count("<li>") == 3 and "00 · Title" not in toc
    assert re.search(r'href="#Loading">Loading &amp; checking</a><ol><li><a href="#Dates">', toc)
    assert runner.toc_html(heads[:2]) == ""  # one section needs no contents


def test_neighbours_and_labels():
    pages = [("00_corpus.html", "00 · The corpus: texts"), ("01_cleaning.html", "01 · Cleaning")]
    assert runner.neighbours(pages, 0) == {"prev": None, "next": {"href": "01_cleaning.html",
                                                                  "title": "01 · Cleaning", "label": "01 · Cleaning"}}
    assert runner.neighbours(pages, 1)["prev"]["label"] == "00 · The corpus"


def test_itables_bundle_is_kept_once_per_page():
    bundle = "<script>\nfunction injectCSS(base64CSS) { }\nAAAA\n</script>"
    body = f"<p>1</p>{bundle}<table id='a'></table><p>2</p>{bundle}<table id='b'></table>"
    assert runner.dedupe_itables_bundle(body).count("injectCSS") == 1


def test_network_requests_finds_loads_not_links():
    body = ('<script src="https://cdn.example/require.js"></script><a href="https://itables.org/">help</a>'
            '<link rel="stylesheet" href="//fonts.example/css"><style>@import url("https://x.example/a.css")</style>'
            '<script type="module">import x from "https://unpkg.com/m.js";</script><img src="thumbs/a.png">')
    assert runner.network_requests(body) == ["//fonts.example/css", "https://cdn.example/require.js",
                                             "https://unpkg.com/m.js", "https://x.example/a.css"]


def tiny_executed_notebook(path: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_markdown_cell("# 01 · A test page: with a subtitle\n\n**Question:** Does the page read well?"),
        new_code_cell("corpus_dir = ''", metadata={"tags": ["parameters"]}, execution_count=1),
        new_markdown_cell("## First section\n\nText with $s_i$."),
        new_code_cell("print('卫东区')", execution_count=2,
                      outputs=[new_output("stream", name="stdout", text="卫东区\n")]),
        new_markdown_cell("## Second section"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)
    return path


def test_rendered_page_has_bar_contents_folded_code_and_no_network(tmp_path):
    executed = tiny_executed_notebook(tmp_path / "01_test.ipynb")
    site = {"site_title": "Site title", "index_href": "index.html",
            **runner.neighbours([("00_a.html", "00 · A"), ("01_test.html", "01 · T"), ("02_b.html", "02 · B")], 1)}
    target = tmp_path / "01_test.html"
    runner.render_html(executed, target, site, tmp_path / "processed")
    page = target.read_text(encoding="utf-8")
    assert "<title>01 · A test page: with a subtitle</title>" in page
    bar = page[page.index('<header class="tifa-bar">'):page.index("</header>")]
    assert 'href="index.html"' in bar and 'href="00_a.html"' in bar and 'href="02_b.html"' in bar
    assert "Site title" in bar and 'id="tifa-code-toggle"' in bar
    assert 'href="#First-section"' in page and 'href="#Second-section"' in page  # the contents
    assert page.count('<details class="tifa-code">') == 2 and "<details class=\"tifa-code\" open" not in page
    assert "Parameters (defaults)" in page and "<code>corpus_dir = ''</code>" in page and "卫东区" in page
    assert page.index("Does the page read well?") < page.index('<nav class="tifa-toc"', page.index("</header>"))
    assert page.count('<nav class="tifa-toc"') == 2  # in the bar (a menu) and after the title cell
    assert re.search(r'<img (?=[^>]*alt="s_i")(?=[^>]*class="tifa-math")[^>]*src="data:image/svg\+xml;base64,', page)
    assert runner.network_requests(page) == []
    assert "require.js" not in page and "mathjax" not in page.lower().replace("tifa", "")


def test_index_lists_question_figures_tables_and_corpus_with_working_links(tmp_path):
    from PIL import Image

    out = tmp_path / "OUT"
    html_dir, processed, figures = out / "html", out / "processed", out / "figures"
    for d in (html_dir / "executed", processed, figures):
        d.mkdir(parents=True)
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2009, 2011, 2011], "genre": ["report", "news", "news"],
                         "chars": [100, 200, 300]})
    write_csv(docs, processed / "documents.csv")
    Image.new("RGB", (1200, 600), "white").save(figures / "01_bars.png")
    (figures / "01_bars.pdf").write_bytes(b"%PDF-1.4")
    write_csv(table(), figures / "01_bars.csv")
    (html_dir / "executed" / "01_test.outputs.json").write_text(
        json.dumps({"tables": ["documents.csv"], "figures": ["01_bars.csv", "01_bars.pdf", "01_bars.png"]}))
    (html_dir / "01_test.html").write_text("<html></html>")
    runner.write_index([("01_test.html", "01 · Test", "Does it read well?")], html_dir, "/data/my_corpus",
                       processed=processed, figures=figures, default_corpus=False)
    page = (html_dir / "index.html").read_text(encoding="utf-8")
    assert "my_corpus" in page and "Weidong" not in page  # a run on another corpus says so
    assert "<b>3</b> documents" in page and "2009–2011" in page and "no text for 2010" in page
    assert "news (2)" in page and "report (1)" in page
    assert "Does it read well?" in page
    for href in ["../figures/01_bars.png", "../figures/01_bars.pdf", "../figures/01_bars.csv",
                 "../processed/documents.csv", "thumbs/01_bars.png", "01_test.html"]:
        assert f'="{href}"' in page
    for href in re.findall(r'(?:href|src)="([^"#]+)"', page):
        assert (html_dir / unquote(href)).resolve().exists(), href
    assert Image.open(html_dir / "thumbs" / "01_bars.png").size == (runner.THUMB_WIDTH, runner.THUMB_WIDTH // 2)
    assert runner.network_requests(page) == []


def test_index_of_the_project_corpus_has_the_project_title(tmp_path):
    (tmp_path / "executed").mkdir()
    runner.write_index([], tmp_path, "data/raw", processed=tmp_path / "none", figures=tmp_path / "none")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert runner.PROJECT_TITLE in page and "unknown" in page


def test_code_summary_shows_first_line_or_parameter_values():
    assert runner.code_summary("# count\nx = 1\n", []) == "# count"
    injected = '# Parameters\ncorpus_dir = ""\nout_dir = "/tmp/o"  # where\n'
    assert runner.code_summary(injected, ["injected-parameters"]) == 'corpus_dir = ""; out_dir = "/tmp/o"'
    assert runner.code_summary("y = " + "1" * 200, []).endswith("…")
    assert runner.code_summary("", []) == ""


def test_render_math_draws_tex_outside_code_and_leaves_prices_and_code_alone():
    out = runner.render_math("where $s_i$ is a share; `$x$` stays; it costs $5 and $6.\n\n$$DP = \\tfrac12 \\sum_i v_i$$")
    assert out.count('<img class="tifa-math"') == 1 and out.count("tifa-math-display") == 1
    assert "`$x$`" in out and "costs $5 and $6." in out
    assert 'alt="s_i"' in out
    assert runner.render_math("$\\undefinedmacro{x}$") == "<code>\\undefinedmacro{x}</code>"


def test_a_parquet_table_counts_as_written_and_is_linked_with_its_size(tmp_path):
    from tifa.files import write_parquet_table

    before = runner.snapshot(tmp_path)
    write_csv(table(), tmp_path / "small.csv")
    write_parquet_table(pd.concat([table()] * 50), tmp_path / "tokens.parquet", part_rows=40)
    made = runner.written_files(before, runner.snapshot(tmp_path))
    assert made == ["small.csv", "tokens.parquet"]
    section = runner.notebook_section("02.html", "02 · Segmentation", "", [], [tmp_path / n for n in made], tmp_path)
    assert "tokens.parquet</a>" in section and "small.csv</a>" in section
    size = sum(f.stat().st_size for f in (tmp_path / "tokens.parquet").iterdir())
    assert f"({max(1, round(size / 1e3))} KB)" in section
    again = runner.snapshot(tmp_path)
    write_parquet_table(pd.concat([table()] * 50), tmp_path / "tokens.parquet", part_rows=40)
    assert runner.written_files(again, runner.snapshot(tmp_path)) == ["tokens.parquet"]   # a rewrite is seen
