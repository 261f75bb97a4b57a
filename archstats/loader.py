"""Users' own networks: ``package.module:factory`` or ``path/to/file.py:Name``."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn


class LoadError(ValueError):
    """A user's model could not be loaded; the message is one sentence for the user."""


def is_target(name: str) -> bool:
    """Whether ``name`` names a user's model (``module:callable``) rather than a zoo network."""
    return ":" in name


def parse_kwargs(pairs: Sequence[str]) -> dict[str, Any]:
    """``["num_classes=10", "name=x"]`` as keyword arguments (values as Python literals, else strings)."""
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise LoadError(f"--arg {pair!r} is not KEY=VALUE; write it like --arg num_classes=10")
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    return kwargs


def _import(module_part: str) -> Any:
    if module_part.endswith(".py"):
        path = Path(module_part)
        if not path.is_file():
            raise LoadError(f"no file {module_part}")
        spec = importlib.util.spec_from_file_location(f"_archstats_user_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise LoadError(f"{module_part} cannot be imported as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise LoadError(f"importing {module_part} failed: {type(error).__name__}: {_first_line(error)}") from error
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, "")  # like `python -m`: modules in the working directory are found
    try:
        return importlib.import_module(module_part)
    except ModuleNotFoundError as error:
        raise LoadError(f"no module named {error.name or module_part!r}") from error
    except Exception as error:
        raise LoadError(f"importing {module_part} failed: {type(error).__name__}: {_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load(target: str, kwargs: Mapping[str, Any] | None = None) -> nn.Module:
    """Build the model that ``target`` names, on the meta device where it allows.

    ``target`` is ``package.module:factory`` or ``path/to/file.py:Name``, where the
    attribute is an ``nn.Module`` subclass or a function returning an ``nn.Module``,
    called with ``kwargs``. The build is tried on the meta device first (no weight
    initialisation); a factory that cannot build there is called again normally.

    Raises:
        LoadError: anything that keeps the model from being built, in one sentence.
    """
    module_part, _, attr = target.rpartition(":")
    if not module_part or not attr:
        raise LoadError(f"{target!r} is not MODULE:NAME; write it like mypackage.nets:build or path/to/net.py:Net")
    module = _import(module_part)
    factory = module
    for part in attr.split("."):
        if not hasattr(factory, part):
            raise LoadError(f"{module_part} has no attribute {attr!r}")
        factory = getattr(factory, part)
    if not callable(factory):
        raise LoadError(f"{target} is a {type(factory).__name__}, not a class or a function returning an nn.Module")
    kwargs = dict(kwargs or {})
    try:
        with torch.device("meta"):
            model = factory(**kwargs)
    except Exception:
        model = _call(factory, target, kwargs)
    if not isinstance(model, nn.Module):
        raise LoadError(f"{target} returned a {type(model).__name__}, not an nn.Module")
    return model


def _call(factory: Any, target: str, kwargs: dict[str, Any]) -> Any:
    try:
        return factory(**kwargs)
    except TypeError as error:
        try:
            inspect.signature(factory).bind(**kwargs)
        except TypeError:
            raise LoadError(f"{target} does not take these arguments: {_first_line(error)}") from error
        raise LoadError(f"{target} raised TypeError: {_first_line(error)}") from error
    except Exception as error:
        raise LoadError(f"{target} raised {type(error).__name__}: {_first_line(error)}") from error
