"""Sections of RESULTS.md that one benchmark writes between its own markers, leaving the rest as it is."""

from __future__ import annotations

import re
from pathlib import Path

# A whole marked section: ``<!-- name -->`` ... ``<!-- /name -->``.
MARKED = re.compile(r"<!-- ([\w-]+) -->\n.*?<!-- /\1 -->\n?", re.S)


def marked_sections(text: str) -> list[str]:
    """Every marked section of ``text``, markers included, each ending in one newline."""
    return [m[0].rstrip() + "\n" for m in MARKED.finditer(text)]


def replace_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` between ``<!-- name -->`` and ``<!-- /name -->`` in ``path`` (appended if absent)."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else old.rstrip() + "\n\n" + block
    path.write_text(new, encoding="utf-8")
