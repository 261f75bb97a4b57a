"""reports/ holds the rendered handouts of the whole zoo, fresh; `archstats report --all` writes them.

Expected figures are published ones: AlexNet's 60,965,224 parameters (the article's
total). Every other number is checked against the live trace, never typed in.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archstats.cli import main
from archstats.handout_inputs import render_handout
from archstats.render import index
from archstats.render.charts.zoo import zoo_params_macs_svg, zoo_years_svg
from archstats.zoo import Report
from archstats_zoo import REGISTRY

REPORTS = Path(__file__).resolve().parents[1] / "reports"
REGENERATE = "regenerate them with `archstats report --all --out reports --device cpu`"
NAMES = REGISTRY.names()
ALEXNET_PARAMS = 60_965_224  # the article's AlexNet total

ZooReport = Callable[[str], Report]


def _stale_versions() -> str:
    """Why the bytes in reports/ cannot be compared here ("" when they can)."""
    recorded_file = REPORTS / "VERSIONS.json"
    if not recorded_file.is_file():
        pytest.fail(f"reports/VERSIONS.json is missing: {REGENERATE}", pytrace=False)
    recorded = json.loads(recorded_file.read_text(encoding="utf-8"))
    differing = [
        f"{name} {recorded.get(name, 'unrecorded')} made reports/, {version} is installed"
        for name, version in index.versions().items()
        if recorded.get(name) != version
    ]
    return "; ".join(differing)


# A decimal as matplotlib writes a drawn coordinate (six places at most).
_DECIMAL = re.compile(r"(-?\d+\.\d+)")


def same_drawing(a: str, b: str) -> bool:
    """Whether two pages are the same but for the last written digit of a decimal.

    Matplotlib writes coordinates to six places; where one falls on the half between two,
    floating-point rounding that differs from one CPU to another writes 152.609063 on one
    and 152.609062 on the other. Every other character must be the same.
    """
    if a == b:
        return True
    parts_a, parts_b = _DECIMAL.split(a), _DECIMAL.split(b)
    if len(parts_a) != len(parts_b):
        return False
    # split() puts the text between decimals at even places, the decimals at odd ones.
    return all(
        x == y if i % 2 == 0 else abs(float(x) - float(y)) <= 1.5e-6 for i, (x, y) in enumerate(zip(parts_a, parts_b))
    )


def test_same_drawing_forgives_only_the_last_digit_of_a_decimal() -> None:
    assert same_drawing('<path d="M 347.328 152.609063"/>', '<path d="M 347.328 152.609062"/>')
    assert not same_drawing('<path d="M 347.328 152.609063"/>', '<path d="M 347.328 152.609083"/>')
    assert not same_drawing("<td>1.25 GFLOP</td>", "<td>1.26 GFLOP</td>")
    assert not same_drawing("<td>1.25 GFLOP</td>", "<td>1.25 MFLOP</td>")
    assert not same_drawing("60,965,224 params", "60,965,225 params")


def _same_page(path: Path, page: str) -> None:
    """Fail, with the first differing line and how to regenerate, unless ``path`` holds ``page``
    (up to the last digit of a drawn coordinate: see :func:`same_drawing`)."""
    if not path.is_file():
        pytest.fail(f"reports/{path.name} is missing: {REGENERATE}", pytrace=False)
    on_disk = path.read_bytes().decode("utf-8")
    if same_drawing(on_disk, page):
        return
    lines, fresh = on_disk.splitlines(), page.splitlines()
    first = next((i for i, (a, b) in enumerate(zip(lines, fresh)) if a != b), min(len(lines), len(fresh)))
    pytest.fail(
        f"reports/{path.name} is stale (first difference on line {first + 1}): {REGENERATE}",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def training_record() -> Callable[[str], dict[str, Any]]:
    """Each network's "What training costs" record, gathered once, as `report --all` does."""
    from archstats.training.handout import gather

    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = gather(name, "cpu")
        return cache[name]

    return get


@pytest.fixture(scope="module")
def zoo_index(zoo_report: ZooReport, training_record: Callable[[str], dict[str, Any]]) -> str:
    from archstats.training.years import from_reports

    reports = [zoo_report(name) for name in NAMES]
    return index.render(reports, from_reports(reports, {name: training_record(name) for name in NAMES}))


# -- reports/ ---------------------------------------------------------------------------


def test_every_network_has_a_handout_and_no_other() -> None:
    present = {p.stem for p in REPORTS.glob("*.html")} - {"index"}
    missing = sorted(set(NAMES) - present)
    extra = sorted(present - set(NAMES))
    problems = [f"no handout for {', '.join(missing)}"] if missing else []
    problems += [f"handouts of no zoo network: {', '.join(f'{n}.html' for n in extra)} (delete them)"] if extra else []
    assert not problems, f"reports/ has {'; '.join(problems)}; {REGENERATE}"
    assert (REPORTS / "index.html").is_file(), f"reports/index.html is missing: {REGENERATE}"
    assert (REPORTS / "README.md").is_file()


def test_versions_record_the_packages_that_made_the_bytes() -> None:
    assert (REPORTS / "VERSIONS.json").is_file(), f"reports/VERSIONS.json is missing: {REGENERATE}"
    recorded = json.loads((REPORTS / "VERSIONS.json").read_text(encoding="utf-8"))
    assert list(recorded) == list(index.VERSIONED)


@pytest.mark.parametrize("name", NAMES)
def test_handout_holds_the_traced_total(name: str, zoo_report: ZooReport) -> None:
    path = REPORTS / f"{name}.html"
    assert path.is_file(), f"reports/{name}.html is missing: {REGENERATE}"
    params = f"{zoo_report(name).analysis.totals.params:,}"
    assert params in path.read_text(encoding="utf-8"), (
        f"reports/{name}.html does not show {name}'s {params} parameters: {REGENERATE}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_handout_is_fresh(name: str, zoo_report: ZooReport, training_record: Callable[[str], dict[str, Any]]) -> None:
    differing = _stale_versions()
    if differing:
        pytest.skip(f"bytes not compared: {differing}")
    _same_page(REPORTS / f"{name}.html", render_handout(zoo_report(name), training=training_record(name)))


def test_figures_are_sized_in_round_points() -> None:
    # A size such as 185.009063 (a label's width, 17.9690625 points, in it) leaves edges on
    # the last digit the SVG writes, where CPUs round apart and the bytes above with them.
    odd = {
        f"{path.name}: {box}"
        for path in REPORTS.glob("*.html")
        for box in re.findall(r'viewBox="([^"]*)"', path.read_text(encoding="utf-8"))
        if any(len(number.partition(".")[2]) > 2 for number in box.split())
    }
    assert not odd, sorted(odd)


def test_index_is_fresh(zoo_index: str) -> None:
    differing = _stale_versions()
    if differing:
        pytest.skip(f"bytes not compared: {differing}")
    _same_page(REPORTS / "index.html", zoo_index)


# -- the index page ---------------------------------------------------------------------


def test_index_links_every_network_in_order(zoo_index: str, zoo_report: ZooReport) -> None:
    order = sorted(NAMES, key=lambda n: (zoo_report(n).spec.year or 0, index.natural(n)))
    positions = [zoo_index.find(f'href="{name}.html"') for name in order]
    assert all(p >= 0 for p in positions), [n for n, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions), "rows are not sorted by year, then name"


def test_index_shows_the_traced_numbers(zoo_index: str, zoo_report: ZooReport) -> None:
    assert f"{ALEXNET_PARAMS:,}" in zoo_index
    for name in NAMES:
        t = zoo_report(name).analysis.totals
        for value in (t.params, t.trainable_params, t.fvcore_macs):
            assert f"{value:,}" in zoo_index, (name, value)
    total = sum(len(zoo_report(name).verdicts) for name in NAMES)
    assert f"{len(NAMES)} networks, {total} claims" in zoo_index


def test_index_is_self_contained(zoo_index: str) -> None:
    assert zoo_index.startswith("<!DOCTYPE html>")
    assert "<script" not in zoo_index.lower()
    assert "http://" not in zoo_index and "https://" not in zoo_index
    assert "<?xml" not in zoo_index
    assert zoo_index.count("<svg") == 3  # params against MACs, depth and cost by year, compute to train by year
    assert "@page { size: A4; margin: 12mm; }" in zoo_index  # the handouts' look, shared


def test_index_is_deterministic(
    zoo_index: str, zoo_report: ZooReport, training_record: Callable[[str], dict[str, Any]]
) -> None:
    from archstats.training.years import from_reports

    reports = [zoo_report(name) for name in reversed(NAMES)]
    points = from_reports(reports, {name: training_record(name) for name in reversed(NAMES)})
    assert index.render(reports, points).encode() == zoo_index.encode()


def test_index_escapes_names(zoo_report: ZooReport) -> None:
    lenet5 = zoo_report("lenet5")
    hostile = dataclasses.replace(lenet5, analysis=dataclasses.replace(lenet5.analysis, network="<script>$x$</script>"))
    page = index.render([hostile, zoo_report("alexnet")])
    assert "<script>" not in page
    assert "&lt;script&gt;$x$&lt;/script&gt;" in page


def test_zoo_figures_without_networks_are_empty() -> None:
    assert zoo_params_macs_svg([]) == ""
    assert zoo_years_svg([]) == ""


# -- archstats report --all -------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["report", "--all"], "--out DIR"),
        (["report", "--all", "--out", "{tmp}/missing"], "does not exist"),
        (["report", "--all", "--out", "{tmp}/file.txt"], "is a file"),
        (["report", "alexnet", "--all", "--out", "{tmp}"], "drop NAME (alexnet)"),
        (["report", "--all", "--out", "{tmp}", "--html", "{tmp}/x.html"], "cannot be combined with --html"),
        (["report", "--all", "--out", "{tmp}", "--input", "1x3x224x224"], "cannot be combined with --input"),
        (["report", "--all", "--out", "{tmp}", "--arg", "a=1"], "cannot be combined with --arg"),
        (["report", "--all", "--out", "{tmp}", "--train"], "cannot be combined with --train"),
        (["report", "alexnet", "--out", "{tmp}"], "is for --all"),
        (["report"], "needs NAME"),
    ],
)
def test_all_bad_usage_is_one_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], needle: str
) -> None:
    (tmp_path / "file.txt").write_text("", encoding="utf-8")
    code, out, err = run(capsys, *(arg.format(tmp=tmp_path) for arg in argv))
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_all_writes_every_handout_and_the_index(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    zoo_report: ZooReport,
    training_record: Callable[[str], dict[str, Any]],
) -> None:
    monkeypatch.setattr(REGISTRY, "names", lambda: ["lenet5", "alexnet"])
    code, out, err = run(capsys, "report", "--all", "--out", str(tmp_path), "--device", "cpu")
    assert code == 0, err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["VERSIONS.json", "alexnet.html", "index.html", "lenet5.html"]
    assert err == f"wrote 2 handouts, index.html and VERSIONS.json to {tmp_path}\n"  # no progress bar off a terminal
    for name in ("lenet5", "alexnet"):
        expected = render_handout(zoo_report(name), training=training_record(name))
        assert (tmp_path / f"{name}.html").read_bytes() == expected.encode()
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="lenet5.html"' in page and 'href="alexnet.html"' in page
    assert f"{ALEXNET_PARAMS:,}" in page
    assert json.loads((tmp_path / "VERSIONS.json").read_text(encoding="utf-8")) == index.versions()


def test_all_shows_progress_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(REGISTRY, "names", lambda: ["lenet5"])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "report", "--all", "--out", str(tmp_path), "--device", "cpu")
    assert code == 0 and out == ""
    assert "\r[" + "-" * 20 + "] 0/1 lenet5" in err
    assert "\r[" + "#" * 20 + "] 1/1 index.html" in err
    assert err.endswith("\r\033[Kwrote 1 handout, index.html and VERSIONS.json to " + f"{tmp_path}\n")


def test_all_failing_midway_writes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(REGISTRY, "names", lambda: ["lenet5", "nosuch"])
    code, out, err = run(capsys, "report", "--all", "--out", str(tmp_path), "--device", "cpu")
    assert code == 2 and out == ""
    assert "unknown network 'nosuch'" in err
    assert list(tmp_path.iterdir()) == []


def test_names_sort_by_their_numbers() -> None:
    names = ["resnet-1202", "resnet-110", "resnet-18", "resnet-20", "alexnet"]
    assert sorted(names, key=index.natural) == ["alexnet", "resnet-18", "resnet-20", "resnet-110", "resnet-1202"]
