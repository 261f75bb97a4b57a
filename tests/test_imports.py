"""Each command imports what it needs when it needs it: checked in a fresh interpreter's sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "fvcore", "pandas", "matplotlib", "jinja2", "sympy")
RENDERING = {"pandas", "matplotlib", "jinja2"}


def imported_after(code: str) -> set[str]:
    """The top-level packages among HEAVY that a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_importing_the_cli_imports_none_of_the_heavy_packages() -> None:
    # `archstats --help`, `--version` and a usage error need argparse, not torch.
    assert imported_after("import archstats.cli") == set()


def test_the_package_imports_torch_when_its_api_is_used() -> None:
    imported = imported_after("from archstats import analyze")
    assert "torch" in imported and not imported & RENDERING


def test_a_json_report_draws_no_figure_and_builds_no_dataframe(tmp_path: Path) -> None:
    out = tmp_path / "lenet5.json"
    code = f"from archstats.cli import main\nassert main(['report', 'lenet5', '--json', {str(out)!r}, '--device', 'cpu']) == 0"
    imported = imported_after(code)
    assert "torch" in imported and not imported & RENDERING
    assert json.loads(out.read_text())["network"] == "lenet5"


def test_a_meta_built_network_gets_its_storage_without_sympy() -> None:
    # torch's Python reference of empty_like imports sympy on its first call, a third of a second.
    code = (
        "import torch\nfrom archstats.analysis import materialize\nfrom archstats_zoo import REGISTRY\n"
        "with torch.device('meta'):\n    model = REGISTRY.get('alexnet').builder()\n"
        "model = materialize(model, torch.device('cpu'))\n"
        "assert not any(t.is_meta for t in model.parameters()) and all(not t.any() for t in model.parameters())"
    )
    assert "sympy" not in imported_after(code)


def test_every_package_folder_is_installed() -> None:
    # pyproject.toml lists its packages (the zoo's folder models/ installs as archstats_zoo,
    # which discovery cannot find): a package folder missing there is missing from a wheel.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "archstats").rglob("__init__.py")}
    assert set(config["packages"]) == folders | {"archstats_zoo"}
    assert config["package-dir"] == {"archstats_zoo": "models"}
