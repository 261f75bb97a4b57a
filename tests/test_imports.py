"""Each command imports what it needs when it needs it: checked in a fresh interpreter's sys.modules."""

from __future__ import annotations

import ast
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
    # which discovery cannot find): a folder missing there is missing from a wheel.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    # Every folder with files in it, code or data (the claims, the templates): each is a package to setuptools.
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "archstats").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert set(config["packages"]) == folders | {"archstats_zoo"}
    assert config["package-dir"] == {"archstats_zoo": "models"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_statements(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Each import that ``path`` runs, at top level or inside functions, outside ``if TYPE_CHECKING:``
    blocks: (the module imported from, the names taken; none for ``import module``)."""
    found: list[tuple[str, tuple[str, ...]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, tuple(alias.name for alias in node.names)))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The archstats modules that ``path`` imports when it runs. ``from package import name``
    counts the package and, where ``name`` is a module, that module too."""
    found = {module for module, _ in import_statements(path)}
    found.update(f"{module}.{name}" for module, names in import_statements(path) for name in names)
    return found & modules


def archstats_imports() -> dict[str, set[str]]:
    """Each module of the archstats package and the archstats modules it imports at run time."""
    paths = {_module_name(path): path for path in (ROOT / "archstats").rglob("*.py")}
    return {name: runtime_imports(path, set(paths)) - {name} for name, path in paths.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle that a depth-first walk of ``graph`` meets, as the modules along it (first = last)."""
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    path: list[str] = []
    cycles: list[list[str]] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                walk(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    return cycles


def test_cycles_are_found_whatever_their_length() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert import_cycles(archstats_imports()) == []


# What a renderer must not import when it runs: torch and everything bound to it.
TORCH_BOUND = (
    "torch",
    "fvcore",
    "archstats_zoo",
    "archstats.engines",
    "archstats.trace",
    "archstats.zoo",
    "archstats.analysis",
    "archstats.ledger",
    "archstats.training",
)


def torch_bound_imports() -> set[tuple[str, str]]:
    """(render module, torch-bound module) for every such run-time import under archstats/render."""
    return {
        (_module_name(path), name)
        for path in (ROOT / "archstats" / "render").rglob("*.py")
        for name, _ in import_statements(path)
        if any(name == bound or name.startswith(bound + ".") for bound in TORCH_BOUND)
    }


def test_renderers_import_nothing_bound_to_torch() -> None:
    assert torch_bound_imports() == set()
