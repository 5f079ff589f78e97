"""The notebooks' entry point to the analysis: ``import helpers as h``.

The analysis lives in the package ``tifa/`` (提法, "formulations"), one module per pipeline stage;
this file only names, explicitly, what the six notebooks call, so a notebook reads ``h.keyness_by_year``
and a reader finds below, in one line, that it is ``tifa.keyness.keyness_by_year``.  Nothing is
defined here: to change how something works, open the module it is imported from.  Tests import the
modules themselves.  (Why a thin entry point rather than imports of stage modules in every notebook:
one short prefix in every cell, and one list of everything the notebooks rely on.)
"""
# ruff: noqa: F401  (every import below is a re-export for the notebooks)
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the project root, wherever the kernel started

from tifa.config import (
    project_paths, SEED,
)
from tifa.files import (
    read_lexicon_csv, read_table, write_csv, write_table,
)
from tifa.corpus import (
    ALL_GENRES, body_chars, comparison_groups, document_date_bounds, genre_spans, load_corpus,
    missing_years, year_axis,
)
from tifa.corpus import detect_script, load_script_settings, to_simplified
from tifa.settings import (
    priorities_settings, read_false_matches, rhetoric_settings,
)
from tifa.terms import (
    body_paragraphs, count_terms, excluded_matches, gloss_label, gloss_map, kwic,
)
from tifa.terms import count_token_terms, token_kwic, token_term_matches
from tifa.cleaning import (
    account_for_characters, clean_corpus, CLEANING_RULES_FILE, DROP_ACTIONS, load_cleaning_rules,
    nonspace,
)
from tifa.normalise import TRADITIONAL_REASON
from tifa.articles import (
    add_article_ids, assign_articles, document_layouts, read_article_rules,
)
from tifa.segmentation import (
    codebook_terms, is_punct, lexicon_integrity, plain_jieba, protected_terms,
    read_split_exceptions, SEGMENT_HMM, stopwords, token_pieces, tokenize_sentences, tokenizer,
)
from tifa.gold import (
    annotator_agreement, gold_mapping, gold_test_sample, GOLD_TEST_SEED, GOLD_TEST_SIZE, read_gold,
    read_gold_sample, read_indexed_annotation, SCORE_COLUMNS, segmentation_errors,
    segmentation_score_row, segmentation_score_table, segmentation_scores,
)
from tifa.checks import (
    AGREEMENT_SAMPLE, CHECK_DISPLAY_ROWS, check_gold_coverage, check_gold_test_draw,
    check_hmm_choice, check_lexicon_integrity, check_tokenizer_agreement, checks_details,
    checks_summary, require_tokens_rejoin, sample_rows,
)
from tifa.parallelism import parallel_runs
from tifa.rhetoric import (
    assemble_rhetoric, cloud_frequencies, collocates, device_rates_by_doc, extract_slogans,
    find_formula_candidates, formula_candidate_table, formula_pattern_hits, formula_rows,
    formula_split_by_doc, lexicon_device_rows, parallelism_rows, RHETORIC_DEVICES, rhetoric_rows,
    summarise_terms, top_terms,
)
from tifa.parallelism import PARALLELISM_RULES_FILE, read_parallelism_rules, RUN_KINDS
from tifa.rhetoric import (
    count_both, counting_rule_difference, counting_rule_totals, device_paragraph_matrix,
    highest_rate, merge_counts, rate_intervals,
)
from tifa.validation import judged_precision, read_judgements, VALIDATION_COLUMNS
from tifa.priorities import (
    attention_change, change_without_terms, codebook_categories, direction_leave_one_out,
    direction_survival, hit_contexts, leading_categories, match_terms, priorities_by_doc,
    priorities_by_year, priority_counts, read_priorities, resample_paragraphs, term_audit,
    adjust_p, bootstrap_draws, bootstrap_p, change_tests, interval_widening, resample_units, unit_counts,
    one_mention_one_hit, read_phrase_rules,
)
from tifa.keyness import (
    keyness_by_year, keyness_survival,
)
from tifa.adoption import (
    adoption_by_year, ADOPTION_STATUS, adoption_table, count_formulae, density_by_origin,
    first_contexts, formula_inventory, normalise_formula, read_central_formulae, within_genre_changes,
    add_paraphrase_counts, lags_under_alternative_dates, paraphrase_matches, read_paraphrases,
    with_alternative_dates,
)
from tifa.explore import (
    counts_by_genre, counts_by_year, export_csv, export_folder, filter_kwic, kwic_lines,
    load_explorer_tables, match_query, QUERY_KINDS, run_query, top_codebook_terms,
)
from tifa.validation import (
    apply_codebook_decisions, compound_tokens, draw_precision_sample, read_codebook_decisions,
    undecided_compounds, wilson_interval,
    PRECISION_PER_CATEGORY, codebook_validation, compiled_date, hit_context, precision_sample_table,
    read_codebook_judgements, split_false_matches,
)
from tifa.style import (
    cjk_font_path, PNG_DPI, setup_style,
)
from tifa.plots import (
    mark_missing_years, plot_adoption_timeline, plot_attention_heatmap, plot_change,
    plot_chars_kept_dropped, plot_device_mix, plot_formula_density, plot_formula_density_by_doc,
    plot_keyness, plot_length_by_year, plot_slope, plot_top_formulae, plot_trends, plot_wordcloud,
    plot_wordcloud_panel, wordcloud_array,
    WORDCLOUD_PANEL_MAX, wordcloud_panel_years, wordcloud_words,
    figure_image, plot_term_by_year,
)
from tifa.notebook import (
    colophon, save_figure, show_table,
)
