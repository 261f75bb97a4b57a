"""The benchmark's workers still run against the package: one counting run each, in a fresh process.

The benchmark itself (benchmarks/bench.py) times archstats beside its peers; here only that a
worker finishes and reports what it counted. LeNet-5 (LeCun et al. 1998, Sec. II-B): 60,000
trainable parameters.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


@pytest.mark.parametrize("kind", ["zoo", "built"])
def test_worker_counts_lenet5(kind: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--worker", kind, "--net", "lenet5", "--device", "cpu", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("@@bench "))
    result = json.loads(line.removeprefix("@@bench "))
    assert "error" not in result, result.get("error")
    assert result["counts"]["params"] == 60_000
    assert result["phases"]["run"] > 0


def test_the_report_keeps_the_sections_other_benchmarks_wrote(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH.parent))
    try:
        from bench import write_report
    finally:
        sys.path.remove(str(BENCH.parent))
    out = tmp_path / "RESULTS.md"
    marked = "<!-- train_time_cpu -->\n## one step\n| a | b |\n<!-- /train_time_cpu -->\n"
    out.write_text("# old run\nold figures\n\n" + marked + "\nnotes by hand on the old run\n", encoding="utf-8")
    write_report(out, "# new run\nnew figures\n")
    assert out.read_text(encoding="utf-8") == "# new run\nnew figures\n\n" + marked
