"""Headless scoring speed: the project's own compiled evaluator against the `formulas` package
evaluating the same formula text, measured side by side in one run (ratios, not absolute times,
are what carry over between machines).

    python benchmarks/bench_scoring.py [--rubric national-2019] [--sets 200]
"""

from __future__ import annotations

import argparse
import random
import sys

import formulas
from timing import best_of

from udfs.engines.formulas_engine import FormulasFormula
from udfs.evaluate import CompiledRubric, evaluate
from udfs.rubric import load
from udfs.sampling import sample_inputs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rubric", default="national-2019")
    parser.add_argument("--sets", type=int, default=200)
    args = parser.parse_args()
    rubric, _ = load(args.rubric)
    rng = random.Random(7)
    sets = [sample_inputs(rubric, rng) for _ in range(args.sets)]

    t_compile_own = best_of(lambda: CompiledRubric(rubric))
    t_compile_formulas = best_of(lambda: [FormulasFormula(i.formula) for i in rubric.items], repeat=1)
    compiled = CompiledRubric(rubric)
    by_formulas = {i.id: FormulasFormula(i.formula) for i in rubric.items}
    typed = [evaluate(compiled, s) for s in sets]

    t_own_one = best_of(lambda: evaluate(compiled, sets[0]), repeat=20)
    t_own_many = best_of(lambda: [evaluate(compiled, s) for s in sets])

    def formulas_many() -> None:
        for result in typed:
            env = {**compiled.params, **result.values}
            for score in result.items:
                if score.score is not None:
                    by_formulas[score.id](env)

    t_formulas_many = best_of(formulas_many, repeat=1)
    per_own = t_own_many / len(sets)
    per_formulas = t_formulas_many / len(sets)
    print(f"rubric {rubric.id}: {len(rubric.items)} items, {len(rubric.inputs)} inputs, {len(rubric.checks)} checks")
    print(
        f"compile all formulas: own {t_compile_own * 1000:.1f} ms, formulas {t_compile_formulas * 1000:.0f} ms "
        f"(ratio {t_compile_formulas / t_compile_own:.0f}x)"
    )
    print(f"score one input set (own, incl. typing, checks, findings): {t_own_one * 1000:.2f} ms")
    print(
        f"score {len(sets)} sets: own {t_own_many:.3f} s ({per_own * 1000:.2f} ms/set), "
        f"formulas items only {t_formulas_many:.3f} s ({per_formulas * 1000:.1f} ms/set)"
    )
    print(f"ratio formulas/own per input set: {per_formulas / per_own:.0f}x")
    print(f"python {sys.version.split()[0]}, formulas {formulas.__version__}")


if __name__ == "__main__":
    main()
