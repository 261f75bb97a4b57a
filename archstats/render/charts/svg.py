"""Figures as inline SVG: drawn with matplotlib, byte-for-byte deterministic, each id defined once per page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

# Inches: the text width of an A4 page with 12 mm margins, near enough.
WIDTH = 7.2

# Matplotlib writes a creator line and Dublin Core links into <metadata>; the page wants no URLs.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

# A fixed hash salt and no date (in _METADATA): the same data give the same bytes on every
# run. Glyphs as paths: the page needs no font.
RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "archstats",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def inline(svg: str) -> str:
    """An SVG document as an element to embed in HTML: no prolog, no URLs, no comments, fluid size."""
    svg = svg[svg.index("<svg") :]
    cut = svg.index(">") + 1
    root, body = svg[:cut], svg[cut:]
    # The HTML parser puts <svg> and xlink:href in their namespaces by itself.
    root = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", root)
    width = re.search(r'\swidth="([\d.]+)pt"', root)
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    # Scales with its box up to its drawn size; the viewBox keeps the aspect ratio.
    style = f' style="max-width:{width[1]}pt"' if width else ""
    root = root.replace("<svg", f'<svg role="img"{style}', 1)
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", body, flags=re.DOTALL)
    # Matplotlib notes each text in a comment; the glyph paths say it already.
    body = re.sub(r"\s*<!--.*?-->", "", body, flags=re.DOTALL)
    # Matplotlib names every group (figure_1, axes_1 ...) the same in every figure; nothing refers to
    # them, and one page holding several figures must not repeat an id.
    body = re.sub(r'<g id="[^"]*"', "<g", body)
    return (root + body).strip() + "\n"


# A glyph, a marker or a clip path: what a figure defines once and uses by its id.
_DEFINITION = re.compile(r'\s*(<path id="([^"]+)"[^>]*/>|<clipPath id="([^"]+)">.*?</clipPath>)', re.DOTALL)


def share_definitions(svgs: Sequence[str]) -> list[str]:
    """The figures of one page with each definition kept in the first figure that has it.

    Matplotlib names a glyph, a marker or a clip path after its content (under a fixed salt),
    so an id that two figures define is the same drawing; a later figure's ``<use>`` finds
    the first one in the page. Each id is then defined once, as HTML requires, and the page
    is smaller.

    Args:
        svgs: inline SVG elements in page order ("" for a figure left out).

    Returns:
        The same figures, repeated definitions removed.
    """
    seen: dict[str, str] = {}

    def keep_first(match: re.Match[str]) -> str:
        ident, body = match[2] or match[3], match[1]
        if seen.get(ident) == body:
            return ""
        seen.setdefault(ident, body)
        return match[0]

    return [_DEFINITION.sub(keep_first, svg) for svg in svgs]


def svg_of(fig: Figure) -> str:
    """``fig`` as an inline SVG element; call it inside ``matplotlib.rc_context(RC)``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=_METADATA)
    return inline(buffer.getvalue())


def drawn(draw: Callable[[Figure], None], size: tuple[float, float]) -> str:
    """A figure of ``size`` inches, filled by ``draw``, as inline SVG (for the handouts' own drawings).

    Args:
        draw: puts the axes and artists on the figure, each where it goes (no layout engine:
            constrained layout measures every text several times, and the zoo has 33 handouts).
        size: width and height in inches.

    Returns:
        The SVG element; the same drawing gives the same bytes.
    """
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        # No pyplot: no global figure registry, no backend to choose, nothing left open.
        fig = Figure(figsize=size)
        draw(fig)
        return svg_of(fig)
