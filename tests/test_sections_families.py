"""Which networks get which special sections (render/sections/families.py), and that the sections' data
functions need no drawing library."""

from __future__ import annotations

import subprocess
import sys

from archstats.render.sections import alexnet, families, inception, lenet, resnet


def test_sections_by_family() -> None:
    assert families.specials_for("lenet5") == (lenet.c3_section, lenet.rbf_section)
    assert families.specials_for("alexnet") == (alexnet.towers_section,)
    assert families.specials_for("googlenet") == (inception.inception_3a_section,)
    assert families.specials_for("resnet-1202") == (resnet.shortcuts_section,)
    assert families.specials_for("preact-resnet-164") == (resnet.shortcuts_section,)
    assert families.specials_for("vgg-d") == ()


def test_needs_say_what_to_gather() -> None:
    assert families.needs("lenet5") == (("table", "prototypes"), ())
    assert families.needs("googlenet") == ((), ("inception-3a-naive", "inception-3a"))
    assert families.needs("alexnet") == families.needs("vgg-d") == ((), ())


DATA_ONLY = """
import sys
from archstats.zoo import analyze_network
from archstats.handout_inputs import gather
from archstats.render.sections import alexnet, inception, lenet, resnet
from archstats.zoo import report

lenet5 = report("lenet5", device="meta")
buffers = gather(lenet5).buffers
c3 = lenet.connection_table(lenet5.analysis, *buffers["table"])
assert c3 is not None and c3.params == 6 * 76 + 9 * 101 + 151
assert lenet.prototypes(lenet5.analysis, *buffers["prototypes"]) is not None
assert alexnet.towers(analyze_network("alexnet", None, "meta")).towers == 2
a, b = (analyze_network(n, None, "meta") for n in ("inception-3a-naive", "inception-3a"))
assert inception.compare(a, b, b).reduced.maps == 64 + 128 + 32 + 32
assert len(resnet.shortcuts(analyze_network("resnet-18", None, "meta")).blocks) == 8
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
assert not loaded, loaded
"""


def test_data_functions_load_no_matplotlib() -> None:
    done = subprocess.run([sys.executable, "-c", DATA_ONLY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
