"""Every numbered notebook follows the course skeleton (CONVENTIONS.md), and the README lists it.

nbval executes the notebooks; these tests check what execution cannot: the skeleton, the badge pointing at the
notebook's own path, and that the file is committed without outputs.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COLAB = "https://colab.research.google.com/github/gan-text/gan_text/blob/main/notebooks/"


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no numbered notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_skeleton(path):
    cells = _cells(path)
    markdown = [_source(c) for c in cells if c["cell_type"] == "markdown"]
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    number = path.name[:2]

    h1 = [line for text in markdown for line in text.splitlines() if re.match(r"^# ", line)]
    assert len(h1) == 1 and h1[0].startswith(f"# {number} · "), h1
    assert COLAB + path.name in _source(cells[0]), "the first cell must carry the badge for this file's own path"
    assert "What you will learn" in markdown[1] and "Before this" in markdown[1]
    install = code[0]
    assert "google.colab" in install and "pip install" in install, "first code cell: the Colab-only install"
    assert "gt.setup(seed=" in code[1], "second code cell: import gan_text as gt; gt.setup(seed=...)"
    assert any("gt.profile()" in c for c in code[1:3]), "the profile's sizes come right after set-up"
    assert any(c.lstrip().startswith("assert") or "\nassert " in c for c in code), "no assert checkpoint"
    assert any(t.startswith("## Summary") for t in markdown)
    assert any(t.startswith("## Exercises") for t in markdown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_lists_it_with_its_badge(path):
    readme = (REPO / "README.md").read_text()
    assert COLAB + path.name in readme
    assert f"(notebooks/{path.name})" in readme


# A number typed into prose drifts from the run that printed it. Outside `$…$` formulas and `code` spans, markdown
# carries no decimals and no percentages; a published figure may stay when its line cites the paper
# ("Nie et al., 2019" or a link). Settings and constants go in code spans or formulas: `lr=1e-4`, $p = 0.5$.
_FORMULA_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`", re.S)
_TYPED_NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])|(?<![\w.])\d+(?:\.\d+)?\s?%")
_CITATION = re.compile(r"et al\.|\]\(https?://")


def typed_numbers(markdown: str) -> list[str]:
    """The result-like numbers in a markdown cell's text, with the line each sits on."""
    found = []
    for line in _FORMULA_OR_CODE.sub("", markdown).splitlines():
        if not _CITATION.search(line):
            found += [f"{number!r} in: {line.strip()[:100]}" for number in _TYPED_NUMBER.findall(line)]
    return found


def test_typed_numbers_are_found():
    assert typed_numbers("The GAN reaches 0.83 grammatical, 80 % of the time.") == [
        "'0.83' in: The GAN reaches 0.83 grammatical, 80 % of the time.",
        "'80 %' in: The GAN reaches 0.83 grammatical, 80 % of the time.",
    ]
    assert typed_numbers("Chance is $p = 0.5$; we use `lr=0.01` and 500 steps.") == []
    assert typed_numbers("RelGAN reports NLL-oracle 6.680 (Nie et al., 2019).") == []
    assert typed_numbers("Version 2.19 of TensorFlow") == ["'2.19' in: Version 2.19 of TensorFlow"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_typed_in_result_numbers(path):
    typed = [
        f"cell {index}: {found}"
        for index, cell in enumerate(_cells(path))
        if cell["cell_type"] == "markdown"
        for found in typed_numbers(_source(cell))
    ]
    assert not typed, "render results from the run's variables (Markdown(f'…')), or put constants in $…$/`…`:\n" + (
        "\n".join(typed)
    )
