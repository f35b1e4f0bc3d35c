"""Break the code in known ways, one at a time, and report which breakages the tests let through.

Each mutation is a one-line change of the kind a slip or a misreading of a document would make: a
threshold of a scoring rule moved in the Python rule or in its native expansion, the one-vote veto
masked by an unknown indicator, a resolution outliving a later report, the deadline day counted late.
Each runs in a fresh copy of the tracked files against the test files that cover it; a mutation the
tests do not fail "survives". Slow (minutes per mutation when it survives), so it is not part of the
test run; the result of the last run is recorded in the README's verification section.

    python scripts/mutation_check.py            # every mutation, a table at the end
    python scripts/mutation_check.py npl-native-upper veto-unknown-masks
    python scripts/mutation_check.py --list
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

RULES = ["tests/test_rules_worked_examples.py", "tests/test_national_2019.py", "tests/test_rule_bounds.py"]
NATIVE = ["tests/test_native_expansions.py", "tests/test_rule_bounds.py", "tests/test_engines_agree.py"]
LEDGER = ["tests/test_resolutions.py", "tests/test_consolidate.py", "tests/test_master_manual.py"]
DEADLINES = ["tests/test_deadline_day.py", "tests/test_deadlines.py", "tests/test_master_reports.py"]
VETO = ["tests/test_veto.py", "tests/test_national_2019.py", "tests/test_exit_codes.py"]


@dataclass(frozen=True)
class Mutation:
    id: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


def m(id: str, what: str, file: str, old: str, new: str, tests: list[str]) -> Mutation:  # noqa: A002
    return Mutation(id, what, file, old, new, tuple(dict.fromkeys(tests)))


MUTATIONS = [
    # scoring rules as Python computes them
    m("npl-upper", "NPL rule: 0 points from 6% instead of 5%", "udfs/vocabulary/finance.py",
      "    if lt(r, 0.05):", "    if lt(r, 0.06):", RULES),
    m("npl-full", "NPL rule: full marks below 2.5% instead of 2%", "udfs/vocabulary/finance.py",
      "    if lt(r, 0.02):", "    if lt(r, 0.025):", RULES),
    m("execution-full-at", "execution rate: full marks from 85% instead of 80%", "udfs/vocabulary/finance.py",
      '_rate_score(rate, "金融案件执结率", 0.8)', '_rate_score(rate, "金融案件执结率", 0.85)', RULES),
    m("fundraising-upper", "fundraising growth: 0 points from 55% instead of 50%", "udfs/vocabulary/finance.py",
      "    if lt(g, 0.5):", "    if lt(g, 0.55):", RULES),
    m("coverage-exceeds", "personal score coverage: 50% itself counted as 超过50%", "udfs/vocabulary/services.py",
      "    if not gt(r, 0.5):", "    if r < 0.5:", RULES),
    m("code-conversion-step", "code conversion: 0.25 instead of 0.2 a point per 1%", "udfs/vocabulary/sharing.py",
      "deduct(1.0 - r, 0.2, 1.0, 0.01,", "deduct(1.0 - r, 0.25, 1.0, 0.01,", RULES),
    m("steps-float-noise", "whole steps counted without rounding (0.1+0.2 falls short of 0.3)", "udfs/vocabulary/generic.py",
      "    whole = math.floor(round((xv - t) / st, 9))", "    whole = math.floor((xv - t) / st)", RULES),
    # the native expansions: what a workbook without the add-in computes
    m("npl-native-upper", "NPL native expansion: 0 points from 6%", "udfs/vocabulary/finance.py",
      "IF({r}<0.05,2/3*(5-{r}*100),0)", "IF({r}<0.06,2/3*(5-{r}*100),0)", NATIVE),
    m("npl-native-full", "NPL native expansion: full marks below 2.5%", "udfs/vocabulary/finance.py",
      "IF({r}<0.02,2,", "IF({r}<0.025,2,", NATIVE),
    m("rate-native-offset", "execution/recovery native expansion: r*100-1 instead of r*100-0", "udfs/vocabulary/finance.py",
      "({r}*100-0)", "({r}*100-1)", NATIVE),
    m("coverage-native-exceeds", "coverage native expansion: 50% itself counted as 超过50%", "udfs/vocabulary/services.py",
      "}>0.5,MIN(4,", "}>=0.5,MIN(4,", NATIVE),
    m("steps-native-float-noise", "steps native expansion without rounding", "udfs/vocabulary/generic.py",
      "INT(ROUND(({par(x)}-{par(t)})/{par(step)},9))", "INT(({par(x)}-{par(t)})/{par(step)})", NATIVE),
    # the one-vote veto and the conditions
    m("veto-unknown-masks", "veto: an indicator that cannot be judged masks an unmet one", "udfs/evaluate.py",
      "        if any(c.met is False for c in checks):\n            return True\n"
      "        return None if any(c.met is None for c in checks) else False",
      "        if any(c.met is None for c in checks):\n            return None\n"
      "        return any(c.met is False for c in checks)", VETO),
    m("master-verdict-order", "master: 无法判断 checked before 未达标 in the veto verdict", "workbooks/master/cells.py",
      'IF(COUNTIF({rng},"{UNMET}")>0,"{unmet}",IF(COUNTIF({rng},"{UNKNOWN}")>0,"{unknown}","{met}"))',
      'IF(COUNTIF({rng},"{UNKNOWN}")>0,"{unknown}",IF(COUNTIF({rng},"{UNMET}")>0,"{unmet}","{met}"))',
      [*VETO, "tests/test_master.py"]),
    m("condition-at-least-strict", "conditions: “达到” (>=) judged as strictly above", "udfs/evaluate.py",
      '_COMPARE = {">=": ge,', '_COMPARE = {">=": gt,', [*VETO, "tests/test_rule_bounds.py"]),
    # the ledger's rules
    m("decides-ignores-later", "ledger: a resolution ignores reports received after it", "workbooks/ledger/store.py",
      "    return decision is not None and all(e.position <= decision[1] for e in entries)",
      "    return decision is not None", [*LEDGER, "tests/test_consolidate_e2e.py"]),
    m("reopened-still-scored", "ledger: a reopened resolution still scored", "workbooks/ledger/store.py",
      "            if input_id not in reopened:\n                values.setdefault(input_id, value)",
      "            values.setdefault(input_id, value)", LEDGER),
    m("conflict-taken-silently", "ledger: disagreeing units, the first one's figure taken", "workbooks/ledger/store.py",
      "            if len(distinct) == 1:", "            if len(distinct) >= 1:", LEDGER),
    m("resent-original-ignored", "ledger: an original re-sent after a correction stays a duplicate", "workbooks/intake/batch.py",
      "            if current is None or current[\"seq\"] == row[\"seq\"] or arrived <= str(current[\"arrived_at\"]):",
      "            if True:", ["tests/test_resent_original.py"]),
    m("manual-outranked", "ledger: a unit's figure outranks the office's manual entry", "workbooks/ledger/store.py",
      "            values[input_id] = entry.value", "            values.setdefault(input_id, entry.value)", LEDGER),
    # deadlines
    m("deadline-day-file-late", "a file received on the deadline day counted late", "workbooks/master/progress.py",
      'str(last["arrived_at"])[:10] > deadline.isoformat()', 'str(last["arrived_at"])[:10] >= deadline.isoformat()', DEADLINES),
    m("deadline-day-past", "the deadline day itself counted as past", "workbooks/master/progress.py",
      "    past = today > deadline", "    past = today >= deadline", DEADLINES),
    m("task-due-day-overdue", "a task counted overdue on its own due day", "workbooks/master/progress.py",
      "today > due and state != DONE", "today >= due and state != DONE", [*DEADLINES, "tests/test_reminders.py", "tests/test_rounds.py"]),
    m("before-month-lenient", "“N月前” read as the end of month N (the lenient reading)", "udfs/rubric/deadlines.py",
      "            return Deadline(raw, \"date\", _last_day(year, month - 1))",
      "            return Deadline(raw, \"date\", _last_day(year, month))", DEADLINES),
]  # fmt: skip


def tracked_copy(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode("utf-8").split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def apply(mutation: Mutation, root: Path) -> None:
    path = root / mutation.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.id}: the text to change occurs {text.count(mutation.old)} times in {mutation.file}")
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")


def run(mutation: Mutation, workers: int) -> tuple[str, int]:
    """'caught' (a test failed), 'survived' (all passed) or 'broken' (the run itself failed)."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        root = Path(tmp)
        tracked_copy(root)
        apply(mutation, root)
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        where = subprocess.run(
            [sys.executable, "-c", "import udfs, workbooks; print(udfs.__file__); print(workbooks.__file__)"],
            cwd=root, env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        if not all(Path(p).resolve().is_relative_to(root.resolve()) for p in where):
            raise SystemExit(f"the mutated copy is not what the tests import: {where}")
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests]
        if workers > 1:
            command += ["-n", str(workers), "--dist", "loadfile"]
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        stopped = "stopping after 1 failures" in done.stdout  # xdist ends an -x run with code 2
        outcome = "survived" if done.returncode == 0 else "caught" if done.returncode == 1 or stopped else "broken"
        if outcome == "broken":
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        return outcome, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ids", nargs="*", help="mutation ids (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per mutation (default 2)")
    args = parser.parse_args()
    chosen = [x for x in MUTATIONS if not args.ids or x.id in args.ids]
    if args.list:
        for x in chosen:
            print(f"{x.id:28} {x.what}")
        return 0
    results = []
    for x in chosen:
        outcome, _ = run(x, args.workers)
        print(f"{outcome:9} {x.id:28} {x.what}", flush=True)
        results.append((x, outcome))
    survived = [x.id for x, o in results if o != "caught"]
    print(f"\n{len(results) - len(survived)} of {len(results)} caught" + (f"; not caught: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
