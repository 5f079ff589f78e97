"""Every figure of the notebooks: tables in, a matplotlib figure out, no file written (notebooks save
with :func:`tifa.notebook.save_figure`).  Call :func:`tifa.style.setup_style` first.

**Figure data.** Every plot function attaches to the figure it returns the table of exactly the numbers
it draws (:func:`tifa.notebook.attach_data`; a tidy long table with labelled columns such as ``year``,
``doc_id``, ``category``, ``per_10k``, ``ci_low``, ``ci_high``, ``count``), and ``save_figure`` writes
it beside the PNG and PDF as ``<name>.csv``; read it back with :func:`tifa.notebook.figure_data`.

**Layouts by size** (so a figure holds from 1 to 30+ years and from 5 to thousands of documents):

* year axes label every year up to ``YEAR_LABELS_MAX`` (12) years; past that every k-th year is
  labelled (k = ceil(years / 12); every year keeps a tick) and labels are rotated;
* a figure that draws one bar or dot per document does so while no year has more than
  ``DOCS_PER_YEAR_MAX`` (4) documents; past that it draws per-year summaries (per genre: the median
  and the range of the documents' values, and their number), and says so;
* the keyness figure keeps one row per year up to ``KEYNESS_ROWS_MAX`` (8) years; past that it draws
  only the panels with a significant keyword, in a grid of ``KEYNESS_GRID_COLS`` columns, and lists
  the other years in a note;
* the word-cloud panel holds at most ``WORDCLOUD_PANEL_MAX`` (12) clouds (:func:`wordcloud_panel_years`
  says which years, and the figure says by which rule).

One module per notebook (``common`` holds what several share); every public name is importable from
``tifa.plots`` itself.
"""
from .common import (  # noqa: F401
    DOC_ROWS_MAX,
    DOCS_PER_YEAR_MAX,
    document_bar_slots,
    genre_colors,
    KEYNESS_GRID_COLS,
    KEYNESS_ROWS_MAX,
    mark_missing_years,
    set_year_axis,
    WORDCLOUD_PANEL_MAX,
    year_label_step,
    YEAR_LABELS_MAX,
)
from .corpus import (  # noqa: F401
    plot_chars_kept_dropped,
    plot_length_by_year,
)
from .rhetoric import (  # noqa: F401
    plot_device_mix,
    plot_formula_density_by_doc,
    plot_top_formulae,
    plot_wordcloud,
    plot_wordcloud_panel,
    wordcloud_array,
    wordcloud_panel_years,
    wordcloud_words,
)
from .priorities import (  # noqa: F401
    plot_attention_heatmap,
    plot_change,
    plot_keyness,
    plot_slope,
    plot_trends,
)
from .adoption import (  # noqa: F401
    plot_adoption_timeline,
    plot_formula_density,
)
from .explore import (  # noqa: F401
    figure_image,
    plot_term_by_year,
)
