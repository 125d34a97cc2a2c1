"""The set-up files agree with each other: pyproject.toml, environment.yml, README.md and .ci/run."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
ENVIRONMENT = (REPO / "environment.yml").read_text()
README = (REPO / "README.md").read_text()
CI = (REPO / ".ci" / "run").read_text()


def _environment_entries() -> list[str]:
    """The dependency lines of environment.yml, without comments."""
    body = ENVIRONMENT.split("dependencies:", 1)[1]
    entries = []
    for line in body.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("- ") and line != "- pip:":
            entries.append(line[2:].strip())
    return entries


def test_dependencies_have_lower_bounds_only():
    deps = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"]
    for dep in deps:
        assert ">=" in dep, f"{dep} has no lower bound"
        assert not re.search(r"==|<|~=", dep), f"{dep} pins an exact or upper version"


def test_runtime_dependencies_cover_what_the_guide_requires():
    names = {re.split(r"[<>=~ ]", d)[0].lower() for d in PYPROJECT["project"]["dependencies"]}
    assert {"tensorflow", "keras", "numpy", "pandas", "matplotlib", "nltk"} <= names
    tf = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("tensorflow"))
    assert tf == "tensorflow>=2.17"
    dev = {re.split(r"[<>=~ ]", d)[0].lower() for d in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert {"pytest", "nbval", "ipykernel", "jupyter"} <= dev


def test_environment_yml_hands_over_to_pip_and_matches_python_bound():
    entries = _environment_entries()
    requires = PYPROJECT["project"]["requires-python"]
    assert f"python{requires}" in entries
    assert "pip" in entries
    assert "-e .[dev]" in entries
    # Only python and pip come from conda; every library comes from pyproject.toml through pip.
    assert sorted(entries) == sorted([f"python{requires}", "pip", "-e .[dev]"])


def test_every_environment_line_says_why():
    for line in ENVIRONMENT.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "#" in line or line.strip() in {"dependencies:", "channels:", "- pip:"}, line


def test_ci_installs_as_the_readme_says_and_runs_its_test_command():
    assert 'pip install -e ".[dev]"' in README
    assert 'pip install --quiet -e ".[dev]"' in CI
    assert "GAN_TEXT_PROFILE=smoke pytest" in README
    assert "export GAN_TEXT_PROFILE=smoke" in CI and CI.rstrip().endswith("pytest")


def test_pytest_runs_unit_tests_and_notebooks_under_nbval():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests", "notebooks"]
    for flag in ("--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout"):
        assert flag in options["addopts"]


def test_badges_and_install_cells_name_the_repository_of_the_project_urls():
    import json

    repository = PYPROJECT["project"]["urls"]["Repository"]
    owner_name = repository.removeprefix("https://github.com/")
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", owner_name), repository
    badge = f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/"
    named = set(re.findall(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob", README))
    assert named == {owner_name}, named  # every badge of the README opens this repository
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
        assert badge + path.name in cells[0], path.name
        install = next(c for c in cells if "google.colab" in c)
        assert f"git+{repository}" in install, path.name
