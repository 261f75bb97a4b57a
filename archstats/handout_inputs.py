"""What a handout shows beyond its report, gathered before it is rendered: the renderers only render.

The hierarchy outline names each module's class, which a build of the network on the meta
device gives; LeNet-5's sections draw buffers (C3's connection table, F6's prototypes) that
only a normal build holds; Inception 3a's section compares two traced networks. This module
builds and traces what :mod:`archstats.render.html` then reads from :class:`HandoutInputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archstats.analysis import Analysis
    from archstats.zoo import Report

Rows = tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class HandoutInputs:
    """What a handout needs besides its report, gathered by :func:`gather`.

    Args:
        module_types: module path -> class name, for the outline of the module hierarchy.
        zoo: whether the report is of a zoo network (only those get the family sections).
        buffers: buffer attribute -> (the first module holding it, its values as nested rows).
        others: other zoo networks traced at their default input, by name.
        training: the finished "What training costs" record
            (``archstats.training.handout.gather``); ``None`` leaves the section out.
    """

    module_types: Mapping[str, str]
    zoo: bool = False
    buffers: Mapping[str, tuple[str, Rows]] = field(default_factory=dict)
    others: Mapping[str, Analysis] = field(default_factory=dict)
    training: Mapping[str, Any] | None = None


def module_types(report: Report) -> dict[str, str]:
    """Module path -> class name, from a build of the network on the meta device (no storage, no trace)."""
    import torch

    with torch.device("meta"):
        model = report.spec.builder()
    return {name: type(module).__name__ for name, module in model.named_modules() if name}


def _buffers(report: Report, attributes: tuple[str, ...]) -> dict[str, tuple[str, Rows]]:
    """Each attribute's first holder in the network built normally on the CPU, with its values.

    A normal build: the traced copy holds zeros where tables and prototypes were.
    """
    if not attributes:
        return {}
    found: dict[str, tuple[str, Rows]] = {}
    for name, module in report.spec.builder().named_modules():
        for attribute in attributes:
            value = getattr(module, attribute, None)
            if value is not None and attribute not in found:
                found[attribute] = (name, tuple(tuple(row) for row in value.tolist()))
    return found


def is_zoo(report: Report) -> bool:
    """Whether the report is of a zoo network, as registered (not a user's model of the same name)."""
    from archstats_zoo import REGISTRY

    name = report.spec.name
    return name in REGISTRY and REGISTRY.get(name) is report.spec


def gather(
    report: Report, others: Mapping[str, Analysis] | None = None, training: Mapping[str, Any] | None = None
) -> HandoutInputs:
    """Everything :func:`archstats.render.html.render` needs besides the report.

    Args:
        report: a traced network.
        others: traces of other zoo networks at their default input (``report --all`` shares
            its cache); a network a section compares with and missing here is traced.
        training: the finished "What training costs" record, passed through.

    Returns:
        The inputs, built once.
    """
    from archstats.render.sections.families import needs

    types = module_types(report)
    if not is_zoo(report):
        return HandoutInputs(module_types=types, training=training)
    attributes, networks = needs(report.spec.name)
    known = dict(others or {})
    own = report.analysis.input_shape == report.spec.input_shape
    traced: dict[str, Analysis] = {}
    for network in networks:
        if network == report.spec.name and own:
            continue
        if network not in known:
            from archstats.zoo import analyze_network

            known[network] = analyze_network(network, None, report.analysis.device)
        traced[network] = known[network]
    return HandoutInputs(
        module_types=types, zoo=True, buffers=_buffers(report, attributes), others=traced, training=training
    )


def render_handout(
    report: Report, others: Mapping[str, Analysis] | None = None, training: Mapping[str, Any] | None = None
) -> str:
    """The report's HTML handout, its inputs gathered first (see :func:`gather`)."""
    from archstats.render import html

    return html.render(report, gather(report, others, training))
