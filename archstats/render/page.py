"""What every archstats page shares: the Jinja environment and how a citation is shortened."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment


def environment() -> Environment:
    """The Jinja environment of every archstats page: this package's templates, autoescaped, strict."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("archstats", "render/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def authors(paper: str) -> str:
    """A citation's authors, short: ``LeCun et al.``, ``Simonyan & Zisserman`` (empty for none)."""
    names = paper.split(". ", 1)[0].split(", ") if paper else []
    if len(names) > 2:
        return f"{names[0]} et al."
    return " & ".join(names)


def title(paper: str) -> str:
    """A citation's title: what follows the authors, up to the venue."""
    parts = paper.split(". ")
    return parts[1] if len(parts) > 1 else paper
