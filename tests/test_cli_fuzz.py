"""The command line under generated arguments: exit 0, 1 or 2, one sentence on failure, no debris."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archstats.cli import main

NAMES = st.sampled_from(["lenet5", "lenet", "LeNet5", "nosuch", "", ":", "x.py:Net", "-", "lenet5 "])
SHAPES = st.one_of(
    st.sampled_from(["1x1x32x32", "1x1x33x33", "2x1x32x32", "1x1x8x8", "1x1x0x32", "1x1x32", "1x1x32x32x1", "x", ""]),
    st.text(alphabet="0123456789x×,- ", max_size=12),
)
FILES = st.sampled_from(["out.html", "out.json", "missing/out.json", "-", ""])
OPTION = st.one_of(
    st.tuples(st.sampled_from(["--html", "--json", "--csv", "--markdown", "--latex"]), FILES),
    st.tuples(st.just("--input"), SHAPES),
    st.tuples(st.just("--device"), st.sampled_from(["cpu", "gpu", "cuda", "auto", ""])),
    st.tuples(st.just("--arg"), st.sampled_from(["a=1", "5", "=", "num_classes=10"])),
    st.tuples(st.sampled_from(["--train", "--bogus", "-h"])),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["report", "check", "list", "nosuch", ""]),
    st.lists(NAMES, max_size=2),
    st.lists(OPTION, max_size=4),
)
def test_generated_command_lines(command: str, names: list[str], options: list[tuple[str, ...]]) -> None:
    if command == "check" and not [n for n in names if n.strip()]:
        names = ["nosuch"]  # a bare `check` traces the whole zoo: tested elsewhere, too slow here
    with tempfile.TemporaryDirectory() as tmp:
        argv = [command, *names]
        for option in options:
            argv += [str(Path(tmp) / part) if part.startswith(("out.", "missing/")) else part for part in option]
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except SystemExit as done:  # --help and --version print and exit 0
            code = done.code if isinstance(done.code, int) else 0
        assert code in (0, 1, 2), argv
        assert "Traceback" not in err.getvalue(), argv
        if code == 2:
            assert len(err.getvalue().strip().splitlines()) == 1, (argv, err.getvalue())
            assert list(Path(tmp).rglob("*")) == [], argv  # no file, not even a half-written one
