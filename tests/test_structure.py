"""The package's structure, read from its source with ``ast`` (nothing of gan_text is imported).

Three rules of CONVENTIONS.md (section Modules), checked on every import statement of the package,
at the top of a module and inside functions alike:

- no import cycle between modules (a package's ``__init__`` importing its own submodules, or a submodule
  importing its package, is not a cycle: the same convention as ``shared/hooks/structure_check.py``);
- no private name (``_name``) imported from another module, nor read as ``module._name`` from an
  imported module: if two modules need it, it is public somewhere;
- data flows one way, corpus -> vocabulary -> dataset -> models -> training -> samples -> metrics -> plots:
  a module imports only modules of its own layer or of a layer to its left (:data:`LAYERS`).

Every module must have a layer: a new module fails here until it is placed in :data:`LAYERS`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "gan_text"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE

LAYER_NAMES = ("foundation", "corpus", "vocabulary", "dataset", "models", "training", "samples", "metrics",
               "plots", "applications")
FOUNDATION, CORPUS, VOCABULARY, DATASET, MODELS, TRAINING, SAMPLES, METRICS, PLOTS, APPLICATIONS = range(10)

# The layer of every module: the longest key that is the module's name or a package above it wins.
# The package itself ("gan_text") is matched only exactly, so a new module is never placed by default.
LAYERS = {
    # 0 foundation: imported by anything, imports nothing of the package but other foundation modules.
    "gan_text.config": FOUNDATION,
    "gan_text.errors": FOUNDATION,
    "gan_text.atomic": FOUNDATION,
    "gan_text.session": FOUNDATION,
    "gan_text.checks": FOUNDATION,  # the number checks of every boundary (no TensorFlow)
    "gan_text.tf_logs": FOUNDATION,  # importing TensorFlow without its start-up logs
    "gan_text.runconfig": FOUNDATION,  # a run directory's config.json, read and checked without TensorFlow
    "gan_text.precision": FOUNDATION,  # the precision setting and its Keras policy (no TensorFlow at import)
    "gan_text.devices": FOUNDATION,  # --strategy: a tf.distribute strategy from its name (TensorFlow imported lazily)
    # The package's __init__ is foundation, not an application: it imports only config, errors and session
    # (every other submodule loads lazily, through importlib in __getattr__) and holds __version__, which a
    # run directory records (training.rundir). Placing it at the top would make that read a violation.
    "gan_text": FOUNDATION,
    # 1 corpus: the sentences themselves, and tokenising them.
    "gan_text.corpora": CORPUS,
    "gan_text.text": CORPUS,
    # 2 vocabulary
    "gan_text.vocabulary": VOCABULARY,
    # 3 dataset: token ids and what is computed from them alone (corpus statistics, corrupted copies for
    # the discriminator exercises, augmentation of real batches, which needs only the vocabulary).
    "gan_text.dataset": DATASET,
    "gan_text.stats": DATASET,
    "gan_text.corruption": DATASET,
    "gan_text.augmentation": DATASET,
    # 4 models
    "gan_text.models": MODELS,
    # 5 training
    "gan_text.training": TRAINING,
    # 6 samples: no module yet (sampling lives on the generators); the slot keeps the layer numbers stable.
    # 7 metrics: score samples; they may train or load a reference model (models, dataset, corpora), never
    # a GAN (training).
    "gan_text.metrics": METRICS,
    # 8 plots
    "gan_text.plots": PLOTS,
    # 9 applications, on top of everything: evaluating runs, comparing architectures, tuning, the
    # benchmarks, the command line.
    "gan_text.evaluation": APPLICATIONS,
    "gan_text.frontier": APPLICATIONS,  # a run's quality frontier: reloads it (evaluation), scores, plots
    "gan_text.architectures": APPLICATIONS,
    "gan_text.tuning": APPLICATIONS,
    "gan_text.bench": APPLICATIONS,
    "gan_text.cli": APPLICATIONS,
    "gan_text.__main__": APPLICATIONS,
}

# Known violations in files under redesign, each with the comment "removed by the #15 redesign". An entry
# that no longer occurs fails the test too, so the list only ever shrinks. (The four private imports of
# architectures.recipe from training.recipes were listed here until the #15 redesign removed them.)
KNOWN_VIOLATIONS: set[str] = set()


# --- reading the package ---------------------------------------------------------------------------------

def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name that ``from <...> import`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _imports(modules: dict[str, Path]):
    """``(importer, target module, name or None, line)`` for every import of a package module, and
    ``(importer, target module, attribute, line)`` for every ``alias._private`` read of an imported module."""
    edges, private_reads = [], []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bound = {}  # local name -> package module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _base(module, is_package, node)
                if base != PACKAGE and not base.startswith(PACKAGE + "."):
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if sub in modules:
                        edges.append((module, sub, None, node.lineno))
                        bound[alias.asname or alias.name] = sub
                    elif base in modules:
                        edges.append((module, base, alias.name, node.lineno))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        edges.append((module, alias.name, None, node.lineno))
                        if alias.asname:
                            bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
                private_reads.append((module, bound[node.value.id], node.attr, node.lineno))
    return edges, private_reads


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _related(a: str, b: str) -> bool:
    """Whether one is a package above the other."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def layer_of(module: str) -> int | None:
    keys = [k for k in LAYERS if module == k or (k != PACKAGE and module.startswith(k + "."))]
    return LAYERS[max(keys, key=len)] if keys else None


def _cycles(modules, edges) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph = {m: set() for m in modules}
    for a, b, _, _ in edges:
        if a != b and not _related(a, b):
            graph[a].add(b)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def violations() -> set[str]:
    """Every breach of the three rules, one line each (the allow-list's format)."""
    modules = _modules()
    edges, private_reads = _imports(modules)
    found = set()
    for component in _cycles(modules, edges):
        found.add("cycle: " + " <-> ".join(component))
    for importer, target, name, _ in edges + private_reads:
        if name and _is_private(name) and target != importer:
            found.add(f"private: {importer} imports {target}.{name}")
    for importer, target, _, _ in edges:
        a, b = layer_of(importer), layer_of(target)
        if a is not None and b is not None and b > a:
            found.add(f"layer: {importer} ({LAYER_NAMES[a]}) imports {target} ({LAYER_NAMES[b]})")
    return found


# --- the tests ---------------------------------------------------------------------------------------------

def test_every_module_has_a_layer():
    unplaced = sorted(m for m in _modules() if layer_of(m) is None)
    assert not unplaced, f"modules without a layer: {', '.join(unplaced)}; add each to LAYERS in {__file__}"


def test_every_layer_key_names_a_module():
    modules = _modules()
    stale = sorted(k for k in LAYERS if not any(m == k or m.startswith(k + ".") for m in modules))
    assert not stale, f"LAYERS names modules that do not exist: {', '.join(stale)}; remove them"


def test_no_cycles_no_private_imports_and_data_flows_one_way():
    found = violations()
    new = sorted(found - KNOWN_VIOLATIONS)
    assert not new, "the package's structure breaks CONVENTIONS.md (Modules):\n" + "\n".join(new)
    fixed = sorted(KNOWN_VIOLATIONS - found)
    assert not fixed, "fixed, so remove from KNOWN_VIOLATIONS:\n" + "\n".join(fixed)


def test_the_checks_catch_what_they_should(tmp_path, monkeypatch):
    """The checker itself, on a tiny package with one of each breach."""
    package = tmp_path / PACKAGE
    (package / "models").mkdir(parents=True)
    files = {
        "__init__.py": "from .errors import Oops\n",
        "errors.py": "class Oops(Exception):\n    pass\n",
        "dataset.py": "def f():\n    from .models.nets import net  # a lazy import counts too\n",
        "models/__init__.py": "from .nets import net\n",
        "models/nets.py": "from ..dataset import f\nfrom .. import errors\n\ndef net():\n    return errors._hidden\n",
        "plots.py": "from .errors import _secret\n",
        "stray.py": "",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.setitem(globals(), "PACKAGE_DIR", package)
    assert layer_of("gan_text.stray") is None
    assert layer_of("gan_text.models.nets") == MODELS and layer_of("gan_text") == FOUNDATION
    assert violations() == {
        "cycle: gan_text.dataset <-> gan_text.models.nets",
        "layer: gan_text.dataset (dataset) imports gan_text.models.nets (models)",
        "private: gan_text.models.nets imports gan_text.errors._hidden",
        "private: gan_text.plots imports gan_text.errors._secret",
    }
