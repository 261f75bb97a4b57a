"""The handouts as a reader sees them: opened in headless Chromium, printed to PDF, read back.

Each handout is written by the command line, loaded in Chromium (its console must stay
silent), printed as the browser prints it, and the PDF read back with poppler's pdftotext
and pdfinfo: the published figures are on the paper, the paper is A4, the page count is
sensible and no text runs past the margins.

Without Chromium or poppler-utils these tests skip; with ARCHSTATS_REQUIRE_BROWSER=1 (CI
installs both and sets it) a missing tool is a failure instead.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from archstats import cli
from tests import chromium

pytestmark = pytest.mark.browser

# The two classics a course starts with, and a deep network whose handout runs over pages.
NETWORKS = ("alexnet", "lenet5", "resnet-50")

# A4 is 210 x 297 mm; PDF sizes are in points of 1/72 inch.
A4_MM = (210.0, 297.0)
A4_PT = tuple(mm / 25.4 * 72 for mm in A4_MM)

# Published figures, each on the row of the layer table where it belongs:
# AlexNet's 60,965,224 trainable parameters (the article's total; the closed form is the sum
# of (k*k*c_in/groups + 1) * c_out over Krizhevsky et al. 2012's eight layers, Fig. 2).
ALEXNET_PARAMS = (
    (11 * 11 * 3 + 1) * 96
    + (5 * 5 * 48 + 1) * 256
    + (3 * 3 * 256 + 1) * 384
    + (3 * 3 * 192 + 1) * 384
    + (3 * 3 * 192 + 1) * 256
    + (6 * 6 * 256 + 1) * 4096
    + (4096 + 1) * 4096
    + (4096 + 1) * 1000
)
# LeNet-5 (LeCun et al. 1998, Sec. II-B): 60,000 trainable parameters and 340,908
# connections in all; C3 has 1,516 trainable parameters and 151,600 connections; the output
# layer's 84 x 10 RBF prototypes are fixed, a buffer: not parameters.
LENET5_TRAINABLE, LENET5_CONNECTIONS = 60_000, 340_908
LENET5_C3_PARAMS, LENET5_C3_CONNECTIONS = 1_516, 151_600
# ResNet-50 (He et al. 2015, Table 1): 2048 maps, average-pooled, into a 1000-way fc layer.
RESNET50_FC_PARAMS = (2048 + 1) * 1000

# Page-count bounds. The front matter (title, at a glance, definitions, figures) fits in
# three pages; then comes one table row per layer and per claim. A row in the print's 7pt
# type is at least one line, 7pt x 1.45 plus 4px of padding and a 1px rule (4.9 mm), so a
# page with 12 mm margins (273 mm of height) holds at most 55 rows; a row taller than a
# tenth of that height (27 mm, about eight lines) means a column squeezed to a word a line.
FRONT_MATTER_PAGES = 3
MOST_ROWS_PER_PAGE = 55
FEWEST_ROWS_PER_PAGE = 10


def _require(found: str | None, what: str) -> str:
    if found:
        return found
    message = f"{what} is not installed"
    if os.environ.get("ARCHSTATS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}, and ARCHSTATS_REQUIRE_BROWSER=1 requires it")
    pytest.skip(message)


@dataclass(frozen=True)
class Tools:
    chromium: str
    pdftotext: str
    pdfinfo: str


@pytest.fixture(scope="module")
def tools() -> Tools:
    return Tools(
        chromium=_require(chromium.executable(), "Chromium (Debian: apt-get install chromium)"),
        pdftotext=_require(shutil.which("pdftotext"), "pdftotext (Debian: apt-get install poppler-utils)"),
        pdfinfo=_require(shutil.which("pdfinfo"), "pdfinfo (Debian: apt-get install poppler-utils)"),
    )


@pytest.fixture(scope="module")
def browser(tools: Tools) -> Iterator[chromium.Browser]:
    with chromium.browser(tools.chromium) as chrome:
        yield chrome


@dataclass(frozen=True)
class Printed:
    """One handout as the browser showed and printed it."""

    layers: int
    claims: int
    console: list[str]
    overflow: chromium.Overflow
    margins_mm: tuple[float, float]
    pdf: Path
    text: str  # pdftotext -layout: each table row on one line
    pages: list[tuple[float, float]]  # each page's width and height in pt
    words: list[tuple[int, float, float, str]]  # page, xMin, xMax, word


def _write_handout(name: str, directory: Path) -> tuple[Path, dict[str, object]]:
    """The handout and the JSON of a zoo network, written by the command line."""
    html, data = directory / f"{name}.html", directory / f"{name}.json"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["report", name, "--device", "cpu", "--html", str(html), "--json", str(data)])
    assert code == cli.EXIT_OK
    return html, json.loads(data.read_text(encoding="utf-8"))


def _pdf_pages(tools: Tools, pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        [tools.pdfinfo, "-f", "1", "-l", "100000", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    return [(float(w), float(h)) for w, h in sizes]


def _pdf_words(tools: Tools, pdf: Path) -> list[tuple[int, float, float, str]]:
    xhtml = subprocess.run([tools.pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words: list[tuple[int, float, float, str]] = []
    for page, body in enumerate(re.split(r"<page ", xhtml)[1:], 1):
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)"[^>]*>([^<]*)<', body
        ):
            words.append((page, float(x_min), float(x_max), word))
    return words


@pytest.fixture(scope="module")
def printed(tools: Tools, browser: chromium.Browser, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    directory = tmp_path_factory.mktemp("handouts")
    result: dict[str, Printed] = {}
    for name in NETWORKS:
        html, data = _write_handout(name, directory)
        page = browser.load(html)
        pdf = html.with_suffix(".pdf")
        pdf.write_bytes(browser.print_pdf())
        overflow = browser.overflow(A4_MM[0])
        text = subprocess.run(
            [tools.pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        layers, claims = data["layers"], data["claims"]
        assert isinstance(layers, list) and isinstance(claims, list)
        result[name] = Printed(
            layers=len(layers),
            claims=len(claims),
            console=page.messages,
            overflow=overflow,
            margins_mm=browser.page_margins_mm(),
            pdf=pdf,
            text=text,
            pages=_pdf_pages(tools, pdf),
            words=_pdf_words(tools, pdf),
        )
    return result


def test_the_console_check_hears_errors(browser: chromium.Browser, tmp_path: Path) -> None:
    """A page with a missing image, a malformed SVG path and a script error is not silent."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png" alt="">'
        '<svg width="10" height="10"><path d="M 0 0 L x"/></svg>'
        "<script>console.warn('careful'); null.f();</script></body></html>",
        encoding="utf-8",
    )
    messages = browser.load(page).messages
    assert any("missing.png" in m for m in messages), messages
    assert any("<path> attribute d" in m for m in messages), messages
    assert any("careful" in m for m in messages), messages
    assert any(m.startswith("exception: TypeError") for m in messages), messages


def test_the_width_check_finds_a_table_too_wide(browser: chromium.Browser, tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>@page { size: A4; margin: 12mm }</style></head><body>"
        f'<table class="wide"><tr><td style="white-space: nowrap">{"word " * 200}</td></tr></table></body></html>',
        encoding="utf-8",
    )
    browser.load(page)
    assert browser.page_margins_mm() == pytest.approx((12, 12), abs=0.01)
    overflow = browser.overflow(A4_MM[0])
    assert overflow.elements and overflow.elements[0].startswith("table.wide spans ")
    assert overflow.scroll_width_px > overflow.width_px == round(186 * 96 / 25.4)


@pytest.mark.parametrize("name", NETWORKS)
def test_handout_loads_with_a_silent_console(printed: dict[str, Printed], name: str) -> None:
    assert printed[name].console == []


@pytest.mark.parametrize("name", NETWORKS)
def test_handout_prints_on_a4(printed: dict[str, Printed], name: str) -> None:
    """Every page is A4, in portrait (the handout's own ``@page``: the fallback would be Letter)."""
    pages = printed[name].pages
    assert pages
    for width, height in pages:
        assert width == pytest.approx(A4_PT[0], abs=1) and height == pytest.approx(A4_PT[1], abs=1)


@pytest.mark.parametrize("name", NETWORKS)
def test_handout_page_count_is_sensible(printed: dict[str, Printed], name: str) -> None:
    p = printed[name]
    rows = p.layers + p.claims
    fewest = math.ceil(rows / MOST_ROWS_PER_PAGE)
    most = FRONT_MATTER_PAGES + math.ceil(p.layers / FEWEST_ROWS_PER_PAGE) + math.ceil(p.claims / FEWEST_ROWS_PER_PAGE)
    assert fewest <= len(p.pages) <= most, f"{len(p.pages)} pages for {p.layers} layers and {p.claims} claims"


@pytest.mark.parametrize("name", NETWORKS)
def test_no_text_runs_past_the_margins(printed: dict[str, Printed], name: str) -> None:
    """Every word lies within the printable width.

    Chromium shrinks a page up to twice too wide to fit the paper, and crops what is wider
    still: the crop leaves words running into the margin and cuts the rest away.
    """
    p = printed[name]
    left, right = (mm / 25.4 * 72 for mm in p.margins_mm)
    assert p.words
    outside = [
        (page, word, round(x_min), round(x_max))
        for page, x_min, x_max, word in p.words
        if x_min < left - 1 or x_max > p.pages[page - 1][0] - right + 1
    ]
    assert outside == []


@pytest.mark.parametrize("name", NETWORKS)
def test_handout_tables_fit_the_width_of_a4(printed: dict[str, Printed], name: str) -> None:
    """Laid out for print at A4's width less the page's margins, nothing sticks out.

    A page that does stick out is printed shrunk to fit: every figure, 6pt derivations
    included, comes out smaller than the stylesheet says.
    """
    overflow = printed[name].overflow
    assert overflow.elements == [], f"{overflow.scroll_width_px} px wide, A4 holds {overflow.width_px} px"


def _row(text: str, first_cell: str, *figures: int) -> str | None:
    """The line of the PDF's text that starts a table row with ``first_cell`` and holds ``figures``."""
    cells = r"\s.*?".join(rf"\b{re.escape(f'{n:,}')}\b" for n in figures)
    match = re.search(rf"^\s*(?:\d+\s+)?{re.escape(first_cell)}\s.*?{cells}", text, re.MULTILINE)
    return match.group(0) if match else None


def test_alexnet_pdf_has_its_total_parameters(printed: dict[str, Printed]) -> None:
    assert ALEXNET_PARAMS == 60_965_224
    assert _row(printed["alexnet"].text, "total", ALEXNET_PARAMS)


def test_lenet5_pdf_has_its_published_figures(printed: dict[str, Printed]) -> None:
    text = printed["lenet5"].text
    assert re.search(rf"\btrainable {LENET5_TRAINABLE:,}\b", text)
    assert _row(text, "C3", LENET5_C3_PARAMS, LENET5_C3_CONNECTIONS)
    assert _row(text, "total", LENET5_TRAINABLE, LENET5_CONNECTIONS)


def test_resnet50_pdf_has_its_classifier(printed: dict[str, Printed]) -> None:
    assert _row(printed["resnet-50"].text, "fc", RESNET50_FC_PARAMS)
