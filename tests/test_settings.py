"""tifa.settings: the settings of notebooks 03 and 05 (``rhetoric_settings.csv``) and the false matches that
travel with them (``false_matches.csv``); every error names the file and the setting or line."""
from __future__ import annotations

import shutil

import pytest

from tifa.config import LEXICON, project_paths
from tifa.files import CorpusError, read_table
from tifa.settings import read_false_matches, rhetoric_settings
from tifa.terms import body_paragraphs
from conftest import settings_with


ST = rhetoric_settings()


def test_settings_file_is_complete_and_errors_name_the_setting(tmp_path):
    assert ST.parallel_min_run >= 3 and "一" in ST.numerals and "届" in ST.counting_units.split("|")
    bad = tmp_path / "s.csv"
    lines = (LEXICON / "rhetoric_settings.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(l for l in lines if not l.startswith("kwic_width")), encoding="utf-8")
    with pytest.raises(CorpusError, match="kwic_width"):
        rhetoric_settings(bad)
    bad.write_text("\n".join(l.replace("kwic_width,20", "kwic_width,twenty") for l in lines), encoding="utf-8")
    with pytest.raises(CorpusError, match="kwic_width.*integer"):
        rhetoric_settings(bad)


def settings_lines() -> list[str]:
    return (LEXICON / "rhetoric_settings.csv").read_text(encoding="utf-8").splitlines()


def write_settings(folder, lines: list[str]):
    """A settings file in ``folder`` with the project's false_matches.csv beside it."""
    folder.mkdir(exist_ok=True)
    shutil.copy(LEXICON / "false_matches.csv", folder / "false_matches.csv")
    path = folder / "rhetoric_settings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("setting", ["numerals", "coined_levels", "formula_max_len", "wordcloud_min_chars"])
def test_a_missing_setting_raises_naming_it_and_the_file(tmp_path, setting):
    path = write_settings(tmp_path / "lex", [l for l in settings_lines() if not l.startswith(f"{setting},")])
    with pytest.raises(CorpusError, match=rf"rhetoric_settings\.csv: setting '{setting}' is missing"):
        rhetoric_settings(path)


@pytest.mark.parametrize("value", ["twenty", "-3", "2.5", "", "1e3"])
def test_a_non_integer_setting_raises_naming_it(tmp_path, value):
    lines = [f"colloc_window,{value},changed by the test" if l.startswith("colloc_window,") else l
             for l in settings_lines()]
    with pytest.raises(CorpusError, match=rf"setting 'colloc_window' must be a non-negative integer, got '{value}'"):
        rhetoric_settings(write_settings(tmp_path / "lex", lines))


def test_an_empty_text_setting_and_a_setting_listed_twice_are_named(tmp_path):
    lines = [("numerals,,emptied by the test" if l.startswith("numerals,") else l) for l in settings_lines()]
    with pytest.raises(CorpusError, match="setting 'numerals' is empty"):
        rhetoric_settings(write_settings(tmp_path / "a", lines))
    lines = settings_lines() + ["kwic_width,30,listed again"]
    with pytest.raises(CorpusError, match=r"setting\(s\) listed twice: kwic_width"):
        rhetoric_settings(write_settings(tmp_path / "b", lines))


def test_settings_are_typed_and_false_matches_come_from_the_settings_folder(tmp_path):
    lines = [("kwic_width,7,changed by the test" if l.startswith("kwic_width,") else l) for l in settings_lines()]
    path = write_settings(tmp_path / "lex", lines)
    (tmp_path / "lex" / "false_matches.csv").write_text(
        "# source: test\nterm,context,reason\n六稳,六稳定,not the formula\n", encoding="utf-8")
    st = rhetoric_settings(path)
    assert st.kwic_width == 7 and isinstance(st.formula_max_len, int) and isinstance(st.numerals, str)
    assert st.false_matches == (("六稳", "六稳定", "not the formula"),)
    assert rhetoric_settings(path, false_matches=LEXICON / "false_matches.csv").false_matches == ST.false_matches


# --- false matches (data/lexicon/false_matches.csv) -------------------------------------------------
@pytest.mark.parametrize("rows, message", [
    (",文化主题教育展,no term\n", r"false_matches.csv line 3: empty term"),
    ("六稳,六稳定,ok\n主题教育,,no context\n", r"false_matches.csv line 4: empty context"),
    ("主题教育,文化展,context lacks the term\n", r"line 3: context '文化展' does not contain term '主题教育'"),
    ("六稳,六稳定,a\n六稳,六稳定,b\n", r"line 4: same term and context as line 3"),
])
def test_false_match_rows_are_validated_with_the_line_named(tmp_path, rows, message):
    with pytest.raises(CorpusError, match=message):
        settings_with(tmp_path, rows)


def test_project_false_matches_contain_their_term_and_each_context_occurs_in_the_clean_text():
    fm = read_false_matches()
    assert (LEXICON / "false_matches.csv").read_text(encoding="utf-8").startswith("#")
    assert len(fm) and set(ST.false_matches) == set(zip(fm["term"], fm["context"], fm["reason"]))
    paragraphs = read_table(project_paths(), "paragraphs")
    text = "\n".join(body_paragraphs(paragraphs)["text"])
    for term, context in zip(fm["term"], fm["context"]):
        assert term in context and context in text, f"{context}: not in the clean body text (stale rule?)"


# --- notebook 04: priorities_settings.csv -----------------------------------------------------------------
def priorities_copy(tmp_path, replace: dict[str, str] | None = None, drop: str = ""):
    """The project's priorities_settings.csv with some values replaced or one setting dropped."""
    lines = (LEXICON / "priorities_settings.csv").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        name = line.split(",", 1)[0]
        if name == drop:
            continue
        if replace and name in replace and not line.startswith("#"):
            rest = line.split(",", 2)
            line = ",".join([name, replace[name], rest[2] if len(rest) > 2 else ""])
        out.append(line)
    path = tmp_path / "priorities_settings.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_priorities_settings_are_typed():
    from tifa.settings import priorities_settings

    ps = priorities_settings(LEXICON / "priorities_settings.csv")
    assert isinstance(ps.n_resamples, int) and ps.n_resamples >= 1000
    assert isinstance(ps.ci, float) and 0 < ps.ci < 1 and isinstance(ps.alpha, float) and 0 < ps.alpha < 1
    assert ps.g2_form in ("two_term", "four_cell") and isinstance(ps.min_freq, int)


@pytest.mark.parametrize("replace, message", [
    ({"ci": "1.5"}, "'ci' must lie strictly between 0 and 1"),
    ({"alpha": "0"}, "'alpha' must lie strictly between 0 and 1"),
    ({"ci": "ninety"}, "'ci' must be a non-negative number"),
    ({"n_resamples": "200"}, "'n_resamples' should be at least 1000"),
    ({"n_resamples": "2e3"}, "'n_resamples' must be a non-negative integer"),
    ({"g2_form": "three_term"}, "'g2_form' must be one of two_term, four_cell"),
])
def test_a_bad_priorities_setting_is_named(tmp_path, replace, message):
    from tifa.settings import priorities_settings

    with pytest.raises(CorpusError, match=message):
        priorities_settings(priorities_copy(tmp_path, replace))


def test_a_missing_priorities_setting_is_named_with_the_file(tmp_path):
    from tifa.settings import priorities_settings

    path = priorities_copy(tmp_path, drop="min_freq")
    with pytest.raises(CorpusError, match=r"priorities_settings.csv: setting 'min_freq' is missing"):
        priorities_settings(path)


def test_a_priorities_file_made_before_shared_draws_existed_still_reads(tmp_path):
    from tifa.settings import priorities_settings

    lines = (LEXICON / "priorities_settings.csv").read_text(encoding="utf-8").splitlines()
    older = tmp_path / "priorities_settings.csv"
    older.write_text("\n".join(l for l in lines if not l.startswith("shared_draws_min_documents,")) + "\n",
                     encoding="utf-8")
    assert priorities_settings(older).shared_draws_min_documents == 200


def test_a_priorities_file_made_before_significant_only_intervals_existed_still_reads(tmp_path):
    from tifa.settings import priorities_settings

    lines = (LEXICON / "priorities_settings.csv").read_text(encoding="utf-8").splitlines()
    older = tmp_path / "priorities_settings.csv"
    older.write_text("\n".join(l for l in lines if not l.startswith("intervals_significant_only_min_documents,"))
                     + "\n", encoding="utf-8")
    assert priorities_settings(older).intervals_significant_only_min_documents == 200
    assert priorities_settings(LEXICON / "priorities_settings.csv").intervals_significant_only_min_documents == 200
