"""The whole course, run as a student runs it: every notebook executed in a fresh kernel, timed and checked.

Run from the repository root (on a quiet machine: other work on the CPUs slows every figure)::

    python benchmarks/course_run.py                                    # all notebooks, course profile (~40 min)
    python benchmarks/course_run.py --notebooks 07,08                  # only these; the others' rows are kept
    python benchmarks/course_run.py --profile smoke --out /tmp/cr      # a quick check that it runs

Each notebook is executed sequentially by ``nbclient`` in a fresh kernel, from a copy in a temporary folder (the
kernel's working directory), so nothing is ever written into ``notebooks/``: the notebooks stay committed without
outputs. ``GAN_TEXT_PROFILE`` is set to ``--profile`` and ``MPLBACKEND`` to ``Agg``. Every notebook runs in its own
runner process, which starts the kernel and reaps it, so the resource usage of that process's children is the
kernel's alone (with its own children): no delta between notebooks is needed, and the peak memory of one notebook
is not hidden by an earlier, bigger one.

Per notebook it records the status (``passed``, or ``failed`` with the failing cell's index among all cells,
0-based, and the one-line exception with the source line of the cell that raised it), the wall seconds of the
runner (kernel start and shutdown included), the CPU seconds (user + system) of the kernel and its children, the
kernel's peak resident memory (MiB), the checkpoint cells (cells with an ``assert``) that ran without error out of
all of them, and the key numbers: the lines with a digit that the notebook's f-strings print or render
(``print(f"...")``, ``Markdown(f"...")``) before its ``## Summary``, the last of them that fit in a short column
(all of them are in the JSON record).

Written into ``OUT`` (default ``benchmarks/results``): ``course_run.csv`` (one row per notebook, then a TOTAL row)
and ``course_run.json`` (machine, versions, load average before and after, the date, the settings and every
notebook's details); another profile writes ``course_run_<profile>.csv`` and ``.json``. Rows of notebooks not run this time are kept from the earlier files, so one
notebook can be run again alone. Printed: the table and the budget verdicts of issue #12 (each notebook at most 5
minutes of CPU in the course profile, the whole course at most 40). The exit status is 1 if a notebook run this
time failed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
NOTEBOOK_CPU_BUDGET_S = 300.0  # issue #12: each notebook <= 5 minutes of CPU in the course profile...
COURSE_BUDGET_S = 2400.0  # ...and the whole course <= 40 minutes
KEY_CHARS = 400  # the key-numbers column keeps the last lines that fit in this many characters
KILL_GRACE_S = 120.0  # the runner stops the kernel at --timeout; past this margin it is killed itself
RUNNER = "--run-one"  # the hidden first argument that makes this script the runner of one notebook
COLUMNS = ["notebook", "profile", "status", "failed_cell", "error", "wall_s", "cpu_s", "peak_rss_mib", "checks",
           "key_numbers", "measured"]
F_STRING = re.compile(r"""\b(print|Markdown)\(\s*f["']""")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="course", help="GAN_TEXT_PROFILE of every notebook (default course)")
    parser.add_argument("--notebooks", default=None, metavar="LIST",
                        help="comma-separated notebooks, by number or name, e.g. 04,05 (default: all)")
    parser.add_argument("--notebook-dir", type=Path, default=ROOT / "notebooks", metavar="DIR",
                        help="the folder of the notebooks (default notebooks/)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per notebook (default 1800)")
    parser.add_argument("--out", type=Path, default=BENCHMARKS / "results", help="folder of the results")
    parser.add_argument("--executed", type=Path, default=None, metavar="DIR",
                        help="also keep each executed copy, with its outputs, in DIR (never in notebooks/)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout must be positive, got {args.timeout:g}")
    available = sorted(args.notebook_dir.glob("*.ipynb"))
    if not available:
        parser.error(f"--notebook-dir: no .ipynb files in {args.notebook_dir}")
    if args.executed is not None and args.executed.resolve() == args.notebook_dir.resolve():
        parser.error("--executed must not be the notebook folder: the notebooks stay without outputs")
    args.paths = available
    if args.notebooks is not None:
        args.paths = []
        for token in (t.strip() for t in args.notebooks.split(",") if t.strip()):
            found = [p for p in available if matches(p.stem, token)]
            if len(found) != 1:
                how = "no" if not found else "more than one"
                parser.error(f"--notebooks: {how} notebook matches {token!r}; "
                             f"choose from {', '.join(p.stem for p in available)}")
            if found[0] not in args.paths:
                args.paths.append(found[0])
        args.paths.sort()
    return args


def matches(stem: str, token: str) -> bool:
    """Whether ``token`` names the notebook ``stem``: its full name, or its number ("4", "04" or "04_...")."""
    if token.isdigit():
        token = token.zfill(2)
    return stem == token or stem.startswith(token + "_")


# --- the runner: one notebook, in its own process -----------------------------------------------------------

def execute(source: Path, work: Path, timeout: float) -> dict:
    """Execute a copy of ``source`` in ``work`` (the kernel's working directory) in a fresh kernel; stop at the
    first error or after ``timeout`` seconds. Returns the outcome as a JSON-ready dict; the executed copy is
    left in ``work``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    copy = work / source.name
    shutil.copyfile(source, copy)
    nb = nbformat.read(copy, as_version=4)
    running: dict = {"cell": None}

    def on_cell_execute(cell, cell_index):
        running["cell"] = cell_index

    client = NotebookClient(nb, kernel_name="python3", timeout=None, resources={"metadata": {"path": str(work)}},
                            on_cell_execute=on_cell_execute)
    outcome = {"status": "passed", "failed_cell": None, "error": ""}

    async def run():
        task = asyncio.ensure_future(client.async_execute())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:  # cancelling shuts the kernel down, which may raise anything (a DeadKernelError): a timeout
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise TimeoutError
        task.result()

    try:
        asyncio.run(run())
    except CellExecutionError:
        outcome.update(failure(nb, running["cell"]))
    except TimeoutError:
        outcome.update(status="failed", failed_cell=running["cell"],
                       error=f"timeout: still running after {timeout:g} s")
    except Exception as error:  # the kernel died or could not start: a failure of this notebook, not of the run
        outcome.update(status="failed", failed_cell=running["cell"],
                       error=f"{type(error).__name__}: {first_line(str(error))}")
    nbformat.write(nb, copy)
    outcome.update(checks=checks(nb, outcome["failed_cell"]), key_lines=key_lines(nb))
    return outcome


def failure(nb, index: int | None) -> dict:
    """The failing cell of an executed notebook (``index``, the cell that was running; None: the first cell with
    an error output): its index and "Ename: message [line N: source]"."""
    candidates = range(len(nb.cells)) if index is None else [index]
    for i in candidates:
        cell = nb.cells[i]
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if cell.cell_type != "code" or not errors:
            continue
        error = errors[-1]
        evalue = first_line(error.get("evalue", ""))
        message = error.get("ename", "Error") + (f": {evalue}" if evalue else "")
        found = re.search(r"Cell In\[\d+\], line (\d+)", ANSI.sub("", "\n".join(error.get("traceback", []))))
        lines = cell.source.splitlines()
        if found and 0 < int(found.group(1)) <= len(lines):
            line = int(found.group(1))
            message += f" [line {line}: {lines[line - 1].strip()}]"
        return {"status": "failed", "failed_cell": i, "error": message}
    return {"status": "failed", "failed_cell": index, "error": "the cell failed without an error output"}


def first_line(text: str, limit: int = 200) -> str:
    line = next((s.strip() for s in ANSI.sub("", text).splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[:limit - 1] + "…"


def checks(nb, failed_cell: int | None) -> list[int]:
    """[checkpoint cells that ran without error, all checkpoint cells]: code cells with an ``assert``."""
    indices = [i for i, cell in enumerate(nb.cells)
               if cell.cell_type == "code" and re.search(r"^\s*assert\b", cell.source, re.MULTILINE)]
    done = len(nb.cells) if failed_cell is None else failed_cell
    return [sum(i < done for i in indices), len(indices)]


def key_lines(nb) -> list[str]:
    """The lines with a digit that the f-string cells (``print(f"``, ``Markdown(f"``) before ``## Summary`` printed
    or rendered, in order."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Summary"):
            break
        if cell.cell_type != "code" or not F_STRING.search(cell.source):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
            elif output.get("output_type") in ("display_data", "execute_result"):
                text = output.get("data", {}).get("text/markdown", "")
            else:
                continue
            lines += [" ".join(line.split()) for line in text.splitlines() if re.search(r"\d", line)]
    return lines


def runner_main(argv: list[str]) -> None:
    """The runner process: execute one notebook, then write the outcome and the kernel's resource usage."""
    source, work, result, timeout = Path(argv[0]), Path(argv[1]), Path(argv[2]), float(argv[3])
    outcome = execute(source, work, timeout)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel (reaped at shutdown) and its children
    outcome.update(cpu_s=usage.ru_utime + usage.ru_stime, peak_rss_mib=rss_mib(usage.ru_maxrss))
    result.write_text(json.dumps(outcome))


def rss_mib(maxrss: int) -> float:
    """``ru_maxrss`` in MiB (Linux reports KiB, macOS bytes)."""
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10


# --- the course: every notebook, one runner each ------------------------------------------------------------

def run_notebook(path: Path, args, work: Path) -> tuple[dict, dict]:
    """Run ``path`` in a runner process: (its CSV row, its details for the JSON record)."""
    folder = work / path.stem
    folder.mkdir()
    result, log = work / f"{path.stem}.result.json", work / f"{path.stem}.log"
    env = {**os.environ, "GAN_TEXT_PROFILE": args.profile, "MPLBACKEND": "Agg"}
    load_before = load_average()
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), RUNNER, str(path.resolve()),
                                    str(folder), str(result), str(args.timeout)],
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
        killed = threading.Event()

        def kill():
            killed.set()
            process.send_signal(signal.SIGKILL)  # the orphaned kernel exits when it sees its parent gone

        timer = threading.Timer(args.timeout + KILL_GRACE_S, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # this runner's usage, its kernel's included
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if result.is_file():
        outcome = json.loads(result.read_text())
    else:  # the runner itself died: measure it from outside
        tail = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        why = (f"killed after {wall:.0f} s" if killed.is_set()
               else f"the runner exited with status {process.returncode}")
        outcome = {"status": "failed", "failed_cell": None, "error": f"{why}: {tail[-1][:200] if tail else ''}",
                   "checks": [0, 0], "key_lines": [], "cpu_s": usage.ru_utime + usage.ru_stime,
                   "peak_rss_mib": rss_mib(usage.ru_maxrss)}
    if args.executed is not None:
        args.executed.mkdir(parents=True, exist_ok=True)
        if (folder / path.name).is_file():
            shutil.copyfile(folder / path.name, args.executed / path.name)
    row = {"notebook": path.stem, "profile": args.profile, "status": outcome["status"],
           "failed_cell": outcome["failed_cell"], "error": outcome["error"], "wall_s": round(wall, 1),
           "cpu_s": round(outcome["cpu_s"], 1), "peak_rss_mib": round(outcome["peak_rss_mib"], 1),
           "checks": "{}/{}".format(*outcome["checks"]), "key_numbers": short(outcome["key_lines"]),
           "measured": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    details = {**row, "key_lines": outcome["key_lines"], "load_average_before": load_before,
               "load_average_after": load_average(),
               "runner_cpu_s": round(usage.ru_utime + usage.ru_stime, 1)}  # the kernel's and nbclient's
    if outcome["status"] != "passed":
        details["log_tail"] = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
    return row, details


def short(lines: list[str], limit: int = KEY_CHARS) -> str:
    """The last of ``lines`` that fit in ``limit`` characters, joined by " | " ("… | " first if some are left
    out; a single line too long is cut at its start)."""
    kept = []
    for line in reversed(lines):
        line = line if len(line) <= limit else "…" + line[-(limit - 1):]
        if kept and len(" | ".join([line, *kept])) > limit:
            break
        kept.insert(0, line)
    text = " | ".join(kept)
    return text if len(kept) == len(lines) else "… | " + text


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def merged(rows: list[dict], csv: Path):
    """This run's rows, and the earlier file's rows of the notebooks not run this time, sorted by notebook."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=COLUMNS)
    if csv.is_file():
        earlier = pd.read_csv(csv, dtype={"failed_cell": "Int64"}, keep_default_na=False,
                              na_values={"failed_cell": [""]})
        earlier = earlier[(earlier["notebook"] != "TOTAL") & ~earlier["notebook"].isin(frame["notebook"])]
        frame = pd.concat([earlier.reindex(columns=COLUMNS), frame], ignore_index=True) if len(earlier) else frame
    frame = frame.sort_values("notebook", ignore_index=True)
    frame["failed_cell"] = frame["failed_cell"].astype("Int64")
    return frame


def total_row(frame, profile: str) -> dict:
    failed = int((frame["status"] != "passed").sum())
    fractions = [c.split("/") for c in frame["checks"].astype(str) if "/" in c]
    return {"notebook": "TOTAL", "profile": profile,
            "status": "passed" if failed == 0 else f"{failed} failed", "failed_cell": None, "error": "",
            "wall_s": round(float(frame["wall_s"].sum()), 1), "cpu_s": round(float(frame["cpu_s"].sum()), 1),
            "peak_rss_mib": round(float(frame["peak_rss_mib"].max()), 1),
            "checks": f"{sum(int(a) for a, _ in fractions)}/{sum(int(b) for _, b in fractions)}",
            "key_numbers": f"{len(frame)} notebooks", "measured": ""}


def verdicts(frame, profile: str, expected: list[str]) -> list[str]:
    """The budget verdicts of issue #12 on CPU seconds (wall seconds beside them)."""
    import pandas as pd

    lines = [f"budgets (issue #12, set for the course profile{'' if profile == 'course' else '; this is ' + profile}):"
             f" each notebook <= {NOTEBOOK_CPU_BUDGET_S / 60:.0f} min CPU, the course <= {COURSE_BUDGET_S / 60:.0f} min"]
    over = frame[frame["cpu_s"] > NOTEBOOK_CPU_BUDGET_S]
    if over.empty:
        lines.append(f"  every notebook within {NOTEBOOK_CPU_BUDGET_S:.0f} s of CPU "
                     f"(most: {frame.loc[frame['cpu_s'].idxmax(), 'notebook']}, {frame['cpu_s'].max():.0f} s)")
    else:
        lines.append("  OVER BUDGET: " + ", ".join(f"{r.notebook} {r.cpu_s:.0f} s CPU ({r.wall_s:.0f} s wall)"
                                                   for r in over.itertuples()))
    cpu, wall = float(frame["cpu_s"].sum()), float(frame["wall_s"].sum())
    verdict = "within budget" if cpu <= COURSE_BUDGET_S else "OVER BUDGET"
    lines.append(f"  the course: {cpu:.0f} s CPU ({cpu / 60:.1f} min), {wall:.0f} s wall ({wall / 60:.1f} min): "
                 f"{verdict}")
    missing = [name for name in expected if name not in set(frame["notebook"])]
    if missing:
        lines.append(f"  the total leaves out {len(missing)} notebook(s) never run into this file: {', '.join(missing)}")
    failed = frame[frame["status"] != "passed"]
    for r in failed.itertuples():
        cell = "" if pd.isna(r.failed_cell) else f" in cell {r.failed_cell}"
        lines.append(f"  FAILED {r.notebook}{cell}: {r.error}")
    return lines


def main(argv=None) -> int:
    """Run the notebooks; returns the exit status (1 if one of them failed)."""
    args = parse_args(argv)
    import pandas as pd

    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    from speed_report import machine_info

    from gan_text.atomic import atomic_path, write_json
    from gan_text.tf_logs import import_tensorflow_quietly

    load_before = load_average()  # machine_info() imports TensorFlow: after the notebooks, not beside them
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"{len(args.paths)} notebook(s), {args.profile} profile, one fresh kernel each; load average "
          f"{load_before} (1, 5, 15 min)", flush=True)
    rows, details = [], {}
    with tempfile.TemporaryDirectory(prefix="course_run_") as work:
        for path in args.paths:
            row, details[path.stem] = run_notebook(path, args, Path(work))
            rows.append(row)
            where = "" if row["status"] == "passed" else f" (cell {row['failed_cell']}: {row['error']})"
            print(f"{row['notebook']}: {row['status']}{where}, {row['wall_s']:.0f} s wall, {row['cpu_s']:.0f} s CPU, "
                  f"{row['peak_rss_mib']:.0f} MiB peak", flush=True)

    stem = "course_run" if args.profile == "course" else f"course_run_{args.profile}"  # course: the README's table
    csv, record_path = args.out / f"{stem}.csv", args.out / f"{stem}.json"
    frame = merged(rows, csv)
    table = pd.concat([frame, pd.DataFrame([total_row(frame, args.profile)], columns=COLUMNS)], ignore_index=True)
    table["failed_cell"] = table["failed_cell"].astype("Int64")
    with atomic_path(csv) as tmp:
        table.to_csv(tmp, index=False)
    earlier = json.loads(record_path.read_text()).get("notebooks", {}) if record_path.is_file() else {}
    kept = {name: value for name, value in earlier.items() if name in set(frame["notebook"])}
    judged = verdicts(frame, args.profile, [p.stem for p in sorted(args.notebook_dir.glob("*.ipynb"))])
    import_tensorflow_quietly()  # machine_info reads TensorFlow's version: without its start-up logs
    machine = {**machine_info(), "load_average": load_before}
    machine["load_average_after"] = load_average()
    write_json(record_path, {"profile": args.profile, "date": started, "timeout_s": args.timeout,
                             "notebook_dir": str(args.notebook_dir), "run": [p.stem for p in args.paths],
                             "machine": machine, "budgets": {"notebook_cpu_s": NOTEBOOK_CPU_BUDGET_S,
                                                             "course_cpu_s": COURSE_BUDGET_S},
                             "verdicts": judged, "notebooks": {**kept, **details}})

    shown = table.drop(columns=["profile", "key_numbers", "measured"])
    with pd.option_context("display.width", 250, "display.max_colwidth", 90, "display.max_columns", 20):
        print("\n" + shown.to_string(index=False))
    print("\n" + "\n".join(judged))
    print(f"\nwritten: {csv}, {record_path}")
    return 1 if any(row["status"] != "passed" for row in rows) else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == RUNNER:
        runner_main(sys.argv[2:])
    else:
        sys.exit(main())
