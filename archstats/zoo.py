"""The zoo as archstats sees it: names to specs, specs to analyses and verdicts."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archstats.analysis import Analysis, InputsLike, analyze, input_specs, resolve_device
from archstats.conventions import DEFAULT as DEFAULT_CONVENTION
from archstats.ledger import Claim, Verdict, judge_all, load_claims
from archstats_zoo import REGISTRY, ModelSpec

if TYPE_CHECKING:
    from torch import nn


class UnknownNetworkError(LookupError):
    """No zoo network has this name."""

    def __init__(self, name: str) -> None:
        close = difflib.get_close_matches(name, REGISTRY.names(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        super().__init__(f"unknown network {name!r}{hint} (see 'archstats list')")
        self.name = name


def spec(name: str) -> ModelSpec:
    """The registry spec called ``name``, or :class:`UnknownNetworkError` with suggestions."""
    if name not in REGISTRY:
        raise UnknownNetworkError(name)
    return REGISTRY.get(name)


def parameter_count(name: str) -> tuple[int, int]:
    """Parameter elements of a zoo network, in all and at inference, from a build on the meta device.

    No storage, no trace: see :func:`count_parameters`.

    Returns:
        ``(params, params at inference)``.
    """
    import torch

    model_spec = spec(name)
    with torch.device("meta"):
        model = model_spec.builder()
    return count_parameters(model, model_spec.auxiliary)


def count_parameters(model: nn.Module, auxiliary: Sequence[str] = ()) -> tuple[int, int]:
    """Parameter elements of ``model``, in all and without its ``auxiliary`` top-level modules.

    Each tensor counts once, tied weights too; one that an auxiliary module shares with
    another module counts at inference, as in a trace in eval mode.

    Args:
        model: any module (on the meta device or not).
        auxiliary: names of top-level modules that run in training only.

    Returns:
        ``(params, params at inference)``.
    """
    children = dict(model.named_children())
    unknown = sorted(set(auxiliary) - set(children))
    if unknown:
        raise ValueError(f"{type(model).__name__} has no module {', '.join(map(repr, unknown))} to leave out")
    everything = {id(p): p.numel() for p in model.parameters()}
    running = [model.parameters(recurse=False)] + [m.parameters() for n, m in children.items() if n not in auxiliary]
    inference = {id(p): p.numel() for group in running for p in group}
    return sum(everything.values()), sum(inference.values())


def published_claims(model: ModelSpec) -> list[Claim]:
    """The figures a network's papers publish, as ledger claims on its totals."""
    return [
        Claim(
            id=f"{model.name}.{fig.origin}.{fig.quantity}",
            network=model.name,
            source=fig.source,
            quote=fig.quote,
            measure=f"total.{fig.quantity}",
            expected=fig.value,
            unit=fig.unit,
            convention=fig.convention,
            rel_tol=fig.rel_tol,
        )
        for fig in model.published
    ]


def claims(name: str) -> list[Claim]:
    """Every claim about a zoo network: the article's, then its papers' not already among them."""
    model = spec(name)
    article = load_claims(name)
    stated = {(c.measure, c.expected) for c in article}
    return [*article, *(c for c in published_claims(model) if (c.measure, c.expected) not in stated)]


@dataclass(frozen=True)
class Report:
    """A zoo network traced, with the ledger's verdicts on it."""

    spec: ModelSpec
    analysis: Analysis
    verdicts: tuple[Verdict, ...]
    convention: str = DEFAULT_CONVENTION  # the one the per-layer cost column shows


def analyze_network(
    name: str,
    input_shape: InputsLike | None = None,
    device: str = "auto",
    train: bool = False,
    engine: str = "dispatch",
) -> Analysis:
    """Build a zoo network without weight initialisation and trace it once.

    ``input_shape`` is a shape or a sequence of :class:`archstats.InputSpec` (default: the network's).
    """
    import torch

    model = spec(name)
    dev = resolve_device(device)
    inputs = input_specs(input_shape) if input_shape is not None else input_specs(model.input_shape)
    with torch.device("meta"):
        network = model.builder()  # analyze() gives it storage once the input is known to fit
    return analyze(network, inputs, dev, name=name, train=train, engine=engine)


def report(
    name: str,
    input_shape: InputsLike | None = None,
    device: str = "auto",
    train: bool = False,
    cache: dict[str, Analysis] | None = None,
    engine: str = "dispatch",
) -> Report:
    """Trace a zoo network and judge every claim about it.

    Claims are stated for the network's default input in eval mode; at another input
    size or in training mode they are not judged (the report says so). Claims about
    other networks trace those at their defaults; pass ``cache`` to share such traces
    between reports: a network already traced there at its default input, on the same
    device, is not traced again. ``engine`` counts MACs as :func:`archstats.analyze` does.
    """
    model = spec(name)
    others = cache if cache is not None else {}
    cached = others.get(name) if input_shape is None and not train else None
    if cached is not None and cached.device == str(resolve_device(device)):
        analysis = cached
    else:
        analysis = analyze_network(name, input_shape, device, train, engine)
    verdicts: tuple[Verdict, ...] = ()
    if analysis.input_shape[1:] == model.input_shape[1:] and not train:
        others[name] = analysis

        def resolve(other: str) -> Analysis:
            if other not in others:
                others[other] = analyze_network(other, None, device, engine=engine)
            return others[other]

        verdicts = tuple(judge_all(claims(name), analysis, resolve))
    return Report(model, analysis, verdicts)


def report_model(
    target: str,
    inputs: InputsLike,
    device: str = "auto",
    kwargs: dict[str, Any] | None = None,
    train: bool = False,
    engine: str = "dispatch",
) -> Report:
    """Load a user's model (``module:factory`` or ``file.py:Name``) and trace it; no claims to judge.

    Args:
        target: ``package.module:factory`` or ``path/to/file.py:Name``.
        inputs: a shape (one float32 input) or a sequence of :class:`archstats.InputSpec`,
            one per positional argument of ``forward``, as :func:`archstats.analyze` takes.
        device: ``cpu``, ``cuda``, ``auto`` or ``meta`` (shapes only, nothing allocated).
        kwargs: keyword arguments for the factory.
        train: trace in training mode.
        engine: ``dispatch`` or ``fvcore``.

    Returns:
        The report, with no verdicts.
    """
    from archstats.loader import load

    specs = input_specs(inputs)
    model = load(target, kwargs)
    analysis = analyze(model, specs, device, name=target, train=train, engine=engine)
    user_spec = ModelSpec(
        name=target, builder=lambda: model, input_shape=specs[0].shape, paper="", year=None,
        summary="a user's model",
    )  # fmt: skip
    return Report(user_spec, analysis, ())
