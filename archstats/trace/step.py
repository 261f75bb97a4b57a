"""One real training step, watched: the work of every layer forward and backward, and what it keeps.

The step runs the network's forward pass, a loss and ``backward()`` on the device, under
a dispatch mode that counts the multiply-adds of every weighted op. Each backward op is
attributed to the layer whose forward made the autograd node that runs it: after a
module's forward, the nodes its outputs reach that no inner module claimed are its own,
and a pre-hook on each node says whose backward is running. What autograd keeps for
backward is measured by saved-tensor hooks, one entry per storage, so that an in-place
ReLU, a view or max-pool's indices weigh what they really weigh.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from archstats.rules import backward as rules

aten = torch.ops.aten

ROOT = "(root)"  # work done by the model's own forward, outside any submodule


@dataclass
class LayerCost:
    """What one layer costs in a step (counts for the whole batch, bytes as stored)."""

    name: str
    type: str
    forward: int = 0  # multiply-adds of its forward
    input_grad: int = 0  # multiply-adds of the gradient of its input
    weight_grad: int = 0  # multiply-adds of the gradient of its weights
    params: int = 0  # parameter elements it owns (trainable)
    param_bytes: int = 0
    saved_bytes: int = 0  # storages autograd keeps for its backward, first saver's
    output_bytes: int = 0  # its forward's output(s)
    input_bytes: int = 0  # its forward's input(s)
    order: int = -1  # when its backward ran (0 = first), -1 if it never did


@dataclass
class StepTrace:
    """A watched training step: per-layer costs and what the step kept alive."""

    layers: list[LayerCost]
    batch: int
    input_bytes: int
    saved_bytes: int  # unique storages saved for backward, parameters excluded
    saved_param_bytes: int  # parameters autograd saved too (they are the weights, not extra)
    saved_by_storage: dict[int, tuple[int, str]] = field(default_factory=dict)  # key -> (bytes, first saver)
    savers: dict[int, list[str]] = field(default_factory=dict)  # storage key -> layers that saved it


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape)


def _matmul(func: Any, args: Sequence[Any]) -> int | None:
    """Multiply-adds of a matrix product, or ``None`` for any other op."""
    if func in (aten.mm.default, aten.mm.out):
        return rules.mm(_shape(args[0]), _shape(args[1]))
    if func in (aten.addmm.default, aten.addmm.out):
        return rules.addmm(_shape(args[0]), _shape(args[1]), _shape(args[2]))
    if func in (aten.bmm.default, aten.bmm.out):
        return rules.bmm(_shape(args[0]), _shape(args[1]))
    if func in (aten.baddbmm.default, aten.baddbmm.out):
        return rules.baddbmm(_shape(args[0]), _shape(args[1]), _shape(args[2]))
    return None


def _storage_key(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


class _Counter(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """Counts weighted ops into the layer the owner says is running."""

    def __init__(self, step: _Watch) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.step = step

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        self.step.count(func, args, out)
        return out


class _Watch:
    """The hooks and the tallies of one watched step."""

    def __init__(self, model: nn.Module, batch: torch.Tensor) -> None:
        self.model = model
        self.batch_storage = _storage_key(batch)
        self.layers: dict[str, LayerCost] = {}
        self.names: dict[nn.Module, str] = {}
        for name, module in model.named_modules():
            key = name or ROOT
            self.names[module] = key
            own = [p for p in module.parameters(recurse=False) if p.requires_grad]
            self.layers[key] = LayerCost(
                key, type(module).__name__, params=sum(p.numel() for p in own),
                param_bytes=sum(p.numel() * p.element_size() for p in own),
            )  # fmt: skip
        self.param_storages = {_storage_key(p) for p in model.parameters()}
        self.param_shapes: dict[str, set[tuple[int, ...]]] = {
            self.names[m]: {_shape(p) for p in m.parameters(recurse=False)} for m in model.modules()
        }
        self.stack: list[str] = []
        self.owner: dict[Any, str] = {}  # autograd node -> layer whose forward made it
        self.boundaries: list[set[Any]] = []
        self.backward = False
        self.running = ROOT  # the layer whose backward node runs now
        self.order: list[str] = []
        self.saved: dict[int, tuple[int, str]] = {}
        self.savers: dict[int, list[str]] = {}
        self.saved_params: dict[int, int] = {}

    # -- forward: who runs, who made which node, who saved what --------------------

    def pre(self, module: nn.Module, inputs: Any) -> None:
        name = self.names[module]
        self.stack.append(name)
        self.layers[name].input_bytes += sum(t.numel() * t.element_size() for t in _tensors(inputs))
        self.boundaries.append({t.grad_fn for t in _tensors(inputs) if t.grad_fn is not None})

    def post(self, module: nn.Module, inputs: Any, output: Any) -> None:
        name = self.stack.pop()
        stop = self.boundaries.pop()
        todo: list[Any] = [t.grad_fn for t in _tensors(output) if t.grad_fn is not None]
        for t in _tensors(output):
            self.layers[name].output_bytes += t.numel() * t.element_size()
        while todo:
            node = todo.pop()
            if node is None or node in self.owner or node in stop:
                continue
            self.owner[node] = name
            todo.extend(n for n, _ in node.next_functions)

    def pack(self, t: torch.Tensor) -> torch.Tensor:
        key = _storage_key(t)
        nbytes = t.untyped_storage().nbytes()
        layer = self.stack[-1] if self.stack else ROOT
        if key == self.batch_storage:
            return t  # the input batch is reported as such
        if key in self.param_storages:
            self.saved_params[key] = nbytes
        else:
            self.saved.setdefault(key, (nbytes, layer))
            savers = self.savers.setdefault(key, [])
            if layer not in savers:
                savers.append(layer)
        return t

    # -- counting -----------------------------------------------------------------

    def count(self, func: Any, args: Sequence[Any], out: Any) -> None:
        if self.backward:
            self._count_backward(func, args)
            return
        layer = self.layers[self.stack[-1] if self.stack else ROOT]
        if func is aten.convolution.default:
            layer.forward += rules.convolution_backward_parts(
                _shape(out), _shape(args[0]), _shape(args[1]), bool(args[6]), (False, True)
            )[1]
        elif (macs := _matmul(func, args)) is not None:
            layer.forward += macs

    def _count_backward(self, func: Any, args: Sequence[Any]) -> None:
        layer = self.layers[self.running]
        if func is aten.convolution_backward.default:
            grad_output, inp, weight = (_shape(a) for a in args[:3])
            di, dw = rules.convolution_backward_parts(grad_output, inp, weight, bool(args[7]), args[10])
            layer.input_grad += di
            layer.weight_grad += dw
            return
        macs = _matmul(func, args)
        if macs is None:
            return
        if self._is_weight_gradient(args, layer.name):
            layer.weight_grad += macs
        else:
            layer.input_grad += macs

    def _is_weight_gradient(self, args: Sequence[Any], layer: str) -> bool:
        """A product of two activations whose result has a weight's shape is that weight's gradient."""
        operands = [a for a in args if isinstance(a, torch.Tensor)]
        if any(_storage_key(a) in self.param_storages for a in operands):
            return False  # gradient times the weight: the input's gradient
        a, b = operands[-2], operands[-1]
        result = (*_shape(a)[:-1], _shape(b)[-1])
        shapes = self.param_shapes.get(layer, set())
        return result in shapes or tuple(reversed(result)) in shapes

    def node_pre(self, node: Any) -> Callable[..., None]:
        name = self.owner[node]

        def hook(grad_outputs: Any) -> None:
            self.running = name
            if name not in self.order:
                self.order.append(name)

        return hook


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    """The tensors in a module's inputs or outputs (tuples, lists, dicts, named tuples)."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def loss_of(output: Any) -> torch.Tensor:
    """A scalar to differentiate: the sum of every output's mean (auxiliary heads included)."""
    parts = [t.float().mean() for t in _tensors(output) if t.is_floating_point() and t.requires_grad]
    if not parts:
        raise ValueError("the network's output does not depend on its weights; there is nothing to train")
    return torch.stack(parts).sum()


@contextlib.contextmanager
def _hooks(watch: _Watch) -> Iterator[None]:
    handles = []
    for module in watch.model.modules():
        handles.append(module.register_forward_pre_hook(watch.pre))
        handles.append(module.register_forward_hook(watch.post))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def watch_step(model: nn.Module, batch: torch.Tensor) -> StepTrace:
    """Run one forward and backward pass of ``model`` on ``batch``, counting and measuring it.

    Args:
        model: the network in training mode, its weights on the batch's device.
        batch: the input batch.

    Returns:
        The step's per-layer costs (in the order of ``model.named_modules()``) and saved storages.
    """
    watch = _Watch(model, batch)
    counter = _Counter(watch)
    with _hooks(watch), torch.autograd.graph.saved_tensors_hooks(watch.pack, lambda t: t), counter:
        loss = loss_of(model(batch))
    for node in watch.owner:
        node.register_prehook(watch.node_pre(node))
    watch.backward = True
    with counter:
        loss.backward()  # type: ignore[no-untyped-call]
    del loss
    # The graph's nodes hold hooks that hold the watch: drop them, or the model outlives the step.
    watch.owner.clear()
    for position, name in enumerate(watch.order):
        watch.layers[name].order = position
    for nbytes, layer in watch.saved.values():
        watch.layers[layer].saved_bytes += nbytes
    return StepTrace(
        layers=list(watch.layers.values()),
        batch=batch.shape[0],
        input_bytes=batch.numel() * batch.element_size(),
        saved_bytes=sum(nbytes for nbytes, _ in watch.saved.values()),
        saved_param_bytes=sum(watch.saved_params.values()),
        saved_by_storage=dict(watch.saved),
        savers=dict(watch.savers),
    )
