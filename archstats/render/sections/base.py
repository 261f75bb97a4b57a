"""What every special section of a handout is made of: small tables and the section itself, all text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report


@dataclass(frozen=True)
class Table:
    """A small table of a section: every cell already text.

    Args:
        head: column titles.
        rows: the body.
        foot: a totals row, or empty.
        numeric: which columns hold numbers (right-aligned).
        caption: what it shows.
    """

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    foot: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = ()
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """One special section of a handout.

    Args:
        id: its anchor in the page.
        title: its heading.
        text: paragraphs, computed from the network.
        figure: an inline SVG drawn from the network, or "".
        caption: the figure's caption.
        tables: its tables.
        data: the family's record behind the text and the drawing (its data function's result).
    """

    id: str
    title: str
    text: tuple[str, ...]
    figure: str = ""
    caption: str = ""
    tables: tuple[Table, ...] = ()
    data: object = None


# A family's section: from the report and what was gathered for it, or None where it does not apply.
Special = Callable[["Report", "HandoutInputs"], "Section | None"]
