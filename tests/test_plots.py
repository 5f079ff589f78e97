"""tifa.plots: every figure function on small synthetic tables.  Each gets at least one smoke test (a
Figure comes back, with the expected number of axes and the expected title, axis labels and tick labels,
read from the figure); some also check what the figure must show (open markers, missing panels, notes).

Layout: one section per notebook whose figures are drawn here; new plot functions get their smoke tests
in the section of their notebook (sections for notebooks 00, 01 and 03 are at the end of the file).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tifa.config import Paths, SEED
from tifa.corpus import ALL_GENRES, comparison_groups, document_date_bounds, missing_years, year_axis
from tifa.settings import rhetoric_settings
from tifa.priorities import (
    attention_change, codebook_categories, match_terms, priorities_by_year, priority_counts, resample_paragraphs,
)
from tifa.keyness import keyness_by_year
from tifa.adoption import adoption_by_year, adoption_table, density_by_origin
from tifa import plots
from tifa.plots import (
    document_bar_slots, genre_colors, plot_chars_kept_dropped, plot_device_mix, plot_formula_density_by_doc,
    plot_length_by_year, plot_top_formulae, plot_wordcloud, plot_wordcloud_panel,
    figure_image, mark_missing_years, plot_adoption_timeline, plot_attention_heatmap, plot_change,
    plot_formula_density, plot_keyness, plot_slope, plot_term_by_year, plot_trends, wordcloud_array,
    set_year_axis, wordcloud_panel_years, wordcloud_words, year_label_step,
)
from tifa.style import cjk_font_path, setup_style
from tifa.files import csv_bytes
from tifa.notebook import figure_data, save_figure
from conftest import (
    ADOPTION_CHARS, ADOPTION_COUNTS, ADOPTION_DOCS, ADOPTION_FORMULAE, CATS, CODEBOOK, coded_corpus,
    paragraph_table, token_table,
)

DOCS, FORMULAE, COUNTS, CHARS = ADOPTION_DOCS, ADOPTION_FORMULAE, ADOPTION_COUNTS, ADOPTION_CHARS
B = document_date_bounds(DOCS)
LABELS = list(codebook_categories(CODEBOOK)["label"])  # 党的建设 Party building, 经济发展 Economy, 乡村振兴 …


@pytest.fixture(scope="module", autouse=True)
def style():
    """The project's figure style (CJK font, missing glyph = error), on the Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    setup_style()


@pytest.fixture
def plt():
    """pyplot; every figure still open when the test ends is closed."""
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def is_figure(fig) -> bool:
    from matplotlib.figure import Figure
    return isinstance(fig, Figure)


def ticks(labels) -> list[str]:
    return [t.get_text() for t in labels]


def suptitle(fig) -> str:
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


def by_year_of(tok: pd.DataFrame, docs: pd.DataFrame, n: int = 100) -> pd.DataFrame:
    """priorities_by_year on a synthetic token table, with ``n`` bootstrap resamples."""
    counts = priority_counts(match_terms(tok, CODEBOOK), paragraph_table(tok), CATS)
    return priorities_by_year(counts, CODEBOOK, docs, resample_paragraphs(counts, CATS, docs["doc_id"], n, SEED))


def with_news_2002():
    """The coded corpus plus a 2002 news text: two comparisons (all genres 2001-2003, news only 2002-2003)."""
    tok, _, docs = coded_corpus()
    docs = pd.concat([docs, pd.DataFrame({"doc_id": ["d"], "year": [2002], "genre": ["news"]})], ignore_index=True)
    tok = pd.concat([tok, token_table([("d", 2002, 0, ["党建", "党建", "营商环境", "。"])])], ignore_index=True)
    return tok, docs


# --- any year axis -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["top", "bottom", None])
def test_mark_missing_years(plt, label):
    fig, ax = plt.subplots()
    mark_missing_years(ax, missing_years([2009, 2011, 2014]), label=label)  # gaps 2010, 2012, 2013
    spans = [p.get_x() for p in ax.patches]
    assert sorted(round(x + 0.4, 6) for x in spans) == [2010, 2012, 2013]
    assert sum("无文本" in t.get_text() for t in ax.texts) == (3 if label else 0)
    plt.close(fig)


def test_mark_missing_years_rejects_an_unknown_label(plt):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="middle"):
        mark_missing_years(ax, [2022], label="middle")
    plt.close(fig)


def test_mark_missing_years_puts_the_label_at_the_top_or_bottom(plt):
    fig, ax = plt.subplots()
    mark_missing_years(ax, [2022], label="top")
    mark_missing_years(ax, [2024], label="bottom")
    (top, bottom) = ax.texts
    assert top.get_text() == bottom.get_text() == "no text\n无文本"
    assert (top.get_position(), top.get_va()) == ((2022, 0.97), "top")
    assert (bottom.get_position(), bottom.get_va()) == ((2024, 0.01), "bottom")


# --- figures of notebook 03 (word clouds) ------------------------------------------------------------------
def test_wordcloud_array_is_an_image_of_the_settings_size_and_seeded():
    st = replace(rhetoric_settings(), wordcloud_width=240, wordcloud_height=120, wordcloud_max_words=20)
    freqs = {"四个意识": 9, "发展": 5, "六稳": 3, "乡村振兴": 2}
    img = wordcloud_array(freqs, st, cjk_font_path())
    assert isinstance(img, np.ndarray) and img.shape == (120, 240, 3) and img.dtype == np.uint8
    assert (img < 250).any() and (img == 255).any()          # words drawn on a white background
    assert np.array_equal(img, wordcloud_array(freqs, st, cjk_font_path()))   # random_state = SEED
    with pytest.raises(ValueError, match="no frequencies"):
        wordcloud_array({}, st, cjk_font_path())


# --- figures of notebook 04 ----------------------------------------------------------------------------------
def test_attention_heatmap_smoke(plt):
    tok, _, docs = coded_corpus()
    years = year_axis(docs)
    assert years == [2001, 2002, 2003]
    fig = plot_attention_heatmap(by_year_of(tok, docs), CODEBOOK, years)
    assert is_figure(fig) and len(fig.axes) == 2               # the heatmap and its colour bar
    ax, bar = fig.axes
    assert ax.get_title(loc="left") == "Attention to priority categories by year (all genres)\n各年份重点领域关注度"
    assert ticks(ax.get_xticklabels()) == ["2001\nreport", "2002\n", "2003\nnews"]
    assert ticks(ax.get_yticklabels()) == LABELS
    assert bar.get_ylabel() == "hits per 10,000 characters 每万字频次"
    assert sum(t.get_text() == "no text\n无文本" for t in ax.texts) == 1   # 2002: no document
    assert len(ax.texts) == 1 + 2 * len(CATS)                   # one value per category and year with a text
    fig = plot_attention_heatmap(by_year_of(tok, docs), CODEBOOK, years, value="share")
    assert fig.axes[1].get_ylabel() == "share"


def test_slope_smoke_one_panel_per_comparison(plt):
    tok, docs = with_news_2002()
    fig = plot_slope(by_year_of(tok, docs), CODEBOOK)
    assert is_figure(fig) and len(fig.axes) == 2
    left, right = fig.axes
    assert (left.get_title(loc="left"), right.get_title(loc="left")) == (ALL_GENRES, "news only")
    assert ticks(left.get_xticklabels()) == ["2001\nreport", "2003\nnews"]
    assert ticks(right.get_xticklabels()) == ["2002\nnews", "2003\nnews"]
    assert left.get_ylabel() == "hits per 10,000 characters 每万字频次"
    assert [t.get_text() for t in left.texts] == LABELS        # a label at the end of every line
    assert suptitle(fig).startswith("First vs last year (red: rises, blue: falls)")
    share = plot_slope(by_year_of(tok, docs), CODEBOOK, value="share")
    assert share.axes[0].get_ylabel() == "share of coded hits 占比 (%)"


def test_slope_with_a_single_year_says_there_is_nothing_to_compare(plt):
    tok, _, docs = coded_corpus()
    one = docs[docs["year"] == 2003]
    fig = plot_slope(by_year_of(tok[tok["doc_id"].isin(one["doc_id"])], one), CODEBOOK)
    assert is_figure(fig) and len(fig.axes) == 1
    assert [t.get_text() for t in fig.axes[0].texts] == ["only one year: nothing to compare\n仅一个年份，无从比较"]


def test_change_smoke(plt):
    tok, docs = with_news_2002()
    counts = priority_counts(match_terms(tok, CODEBOOK), paragraph_table(tok), CATS)
    ch = attention_change(counts, CODEBOOK, docs, resample_paragraphs(counts, CATS, docs["doc_id"], 100, SEED))
    fig = plot_change(ch, CODEBOOK, ci=0.9)
    assert is_figure(fig) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels()) == LABELS
    assert ax.get_xlabel() == ("change in share of coded hits, percentage points (last − first year)\n"
                               "占比变化（百分点）")
    assert suptitle(fig) == "Change in share from first to last year, 90% bootstrap intervals\n首末年份占比变化及90%区间"
    legend = ticks(ax.get_legend().get_texts())
    assert legend[:2] == [f"{ALL_GENRES}: 2001 → 2003", "news only: 2002 → 2003"]


def test_change_plot_marks_a_degenerate_interval_with_an_open_marker(plt):
    tok, paras, docs = coded_corpus()
    codebook = pd.concat([CODEBOOK, pd.DataFrame({"category": ["culture"], "category_zh": ["文化"],
                                                  "category_en": ["Culture"], "term": ["文化"],
                                                  "scope_note": [""]})], ignore_index=True)
    cats = CATS + ["culture"]
    counts = priority_counts(match_terms(tok, codebook), paras, cats)
    draws = resample_paragraphs(counts, cats, docs["doc_id"], 200, SEED)
    ch = attention_change(counts, codebook, docs, draws)
    culture = ch.set_index("category").loc["culture"]
    assert culture["share_change_ci_low"] == culture["share_change_ci_high"] == 0
    fig = plot_change(ch, codebook)
    ax = fig.axes[0]
    assert any("no hit in either end year" in t.get_text() for t in ax.texts)
    open_markers = [l for l in ax.lines if l.get_markerfacecolor() == "white" and len(l.get_xdata())]
    assert len(open_markers) == 1 and list(open_markers[0].get_ydata()) == [3.0]   # the culture row
    plt.close(fig)


def test_trends_smoke(plt):
    tok, _, docs = coded_corpus()
    years = year_axis(docs)
    fig = plot_trends(by_year_of(tok, docs), CODEBOOK, years, ncols=2)
    assert is_figure(fig) and len(fig.axes) == 4                # 2 x 2 grid for three categories
    assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
    assert [ax.get_title(loc="left") for ax in fig.axes[:3]] == LABELS
    assert fig.axes[0].get_ylabel() == fig.axes[2].get_ylabel() == "share 占比 (%)" and not fig.axes[1].get_ylabel()
    assert ticks(fig.axes[2].get_xticklabels()) == ["2001", "2002", "2003"]
    title = suptitle(fig)
    assert title.startswith("Share of coded attention by year, 95% percentile-bootstrap intervals; "
                            "shaded = no text 无文本 (2002)")
    assert "Genre of the texts: report 2001; news 2003" in title
    assert ticks(fig.legends[0].get_texts())[0] == ALL_GENRES


def test_trend_plot_draws_a_within_genre_series_only_where_its_documents_differ(plt):
    tok, paras, docs = coded_corpus()
    docs = pd.concat([docs, pd.DataFrame({"doc_id": ["d"], "year": [2002], "genre": ["news"]})], ignore_index=True)
    tok = pd.concat([tok, token_table([("d", 2002, 0, ["党建", "营商环境", "。"])])], ignore_index=True)
    paras = paragraph_table(tok)
    counts = priority_counts(match_terms(tok, CODEBOOK), paras, CATS)
    draws = resample_paragraphs(counts, CATS, docs["doc_id"], 100, SEED)
    by_year = priorities_by_year(counts, CODEBOOK, docs, draws)
    years = year_axis(docs)

    def news_points(fig):
        return sum(np.isfinite(np.asarray(l.get_ydata(), float)).sum() for ax in fig.axes for l in ax.lines
                   if l.get_color() == "#d95f02")

    fig = plot_trends(by_year, CODEBOOK, years)   # news in 2002 and 2003 = all documents of those years
    assert news_points(fig) == 0
    assert any("not drawn" in t.get_text() for leg in fig.legends for t in leg.get_texts())
    plt.close(fig)
    docs2 = pd.concat([docs, pd.DataFrame({"doc_id": ["e"], "year": [2003], "genre": ["report"]})], ignore_index=True)
    tok2 = pd.concat([tok, token_table([("e", 2003, 0, ["乡村振兴", "。"])])], ignore_index=True)
    paras2 = paragraph_table(tok2)
    counts2 = priority_counts(match_terms(tok2, CODEBOOK), paras2, CATS)
    draws2 = resample_paragraphs(counts2, CATS, docs2["doc_id"], 100, SEED)
    fig = plot_trends(priorities_by_year(counts2, CODEBOOK, docs2, draws2), CODEBOOK, years)
    assert news_points(fig) > 0          # 2003 now also has a report: the news series differs there
    assert any("drawn where its documents differ" in t.get_text() for leg in fig.legends for t in leg.get_texts())
    plt.close(fig)


def keyness_inputs():
    docs = pd.DataFrame({"doc_id": ["r", "n1", "n3"], "year": [2009, 2010, 2012],
                         "genre": ["report", "news", "news"]})
    tok = token_table([("r", 2009, 0, ["甲"] * 60 + ["乙"] * 5), ("n1", 2010, 0, ["乙"] * 60 + ["丙"] * 5),
                       ("n3", 2012, 0, ["丙"] * 60 + ["甲"] * 5)])
    kw = keyness_by_year(tok, docs, min_freq=1)
    groups = comparison_groups(docs)
    comparison_years = {label: set(docs.loc[docs["doc_id"].isin(ids), "year"]) for label, ids in groups}
    return kw, docs, comparison_years


def test_keyness_smoke(plt):
    kw, docs, comparison_years = keyness_inputs()
    years = year_axis(docs)
    fig = plot_keyness(kw, years, comparison_years, {"乙": "second"}, top_n=3)
    assert is_figure(fig) and len(fig.axes) == len(years) * len(comparison_years) == 8
    axes = np.array(fig.axes).reshape(4, 2)
    assert axes[0][0].get_title(loc="left") == f"2009 · {ALL_GENRES}"
    assert axes[1][1].get_title(loc="left") == "2010 · news only"
    assert axes[3][0].get_xlabel() == axes[3][1].get_xlabel() == "Log Ratio (log2 of relative-frequency ratio)"
    assert ticks(axes[0][0].get_yticklabels()) == ["甲 jiǎ"]
    assert suptitle(fig).startswith("Keywords of each year against all other years (top terms by G², significant")


def test_keyness_plot_has_no_panel_for_a_year_outside_a_comparison_and_pinyin_labels(plt):
    kw, docs, comparison_years = keyness_inputs()
    fig = plot_keyness(kw, year_axis(docs), comparison_years, {"乙": "second"})
    axes = np.array(fig.axes).reshape(4, 2)
    assert not axes[0][1].axison and not axes[0][1].texts        # 2009 has no news document: no panel
    assert any("no text" in t.get_text() for t in axes[2][0].texts)  # 2011: no document at all
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "甲 jiǎ" in labels and "乙 second" in labels
    plt.close(fig)


# --- figures of notebook 05 ----------------------------------------------------------------------------------
def test_adoption_timeline_smoke(plt):
    t = adoption_table(COUNTS, DOCS, FORMULAE)
    fig = plot_adoption_timeline(t, B)
    assert is_figure(fig) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "Central formulae: introduction and first local use 中央提法：提出与首次在区级文本出现"
    assert ax.get_xlabel() == "Date 日期"
    assert ticks(ax.get_yticklabels()) == ["四个意识", "两个确立", "中国式现代化"]   # in order of introduction,
    assert list(ax.get_yticks()) == [2, 1, 0]                                           # the first at the top
    assert sorted(t.get_text() for t in ax.texts if t.get_text().isdigit()) == ["2018", "2019", "2020", "2021", "2023"]
    assert ticks(ax.get_legend().get_texts())[0] == "introduced 提出"


def test_formula_density_smoke(plt):
    dens = density_by_origin(adoption_by_year(COUNTS, DOCS, FORMULAE, CHARS), CHARS)
    fig = plot_formula_density(dens, DOCS)
    assert is_figure(fig) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == ("Listed central formulae vs locally detected numbered formulae, by year\n"
                              "中央提法清单与本地检出数字提法：每万字出现次数")
    assert ax.get_ylabel() == "Occurrences per 10,000 characters\n每万字出现次数"
    labels = ticks(ax.get_xticklabels())
    assert len(labels) == 6 and labels[0] == "2018\nwork report\n10,000 chars" and labels[4] == "2022"
    assert len(ax.containers) == 2                                # central and local bars
    assert [len(c) for c in ax.containers] == [5, 5]             # one bar per year with a text


def test_figures_draw_every_status_and_an_empty_table(plt, tmp_path):
    paths = Paths(raw=tmp_path, processed=tmp_path, figures=tmp_path)
    formulae = pd.concat([FORMULAE, pd.DataFrame({"term": ["新质生产力", "冲突提法"], "origin": "central",
                                                  "introduced": ["2023-09", "2020-01"]})], ignore_index=True)
    counts = pd.concat([COUNTS, pd.DataFrame({"doc_id": ["r2018"], "term": ["冲突提法"], "count": [1]})])
    t = adoption_table(counts, DOCS, formulae)
    assert {"adopted", "absent", "introduced after last text", "dating conflict"} <= set(t["status"])
    fig = plot_adoption_timeline(t, B)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == (t["origin"] == "central").sum()
    texts = [x.get_text() for x in ax.texts]
    four = t.set_index("term").loc["四个意识"]                 # bounded on both sides: "A–B mo"
    assert f"{four['lag_months_min']}–{four['lag_months_max']} mo" in texts
    t2 = adoption_table(COUNTS.assign(doc_id="r2018"), DOCS, FORMULAE)
    cens = t2.set_index("term").loc["四个意识"]
    assert cens["status"] == "present in first text"      # left-censored: an upper bound only, "≤B mo"
    fig2 = plot_adoption_timeline(t2, B)
    labels2 = [x.get_text() for x in fig2.axes[0].texts]
    assert f"≤{cens['lag_months_max']} mo" in labels2 and not any(s.startswith("0–") for s in labels2)
    # no note runs past the right end of the axes (the "after last text" note sits left of its marker)
    renderer = fig.canvas.get_renderer()
    notes = [x for x in ax.texts if x.get_text().endswith(("mo", "未见", "晚于末篇", "introduction"))]
    assert notes and all(x.get_window_extent(renderer).x1 <= ax.bbox.x1 for x in notes)
    save_figure(fig, "05_test_timeline", paths)
    empty = adoption_table(COUNTS.iloc[:0], DOCS, formulae.iloc[:0])
    save_figure(plot_adoption_timeline(empty, B), "05_test_empty", paths)
    dens = density_by_origin(adoption_by_year(counts, DOCS, formulae, CHARS), CHARS)
    fig = plot_formula_density(dens, DOCS)
    labels = [tl.get_text() for tl in fig.axes[0].get_xticklabels()]
    assert labels[4] == "2022" and "2022" not in set(DOCS["year"].astype(str))  # the gap year is shown
    save_figure(fig, "05_test_density", paths)
    plt.close("all")
    assert len(list(tmp_path.glob("05_test_*.png"))) == 3


# --- figures of the term explorer (tifa.explore) ---------------------------------------------------------
def term_counts() -> pd.DataFrame:
    """A counts_by_year-shaped table: 2019 with hits, 2020 without text, 2021 with a text but no hit."""
    return pd.DataFrame({"year": [2019, 2020, 2021], "has_text": [True, False, True], "count": [4, np.nan, 0],
                         "per_10k": [2.0, np.nan, 0.0], "per_10k_ci_low": [1.0, np.nan, 0.0],
                         "per_10k_ci_high": [3.5, np.nan, 0.0]})


def test_term_by_year_smoke(plt):
    fig = plot_term_by_year(term_counts(), title="党建", ci=0.9)
    assert is_figure(fig) and len(fig.axes) == 1 and not plt.get_fignums()   # not managed by pyplot
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "党建" and ax.get_ylabel() == "per 10,000 characters 每万字"
    assert list(ax.get_xticks()) == [2019, 2020, 2021]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("no text\n无文本") == 1 and [t for t in texts if t.startswith("n=")] == ["n=4", "n=0"]
    assert "●  rate, bar: 90% bootstrap interval    ○  none found (zero observed)    n = hits" in texts  # the key
    assert plot_term_by_year(term_counts()).axes[0].get_title(loc="left") == "Rate per year 每年频率"


def test_figure_image_is_the_figure_at_display_size(plt):
    import io

    from PIL import Image

    fig = plot_term_by_year(term_counts())
    shown = figure_image(fig, dpi=200)
    png = Image.open(io.BytesIO(shown.data))
    assert shown.format == "png" and png.size[0] > fig.get_figwidth() * 200 * 0.8
    assert shown.width == round(png.size[0] * 100 / 200)               # figure.dpi 100 of the style


# --- every plot function has a smoke test here --------------------------------------------------------------
# Plot functions being added to tifa/plots.py (figures of notebooks 00, 01 and 03) whose smoke tests are still
# to come: take a name out of this set when its test is appended at the end of this file.
AWAITING_TESTS: set[str] = set()


def test_every_plot_function_is_tested_here():
    """A public function of tifa/plots.py that no test of this file calls fails here (unless it is listed
    in AWAITING_TESTS); so does a name left in AWAITING_TESTS once it is tested or gone."""
    import inspect
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    public = {name for name, f in inspect.getmembers(plots, inspect.isfunction)
              if f.__module__.startswith(plots.__name__) and not name.startswith("_")}
    untested = {name for name in public if f"{name}(" not in source.replace(f"def {name}(", "")}
    assert {"plot_keyness", "wordcloud_array"} <= public - untested
    assert sorted(untested - AWAITING_TESTS) == [], "plot functions without a smoke test in tests/test_plots.py"
    assert sorted(AWAITING_TESTS - untested) == [], "tested (or removed): take these out of AWAITING_TESTS"


# --- figures of notebooks 00, 01 and 03 (new plot functions: append their smoke tests below) ----------------
SMALL_DOCS = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2001, 2001, 2003], "genre": ["report", "news", "news"],
                           "chars": [1200, 800, 950], "body_chars": [1000, 700, 0]})


def test_document_bar_slots_share_a_year_side_by_side_in_table_order():
    slots = document_bar_slots(SMALL_DOCS)
    assert [r.doc_id for r, _, _ in slots] == ["a", "b", "c"]
    (_, xa, wa), (_, xb, wb), (_, xc, wc) = slots
    assert wa == wb == pytest.approx(0.4) and wc == pytest.approx(0.8)
    assert xa == pytest.approx(2000.8) and xb == pytest.approx(2001.2) and xc == pytest.approx(2003.0)


def test_genre_colors_one_distinct_colour_per_genre():
    colors = genre_colors(["a", "b", "c"])
    assert list(colors) == ["a", "b", "c"] and len(set(colors.values())) == 3


def test_length_by_year_smoke(plt):
    fig = plot_length_by_year(SMALL_DOCS)
    assert is_figure(fig) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "Length of each document by year 各年份文本长度"
    assert ax.get_xlabel() == "Year 年份" and "字数" in ax.get_ylabel()
    assert [int(t) for t in ax.get_xticks()] == [2001, 2002, 2003]  # the year without a text stays on the axis
    assert sorted(round(b.get_height()) for c in ax.containers for b in c) == [800, 950, 1200]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["news", "report"]


def test_chars_kept_dropped_smoke(plt):
    table = pd.DataFrame({"doc_id": ["a", "b"], "year": [2001, 2003], "kept": [90, 50], "dropped": [10, 0],
                          "dropped_byline": [6, 0], "dropped_photo_caption": [4, 0], "dropped_bullet": [0, 0]})
    fig = plot_chars_kept_dropped(table)
    assert is_figure(fig) and len(fig.axes) == 2
    left, right = fig.axes
    assert left.get_title() == "Kept vs dropped 保留与删除" and right.get_title() == "Dropped, by reason 删除原因"
    assert ticks(left.get_yticklabels()) == ["a (2001)", "b (2003)"]
    # only reasons with characters are drawn, the largest first, under their display names
    assert ticks(right.get_legend().get_texts()) == ["byline 电头", "photo caption 图片说明"]
    assert " 10.0% dropped" in [t.get_text() for t in left.texts]


def test_formula_density_by_doc_smoke(plt):
    split = pd.DataFrame({"in lexicon": [5.0, 7.0, 0.0], "pattern only": [1.0, 0.0, 0.0]}, index=["a", "b", "c"])
    fig = plot_formula_density_by_doc(SMALL_DOCS, split)
    ax = fig.axes[0]
    assert ax.get_title() == "Density of numbered formulae 数字式提法密度"
    assert ax.get_ylabel() == "Numbered formulae per 10,000 chars"
    # one total per document above its bar: 60 = (5 + 1) per 10,000 of 1,000; 100 = 7 of 700; 0 without body text
    assert sorted(t.get_text() for t in ax.texts if t.get_text().isdigit()) == ["0", "100", "60"]
    assert "pattern only (not in formulae.csv)" in ticks(ax.get_legend().get_texts())


def test_top_formulae_smoke(plt):
    rows = pd.DataFrame({"doc_id": ["a", "b", "a"], "year": [2001, 2001, 2001], "term": ["四个意识", "四个意识", "两个维护"],
                         "count": [2, 1, 1]})
    fig = plot_top_formulae(rows, ["四个意识", "两个维护"], SMALL_DOCS, {"四个意识": "Four Consciousnesses"})
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels())[0] == "四个意识  Four Consciousnesses"
    assert ticks(ax.get_xticklabels())[1].startswith("2002\nno text")
    assert "3" in [t.get_text() for t in ax.texts] and "高频数字式提法" in ax.get_title()


def test_device_mix_smoke(plt):
    rate = pd.DataFrame({"year": [2001, 2001, 2003], "genre": ["report", "news", "news"],
                         "formula": [3.0, 1.0, np.nan], "slogan": [0.0, 2.0, np.nan]}, index=pd.Index(["a", "b", "c"], name="doc_id"))
    fig = plot_device_mix(rate, ["formula", "slogan"])
    assert len(fig.axes) == 2 and [a.get_title() for a in fig.axes] == ["formulae 提法", "quoted spans 引号"]
    assert fig.axes[0].get_ylabel() == "per 10,000 chars" and "修辞手段" in suptitle(fig)
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == 2  # no dot for the text without body


def test_wordcloud_figures_keep_the_cloud_pixels(plt):
    image = np.full((60, 90, 3), 255, dtype=np.uint8)
    words = pd.DataFrame({"term": ["发展"], "count": [3]})
    fig = plot_wordcloud(image, "2001 · news", words)
    assert fig.axes[0].get_title() == "2001 · news"
    assert fig.get_figwidth() == pytest.approx(90 / 300)
    years = [2001, 2003, 2004, 2005]
    panel = plot_wordcloud_panel(dict.fromkeys(years, image), {y: str(y) for y in years}, dict.fromkeys(years, words))
    assert len(panel.axes) == 6  # at most three a row: two rows, two empty panels switched off
    assert [a.get_title() for a in panel.axes if a.get_title()] == ["2001", "2003", "2004", "2005"]
    assert figure_data(panel).to_dict("list") == {"year": years, "term": ["发展"] * 4, "count": [3] * 4}


def test_wordcloud_words_are_the_most_frequent_the_cloud_is_given():
    st = replace(rhetoric_settings(), wordcloud_max_words=3)
    words = wordcloud_words({"甲": 2, "乙": 9, "丙": 2, "丁": 5}, st)
    assert words.to_dict("list") == {"term": ["乙", "丁", "甲"], "count": [9, 5, 2]}   # a tie keeps dict order


def test_wordcloud_panel_years_keep_all_up_to_the_cap_then_spread_evenly():
    assert wordcloud_panel_years([2001, 2003]) == [2001, 2003]
    years = list(range(1995, 2025))                                  # 30 years
    chosen = wordcloud_panel_years(years)
    assert len(chosen) == plots.WORDCLOUD_PANEL_MAX == 12 and chosen[0] == 1995 and chosen[-1] == 2024
    assert chosen == sorted(chosen) and max(np.diff(chosen)) - min(np.diff(chosen)) <= 1
    assert wordcloud_panel_years(years, max_n=3) == [1995, 2009, 2024]   # 14.5 rounds to even
    panel = plot_wordcloud_panel(dict.fromkeys(chosen, np.full((60, 90, 3), 255, dtype=np.uint8)),
                                 {y: str(y) for y in chosen}, dict.fromkeys(chosen, pd.DataFrame({"term": ["甲"], "count": [1]})),
                                 note="12 of 30 years")
    assert len(panel.axes) == 12 and "12 of 30 years" in suptitle(panel)   # four a row past six clouds


# --- figure data: every plot function attaches the numbers it draws (issue 16) -----------------------------
def _keyness_figure():
    kw, docs, comparison_years = keyness_inputs()
    return plot_keyness(kw, year_axis(docs), comparison_years, {"乙": "second"}, top_n=3)


def _change_figure():
    tok, docs = with_news_2002()
    counts = priority_counts(match_terms(tok, CODEBOOK), paragraph_table(tok), CATS)
    return plot_change(attention_change(counts, CODEBOOK, docs, resample_paragraphs(counts, CATS, docs["doc_id"],
                                                                                    100, SEED)), CODEBOOK)


def _coded(plot):
    tok, _, docs = coded_corpus()
    return plot(by_year_of(tok, docs), CODEBOOK, year_axis(docs))


CLOUD = np.full((60, 90, 3), 255, dtype=np.uint8)
CLOUD_WORDS = pd.DataFrame({"term": ["发展", "党建"], "count": [3, 2]})
SPLIT = pd.DataFrame({"in lexicon": [5.0, 7.0, 0.0], "pattern only": [1.0, 0.0, 0.0]}, index=["a", "b", "c"])
FIGURE_CASES = {   # plot function -> (a figure drawn by it, columns its data must have)
    "plot_length_by_year": (lambda: plot_length_by_year(SMALL_DOCS), {"year", "doc_id", "chars"}),
    "plot_chars_kept_dropped": (lambda: plot_chars_kept_dropped(pd.DataFrame(
        {"doc_id": ["a", "b"], "year": [2001, 2003], "kept": [90, 50], "dropped": [10, 0],
         "dropped_byline": [6, 0]})), {"doc_id", "year", "measure", "chars"}),
    "plot_formula_density_by_doc": (lambda: plot_formula_density_by_doc(SMALL_DOCS, SPLIT),
                                    {"year", "doc_id", "kind", "count", "per_10k"}),
    "plot_top_formulae": (lambda: plot_top_formulae(
        pd.DataFrame({"doc_id": ["a", "b"], "year": [2001, 2001], "term": ["四个意识", "两个维护"], "count": [2, 1]}),
        ["四个意识", "两个维护"], SMALL_DOCS, {}), {"term", "year", "count", "per_10k"}),
    "plot_device_mix": (lambda: plot_device_mix(pd.DataFrame(
        {"year": [2001, 2001, 2003], "genre": ["report", "news", "news"], "formula": [3.0, 1.0, np.nan]},
        index=pd.Index(["a", "b", "c"], name="doc_id")), ["formula"]), {"year", "doc_id", "device", "per_10k"}),
    "plot_wordcloud": (lambda: plot_wordcloud(CLOUD, "2001", CLOUD_WORDS), {"term", "count"}),
    "plot_wordcloud_panel": (lambda: plot_wordcloud_panel({2001: CLOUD}, {2001: "2001"}, {2001: CLOUD_WORDS}),
                             {"year", "term", "count"}),
    "plot_attention_heatmap": (lambda: _coded(plot_attention_heatmap), {"year", "category", "per_10k"}),
    "plot_slope": (lambda: plot_slope(by_year_of(*with_news_2002()), CODEBOOK), {"comparison", "year", "per_10k"}),
    "plot_change": (_change_figure, {"comparison", "category", "change_pp", "ci_low_pp", "ci_high_pp"}),
    "plot_trends": (lambda: _coded(plot_trends), {"comparison", "year", "category", "share_pct", "ci_low_pct"}),
    "plot_keyness": (_keyness_figure, {"comparison", "year", "rank", "term", "log_ratio", "g2"}),
    "plot_adoption_timeline": (lambda: plot_adoption_timeline(adoption_table(COUNTS, DOCS, FORMULAE), B),
                               {"element", "term", "date_from", "date_to"}),
    "plot_formula_density": (lambda: plot_formula_density(
        density_by_origin(adoption_by_year(COUNTS, DOCS, FORMULAE, CHARS), CHARS), DOCS), {"year", "origin", "per_10k"}),
    "plot_term_by_year": (lambda: plot_term_by_year(term_counts()), {"year", "count", "per_10k", "per_10k_ci_low"}),
}


def test_every_plot_function_has_a_figure_data_case():
    import inspect

    drawing = {name for name, f in inspect.getmembers(plots, inspect.isfunction)
               if f.__module__.startswith(plots.__name__) and name.startswith("plot_")}
    assert sorted(drawing - set(FIGURE_CASES)) == [], "plot functions without a case in FIGURE_CASES"


@pytest.mark.parametrize("name", sorted(FIGURE_CASES))
def test_every_figure_carries_its_data_and_saves_it_byte_for_byte(plt, tmp_path, name):
    make, columns = FIGURE_CASES[name]
    data = figure_data(make())
    assert isinstance(data, pd.DataFrame) and len(data) > 0, f"{name} attaches no data"
    assert columns <= set(data.columns)
    written = []
    for run in ("a", "b"):   # two runs into two folders: the same CSV bytes, those of csv_bytes
        folder = tmp_path / run
        folder.mkdir()
        save_figure(make(), "09_case", Paths(raw=folder, processed=folder, figures=folder))
        written.append((folder / "09_case.csv").read_bytes())
    assert written[0] == written[1] == csv_bytes(data)


def test_keyness_figure_data_are_the_bars_drawn(plt):
    fig = _keyness_figure()
    data = figure_data(fig)
    bars = sorted(round(float(p.get_width()), 6) for ax in fig.axes for p in ax.patches)
    assert bars == sorted(round(float(v), 6) for v in data["log_ratio"])
    assert (data.groupby(["comparison", "year"])["rank"].min() == 1).all()


# --- layouts by size (issue 13): many years, many documents -------------------------------------------------
def test_year_labels_thin_out_past_twelve_years(plt):
    assert [year_label_step(n) for n in (1, 12, 13, 24, 25, 31)] == [1, 1, 2, 2, 3, 3]
    fig, ax = plt.subplots()
    set_year_axis(ax, list(range(1995, 2025)))
    labels = ticks(ax.get_xticklabels())
    assert len(ax.get_xticks()) == 30 and [t for t in labels if t] == [str(y) for y in range(1995, 2025, 3)]
    assert all(t.get_rotation() == 90 for t in ax.get_xticklabels())
    set_year_axis(ax, [2018, 2019, 2020], labels=["a", "b", "c"])
    assert ticks(ax.get_xticklabels()) == ["a", "b", "c"]


def many_years_docs(n_years: int = 30, per_year: int = 6) -> pd.DataFrame:
    """``per_year`` documents in each of ``n_years`` years from 1995, two genres alternating."""
    rows = [(f"{y}_{i}", y, ("report", "news")[i % 2], 1000 + 10 * i + y % 7, 800 + 5 * i)
            for y in range(1995, 1995 + n_years) for i in range(per_year)]
    return pd.DataFrame(rows, columns=["doc_id", "year", "genre", "chars", "body_chars"])


def test_length_by_year_summarises_per_year_when_a_year_has_many_documents(plt):
    docs = many_years_docs()
    fig = plot_length_by_year(docs)
    ax = fig.axes[0]
    assert not ax.containers and "median and range" in ax.get_title()   # no bar per document
    data = figure_data(fig)
    assert len(data) == 30 * 2 and set(data["documents"]) == {3}          # one row per year and genre
    assert {"chars_median", "chars_min", "chars_max"} <= set(data.columns)
    assert [t for t in ticks(ax.get_xticklabels()) if t][:2] == ["1995", "1998"]
    few = plot_length_by_year(docs[docs["year"] <= 1996].groupby("year").head(4))
    assert len(few.axes[0].containers) == 8                               # up to four a year: a bar each


def test_formula_density_and_device_mix_summarise_many_documents(plt):
    docs = many_years_docs(per_year=6)
    split = pd.DataFrame({"in lexicon": 3.0, "pattern only": 1.0}, index=docs["doc_id"])
    fig = plot_formula_density_by_doc(docs, split)
    assert len(fig.axes[0].patches) == 30 * 2 * 2                         # year x genre x (lexicon, pattern)
    assert "one bar per year and genre" in fig.axes[0].get_title()
    assert set(figure_data(fig)["documents"]) == {3}
    rate = docs.set_index("doc_id")[["year", "genre"]].assign(formula=1.0, slogan=2.0, mobilisation=0.5)
    fig = plot_device_mix(rate, ["formula", "slogan", "mobilisation"])
    assert len(fig.axes) == 3 and "median" in suptitle(fig)
    assert set(figure_data(fig)["per_10k_median"]) == {1.0, 2.0, 0.5}


def test_chars_kept_dropped_has_one_row_per_year_past_thirty_documents(plt):
    docs = many_years_docs(n_years=8, per_year=5)
    table = docs.assign(kept=100, dropped=5, dropped_byline=5)
    fig = plot_chars_kept_dropped(table)
    assert ticks(fig.axes[0].get_yticklabels())[0] == "1995 (5 docs)" and len(fig.axes[0].get_yticks()) == 8
    data = figure_data(fig)
    assert data.query("year == 1995 and measure == 'kept'")["chars"].item() == 500


def test_top_formulae_become_a_heatmap_past_twelve_years(plt):
    docs = many_years_docs(n_years=20, per_year=1)
    rows = pd.DataFrame({"doc_id": docs["doc_id"], "year": docs["year"], "term": "四个意识", "count": 2})
    fig = plot_top_formulae(rows, ["四个意识"], docs, {})
    ax = fig.axes[0]
    assert ax.images and len(ax.get_xticks()) == 20 and ticks(ax.get_xticklabels())[0] == "1995"
    assert ax.get_xlabel().startswith("Texts: ")
    assert len(figure_data(fig)) == 20


def many_years_keyness(n_years: int = 12):
    """``n_years`` documents, one a year; the first four each over-use a term of their own, the rest are alike."""
    own = ["甲", "乙", "丙", "丁"]
    sents = [(f"d{i}", 2001 + i, 0, ([own[i]] * 60 if i < len(own) else []) + ["共"] * 60 + ["同"] * 30)
             for i in range(n_years)]
    docs = pd.DataFrame({"doc_id": [s[0] for s in sents], "year": [s[1] for s in sents], "genre": "news"})
    kw = keyness_by_year(token_table(sents), docs, min_freq=1)
    comparison_years = {label: set(docs.loc[docs["doc_id"].isin(ids), "year"]) for label, ids in comparison_groups(docs)}
    return kw, docs, comparison_years


def test_keyness_past_eight_years_draws_only_panels_with_keywords(plt):
    kw, docs, comparison_years = many_years_keyness(12)
    with_keywords = kw[kw["significant"].astype(bool) & (kw["g2"] > 0)].groupby(["comparison", "year"]).size()
    assert 0 < len(with_keywords) < 12
    fig = plot_keyness(kw, year_axis(docs), comparison_years, top_n=3)
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == len(with_keywords)                                # no "no keyword" panels
    assert [ax.get_title(loc="left") for ax in shown][0] == f"2001 · {ALL_GENRES}"
    note = suptitle(fig)
    assert "Panels only for a year and comparison with a significant keyword" in note
    silent = sorted(set(range(2001, 2013)) - {y for _, y in with_keywords.index})
    assert plots.common._year_list(silent) in note                                # the other years listed
    assert fig.get_figheight() < 12                                        # not one row a year
    few_kw, few_docs, few_years = many_years_keyness(6)                  # up to eight years: one row a year
    few = plot_keyness(few_kw, year_axis(few_docs), few_years, top_n=3)
    assert [ax.get_title(loc="left") for ax in few.axes] == [f"{y} · {ALL_GENRES}" for y in range(2001, 2007)]


def test_heatmap_over_many_years_keeps_columns_narrow(plt):
    tok, _, docs = coded_corpus()
    by_year = by_year_of(tok, docs)
    years = list(range(1995, 2025))
    fig = plot_attention_heatmap(by_year, CODEBOOK, years)
    assert fig.get_figwidth() < 16 and ticks(fig.axes[0].get_xticklabels())[0] == "1995"


def test_formula_density_by_doc_data_carry_the_whisker_interval(plt):
    ci = pd.DataFrame({"ci_low": [40.0, 80.0], "ci_high": [75.0, 120.0]}, index=["a", "b"])
    fig = plot_formula_density_by_doc(SMALL_DOCS, SPLIT, ci=ci, ci_label="whisker = 95% interval")
    data = figure_data(fig)
    assert data.loc[data["doc_id"] == "b", "total_ci_high"].tolist() == [120.0, 120.0]   # both parts of b's bar
    assert data.loc[data["doc_id"] == "c", "total_ci_low"].isna().all()                 # no interval given for c


def test_adoption_timeline_draws_a_tick_per_text_instead_of_bands_when_years_hold_many_texts(plt):
    """Past DOCS_PER_YEAR_MAX texts a year one band per text would cover the plot: a strip of ticks instead."""
    from tifa.corpus import document_date_bounds
    from tifa.plots.common import DOCS_PER_YEAR_MAX

    t = adoption_table(COUNTS, DOCS, FORMULAE)
    few = plot_adoption_timeline(t, B).axes[0]
    assert len(few.patches) >= len(B) and not [l for l in few.lines if l.get_marker() == "|"]
    n = DOCS_PER_YEAR_MAX + 2
    many_docs = pd.DataFrame({"doc_id": [f"n{i:02d}" for i in range(n)], "year": 2019,
                              "date": [f"2019-{1 + i % 12:02d}-15" for i in range(n)], "genre": "newspaper"})
    many = plot_adoption_timeline(t, document_date_bounds(pd.concat([DOCS, many_docs], ignore_index=True))).axes[0]
    rugs = [l for l in many.lines if l.get_marker() == "|"]
    assert sum(len(l.get_xdata()) for l in rugs) == len(DOCS) + n       # one tick per text
    assert not [p for p in many.patches if p.get_alpha() == 0.18]       # no band per text
    assert any("one tick each" in x.get_text() for x in many.get_legend().get_texts())
