"""Smoke tests of the speed benchmarks: each script runs at tiny sizes and prints well-formed figures.

No test asserts a speed (tests never time anything): they check that the figures exist, are finite
and positive, and agree with each other (ms/step with steps/s, the sum rows with their parts, the
point where a run stopped with the bar).
"""

from __future__ import annotations

import importlib
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str):
    """A script of ``benchmarks/`` imported as a module."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


def positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


# --- seed_loop_speed ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_quick():
    """One quick run of the seed-loop benchmark (with its breakdown): (module, args, result)."""
    module = load("seed_loop_speed")
    args = module.parse_args(["--quick"])
    return module, args, module.measure(args)


def test_seed_loop_same_math_and_frozen_idiom(seed_quick):
    module, _, result = seed_quick
    assert set(result["diffs"]) == {module.COMPILED}
    for diffs in result["diffs"].values():
        assert set(diffs) == {"generator probabilities", "discriminator logits", "largest weight"}
        assert all(0 <= value <= module.TOLERANCE for value in diffs.values())
    assert result["same_math"] == {label: True for label in result["diffs"]}
    assert result["check_steps"] == {module.COMPILED: 3}
    assert result["fused_d_update"] > module.TOLERANCE  # one D update instead of two is other math
    assert result["frozen_trains_d"] is False  # Keras 3: a D traced while frozen never trains


def test_seed_loop_timing_table_is_consistent(seed_quick):
    module, args, result = seed_quick
    timing = result["timing"]
    assert list(timing["loop"]) == [module.NAIVE, module.NAIVE_ONCE, module.COMPILED]
    for _, row in timing.iterrows():
        assert positive(row["steps/s"]) and positive(row["ms/step"]) and positive(row["best ms/step"])
        assert row["ms/step"] == pytest.approx(1000 / row["steps/s"], rel=0.02)
        assert row["best ms/step"] <= row["ms/step"] + 0.1
    first = timing.iloc[0]
    assert first["speed-up"] == 1.0 and first["paired"] == 1.0
    compiled = timing.set_index("loop").loc[module.COMPILED]
    assert result["speedup"] == compiled["speed-up"] and positive(result["speedup"])
    assert result["paired_speedup"] == compiled["paired"] and positive(result["paired_speedup"])


def test_seed_loop_breakdown_adds_up(seed_quick):
    _, _, result = seed_quick
    parts, kinds = result["parts"], result["kinds"]
    assert parts["part"].iloc[-1] == "whole compiled step" and (parts["ms"] > 0).all()
    body = kinds.iloc[:-2]
    assert (body["ms/step"] >= 0).all() and (body["ms/call"] > 0).all()
    assert body["calls/step"][body["kind"].str.startswith("vocab matmul")].sum() == 8  # the eight products
    total = kinds.set_index("kind").loc["sum of the kinds above", "ms/step"]
    assert total == pytest.approx(body["ms/step"].sum(), abs=0.05 * len(body) + 0.1)
    step = kinds.set_index("kind").loc["whole compiled step (timed alone)"]
    assert step["ms/step"] == pytest.approx(parts.set_index("part").loc["whole compiled step", "ms"], abs=0.1)


def test_seed_loop_report_prints_every_figure(seed_quick):
    module, args, result = seed_quick
    text = module.report(result, args)
    assert len(re.findall(r"^  (generator probabilities|discriminator logits|largest weight)\s+\S+  ok$",
                          text, re.MULTILINE)) == 3
    assert "NEVER change: D silently does not train" in text
    found = re.search(r"compiled vs naive: (\S+)x \(medians\), (\S+)x \(paired rounds\)", text)
    assert found and positive(float(found.group(1))) and positive(float(found.group(2)))
    for label in (module.NAIVE, module.COMPILED, "sum of the kinds above", "whole compiled step"):
        assert label in text


def test_speed_report_rows_from_a_seed_loop_result(seed_quick):
    _, args, result = seed_quick
    rows = load("speed_report").seed_loop_rows(result, args)
    figures = [r["figure"] for r in rows]
    assert figures[:4] == ["seed loop: naive Keras loop (one-hot each step)", "seed loop: compiled train_step (fit)",
                           "seed loop: compiled / naive (medians)", "seed loop: compiled / naive (paired rounds)"]
    assert all(positive(r["value"]) for r in rows)
    assert rows[2]["value"] == result["speedup"] and rows[2]["target"] == ">= 1.8"
    assert "DIFFERENT" not in rows[1]["note"]


def test_speed_table_medians_and_paired_ratios():
    speed_table = load("seed_loop_speed").speed_table
    table = speed_table({"naive": [2.0, 4.0, 6.0], "once": [2.0, 2.0, 2.0], "fast": [1.0, 1.0, 3.0]}, steps=2)
    fast = table.set_index("loop").loc["fast"]
    assert fast["steps/s"] == 2.0 and fast["ms/step"] == 500.0 and fast["best ms/step"] == 500.0
    assert fast["speed-up"] == 4.0  # median 4 s over median 1 s
    assert fast["paired"] == 2.0  # median of 2/1, 4/1, 6/3
    assert fast["vs one-hot once"] == 2.0


def test_seed_loop_variants_and_check_steps():
    module = load("seed_loop_speed")
    args = module.parse_args(["--quick", "--steps-per-execution", "2", "--xla"])
    variants = module.compiled_variants(args)
    assert variants == {module.COMPILED: {}, "compiled, 2 steps per call (fit)": {"steps_per_execution": 2},
                        "compiled + XLA (fit)": {"jit_compile": True}}
    # each call runs 2 steps: the 3 steps of the check become 4, for the naive loop too
    assert [module.check_steps(args, options) for options in variants.values()] == [3, 4, 3]


def test_seed_loop_rejects_a_zero_count():
    with pytest.raises(SystemExit, match="--steps must be at least 1, got 0"):
        load("seed_loop_speed").parse_args(["--steps", "0"])


def test_seed_loop_rejects_steps_not_a_multiple_of_steps_per_execution():
    with pytest.raises(SystemExit, match=r"--steps \(10\) must be a multiple of --steps-per-execution \(3\)"):
        load("seed_loop_speed").parse_args(["--steps-per-execution", "3"])


# --- recipe_speed -----------------------------------------------------------------------------------------

def test_meets_bar():
    meets_bar = load("recipe_speed").meets_bar
    assert meets_bar({"grammatical_fraction": 0.8, "duplicate_rate": 0.49}, "grammar", None)
    assert not meets_bar({"grammatical_fraction": 0.79, "duplicate_rate": 0.0}, "grammar", None)
    assert not meets_bar({"grammatical_fraction": 1.0, "duplicate_rate": 0.5}, "grammar", None)
    assert meets_bar({"oracle_nll": 6.0}, "oracle", 6.0)
    assert not meets_bar({"oracle_nll": 6.1}, "oracle", 6.0)
    assert not meets_bar({"oracle_nll": math.nan}, "oracle", 6.0)
    assert not meets_bar({"oracle_nll": 1.0}, "oracle", None)  # no target, no bar


def test_recipe_speed_quick(tmp_path, capsys):
    recipe_speed = load("recipe_speed")
    out = tmp_path / "recipes.json"
    # a target every model meets: the oracle run must stop at its first evaluation point
    recipe_speed.main(["--quick", "--recipes", "mle", "--corpora", "grammar,oracle", "--oracle-nll-target", "1e9",
                       "--json", str(out)])
    text = capsys.readouterr().out
    assert "steps per second of each phase" in text and "time to the bar" in text
    result = json.loads(out.read_text())
    assert result["profile"] == "smoke" and result["machine"]["cpus"] >= 1
    speeds = {(r["corpus"], r["phase"]): r for r in result["speeds"]}
    assert set(speeds) == {("grammar", "pretrain"), ("oracle", "pretrain")}
    for r in speeds.values():
        assert r["recipe"] == "mle" and positive(r["steps/s"])
        assert r["ms/step"] == pytest.approx(1000 / r["steps/s"], rel=0.02)
        assert r["phase s"] == pytest.approx(r["phase steps"] / r["steps/s"], rel=0.02, abs=0.1)
    assert speeds[("oracle", "pretrain")]["vocab"] > speeds[("grammar", "pretrain")]["vocab"]
    bars = {r["corpus"]: r for r in result["bars"]}
    oracle = bars["oracle"]
    assert oracle["reached"] is True and oracle["total step"] == 4 and oracle["trained steps"] == 4
    assert 0 < oracle["train s"] <= oracle["wall s"] <= oracle["total s"]
    grammar = bars["grammar"]
    assert grammar["bar"].startswith("grammatical >= 80%")
    if grammar["reached"]:  # stopped at the first point at the bar
        assert grammar["trained steps"] == grammar["total step"] and grammar["grammatical"] >= 0.8
    else:  # trained to the end: pre-training plus adversarial steps of the smoke profile
        assert grammar["trained steps"] == 16 + 8 and grammar["wall s"] is None


def test_recipe_speed_rejects_an_unknown_recipe():
    with pytest.raises(SystemExit, match="--recipes: unknown gan; choose from relgan, seqgan, mle"):
        load("recipe_speed").parse_args(["--recipes", "relgan,gan"])


# --- speed_report -----------------------------------------------------------------------------------------

def test_speed_report_quick(tmp_path, capsys):
    out = tmp_path / "report.json"
    load("speed_report").main(["--quick", "--skip-seed-loop", "--cores", "0", "--train-args", "--steps 2", "--json", str(out)])
    text = capsys.readouterr().out
    assert text.startswith("machine: ") and "versions: " in text and "metrics: BLEU-2..5" in text
    result = json.loads(out.read_text())
    assert set(result["machine"]["versions"]) >= {"tensorflow", "keras", "numpy", "python"}
    rows = {r["figure"]: r for r in result["rows"]}
    train = rows["default train: python -m gan_text train --steps 2 (smoke profile)"]
    assert positive(train["value"]) and train["unit"] == "s wall" and train["note"].startswith("exit status 0")
    mistake = rows["a mistake: python -m gan_text generate missing-folder (median of 3)"]
    assert positive(mistake["value"]) and mistake["note"] == "exit status 2, 1 line(s) of output"
    metrics = [r for name, r in rows.items() if name.startswith("metrics: ")]
    assert len(metrics) == 4 and all(positive(r["value"]) for r in metrics)
    assert not any(name.startswith(("seed loop", "notebook")) for name in rows)


def test_speed_report_rejects_a_bad_count():
    with pytest.raises(SystemExit, match="--metric-n must be at least 2"):
        load("speed_report").parse_args(["--metric-n", "1"])


# --- quality_frontier --------------------------------------------------------------------------------------

def test_quality_frontier_quick(tmp_path, capsys):
    result = load("quality_frontier").main(["--quick", "--recipes", "relgan,mle", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert "quality frontier" in text and "at T = 1, every run" in text and "seconds per run" in text
    points = pd.read_csv(tmp_path / "frontier_smoke.csv")
    assert set(points["label"]) == {"relgan", "relgan pre-trained", "mle", "real"}
    models = points[points["label"] != "real"]
    assert sorted(models["temperature"].unique()) == [0.8, 1.0] and set(models["n"]) == {24}
    assert models["quality_se"].between(0, 0.5).all() and models["nll_test"].gt(0).all()
    record = json.loads((tmp_path / "frontier_smoke.json").read_text())
    assert record["profile"] == "smoke" and {t["recipe"] for t in record["times"]} == {"relgan", "mle"}
    assert (tmp_path / "frontier_smoke.png").stat().st_size > 0
    assert (tmp_path / "runs" / "relgan-seed0" / "config.json").is_file()
    assert result["points"].shape[0] == len(points)


def test_quality_frontier_matches_a_point_against_the_mle_curve():
    matched = load("quality_frontier").matched
    rows = [("mle", t, nll, q) for t, nll, q in ((0.7, 3.7, 0.90), (1.0, 3.5, 0.80))]
    rows += [("relgan", 1.0, 3.6, 0.90), ("relgan", 1.2, 3.4, 0.70)]  # the second lies off the curve
    rows += [("guided", 1.0, math.nan, 0.95)]  # no likelihood: matched on Self-BLEU-3
    self_bleu = {0.7: 0.35, 1.0: 0.29, 1.2: 0.20}
    points = pd.DataFrame([{"label": label, "run_seed": 0, "temperature": t, "nll_test": nll, "quality": q,
                            "quality_se": 0.01, "self_bleu_3": 0.31 if label == "guided" else self_bleu[t]}
                           for label, t, nll, q in rows])
    out = matched(points).set_index("label")
    assert list(out.index) == ["guided", "relgan"]
    row = out.loc["relgan"]
    assert row["matched_on"] == "nll_test" and row["mle_quality"] == pytest.approx(0.85)
    assert row["gap_points"] == pytest.approx(5.0) and row["gap_se"] == pytest.approx(0.05 / math.hypot(0.01, 0.01))
    guided = out.loc["guided"]  # a third of the way from Self-BLEU 0.29 (0.80) to 0.35 (0.90)
    assert guided["matched_on"] == "self_bleu_3" and guided["mle_quality"] == pytest.approx(0.80 + 0.1 / 3)


# --- course_run --------------------------------------------------------------------------------------------

def test_course_run_smoke_one_notebook(tmp_path, capsys):
    import nbformat

    source = BENCHMARKS.parent / "notebooks" / "01_preprocessing.ipynb"
    before = source.read_bytes()
    status = load("course_run").main(["--profile", "smoke", "--notebooks", "01", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert status == 0 and "01_preprocessing: passed" in text and "budgets (issue #12" in text
    table = pd.read_csv(tmp_path / "course_run_smoke.csv", keep_default_na=False)
    assert list(table["notebook"]) == ["01_preprocessing", "TOTAL"]
    row = table.iloc[0]
    assert row["status"] == "passed" and row["profile"] == "smoke" and row["failed_cell"] == "" and row["error"] == ""
    assert positive(row["wall_s"]) and positive(row["cpu_s"]) and positive(row["peak_rss_mib"])
    passed, total = map(int, row["checks"].split("/"))
    assert passed == total > 0
    assert "grammatical: real test sentences" in row["key_numbers"]
    assert table.iloc[1]["cpu_s"] == row["cpu_s"] and table.iloc[1]["status"] == "passed"
    record = json.loads((tmp_path / "course_run_smoke.json").read_text())
    assert record["profile"] == "smoke" and record["run"] == ["01_preprocessing"]
    assert set(record["machine"]["versions"]) >= {"tensorflow", "keras", "python"}
    assert len(record["machine"]["load_average_after"]) == 3 and record["notebooks"]["01_preprocessing"]["key_lines"]
    assert source.read_bytes() == before  # executed in a copy: the notebook keeps no outputs
    assert not any(cell.get("outputs") for cell in nbformat.read(source, as_version=4).cells)


def test_course_run_reports_a_failing_cell(tmp_path):
    import subprocess

    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · Fails"), nbformat.v4.new_code_cell("x = 1\nprint(f'x = {x}')"),
                nbformat.v4.new_code_cell("from IPython.display import Markdown\n\nMarkdown(f'**{x + 1}** points')"),
                nbformat.v4.new_code_cell("y = 2\nassert x == 2, 'x should be 2'"),
                nbformat.v4.new_code_cell("print('never')")]
    nbformat.write(nb, folder / "01_fails.ipynb")
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "course_run.py"), "--profile", "smoke", "--notebook-dir",
                           str(folder), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    row = pd.read_csv(out / "course_run_smoke.csv").iloc[0]
    assert row["notebook"] == "01_fails" and row["status"] == "failed" and row["failed_cell"] == 3
    assert row["error"] == "AssertionError: x should be 2 [line 2: assert x == 2, 'x should be 2']"
    assert row["checks"] == "0/1" and row["key_numbers"] == "x = 1 | **2** points" and positive(row["wall_s"])
    assert "FAILED 01_fails in cell 3: AssertionError" in done.stdout
    assert not any(cell.get("outputs") for cell in nbformat.read(folder / "01_fails.ipynb", as_version=4).cells)


def test_course_run_names_notebooks_and_keeps_the_last_key_numbers(tmp_path, capsys):
    course_run = load("course_run")
    for name in ("01_a", "02_b", "10_c"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    args = course_run.parse_args(["--notebook-dir", str(tmp_path), "--notebooks", "10,2,01_a"])
    assert [p.stem for p in args.paths] == ["01_a", "02_b", "10_c"]
    with pytest.raises(SystemExit):
        course_run.parse_args(["--notebook-dir", str(tmp_path), "--notebooks", "03"])
    assert "--notebooks: no notebook matches '03'; choose from 01_a, 02_b, 10_c" in capsys.readouterr().err
    assert course_run.short(["a 1", "b 2"], limit=20) == "a 1 | b 2"
    assert course_run.short(["a 1", "b 2", "c 3"], limit=9) == "… | b 2 | c 3"
    assert course_run.short(["a 1", "b 2", "c 3 long"], limit=5) == "… | …long"


# --- step_trace ----------------------------------------------------------------------------------------------

def test_step_trace_finds_the_step_in_textgan_and_the_loss_in_losses(capsys):
    module = load("step_trace")
    assert module.main(["--recipe", "relgan"]) == 0
    lines = capsys.readouterr().out.splitlines()[2:]
    groups, files = {}, []
    for line in lines[:-1]:
        if line.startswith(("the step:", "the models it trains:", "other:")):
            label, counts = line.split(": ", 1)
            groups[label] = (files, [int(word.replace(",", "")) for word in counts.split() if word[0].isdigit()])
            files = []
        else:
            name, run, entered, size, *_ = line.split()
            files.append((name, int(run), int(entered), int(size)))
    step_files = {name for name, *_ in groups["the step"][0]}
    assert {"training/textgan.py", "training/losses.py"} <= step_files
    assert all(name.startswith("training/") for name in step_files)
    assert all(name.startswith("models/") for name, *_ in groups["the models it trains"][0])
    for rows, (n_files, n_run, n_entered, n_size) in groups.values():
        assert all(0 < run <= entered <= size for _, run, entered, size in rows)
        assert (n_files, n_run, n_entered, n_size) == (len(rows), sum(r[1] for r in rows), sum(r[2] for r in rows),
                                                       sum(r[3] for r in rows))
    total = lines[-1].split()
    n_files = sum(len(rows) for rows, _ in groups.values())
    assert total[:3] == [str(n_files), "files,", str(sum(counts[1] for _, counts in groups.values()))]
