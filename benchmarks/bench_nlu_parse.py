"""Speed of the engine's NLU on the project's training data.

Prints the training time, the time a restarted process takes to load the cached model
(imports included, then the load alone), and ``parse`` latency (p50, p95, p99) over every
training example's text, plus a 10 000-character and an emoji-only message. Targets: parse
p50 under 2 ms, cached load well under a second.

Run: ``python -m benchmarks.bench_nlu_parse [NLU_DIR]`` (default ``nlu_data``), or
``python -m benchmarks`` for every benchmark.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.engine.nlu import (
    NluConfig,
    NluPipeline,
    load_nlu_training_data,
    read_nlu_config,
    training_data_files,
)

DEFAULT_NLU_DIR = Path("nlu_data")
_LOAD_IN_FRESH_PROCESS = """
import sys, time
started = time.perf_counter()
from bot.engine.nlu import NluPipeline, load_nlu_training_data, read_nlu_config
from bot.engine.nlu import NluConfig, training_data_files
from pathlib import Path
imported = time.perf_counter()
nlu_dir, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
config_path = nlu_dir / "config.yml"
config = read_nlu_config(config_path) if config_path.is_file() else NluConfig()
data = load_nlu_training_data(training_data_files(nlu_dir / "data"))
read = time.perf_counter()
NluPipeline.train = None  # a retrain would fail loudly instead of being timed as a load
NluPipeline.load_or_train(data, config, cache_dir)
loaded = time.perf_counter()
print(f"{imported - started:.3f} {read - imported:.3f} {loaded - read:.3f}")
"""


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(nlu_dir: Path = DEFAULT_NLU_DIR) -> None:
    config_path = nlu_dir / "config.yml"
    config = read_nlu_config(config_path) if config_path.is_file() else NluConfig()
    data = load_nlu_training_data(training_data_files(nlu_dir / "data"))
    print(
        f"data: {len(data.examples)} examples, {len(data.intents)} intents, "
        f"{len(data.entities)} entities"
    )
    with tempfile.TemporaryDirectory() as cache:
        cache_dir = Path(cache)
        started = time.perf_counter()
        pipeline = NluPipeline.load_or_train(data, config, cache_dir)
        print(f"training (and caching): {time.perf_counter() - started:.2f} s")
        fresh = subprocess.run(
            [sys.executable, "-c", _LOAD_IN_FRESH_PROCESS, str(nlu_dir), str(cache_dir)],
            capture_output=True,
            text=True,
            check=True,
        )
        imports, reading, loading = (float(part) for part in fresh.stdout.split())
        print(
            f"restart with the cached model: imports {imports:.2f} s, reading data "
            f"{reading:.2f} s, loading the model {loading:.2f} s"
        )
    texts = [example.text for example in data.examples]
    for text in texts[:50]:
        pipeline.parse(text)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        pipeline.parse(text)
        latencies.append(time.perf_counter() - started)
    print(
        f"parse over {len(texts)} messages: p50 {_milliseconds(statistics.median(latencies))}, "
        f"p95 {_milliseconds(_percentile(latencies, 0.95))}, "
        f"p99 {_milliseconds(_percentile(latencies, 0.99))}"
    )
    for label, text in (
        ("10 000 characters", "我的空调不制冷了，" * 1112),
        ("emoji only", "😀🙏👍"),
    ):
        started = time.perf_counter()
        pipeline.parse(text)
        print(f"parse {label}: {_milliseconds(time.perf_counter() - started)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_NLU_DIR)
