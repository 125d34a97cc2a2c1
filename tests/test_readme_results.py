"""The README's benchmark section is rendered from the committed results (benchmarks/readme_results.py).

A new benchmark run that is not re-rendered fails here; so does a number typed into the README outside the
generated section. The renderer itself is checked on small fake results written by ``write_results``: the
``full`` part appears with its files and only then, and the words that depend on the numbers follow them.
"""

from __future__ import annotations

import importlib
import re
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from test_notebook_structure import typed_numbers

from gan_text.bench.results import write_results
from gan_text.bench.running import RunResult

README = REPO / "README.md"
FENCED = re.compile(r"^```.*?^```[^\n]*$", re.S | re.M)


def load_renderer():
    benchmarks = str(REPO / "benchmarks")
    if benchmarks not in sys.path:
        sys.path.insert(0, benchmarks)
    return importlib.import_module("readme_results")


rr = load_renderer()


# --- the committed README ---------------------------------------------------------------------------------

def test_the_markers_exist_exactly_once_in_order():
    text = README.read_text(encoding="utf-8")
    assert text.count(rr.BEGIN) == 1 and text.count(rr.END) == 1
    assert text.index(rr.BEGIN) < text.index(rr.END)
    assert text.index("## Results: the papers' benchmarks") < text.index(rr.BEGIN)


def test_the_committed_section_is_what_the_committed_files_render():
    text = README.read_text(encoding="utf-8")
    assert rr.replace_section(text, rr.render()) == text, (
        "README.md's benchmark section differs from gan_text/bench/data/: run `python benchmarks/readme_results.py`")
    assert rr.main(["--check"]) == 0


def test_no_typed_in_numbers_outside_the_generated_section():
    text = README.read_text(encoding="utf-8")
    outside = text.split(rr.BEGIN)[0] + text.split(rr.END)[1]
    typed = typed_numbers(FENCED.sub("", outside))  # commands in fenced blocks are code, not prose
    assert not typed, "render results from files (benchmarks/readme_results.py), or put settings in `…`:\n" + (
        "\n".join(typed))


def test_fenced_blocks_are_left_out_of_the_check_and_nothing_else():
    text = "Reaches 0.83 here.\n```bash\npython -m gan_text generate --temperature 0.8\n```\nAnd 0.5 % more.\n"
    assert [found.split(" in:")[0] for found in typed_numbers(FENCED.sub("", text))] == ["'0.83'", "'0.5'"]


# --- the renderer on fake results -------------------------------------------------------------------------

BUDGET = {"pretrain_steps": 10, "steps": 10, "seqgan_steps": 2, "pretrain_d_steps": 3, "n_train": 200,
          "n_test": 100, "n_final": 50, "n_eval": 20}
META = {"budget": BUDGET, "machine": {"cpu_count": 2, "gpus": []}}
PHASES = {"mle": {"pretrain": 20}, "seqgan": {"pretrain": 10, "pretrain_d": 3, "adversarial": 2},
          "relgan": {"pretrain": 10, "adversarial": 10}}


def oracle_run(recipe, nll_gen, nll_oracle, nll_gen_pretrained=7.5, sweep=None):
    """A fake oracle run: curves from step 0 to 20, the end of pre-training at step 10."""
    rows = [("pretrain", 0, "nll_oracle", 11.0), ("pretrain", 0, "nll_gen", 9.0),
            ("pretrain", 10, "nll_oracle", 9.0), ("pretrain", 10, "nll_gen", nll_gen_pretrained),
            ("adversarial", 20, "nll_oracle", nll_oracle), ("adversarial", 20, "nll_gen", nll_gen)]
    curves = pd.DataFrame([{"phase": p, "step": s, "total_step": s, "metric": m, "value": v} for p, s, m, v in rows])
    info = {"phases": PHASES[recipe], "train_seconds": 2.0, "train_cpu_seconds": 1.5,
            "settings": {"cell": "lstm", "hidden_dim": 32}}
    return RunResult(recipe, 0, {"nll_oracle": nll_oracle, "oracle_scored": 0.9, "nll_gen": nll_gen},
                     curves, pd.DataFrame(sweep or [], columns=["temperature", "metric", "value"]), info)


def mle_sweep():  # MLE at T: NLL-gen 7 + (1 - T) * 2, NLL-oracle 9 - (1 - T) * 2
    return [row for t in (0.6, 0.8, 1.0) for row in
            ((t, "nll_gen", 7 + (1 - t) * 2), (t, "nll_oracle", 9 - (1 - t) * 2), (t, "oracle_scored", 0.9))]


def write_oracle(out, profile, relgan_oracle=8.5, relgan_gen=7.4, recipes=("mle", "seqgan", "relgan")):
    runs = [oracle_run("mle", 7.0, 9.0, sweep=mle_sweep()), oracle_run("seqgan", 7.2, 8.9),
            oracle_run("relgan", relgan_gen, relgan_oracle)]
    runs = [run for run in runs if run.recipe in recipes]
    write_results(out, "oracle", profile, runs, {"oracle": {"nll_oracle": 6.0, "nll_gen": 6.0}}, META)


def write_coco(out, profile, gans=(("seqgan", 0, 0.8, 1.6), ("relgan", 0, 0.75, 1.5)), mle=(0.8, 1.6)):
    def run(recipe, bleu, self_bleu, sweep=None, seed=0):
        final = {**{f"bleu_{n}": bleu / (n - 1) for n in range(2, 6)},
                 **{f"self_bleu_{n}": self_bleu / (n - 1) for n in range(2, 6)}, "nll_gen": 4.6}
        curves = pd.DataFrame({"phase": ["pretrain"] * 2, "step": [0, 10], "total_step": [0, 10],
                               "metric": ["bleu_4"] * 2, "value": [0.01, bleu / 3]})
        info = {"phases": PHASES[recipe], "train_seconds": 1.0, "settings": {"cell": "lstm", "hidden_dim": 32}}
        return RunResult(recipe, seed, final, curves,
                         pd.DataFrame(sweep or [], columns=["temperature", "metric", "value"]), info)

    sweep = [row for t, b, s in ((0.8, 0.3, 0.6), (1.0, 0.2, 0.4), (1.2, 0.1, 0.2))
             for row in ((t, "bleu_5", b), (t, "self_bleu_5", s))]
    runs = [run("mle", *mle, sweep), *(run(recipe, bleu, self_bleu, seed=seed) for recipe, seed, bleu, self_bleu in gans)]
    real = {f"bleu_{n}": v for n, v in zip(range(2, 6), (0.740, 0.520, 0.337, 0.218), strict=True)}
    write_results(out, "coco", profile, runs, {"real": {**real, "self_bleu_5": 0.416}}, META)


def test_the_full_part_appears_with_its_files_and_only_then(tmp_path):
    write_oracle(tmp_path, "course")
    write_coco(tmp_path, "course")
    course = rr.render(tmp_path, tmp_path)
    assert "### Synthetic oracle, `course` profile" in course and "### COCO captions, `course` profile" in course
    assert "`full` profile\n" not in course and "full.png" not in course
    assert "has not been run for oracle and coco" in course
    write_oracle(tmp_path, "full", recipes=("mle", "relgan"))
    full = rr.render(tmp_path, tmp_path)
    assert "| SeqGAN | - | - | 8.736 [1] | - | - | not run |" in full  # ours, left out of this run
    assert "| LeakGAN | - | - | 7.038 [1] | - | - | not implemented |" in full
    assert "### Synthetic oracle, `full` profile" in full and "](oracle_full.png)" in full
    assert full.index("`course` profile") < full.index("### Synthetic oracle, `full` profile") < full.index("COCO")
    assert "has not been run for coco:" in full and "oracle and coco" not in full
    assert "The papers' budgets, those of the `full` profile" in course and full.count("The papers' budgets") == 1
    write_coco(tmp_path, "full")
    assert "has not been run" not in rr.render(tmp_path, tmp_path)


def test_the_numbers_and_the_words_come_from_the_files(tmp_path):
    write_oracle(tmp_path, "course", relgan_oracle=8.5, relgan_gen=7.4)
    text = " ".join(rr.render(tmp_path, tmp_path).split())  # unfolded
    # RelGAN's NLL-gen 7.4 = 7 + (1 - T) * 2 at T = 0.8, where the MLE's NLL-oracle is 8.6: 0.1 below the curve
    assert "temperature 0.80 has NLL-oracle 8.600, so RelGAN (+0.100 nats) lies below the tempered-MLE curve" in text
    assert "temperature 0.90 has NLL-oracle 8.800, so SeqGAN (-0.100 nats) lies above the tempered-MLE curve" in text
    assert "| RelGAN | 8.500 | 90% | 6.680 [1] | +1.820 | 7.400 | 10 MLE + 10 adversarial steps |" in text
    assert "| SeqGAN | 8.900 | 90% | 8.736 [1] | +0.164 | 7.200 | 10 MLE + 3 D + 2 adversarial steps |" in text
    assert "RelGAN the most (+1.820 nats; theirs: RelGAN(100)" in text
    assert "The oracle's own samples score 6.000 (the floor)" in text
    assert ("RelGAN's NLL-oracle ends 0.500 nats below MLE's, and its NLL-gen falls by 0.100 from the end of "
            "pre-training to the end of its run: the paper's trade is not reproduced here (missing: NLL-oracle 1 nat "
            "below MLE's and a rising NLL-gen)") in text
    assert "| RelGAN | 10 → 20 | 9.000 | 8.500 | 7.500 | 7.400 |" in text  # the curves' two points
    write_oracle(tmp_path, "course", relgan_oracle=7.9, relgan_gen=7.8)  # 1.1 nats below MLE, NLL-gen up 0.3
    text = " ".join(rr.render(tmp_path, tmp_path).split())
    assert "temperature 0.60 has NLL-oracle 8.200, so RelGAN (+0.300 nats) lies below" in text
    assert "RelGAN's NLL-oracle ends 1.100 nats below MLE's, and its NLL-gen rises by 0.300" in text
    assert "the paper's trade (NLL-oracle far below MLE's, paid for with coverage) is reproduced" in text


def test_the_coco_words_come_from_the_files(tmp_path):
    write_coco(tmp_path, "course")
    text = " ".join(rr.render(tmp_path, tmp_path).split())
    assert "Real text reproduces Texygen's BLEU and Self-BLEU to three decimals" in text
    # RelGAN: BLEU-5 0.1875 at Self-BLEU-5 0.375, where the MLE curve is at 0.1 + (0.375 - 0.2) / 2 = 0.1875
    assert "SeqGAN +0.000; RelGAN +0.000, so neither GAN lies above it" in text
    assert "| MLE | 0.800 | 0.400 | 0.267 | 0.200 | 0.400 | 0.731 / 0.497 / 0.305 / 0.189 [1] | 20 MLE steps |" in text
    assert "**Where we are behind:** RelGAN the most" in text


def test_a_gan_lies_above_the_coco_curve_only_by_more_than_two_standard_errors(tmp_path):
    # the curve is BLEU-5 = Self-BLEU-5 / 2: at Self-BLEU-5 0.4 (Self-BLEU-2 1.6), BLEU-5 0.2 (BLEU-2 0.8)
    write_coco(tmp_path, "course", gans=(("seqgan", 0, 1.0, 1.6), ("seqgan", 1, 1.04, 1.6),  # +0.05, +0.06
                                         ("relgan", 0, 1.0, 1.6), ("relgan", 1, 0.68, 1.6)))  # +0.05, -0.03
    text = " ".join(rr.render(tmp_path, tmp_path).split())
    assert ("SeqGAN +0.055 ± 0.005; RelGAN +0.010 ± 0.040 (mean ± standard error over 2 seeds), so SeqGAN lies "
            "above it by more than two standard errors") in text
    assert rr.clearly_above(0.001, float("nan"), 1) and not rr.clearly_above(0.0004, float("nan"), 1)
    assert "**Where we are behind:** RelGAN the most" in text


def test_no_model_behind_the_published_bleu_is_said_so(tmp_path):
    # every BLEU-n above Texygen's (BLEU-n = BLEU-2 / (n - 1): BLEU-5 0.4 against 0.189 at most)
    write_coco(tmp_path, "course", gans=(("seqgan", 0, 1.6, 1.6),), mle=(1.6, 3.2))
    text = " ".join(rr.render(tmp_path, tmp_path).split())
    assert "**No model is behind** the published BLEU-2..5 here." in text and "Where we are behind" not in text
    assert not rr.clearly_above(0.05, 0.03, 2) and rr.clearly_above(0.05, 0.02, 2)


@pytest.mark.parametrize(("info", "expected"), [
    ({"phases": {"adversarial": 30, "pretrain": 1500, "pretrain_d": 200}}, "1,500 MLE + 200 D + 30 adversarial steps"),
    ({"phases": {"pretrain": 0, "adversarial": 500}, "pretraining": {"key": "k"}},
     "12,480 MLE (shared) + 500 adversarial steps"),
    ({"phases": {"pretrain": 500}, "pretraining": {"key": "k"}, "early_stopping": {"total_step": 12_980}},
     "12,480 MLE (shared) + 500 MLE steps, scored at step 12,980 (best held-out NLL)"),
    ({}, "-"),
])
def test_a_runs_budget_is_read_from_its_record(info, expected):
    assert rr.run_budget(info, {"pretrain_steps": 12_480}) == expected


def test_check_says_stale_in_one_line_and_the_rewrite_touches_only_the_section(tmp_path, capsys):
    write_oracle(tmp_path, "course")
    readme = tmp_path / "README.md"
    before, after = "# Title\n\nText 0.5 before.\n\n", "\n\n## Next\n\nText after.\n"
    readme.write_text(f"{before}{rr.BEGIN}\nold numbers\n{rr.END}{after}", encoding="utf-8")
    assert rr.main(["--check", "--readme", str(readme), "--out", str(tmp_path)]) == 1
    message = capsys.readouterr().err.strip()
    assert "stale" in message and "python benchmarks/readme_results.py" in message and "\n" not in message
    assert rr.main(["--readme", str(readme), "--out", str(tmp_path)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(before + rr.BEGIN + "\n" + rr.NOTE) and text.endswith(rr.END + after)
    assert "old numbers" not in text and "### Synthetic oracle, `course` profile" in text
    assert rr.main(["--check", "--readme", str(readme), "--out", str(tmp_path)]) == 0
    readme.write_text(text + rr.BEGIN, encoding="utf-8")
    assert rr.main(["--check", "--readme", str(readme), "--out", str(tmp_path)]) == 2
    assert "exactly once" in capsys.readouterr().err


def test_paragraphs_fold_outside_code_spans_and_links():
    line = "word " * 30 + "`python -m gan_text bench oracle --profile full` and [notebook 11](notebooks/x.ipynb) end"
    folded = rr.wrap(line)
    assert all(len(part) <= rr.WIDTH for part in folded.splitlines())
    assert "`python -m gan_text bench oracle --profile full`" in folded and "[notebook 11](notebooks/x.ipynb)" in folded
    assert " ".join(folded.split()) == " ".join(line.split())
    table = "| a | " + "b | " * 60
    assert rr.wrap(table) == table
    assert np.isclose(float(rr.number(1.23456)), 1.235) and rr.number(float("nan")) == "-"
    assert rr.number(9.2, 0.2828, 2) == "9.200 ± 0.283"
