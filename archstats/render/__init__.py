"""Renderers of a zoo report: a terminal table, CSV/JSON/Markdown exports, a LaTeX table and
an HTML handout.

Each renderer takes an :class:`archstats.zoo.Report` and returns text; ``.index`` takes
them all and renders the zoo's index page. Import the one you need
(``archstats.render.terminal``, ``.exports``, ``.latex``, ``.html``, ``.index``,
``.charts``); pandas, matplotlib and Jinja2 are imported only when a renderer that needs
them runs.
"""

from __future__ import annotations
