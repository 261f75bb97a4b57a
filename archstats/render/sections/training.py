"""What training costs, rendered from the finished record of ``archstats.training.report.record``.

Text for the terminal and an HTML section for the handout; neither traces anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

MIB = 2**20


def _mib(n: int | float | None) -> str:
    return "n/a" if n is None else f"{n / MIB:,.1f} MiB"


def _g(n: float) -> str:
    return f"{n / 1e9:,.3f} G"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, widths)))]
    for row in rows:
        lines.append("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(row, widths))))
    return lines


def _layer_rows(layers: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            f"{layer['name']} ({layer['type']})", f"{layer['forward_macs']:,}", f"{layer['input_grad_macs']:,}",
            f"{layer['weight_grad_macs']:,}", _mib(layer["weights_bytes"]), _mib(layer["optimizer_state_bytes"]),
            _mib(layer["saved_bytes"]),
        ]
        for layer in layers
    ]  # fmt: skip


def _memory_lines(memory: Mapping[str, Any], batch: int) -> list[str]:
    lines = [
        f"memory of a step at batch {batch}:",
        f"  weights {_mib(memory['weights'])}, buffers {_mib(memory['buffers'])}, "
        f"gradients {_mib(memory['gradients'])}, optimizer state {_mib(memory['optimizer_state'])}",
        f"  saved for backward {_mib(memory['saved_for_backward'])}, input batch {_mib(memory['input_batch'])}",
        f"  predicted peak {_mib(memory['predicted_peak'])} ({memory['peak_at']})",
    ]
    if memory.get("measured_peak") is not None:
        lines.append(
            f"  measured peak  {_mib(memory['measured_peak'])} ({memory['difference_ratio']:+.1%}): {memory['measured_how']}"
        )
        lines.append(f"  the difference: {memory['difference_explained']}")
    else:
        lines.append(f"  measured peak: {memory['measured_how']}")
    return lines


def _extra_lines(record: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    compute = record.get("compute")
    if compute:
        lines.append(
            f"compute to train: {compute['samples']:,} samples ({compute['epochs']:g} epochs of {compute['images']:,}) "
            f"x {compute['step_flops_per_sample']:,} FLOP = {compute['training_flop']:.4g} FLOP = "
            f"{compute['pf_days']:.4g} PF-days"
            + (f", {compute['gpu_days']:.3g} GPU-days" if "gpu_days" in compute else "")
        )
        lines.append(f"  recipe: {compute['source']}")
    hardware = record.get("hardware")
    if hardware and hardware.get("memory") is not None:
        lines.append(
            f"on {hardware['name']} ({_mib(hardware['memory'])}): largest batch {hardware['largest_batch']:,}; "
            f"batch {record['batch']} {'fits' if hardware['fits_batch'] else 'does not fit'}"
        )
    towers = record.get("towers")
    if towers:
        lines.append(
            f"two GPUs: per tower {towers['params_per_tower']:,} params, {towers['forward_macs_per_tower']:,} forward "
            f"and {towers['backward_macs_per_tower']:,} backward multiply-adds per image, {_mib(towers['memory_per_tower'])}"
        )
        crossing = ", ".join(f"{c['layer']} {c['forward_bytes'] + c['backward_bytes']:,}" for c in towers["crossings"])
        lines.append(
            f"  bytes crossing per image (forward + backward): {crossing}; {towers['crossing_bytes_per_image']:,} in all"
        )
    return lines


def text(record: Mapping[str, Any]) -> str:
    """The terminal summary of a training step."""
    totals = record["totals"]
    lines = [
        f"{record['network']}: one training step at batch {record['batch']}, {record['optimizer']}, "
        f"{record['dtype']}, on {record['device']}",
        "",
        *_table(
            ["layer", "forward", "input grad", "weight grad", "weights", "opt. state", "saved"],
            _layer_rows(record["layers"]),
        ),
        "",
        f"multiply-adds per sample: forward {totals['forward_macs_per_sample']:,}, backward "
        f"{totals['backward_macs_per_sample']:,} (input gradients {totals['input_grad_macs_per_sample']:,}, "
        f"weight gradients {totals['weight_grad_macs_per_sample']:,}); backward/forward "
        f"{totals['backward_forward_ratio']:.3f}",
        f"per batch: forward {totals['forward_macs_per_batch']:,}, backward {totals['backward_macs_per_batch']:,}; "
        f"a step is {_g(totals['step_flops_per_batch'])}FLOP",
        *_memory_lines(record["memory"], record["batch"]),
        *_extra_lines(record),
    ]
    lines += ["", "definitions:"] + [f"  {term}: {meaning}" for term, meaning in record["definitions"].items()]
    if record["claims"]:
        lines += ["", "claims:"]
        for claim in record["claims"]:
            mark = "ok  " if claim["ok"] else "FAIL"
            lines.append(f"  {mark} {claim['id']:<28} {claim['verdict']:<23} {claim['note']}")
    return "\n".join(lines) + "\n"


def template() -> str:
    """The Jinja template of the handout's training section."""
    return resources.files("archstats.render").joinpath("templates", "_training.html.j2").read_text(encoding="utf-8")


_STYLE = """
body{font:10pt/1.4 system-ui,sans-serif;margin:1.5em;max-width:180mm}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{padding:1px 4px;border-bottom:1px solid #ddd;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}@media print{body{margin:0}}
"""


def style() -> str:
    """The section's own CSS, every rule under ``section.training`` (a handout includes ``_training.css.j2``)."""
    return resources.files("archstats.render").joinpath("templates", "_training.css.j2").read_text(encoding="utf-8")


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _work(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    layers = [layer for layer in record["layers"] if layer["forward_macs"] or layer["input_grad_macs"]]
    largest = max((row["forward_macs"] + row["input_grad_macs"] + row["weight_grad_macs"] for row in layers), default=0)
    return [
        {
            "name": row["name"], "forward": row["forward_macs"], "dx": row["input_grad_macs"], "dw": row["weight_grad_macs"],
            "fwd_pct": _percent(row["forward_macs"], largest), "dx_pct": _percent(row["input_grad_macs"], largest),
            "dw_pct": _percent(row["weight_grad_macs"], largest),
        }
        for row in layers
    ]  # fmt: skip


def _memory(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    layers = record["layers"]

    def total(row: Mapping[str, Any]) -> int:
        return int(row["weights_bytes"] + row["gradient_bytes"] + row["optimizer_state_bytes"] + row["saved_bytes"])

    largest = max((total(row) for row in layers), default=0)
    return [
        {
            "name": row["name"], "w": _mib(row["weights_bytes"]), "s": _mib(row["optimizer_state_bytes"]),
            "a": _mib(row["saved_bytes"]), "w_pct": _percent(row["weights_bytes"], largest),
            "g_pct": _percent(row["gradient_bytes"], largest), "s_pct": _percent(row["optimizer_state_bytes"], largest),
            "a_pct": _percent(row["saved_bytes"], largest),
        }
        for row in layers
    ]  # fmt: skip


HANDOUT_ROWS = 40  # a handout's tables list the layers that cost most; ``train --json`` has every one


def _largest(rows: list[dict[str, Any]], most: int | None, size: Any) -> tuple[list[dict[str, Any]], str]:
    """The ``most`` rows of largest ``size``, in their own order, and a note saying what was left out."""
    if most is None or len(rows) <= most:
        return rows, ""
    keep = set(sorted(range(len(rows)), key=lambda i: -size(rows[i]))[:most])
    return [row for i, row in enumerate(rows) if i in keep], f"The {most} largest of {len(rows)} layers, in order."


def section(record: Mapping[str, Any], most: int | None = None) -> str:
    """The handout's "What training costs" section as HTML; ``most`` rows per table if given."""
    import jinja2

    work, work_note = _largest(_work(record), most, lambda row: row["forward"] + row["dx"] + row["dw"])
    memory, memory_note = _largest(
        _memory(record), most, lambda row: row["w_pct"] + row["g_pct"] + row["s_pct"] + row["a_pct"]
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(template()).render(
        r=record, work=work, memory=memory, mib=_mib, work_note=work_note, memory_note=memory_note
    )


def handout(record: Mapping[str, Any]) -> str:
    """The section for a network's handout, from ``archstats.training.handout.gather``'s finished record.

    Returns:
        Markup to place as it is: the section, or one line saying why it is not shown.
    """
    from html import escape

    from markupsafe import Markup

    if "skipped" in record:
        return Markup(
            f'<section class="training" id="training">\n  <h2>What training costs</h2>\n'
            f"  <p>{escape(record['skipped'])}</p>\n</section>"
        )
    return Markup(section(record, HANDOUT_ROWS))


def page(record: Mapping[str, Any]) -> str:
    """A self-contained printable page holding the training section."""
    from html import escape

    title = escape(f"What training costs: {record['network']}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}{style()}</style></head><body>\n{section(record)}\n</body></html>\n"
    )
