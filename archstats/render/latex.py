"""The per-layer table as LaTeX, for slides and papers: booktabs rules, a longtable when long."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from archstats import conventions
from archstats.columns import TABLE
from archstats.render import _format as fmt

if TYPE_CHECKING:
    from archstats.analysis import Layer
    from archstats.zoo import Report

# The printed table's columns under the default convention (the cost column's heading names
# the convention picked), and its totals row under the same rule.
COLUMNS = tuple(col.title for col in TABLE)
_ALIGN = "".join("r" if col.format == "count" else "l" for col in TABLE)
# Up to this many layers the table is a float that fits one page in \small type;
# a longer one is a longtable, which breaks across pages and repeats its header.
LONGTABLE_FROM = 41

# LaTeX's special characters in text. The braces end each control word, so that a space
# after it stays a space (TeX skips spaces after ``\textasciitilde``).
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _SPECIAL))


def escape(text: str) -> str:
    """``text`` safe in LaTeX's text mode, on one line; ``×`` as ``$\\times$``, which every engine sets."""
    escaped = _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], _one_line(text))
    return escaped.replace(fmt.TIMES, r"$\times$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _row(layer: Layer, convention: str) -> list[str]:
    # As in the handout: a dash where the layer adds nothing to a count.
    return [escape(fmt.table_cell(layer, col, convention, zero="--")) for col in TABLE]


def _cost(convention: str) -> str:
    """What the caption calls the cost column: fvcore's MACs unless ``--convention`` picked another count."""
    if convention == conventions.DEFAULT:
        return "multiply-accumulates (MACs)"
    chosen = conventions.get(convention)
    return f"{chosen.column} (the {chosen.name} convention: {chosen.summary})"


def to_latex(report: Report) -> str:
    """The per-layer table as a LaTeX table, its last row the network's totals.

    Rendered by pandas' ``DataFrame.to_latex`` with booktabs rules (``\\usepackage{booktabs}``),
    every cell and the caption escaped by :func:`escape`. Up to 40 layers it is a ``table`` float; longer
    networks get a ``longtable`` (``\\usepackage{longtable}``) that breaks across pages.

    Args:
        report: a traced network.

    Returns:
        The table, with a comment line naming the packages it needs, and a trailing newline.
    """
    import pandas as pd

    analysis = report.analysis
    convention = report.convention
    total = [escape(fmt.table_total(analysis, col, convention)) for col in TABLE]
    rows = [_row(layer, convention) for layer in analysis.layers] + [total]
    table = pd.DataFrame(rows, columns=[escape(fmt.title(col, convention)) for col in TABLE])
    longtable = len(analysis.layers) >= LONGTABLE_FROM
    caption = (
        f"{analysis.network}: per-layer parameters, connections, neurons and {_cost(convention)} "
        f"per sample, input {fmt.shape(analysis.input_shape)}; RF: receptive field. "
        "Counted by archstats from the traced network."
    )
    latex = table.to_latex(
        index=False,
        escape=False,  # escaped above, cells and caption alike
        column_format=_ALIGN,
        longtable=longtable,
        caption=escape(caption),
        label=f"tab:archstats-{re.sub(r'[^A-Za-z0-9.-]+', '-', analysis.network)}",
    )
    latex = _rule_above_totals(latex)
    if not longtable:
        latex = latex.replace("\\begin{tabular}", "\\small\n\\begin{tabular}", 1)
    packages = "booktabs, longtable" if longtable else "booktabs"
    # A comment line: the name as it is, but on that one line.
    return f"% archstats report {_one_line(analysis.network)} --latex: needs \\usepackage{{{packages}}}\n{latex}"


def _rule_above_totals(latex: str) -> str:
    """A ``\\midrule`` between the layers and the totals row, which pandas renders last."""
    lines = latex.splitlines()
    last = max(i for i, line in enumerate(lines) if line in ("\\end{tabular}", "\\end{longtable}")) - 1
    if lines[last] == "\\bottomrule":  # a tabular closes with it; a longtable set it in its last foot
        last -= 1
    lines.insert(last, "\\midrule")
    return "\n".join(lines) + "\n"
