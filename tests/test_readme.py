"""The README names every key that a command's JSON writes, in the section about that command.

A key added to an output and left out of the README fails here, as does a key the README
still names after the output dropped it from the report's totals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archstats.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's ``## title`` section, up to the next heading of the same level."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end >= 0 else None]


def named(text: str) -> set[str]:
    """Every word that ``text`` sets as code or quotes as a JSON key: `key` or "key"."""
    return set(re.findall(r"[`\"]([a-z_]+)(?:\[i\])?[`\"]", text))


def json_of(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main([*argv, "--device", "cpu", "--json", "-"]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_the_report_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = json_of(capsys, "report", "lenet5")
    text = section("JSON")
    assert set(data) - named(text) == set()
    totals = data["totals"]
    assert isinstance(totals, dict)
    # The README lists the totals in braces after "totals": exactly those.
    listed = re.search(r'"totals": \{([^}]*)\}', text)
    assert listed is not None
    assert set(totals) == named(listed[1])


def test_the_train_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = json_of(capsys, "train", "lenet5", "--batch", "2")
    assert set(data) - named(section("What training costs")) == set()


def test_the_sweep_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = json_of(capsys, "sweep", "lenet5", "--sizes", "32")
    rows = data["rows"]
    assert isinstance(rows, list)
    paragraph = next(p for p in README.split("\n\n") if "archstats sweep NAME --sizes" in p and "rows" in p)
    assert (set(data) | set(rows[0])) - named(paragraph) == set()


def test_a_key_left_out_is_found() -> None:
    assert {"network", "towers"} - named('writes `network` and "claims"') == {"towers"}
