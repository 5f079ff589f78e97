"""The package's layout (issue 12): imports run one way, matplotlib only in the figure modules, no module far
over 800 lines, and helpers.py a thin entry point that defines nothing."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

TIFA = ROOT / "tifa"
ORDER = ["config", "files", "pipeline", "corpus", "settings", "stats", "terms", "normalise", "cleaning", "articles",
         "segmentation", "gold", "checks", "priorities", "keyness", "validation", "parallelism", "rhetoric", "adoption",
         "explore",
         "style", "notebook", "plots"]
FIGURE_MODULES = {"style", "notebook", "plots"}
MAX_LINES = 850  # "no module over ~800 lines"


def modules() -> list[tuple[str, Path]]:
    """(stage, file) for every module of tifa; the files of the plots package count as stage 'plots'."""
    out = [(p.stem, p) for p in sorted(TIFA.glob("*.py")) if p.stem != "__init__"]
    out += [("plots", p) for p in sorted((TIFA / "plots").glob("*.py"))]
    return out


def test_every_module_has_a_place_in_the_order():
    assert sorted({stage for stage, _ in modules()}) == sorted(ORDER)


@pytest.mark.parametrize("stage, path", modules(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_imports_run_one_way_and_matplotlib_stays_in_the_figure_modules(stage, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            if stage == "plots" and node.level == 1:
                continue  # a module of the plots package importing its common module
            target = (node.module or "").split(".")[0]
            assert ORDER.index(target) < ORDER.index(stage), f"{path.name} imports {target}: against the order"
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n.split(".")[0] == "matplotlib" for n in names):
            assert stage in FIGURE_MODULES, f"{path.name} imports matplotlib"


@pytest.mark.parametrize("path", [p for _, p in modules()], ids=lambda p: p.name)
def test_no_module_is_far_over_800_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_helpers_is_a_thin_entry_point_that_defines_nothing():
    source = (ROOT / "helpers.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len(source.splitlines()) <= 300
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Assign))]
    assert all(n.module.startswith("tifa.") for n in tree.body if isinstance(n, ast.ImportFrom)
               and n.module not in ("__future__", "pathlib"))
