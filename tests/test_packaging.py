"""The set-up files agree with each other: pyproject.toml, environment.yml, README.md and .ci/run; and a built
wheel carries the benchmark results that notebook 11 reads."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
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
    assert sorted(options["testpaths"]) == ["notebooks", "tests"]
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


def test_the_install_cell_installs_only_on_colab_and_stops_with_a_clear_message_when_it_cannot(monkeypatch):
    """Each notebook's install cell, run as IPython runs it: nothing off Colab; on Colab one `%pip install` of
    the repository, and a SystemExit naming it when the package still cannot be imported (no network)."""
    import importlib.util
    import json
    import types

    from IPython.core.inputtransformer2 import TransformerManager

    repository = PYPROJECT["project"]["urls"]["Repository"]
    magics = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: magics.append((name, line)))
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cell = next("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        code = compile(TransformerManager().transform_cell(cell), path.name, "exec")
        magics.clear()
        exec(code, {"get_ipython": lambda: shell})  # off Colab
        assert magics == [], path.name
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
            exec(code, {"get_ipython": lambda: shell})  # on Colab, the package installed
            assert [name for name, _ in magics] == ["pip"] and f"git+{repository}" in magics[0][1], path.name
            patch.setattr(importlib.util, "find_spec", lambda name, *args: None)  # pip could not install it
            with pytest.raises(SystemExit, match=f"Could not install gan_text from {repository} .*online"):
                exec(code, {"get_ipython": lambda: shell})


# --- the benchmark results ship with the package (notebook 11 runs offline, from a pip install) ----------------

SHIPPED = [f"{benchmark}_course{suffix}" for benchmark in ("oracle", "coco")
           for suffix in (".csv", "_curves.csv", "_sweep.csv", ".json", ".png")]


def test_the_committed_benchmark_results_live_in_the_package_once():
    data = REPO / "gan_text" / "bench" / "data"
    for name in SHIPPED:
        assert (data / name).is_file(), name
        assert not (REPO / "benchmarks" / "results" / name).exists(), f"{name} is kept twice"
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["gan_text.bench"]
    assert all(any(fnmatch.fnmatch(f"data/{name}", p) for p in patterns) for name in SHIPPED)


def test_load_results_without_out_reads_the_shipped_results():
    import gan_text
    from gan_text.bench import DEFAULT_OUT, load_results

    assert DEFAULT_OUT == Path(gan_text.__file__).parent / "bench" / "data"
    for benchmark in ("oracle", "coco"):
        results = load_results(benchmark)  # no `out`, whatever the working directory
        assert results.paths["final"] == DEFAULT_OUT / f"{benchmark}_course.csv"
        assert {"mle", "seqgan", "relgan"} <= set(results.final["recipe"])
        assert not results.curves.empty and not results.sweep.empty and results.meta["seeds"]


def test_a_built_wheel_holds_the_results_and_reads_them_from_outside_the_repository(tmp_path):
    # A non-editable install, offline: build the wheel from a copy of the sources with the setuptools already
    # installed (no index, no build isolation), unpack it as `pip install --target` would, and load the results
    # in a fresh interpreter whose working directory is not the repository.
    source = tmp_path / "source"
    shutil.copytree(REPO / "gan_text", source / "gan_text", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("gan_text-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for name in SHIPPED:
        assert f"gan_text/bench/data/{name}" in names, name
        assert (tmp_path / "site/gan_text/bench/data" / name).read_bytes() == \
            (REPO / "gan_text/bench/data" / name).read_bytes()
    script = ("import gan_text, gan_text.bench as bench; results = bench.load_results('coco');"
              "print(gan_text.__file__); print(results.paths['final']); print(sorted(set(results.final['recipe'])))")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    package_file, final, recipes = run.stdout.strip().splitlines()[-3:]
    assert Path(package_file).parent == tmp_path / "site" / "gan_text"  # the installed copy, not the repository
    assert Path(final) == tmp_path / "site/gan_text/bench/data/coco_course.csv"
    assert {"mle", "seqgan", "relgan"} <= set(ast.literal_eval(recipes))
