"""Run every benchmark: each ``benchmarks/bench_*.py`` script's ``main()``, in name order.

``python -m benchmarks`` runs them all; ``python -m benchmarks api engine`` only
``bench_api.py`` and ``bench_engine.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).parent


def benchmark_names() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in BENCHMARKS_DIR.glob("bench_*.py"))


def run(name: str) -> None:
    module = importlib.import_module(f"{__package__}.bench_{name}")
    outcome = module.main()
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)


def main(argv: list[str]) -> int:
    available = benchmark_names()
    chosen = argv or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"unknown benchmarks: {', '.join(unknown)}; known: {', '.join(available)}")
        return 2
    for name in chosen:
        print(f"== {name} ==", flush=True)
        run(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
