"""Which zoo networks get which special sections, and what each section reads besides the report.

- LeNet-5 (:mod:`.lenet`): C3's connection table as a grid, the RBF prototypes as 7×12 bitmaps.
- AlexNet (:mod:`.alexnet`): the two towers that the grouped convolutions encode.
- GoogLeNet and Inception 3a (:mod:`.inception`): the naive module beside the one with 1×1 reductions.
- ResNets (:mod:`.resnet`): identity and projection shortcuts, drawn and counted per stage.

:data:`FAMILIES` maps name patterns to sections; :data:`NEEDS` says which buffers of the built
network and which other zoo networks a section reads, which
:func:`archstats.handout_inputs.gather` gathers before rendering.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from archstats.render.sections import alexnet, inception, lenet, resnet
from archstats.render.sections.base import Section, Special

if TYPE_CHECKING:
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report

FAMILIES: tuple[tuple[str, tuple[Special, ...]], ...] = (
    ("lenet5", (lenet.c3_section, lenet.rbf_section)),
    ("alexnet", (alexnet.towers_section,)),
    ("googlenet", (inception.inception_3a_section,)),
    ("inception-3a*", (inception.inception_3a_section,)),
    ("resnet-*", (resnet.shortcuts_section,)),
    ("preact-resnet-*", (resnet.shortcuts_section,)),
)

# Section -> (buffer attributes of the built network, other zoo networks traced at their default input).
NEEDS: dict[Special, tuple[tuple[str, ...], tuple[str, ...]]] = {
    lenet.c3_section: (("table",), ()),
    lenet.rbf_section: (("prototypes",), ()),
    inception.inception_3a_section: ((), (inception.NAIVE, inception.REDUCED)),
}


def specials_for(name: str) -> tuple[Special, ...]:
    """The special sections of a zoo network, by the patterns of :data:`FAMILIES`."""
    return tuple(f for pattern, found in FAMILIES if fnmatch.fnmatchcase(name, pattern) for f in found)


def needs(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The buffers and the other zoo networks that a zoo network's sections read (see :data:`NEEDS`)."""
    found = [NEEDS.get(special, ((), ())) for special in specials_for(name)]
    buffers = tuple(dict.fromkeys(b for bs, _ in found for b in bs))
    networks = tuple(dict.fromkeys(n for _, ns in found for n in ns))
    return buffers, networks


def sections(report: Report, inputs: HandoutInputs) -> list[Section]:
    """The special sections of a report's handout (none for a network of the user's).

    Args:
        report: a traced network.
        inputs: what the sections read besides the report, gathered before rendering.

    Returns:
        Its sections, in the order :data:`FAMILIES` lists them.
    """
    if not inputs.zoo:
        return []
    found = (special(report, inputs) for special in specials_for(report.spec.name))
    return [s for s in found if s is not None]
