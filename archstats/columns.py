"""The per-layer columns of a report, one record each, and the definitions of what they count.

Every export and renderer reads this one table: the JSON records (``layers`` and
``totals``), the CSV, the Markdown, LaTeX and terminal tables and the handout's layer
table. It sits beside ``analysis`` rather than in ``render/`` because both sides read
it: the records are built from it and the renderers lay them out by it. It imports
nothing heavy, so that a renderer can read it without torch.

A column's ``format`` says what its value is and so how each output writes it:

``text``
    a string, written as it is.
``flag``
    a boolean.
``count``
    an integer (``None`` where a layer has none, as the depth of a layer that never
    ran); the printed tables write it with thousands separators, right-aligned.
``shape``
    a tuple of sizes or ``None``: a list in JSON, ``96×55×55`` in the CSV; the printed
    tables show an output per sample, ``not called`` for a layer that never ran.
``field``
    the receptive field's sides: the largest side in JSON, the sides in the CSV
    (``(all)`` after them when the units see the whole input), ``all`` or the sides in
    the printed tables.
``mapping``
    names to values, a JSON object.
``ops``
    op names to how many times each ran: a JSON object, ``op×n, ...`` in the CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "params": "elements of the nn.Parameters a layer owns, trainable and frozen alike, as PyTorch, "
        "torchvision and the papers count them; a tensor shared by two layers (tied weights) counts once, "
        "in the row of the first that runs",
        "buffers": "elements of the floating-point buffers a layer owns (BatchNorm's running statistics, "
        "LeNet-5's fixed RBF prototypes): state, not parameters, never in params; integer buffers "
        "(BatchNorm's num_batches_tracked, index tables) are not counted",
        "inference_params": "params of the layers that ran, in a trace in eval mode (the default): the "
        "network as used at inference, without the modules that run in training only (auxiliary heads)",
        "neurons": "output units per sample of a layer that forms weighted sums (convolution, "
        "linear, trainable subsampling, RBF); activations, pooling, normalisation and "
        "dropout add none",
        "connections": "per sample, for each neuron its fan-in plus one for a bias (LeCun 1998); "
        "shared weights count at every use",
        "macs": "multiply-accumulates per sample, fvcore's convention (one fused multiply-add "
        "= 1; convolutions, linear maps, matrix products, BatchNorm and adaptive average "
        "pooling; archstats adds Euclidean distances); bias additions are not MACs",
        "flops": "2 per multiply-add of the weighted ops (one multiply and one add, as "
        "torch.utils.flop_counter); BatchNorm and the other ops that fvcore adds to the MACs are "
        "not in it, nor are the ops listed as uncounted",
        "multiply_adds": "multiply-accumulates of the weighted ops alone (convolutions, linear maps, "
        "matrix products, distances), no bias: the 'macs' convention, what the ResNet and GoogLeNet "
        "papers call multiply-adds",
        "receptive_field": "side of the input region one output unit sees (the maximum over "
        "branches and shortcuts); jump is its effective stride",
        "depth": "weighted layers on the longest path from input to output",
        "uncounted_ops": "ops that do arithmetic but are in neither MACs nor FLOPs (pooling, "
        "activations, LRN's elementwise steps, additions), with how many times each was called",
        "attention": "scaled dot-product attention's two matrix products, QKᵀ and the weights times V: "
        "L·S·(E + Ev) multiply-adds per head and batch element (2·L·S·d for a head width d), whichever "
        "kernel runs; a causal mask counts the whole L×L matrix, as torchvision and "
        "torch.utils.flop_counter do; in macs, flops and flops-all, not in fvcore's convention "
        "(fvcore has no handle for attention)",
        "recurrent": "nn.LSTM, GRU and RNN: at every step each gate forms hidden·(in + hidden) "
        "multiply-adds (LSTM 4 gates, GRU 3, RNN 1; proj_size adds hidden·proj); neurons are the "
        "gate units of every step (and the projection's), connections their fan-in plus one bias "
        "link; in macs, flops and flops-all, not in fvcore's convention",
        "functional_use": "a module whose weights another module's forward uses (nn.MultiheadAttention's "
        "out_proj) has the row for them: its params, MACs and connections; it counts as called",
    }
)


ROOT = "(root)"  # the row of the model's own work, outside any submodule

FORMATS = ("text", "flag", "count", "shape", "field", "mapping", "ops")


@dataclass(frozen=True)
class Column:
    """One per-layer column: its key in JSON and CSV, its title in a printed table, and what it reads.

    ``attribute`` is the :class:`~archstats.analysis.Layer` attribute it reads, ``entry``
    the entry of that mapping when the column is one of its values (``formulas["params"]``).
    ``total`` marks a column whose network total is the :class:`~archstats.analysis.Totals`
    attribute of the same name. ``json`` and ``csv`` say which exports carry it.
    """

    key: str
    title: str
    unit: str
    format: str
    attribute: str
    definition: str
    entry: str | None = None
    total: bool = False
    json: bool = True
    csv: bool = True

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"column {self.key!r} has format {self.format!r}, not one of {', '.join(FORMATS)}")

    def value(self, layer: Any) -> Any:
        """What this column holds for ``layer`` (a Layer, or any object with the attribute)."""
        held = getattr(layer, self.attribute)
        return held.get(self.entry, "") if self.entry is not None else held

    def total_value(self, totals: Any) -> Any:
        """The network's figure of this column, read from a Totals."""
        if not self.total:
            raise ValueError(f"column {self.key!r} has no network total")
        return getattr(totals, self.attribute)


@dataclass(frozen=True)
class Total:
    """One figure of the JSON ``totals`` object: its key and the Totals attribute it reads."""

    key: str
    attribute: str
    unit: str
    definition: str


def _defined(key: str) -> str:
    return DEFINITIONS[key]


# Every per-layer column, in the order of the JSON layer records (the CSV's are in the same order).
COLUMNS: tuple[Column, ...] = (
    Column("name", "layer", "", "text", "name", f"the module's dotted name; {ROOT} for the model's own work"),
    Column("type", "type", "", "text", "type", "the module's class name"),
    Column("called", "called", "", "flag", "called", "whether the forward pass ran the module", csv=False),
    Column("input_shape", "input", "elements", "shape", "input_shape", "shape of the module's first input, batch first"),
    Column("output_shape", "output", "elements", "shape", "output_shape", "shape of the module's output, batch first"),
    Column("params", "params", "elements", "count", "params", _defined("params"), total=True),
    Column(
        "trainable_params", "trainable params", "elements", "count", "trainable_params",
        "params with requires_grad on", total=True,
    ),
    Column("buffers", "buffers", "elements", "count", "buffers", _defined("buffers"), total=True),
    Column("connections", "connections", "connections", "count", "connections", _defined("connections"), total=True),
    Column("neurons", "neurons", "units", "count", "neurons", _defined("neurons"), total=True),
    Column("macs", "MACs", "MACs", "count", "fvcore_macs", _defined("macs"), total=True),
    Column(
        "multiply_adds", "multiply-adds", "MACs", "count", "multiply_adds", _defined("multiply_adds"),
        total=True, csv=False,
    ),
    Column("flops", "FLOPs", "FLOPs", "count", "flops", _defined("flops"), total=True),
    Column(
        "conventions", "conventions", "", "mapping", "costs",
        "the layer's cost under each named convention", csv=False,
    ),
    Column(
        "elementwise_ops", "elementwise ops", "ops", "mapping", "arith",
        "elementwise ops per sample by category, for the flops-all convention", csv=False,
    ),
    Column("receptive_field", "RF", "input positions", "field", "receptive_field", _defined("receptive_field")),
    Column(
        "receptive_field_dims", "RF per dimension", "input positions", "shape", "receptive_field",
        "the receptive field's side along each spatial dimension", csv=False,
    ),
    Column("jump", "jump", "input positions", "shape", "jump", "the effective stride along each spatial dimension"),
    Column(
        "receptive_field_global", "sees all", "", "flag", "rf_global",
        "whether the layer's units see the whole input", csv=False,
    ),
    Column("depth", "depth", "layers", "count", "depth", _defined("depth"), total=True),
    Column(
        "formula", "derivation", "", "mapping", "formulas",
        "the derivation of each figure (params, buffers, connections, neurons, output) as a formula", csv=False,
    ),
    Column(
        "params_formula", "params derivation", "", "text", "formulas", "the derivation of the params",
        entry="params", json=False,
    ),
    Column(
        "connections_formula", "connections derivation", "", "text", "formulas",
        "the derivation of the connections", entry="connections", json=False,
    ),
    Column("uncounted_ops", "not counted", "calls", "ops", "uncounted_ops", _defined("uncounted_ops")),
)  # fmt: skip

BY_KEY: Mapping[str, Column] = MappingProxyType({c.key: c for c in COLUMNS})

JSON_COLUMNS = tuple(c for c in COLUMNS if c.json)
CSV_COLUMNS = tuple(c for c in COLUMNS if c.csv)

# The printed table's columns (Markdown, LaTeX, the terminal, the handout), left to right.
TABLE = tuple(BY_KEY[k] for k in ("name", "type", "output_shape", "params", "connections", "neurons", "macs",
                                   "receptive_field"))  # fmt: skip

# The JSON ``totals`` object, in its order.
TOTALS: tuple[Total, ...] = (
    Total("params", "params", "elements", _defined("params")),
    Total("trainable_params", "trainable_params", "elements", "params with requires_grad on"),
    Total("buffers", "buffers", "elements", _defined("buffers")),
    Total("inference_params", "inference_params", "elements", _defined("inference_params")),
    Total("connections", "connections", "connections", _defined("connections")),
    Total("neurons", "neurons", "units", _defined("neurons")),
    Total("neurons_with_input", "neurons_with_input", "units", "the neurons and the input's units"),
    Total("macs", "fvcore_macs", "MACs", _defined("macs")),
    Total("multiply_adds", "multiply_adds", "MACs", _defined("multiply_adds")),
    Total("flops", "flops", "FLOPs", _defined("flops")),
    Total("depth", "depth", "layers", _defined("depth")),
)


def column(key: str) -> Column:
    """The column whose JSON or CSV key is ``key``; raises ``KeyError`` naming the keys when there is none."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"no column {key!r}; the columns are {', '.join(BY_KEY)}") from None
