"""The ``archstats`` command line: parse, call the library, print.

Exit codes: 0 ok; 1 a claim that must hold does not; 2 bad usage or bad input (one
sentence on stderr naming the value and the choices, never a traceback).
Data goes to stdout, diagnostics to stderr; ``-`` as a file means stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from archstats.engines import DEFAULT as DEFAULT_ENGINE
from archstats.engines import ENGINES

if TYPE_CHECKING:
    from archstats.analysis import Analysis, InputSpec
    from archstats.sweep import SweepRow
    from archstats.zoo import Report

EXIT_OK, EXIT_CLAIM_FAILED, EXIT_USAGE = 0, 1, 2
# The dtypes --input takes (archstats.analysis.DTYPES, named here so --help does not import torch).
_DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "bool")

_DTYPE_ERRORS = re.compile(
    r"scalar type|dtype|type \(|should be the same|not implemented for '(Long|Int|Bool)", re.IGNORECASE
)
_SIZE_ERRORS = re.compile(
    r"too small|greater than actual input size|non-positive|output size is|smaller than kernel|cannot be less",
    re.IGNORECASE,
)


class UsageError(Exception):
    """Bad usage or bad input: its message is the one sentence the user sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def parse_shape(text: str) -> tuple[int, ...]:
    """``1x3x227x227`` (or with ``×`` or ``,``) as a tuple of positive ints."""
    return parse_inputs([text])[0].shape


def parse_inputs(texts: Sequence[str]) -> tuple[InputSpec, ...]:
    """Each ``--input`` (``1x3x227x227``, ``1x128:int64``) as an input spec, in the forward's order."""
    from archstats.analysis import parse_input

    try:
        return tuple(parse_input(text) for text in texts)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _check_writable(path: str) -> None:
    if path == "-":
        return
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: the directory {parent} does not exist")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory; name a file")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied")


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a failure leaves any earlier file as it was."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _shape_text(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape)


def _forward_error(error: Any, name: str, inputs: Sequence[InputSpec], default: tuple[int, ...] | None) -> UsageError:
    """A failed forward pass as one sentence: where it failed, and why."""
    shape = ", ".join(spec.text for spec in inputs)
    where = f"layer {error.module} ({error.module_type}" if error.module else f"the model ({error.module_type}"
    received = f", which receives {_shape_text(error.input_shape)})" if error.input_shape else ")"
    hint = f"; its default input is {_shape_text(default)}" if default else ""
    if _SIZE_ERRORS.search(str(error)):
        return UsageError(f"input {shape} is too small for {name}: the maps fall below 1x1 at {where}{received}{hint}")
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error.cause).__name__
    if "meta tensor" in first_line or "meta device" in first_line:
        return UsageError(
            f"{name} cannot run on the meta device: {where}{received} reads a tensor's value ({first_line}); "
            "count it with --device cpu"
        )
    if _DTYPE_ERRORS.search(first_line):
        first_line = first_line.rstrip(".") + (
            "; give each input the dtype the model expects after a colon (float32 is the default; 1x128:int64 for token ids)"
        )
    return UsageError(f"input {shape} does not fit {name}: {where}{received} failed: {first_line}")


def _load_report(
    name: str,
    inputs: tuple[InputSpec, ...] | None,
    device: str,
    kwargs: dict[str, Any] | None = None,
    train: bool = False,
    cache: dict[str, Any] | None = None,
    engine: str = "dispatch",
) -> Report:
    from archstats import zoo
    from archstats.loader import LoadError, is_target
    from archstats.trace.forward import ForwardError

    if is_target(name):
        if inputs is None:
            raise UsageError(f"{name} is a user's model: give its input shape with --input, e.g. --input 1x3x224x224")
        try:
            return zoo.report_model(name, inputs, device, kwargs or {}, train, engine)
        except LoadError as error:
            raise UsageError(str(error)) from None
        except ForwardError as error:
            raise _forward_error(error, name, inputs, None) from None
        except ValueError as error:  # an unusable --device, a model too large for it (TooLargeError)
            raise UsageError(str(error)) from None
    if kwargs:
        raise UsageError(f"--arg is for a user's model (MODULE:NAME); {name} is a zoo network")
    try:
        model = zoo.spec(name)
    except zoo.UnknownNetworkError as error:
        raise UsageError(str(error)) from None
    _check_zoo_inputs(name, inputs, model.input_shape)
    try:
        return zoo.report(name, inputs, device, train, cache, engine)
    except ForwardError as error:
        from archstats.analysis import InputSpec

        raise _forward_error(error, name, inputs or (InputSpec(model.input_shape),), model.input_shape) from None
    except ValueError as error:  # an unusable --device
        raise UsageError(str(error)) from None


def _check_zoo_inputs(name: str, inputs: tuple[InputSpec, ...] | None, default: tuple[int, ...]) -> None:
    """A zoo network takes one input with as many dimensions as its default."""
    if inputs is None:
        return
    if len(inputs) > 1:
        raise UsageError(f"{name} takes one input, like its default {_shape_text(default)}; give --input once")
    shape = inputs[0].shape
    if len(shape) != len(default):
        raise UsageError(
            f"--input {_shape_text(shape)} has {len(shape)} dimensions but {name} takes "
            f"{len(default)}, like its default {_shape_text(default)}"
        )


# -- subcommands ----------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from archstats.zoo import parameter_count
    from archstats_zoo import REGISTRY

    header = ("name", "input", "params", "at inference", "year", "description")
    rows = []
    for s in REGISTRY:
        total, inference = parameter_count(s.name)
        rows.append((s.name, _shape_text(s.input_shape), f"{total:,}", f"{inference:,}", str(s.year or ""), s.summary))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for name, shape, params, at_inference, year, summary in [header, *rows]:
        print(
            f"{name:<{widths[0]}}  {shape:<{widths[1]}}  {params:>{widths[2]}}  {at_inference:>{widths[3]}}  "
            f"{year:<{widths[4]}}  {summary}"
        )
    return EXIT_OK


_EXPORTS: dict[str, str] = {
    "html": "HTML handout",
    "json": "JSON",
    "csv": "CSV",
    "markdown": "Markdown",
    "latex": "LaTeX table",
}


def _renderer(kind: str) -> Callable[[Report], str]:
    """The renderer of a table export; the handout is rendered with its gathered inputs (cmd_report)."""
    if kind == "latex":
        from archstats.render import latex

        return latex.to_latex
    from archstats.render import exports

    renderers: dict[str, Callable[[Report], str]] = {
        "json": exports.to_json,
        "csv": exports.to_csv,
        "markdown": exports.to_markdown,
    }
    return renderers[kind]


def cmd_report(args: argparse.Namespace) -> int:
    if args.all:
        return _report_all(args)
    if args.name is None:
        raise UsageError("report needs NAME, a zoo network or a model of yours, or --all with --out DIR")
    if args.out is not None:
        raise UsageError(f"--out {args.out} is for --all; for one network, write its handout with --html F")
    outputs = {kind: getattr(args, kind) for kind in _EXPORTS if getattr(args, kind) is not None}
    if list(outputs.values()).count("-") > 1:
        options = [f"--{kind}" for kind in _EXPORTS]
        raise UsageError(f"only one of {', '.join(options[:-1])} and {options[-1]} can write to stdout ('-')")
    for path in outputs.values():
        _check_writable(path)
    inputs = parse_inputs(args.input) if args.input else None
    from archstats.loader import LoadError, parse_kwargs

    try:
        kwargs = parse_kwargs(args.arg)
    except LoadError as error:
        raise UsageError(str(error)) from None
    report = _load_report(args.name, inputs, args.device, kwargs, args.train, engine=args.engine)
    report = dataclasses.replace(report, convention=args.convention)
    # Render everything first: a failure here leaves no file half written.
    rendered = {kind: _renderer(kind)(report) for kind in outputs if kind != "html"}
    if "html" in outputs:
        from archstats.handout_inputs import render_handout

        rendered["html"] = render_handout(report, training=_training_record(args.name, inputs, kwargs, report))
    if "-" not in outputs.values():
        from archstats.render import terminal

        sys.stdout.write(terminal.render(report))
    for kind, path in outputs.items():
        write_atomically(path, rendered[kind])
        if path != "-":
            print(f"wrote {_EXPORTS[kind]} to {path}", file=sys.stderr)
    return EXIT_OK


def _training_record(name: str, inputs: Any, kwargs: Mapping[str, Any], report: Report) -> dict[str, Any] | None:
    """The handout's "What training costs" record: zoo networks at their default input only."""
    from archstats_zoo import REGISTRY

    if name not in REGISTRY or inputs is not None or kwargs:
        return None
    from archstats.training.handout import gather

    return gather(name, report.analysis.device)


def _check_all(args: argparse.Namespace) -> Path:
    """The directory that ``report --all`` writes into, once the options are known to go together."""
    if args.name is not None:
        raise UsageError(f"--all renders every zoo network; drop NAME ({args.name}) or drop --all")
    clashes = [f"--{kind}" for kind in _EXPORTS if getattr(args, kind) is not None]
    clashes += ["--input"] if args.input else []
    clashes += ["--arg"] if args.arg else []
    clashes += ["--train"] if args.train else []
    if clashes:
        raise UsageError(
            f"--all cannot be combined with {clashes[0]}: it writes each network's handout at its default input into --out DIR"
        )
    if args.out is None:
        raise UsageError("--all writes a handout per network and an index: name the directory with --out DIR")
    out = Path(args.out)
    if not out.exists():
        raise UsageError(f"--out {args.out}: the directory does not exist; create it first")
    if not out.is_dir():
        raise UsageError(f"--out {args.out} is a file; name a directory")
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to {args.out}: permission denied")
    return out


def _progress(done: int, total: int, name: str, width: int = 20) -> None:
    """One line on a terminal's stderr, redrawn in place: ``[#####-----] 12/33 resnet-50``."""
    filled = width * done // total if total else width
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} {name}\033[K", end="", file=sys.stderr, flush=True)


def _report_all(args: argparse.Namespace) -> int:
    """Every zoo network's handout, the index and the versions that made them, into --out."""
    from archstats.handout_inputs import render_handout
    from archstats.render import index
    from archstats.training.handout import gather
    from archstats.training.years import from_reports
    from archstats_zoo import REGISTRY

    out = _check_all(args)
    names = REGISTRY.names()
    tty = sys.stderr.isatty()
    cache: dict[str, Any] = {}  # each network traced once, shared by claims that compare networks
    reports: list[Report] = []
    # Render everything first: a failure leaves the directory as it was.
    pages: dict[str, str] = {}
    records: dict[str, dict[str, Any]] = {}  # each network's training step, for its handout and the index
    try:
        for i, name in enumerate(names):
            if tty:
                _progress(i, len(names), name)
            report = _load_report(name, None, args.device, cache=cache, engine=args.engine)
            report = dataclasses.replace(report, convention=args.convention)
            reports.append(report)
            records[name] = gather(name, report.analysis.device)
            pages[f"{name}.html"] = render_handout(report, others=cache, training=records[name])
        if tty:
            _progress(len(names), len(names), "index.html")
        pages["index.html"] = index.render(reports, from_reports(reports, records))
        pages["VERSIONS.json"] = index.versions_json()
    finally:
        if tty:  # an error, too, starts on a clean line
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    for filename, text in pages.items():
        write_atomically(str(out / filename), text)
    handouts = f"{len(names)} handout{'' if len(names) == 1 else 's'}"
    print(f"wrote {handouts}, index.html and VERSIONS.json to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from archstats_zoo import REGISTRY

    names = args.names or REGISTRY.names()
    reports = []
    cache: dict[str, Any] = {}  # traces shared by claims that compare networks
    for i, name in enumerate(names, 1):
        if len(names) > 1 and sys.stderr.isatty():
            print(f"\rtracing {name} ({i}/{len(names)})\033[K", end="", file=sys.stderr, flush=True)
        reports.append(_load_report(name, None, args.device, cache=cache, engine=args.engine))
    if len(names) > 1 and sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    failed = 0
    for report in reports:
        print(f"{report.spec.name} ({report.spec.paper})")
        for verdict in report.verdicts:
            mark = "ok  " if verdict.ok else "FAIL"
            print(f"  {mark} {verdict.claim.id:<32} {verdict.status:<25} {verdict.explanation}")
            failed += not verdict.ok
        print()
    total = sum(len(r.verdicts) for r in reports)
    statuses: dict[str, int] = {}
    for report in reports:
        for verdict in report.verdicts:
            statuses[verdict.status] = statuses.get(verdict.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in statuses.items())
    print(f"{total} claims on {len(reports)} networks: {summary}")
    if failed:
        print(f"{failed} claims that must hold do not", file=sys.stderr)
        return EXIT_CLAIM_FAILED
    return EXIT_OK


def _sweep_analyzer(
    args: argparse.Namespace, inputs: tuple[InputSpec, ...] | None, kwargs: dict[str, Any]
) -> tuple[Callable[[list[InputSpec]], Analysis], tuple[InputSpec, ...]]:
    """How the sweep traces the network at given inputs, and its inputs (a zoo network's default when none)."""
    from archstats import zoo
    from archstats.analysis import InputSpec, analyze
    from archstats.loader import LoadError, is_target, load

    if is_target(args.name):
        if inputs is None:
            raise UsageError(
                f"{args.name} is a user's model: give its input shape with --input, e.g. --input 1x3x224x224"
            )
        try:
            model = load(args.name, kwargs)
        except LoadError as error:
            raise UsageError(str(error)) from None

        def analyze_model(specs: list[InputSpec]) -> Analysis:
            return analyze(model, specs, args.device, name=args.name, train=args.train, engine=args.engine)

        return analyze_model, inputs
    if kwargs:
        raise UsageError(f"--arg is for a user's model (MODULE:NAME); {args.name} is a zoo network")
    try:
        spec = zoo.spec(args.name)
    except zoo.UnknownNetworkError as error:
        raise UsageError(str(error)) from None
    _check_zoo_inputs(args.name, inputs, spec.input_shape)

    def analyze_zoo(specs: list[InputSpec]) -> Analysis:
        return zoo.analyze_network(args.name, specs, args.device, args.train, engine=args.engine)

    return analyze_zoo, inputs or (InputSpec(spec.input_shape),)


def _write_sweep(args: argparse.Namespace, title: str, rows: Sequence[SweepRow]) -> None:
    """The sweep's table on stdout, its rows as JSON where --json asks (stdout alone for '-')."""
    from archstats import sweep

    if args.json is not None:
        import json

        text = json.dumps({"network": args.name, "rows": sweep.to_records(rows, args.convention)}, indent=2) + "\n"
        write_atomically(args.json, text)
        if args.json != "-":
            sys.stdout.write(sweep.render(title, rows, args.convention))
            print(f"wrote JSON to {args.json}", file=sys.stderr)
    else:
        sys.stdout.write(sweep.render(title, rows, args.convention))


def cmd_sweep(args: argparse.Namespace) -> int:
    from archstats import sweep
    from archstats.loader import LoadError, parse_kwargs

    try:
        sizes = sweep.parse_sizes(args.sizes)
        kwargs = parse_kwargs(args.arg)
    except (ValueError, LoadError) as error:
        raise UsageError(str(error)) from None
    if args.json not in (None, "-"):
        _check_writable(args.json)
    from archstats.analysis import InputSpec

    analyze_at, inputs = _sweep_analyzer(args, parse_inputs(args.input) if args.input else None, kwargs)
    # --sizes varies the first input; a further input (a mask, a second sequence) is kept as given.
    first, rest = inputs[0], list(inputs[1:])
    lead = 2 if first.floating else 1  # an image keeps batch and channels; token ids the batch alone

    def trace(shape: tuple[int, ...]) -> Analysis:
        return analyze_at([InputSpec(shape, first.dtype), *rest])

    def describe(error: Any, shape: tuple[int, ...]) -> str:
        sentence = str(_forward_error(error, args.name, [InputSpec(shape, first.dtype), *rest], None))
        return sentence.split(": ", 1)[1] if ": " in sentence else sentence

    tty = sys.stderr.isatty()
    try:
        rows = sweep.sweep(trace, first.shape, sizes, args.convention, describe, _progress if tty else None, lead)
    except ValueError as error:  # a size with the wrong number of dimensions, an unusable --device
        raise UsageError(str(error)) from None
    finally:
        if tty:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    base = first.shape
    kept = f"batch {base[0]}, {base[1]} channels" if lead == 2 else f"batch {base[0]}, {first.dtype} tokens"
    kept += "".join(f"; then {spec.text}" for spec in rest)
    _write_sweep(args, f"{args.name} at {len(sizes)} input size{'s' if len(sizes) != 1 else ''} ({kept})", rows)
    return EXIT_OK


def _check_profile(args: argparse.Namespace) -> None:
    """Refuse, before anything runs, the profile options that cannot work."""
    if args.batch < 1:
        raise UsageError(f"--batch {args.batch} is not a batch size; give a whole number of samples, at least 1")
    if args.repeats < 1:
        raise UsageError(f"--repeats {args.repeats} times nothing; give at least 1 (the median is over these)")
    if args.warmup < 0:
        raise UsageError(f"--warmup {args.warmup} is negative; give 0 or more untimed passes")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda was asked for but this machine has no CUDA device; use --device cpu")


def cmd_profile(args: argparse.Namespace) -> int:
    _check_profile(args)
    if args.all:
        return _profile_all(args)
    if args.name is None:
        raise UsageError("profile needs NAME, a zoo network, or --all with --out DIR")
    if args.out is not None:
        raise UsageError(f"--out {args.out} is for --all; for one network, write with --json F or --html F")
    from archstats import zoo
    from archstats.loader import is_target

    if is_target(args.name):
        raise UsageError(f"profile times zoo networks; {args.name} is a user's model (see 'archstats list')")
    try:
        zoo.spec(args.name)
    except zoo.UnknownNetworkError as error:
        raise UsageError(str(error)) from None
    outputs = {kind: getattr(args, kind) for kind in ("json", "html") if getattr(args, kind) is not None}
    if list(outputs.values()).count("-") > 1:
        raise UsageError("only one of --json and --html can write to stdout ('-')")
    for path in outputs.values():
        _check_writable(path)
    from archstats import timing
    from archstats.trace.forward import ForwardError

    try:
        profile = timing.profile_network(
            args.name, args.device, args.batch, args.repeats, args.warmup, args.train, args.remeasure
        )
    except ForwardError as error:
        raise _forward_error(error, args.name, (args.batch,), None) from None
    except ValueError as error:  # a batch too large for the memory, an unusable --device
        raise UsageError(str(error).replace("a smaller --input", "a smaller --batch")) from None
    data = timing.as_dict(profile)
    texts = {kind: _profile_text(kind, data) for kind in outputs}  # all rendered before any is written
    if "-" not in outputs.values():
        sys.stdout.write(timing.render_text(data))
    for kind, path in outputs.items():
        write_atomically(path, texts[kind])
        if path != "-":
            print(f"wrote {kind.upper()} to {path}", file=sys.stderr)
    return EXIT_OK


def _check_profile_all(args: argparse.Namespace) -> Path:
    """The directory that ``profile --all`` writes into, once the options are known to go together."""
    if args.name is not None:
        raise UsageError(f"--all times every zoo network; drop NAME ({args.name}) or drop --all")
    clashes = [f"--{kind}" for kind in ("json", "html") if getattr(args, kind) is not None]
    clashes += ["--train"] if args.train else []
    clashes += [f"--batch {args.batch}"] if args.batch != 1 else []
    if clashes:
        raise UsageError(f"--all cannot be combined with {clashes[0]}: it times each network at batch 1 into --out DIR")
    if args.out is None:
        raise UsageError("--all writes a profile per network and the zoo's page: name the directory with --out DIR")
    out = Path(args.out)
    if not out.is_dir():
        raise UsageError(
            f"--out {args.out}: {'it is a file' if out.exists() else 'the directory does not exist'}; name an existing directory"
        )
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to {args.out}: permission denied")
    return out


def _profile_all(args: argparse.Namespace) -> int:
    """Every zoo network profiled, each one's JSON and page, and the zoo's JSON and page, into --out."""
    import json

    from archstats import profile_zoo
    from archstats.render.sections import timing as section
    from archstats.render.sections import zoo_timing
    from archstats.zoo import parameter_count

    out = _check_profile_all(args)
    names = profile_zoo.names()
    tty = sys.stderr.isatty()
    try:
        profiles = profile_zoo.profile_all(
            names, args.device, args.repeats, args.warmup, args.remeasure, _progress if tty else None
        )
    finally:
        if tty:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    zoo = profile_zoo.zoo_data(profiles, {n: parameter_count(n)[0] for n in names}, profile_zoo.load_accuracy())
    # Render everything first: a failure leaves the directory as it was.
    pages = {"profile.json": json.dumps(zoo, indent=2) + "\n", "profile.html": zoo_timing.page(zoo)}
    for data in profiles:
        pages[f"{data['network']}.profile.json"] = json.dumps(data, indent=2) + "\n"
        pages[f"{data['network']}.profile.html"] = section.page(data)
    for filename, text in pages.items():
        write_atomically(str(out / filename), text)
    for claim in zoo["claims"]:
        print(f"{claim['verdict']:<14} {claim['quote']} ({claim['note']})")
    print(f"wrote {len(profiles)} profiles, profile.json and profile.html to {args.out}", file=sys.stderr)
    return EXIT_OK


def _profile_text(kind: str, data: dict[str, Any]) -> str:
    if kind == "html":
        from archstats.render.sections import timing as section

        return section.page(data)
    import json

    return json.dumps(data, indent=2) + "\n"


def _profile_parser(sub: Any) -> None:
    p = sub.add_parser(
        "profile",
        help="time a zoo network layer by layer on this machine, beside its counts and the device's roofline",
        usage="%(prog)s NAME [options] | --all --out DIR [options]",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="a zoo network (see 'archstats list')")
    p.add_argument("--all", action="store_true", help="every zoo network, and the zoo's time page, into --out DIR")
    p.add_argument("--out", metavar="DIR", help="with --all: the existing directory to write into")
    p.add_argument("--batch", type=int, default=1, metavar="B", help="samples per pass (default: 1)")
    p.add_argument(
        "--repeats", type=int, default=10, metavar="N", help="timed passes; medians over these (default: 10)"
    )
    p.add_argument("--warmup", type=int, default=2, metavar="N", help="untimed passes first (default: 2)")
    p.add_argument("--train", action="store_true", help="training mode, and the backward pass timed too")
    p.add_argument("--remeasure", action="store_true", help="measure the device's roofline again, not from the cache")
    p.add_argument("--json", metavar="F", help="write the profile as JSON to F ('-' for stdout)")
    p.add_argument("--html", metavar="F", help="write a page with the time figures to F ('-' for stdout)")
    p.add_argument(
        "--device", choices=("cpu", "cuda", "auto"), default="auto",
        help="where to time (default: auto, CUDA where available)",
    )  # fmt: skip
    p.set_defaults(func=cmd_profile)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def parse_memory(text: str) -> int:
    """``3GB`` (10^9 bytes), ``3GiB`` (2^30), ``512MiB`` ... as bytes."""
    match = _SIZE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(f"--memory {text!r} is not a size; write it like 3GB, 3GiB or 512MiB")
    return round(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _hardware(args: argparse.Namespace) -> Any:
    """The GPU of --gpu, or one made of --memory, --peak and --utilization; ``None`` if none is given."""
    from archstats.training import data
    from archstats.training.report import Hardware

    if args.utilization is not None and not 0 < args.utilization <= 1:
        raise UsageError(f"--utilization {args.utilization:g} is not a fraction; give one in (0, 1], e.g. 0.33")
    if args.peak is not None and args.peak <= 0:
        raise UsageError(f"--peak {args.peak:g} must be positive FLOP/s, e.g. 1.58e12")
    utilization = args.utilization if args.utilization is not None else 0.33
    if args.gpu is not None:
        if args.memory is not None or args.peak is not None:
            raise UsageError("--gpu names a GPU whose memory and peak are known; drop --memory and --peak, or --gpu")
        gpu = data.GPUS.get(args.gpu.lower())
        if gpu is None:
            raise UsageError(
                f"unknown GPU {args.gpu!r}; choose one of {', '.join(data.GPUS)}, or give --memory and --peak"
            )
        return Hardware(gpu.name, gpu.memory, gpu.peak_flops, utilization, f'{gpu.source}: "{gpu.quote}"')
    if args.memory is None and args.peak is None:
        return None
    memory = parse_memory(args.memory) if args.memory is not None else None
    return Hardware("the GPU given", memory, args.peak, utilization, "given on the command line")


def cmd_train(args: argparse.Namespace) -> int:
    from archstats import zoo
    from archstats.training.report import recipe_for, record

    if args.batch < 1:
        raise UsageError(f"--batch {args.batch} is not a batch; give at least 1")
    if args.device == "meta":
        raise UsageError("train runs a real training step and measures it; use --device cpu or cuda, not meta")
    for option in ("epochs", "images"):
        value = getattr(args, option)
        if value is not None and value <= 0:
            raise UsageError(f"--{option} {value:g} must be positive")
    outputs = {kind: getattr(args, kind) for kind in ("json", "html") if getattr(args, kind) is not None}
    if list(outputs.values()).count("-") > 1:
        raise UsageError("only one of --json and --html can write to stdout ('-')")
    for path in outputs.values():
        _check_writable(path)
    hardware = _hardware(args)
    try:
        zoo.spec(args.name)
    except zoo.UnknownNetworkError as error:
        raise UsageError(str(error)) from None
    text = _train_text(args, hardware, recipe_for, record)
    rendered = {kind: text[kind] for kind in outputs}
    if "-" not in outputs.values():
        sys.stdout.write(text["terminal"])
    for kind, path in outputs.items():
        write_atomically(path, rendered[kind])
        if path != "-":
            print(f"wrote {kind.upper()} to {path}", file=sys.stderr)
    return EXIT_OK


def _train_text(args: argparse.Namespace, hardware: Any, recipe_for: Any, record: Any) -> dict[str, str]:
    """The step watched and rendered every way, before anything is written."""
    import json

    from archstats.render.sections import training as section
    from archstats.training import train_network
    from archstats.training.cost import TrainingError

    try:
        cost = train_network(args.name, args.batch, args.optimizer, args.dtype, args.device)
    except TrainingError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:  # an unusable --device
        raise UsageError(str(error)) from None
    data = record(cost, recipe_for(args.name, args.epochs, args.images), hardware)
    return {
        "terminal": section.text(data),
        "json": json.dumps(data, indent=2) + "\n",
        "html": section.page(data) if args.html is not None else "",
    }


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, subcommands and all."""
    parser = _Parser(
        prog="archstats",
        description="Per-layer params, connections, neurons, MACs and receptive fields of classic CNNs, "
        "checked against the figures of the papers and of the article.",
        epilog="exit codes: 0 ok, 1 a claim that must hold does not, 2 bad usage or bad input",
    )
    from archstats import __version__

    parser.add_argument("--version", action="version", version=f"archstats {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    _list_parser(sub)
    _report_parser(sub)
    _sweep_parser(sub)
    _check_parser(sub)
    _profile_parser(sub)
    _train_parser(sub)
    return parser


def _list_parser(sub: Any) -> None:
    """The ``list`` subcommand."""
    p_list = sub.add_parser("list", help="the zoo: name, input, params (in all and at inference), year, description")
    p_list.set_defaults(func=cmd_list)


def _report_parser(sub: Any) -> None:
    """The ``report`` subcommand's options."""
    p_report = sub.add_parser(
        "report",
        help="trace a network and print (or write) its per-layer figures",
        usage="%(prog)s NAME [options] | --all --out DIR [--device D] [--engine E]",
    )
    p_report.add_argument(
        "name",
        metavar="NAME",
        nargs="?",
        help="a zoo network (see 'archstats list'), or a model of yours: package.module:factory or path/to/file.py:Name",
    )
    p_report.add_argument(
        "--all", action="store_true", help="every zoo network: its HTML handout, and index.html, into --out DIR"
    )
    p_report.add_argument("--out", metavar="DIR", help="with --all: the existing directory to write into")
    for kind, title in _EXPORTS.items():
        p_report.add_argument(f"--{kind}", metavar="F", help=f"write the {title} to F ('-' for stdout)")
    p_report.add_argument(
        "--input", metavar="SHAPE[:DTYPE]", action="append",
        help="input shape, batch first, e.g. 1x3x227x227 (default: the network's); a dtype after a colon "
        f"({', '.join(_DTYPE_NAMES)}), e.g. 1x128:int64 for tokens; repeat for each positional input; values are zeros",
    )  # fmt: skip
    p_report.add_argument(
        "--arg", metavar="KEY=VALUE", action="append", default=[],
        help="a keyword argument for a user's model factory (repeatable), e.g. --arg num_classes=10",
    )  # fmt: skip
    p_report.add_argument(
        "--train", action="store_true", help="run in training mode (auxiliary heads, dropout); default: eval mode"
    )
    _convention_argument(p_report)
    _device_argument(p_report)
    _engine_argument(p_report)
    p_report.set_defaults(func=cmd_report)


def _sweep_parser(sub: Any) -> None:
    """The ``sweep`` subcommand's options."""
    p_sweep = sub.add_parser(
        "sweep", help="trace a network at several input sizes: params, cost and activations as the size grows"
    )
    p_sweep.add_argument("name", metavar="NAME", help="a zoo network, or a model of yours (with --input)")
    p_sweep.add_argument(
        "--sizes", required=True, metavar="S,S,...", help="spatial sizes, e.g. 224,256,299,320 or 240x320"
    )
    p_sweep.add_argument(
        "--input", metavar="SHAPE[:DTYPE]", action="append",
        help="the first input's shape, whose batch and channels are kept (batch alone for integer tokens), "
        "default: the network's; repeat for further inputs, kept as given",
    )  # fmt: skip
    p_sweep.add_argument("--json", metavar="F", help="also write the rows as JSON to F ('-' for stdout only)")
    p_sweep.add_argument(
        "--arg", metavar="KEY=VALUE", action="append", default=[],
        help="a keyword argument for a user's model factory (repeatable)",
    )  # fmt: skip
    p_sweep.add_argument("--train", action="store_true", help="run in training mode; default: eval mode")
    _convention_argument(p_sweep)
    _device_argument(p_sweep)
    _engine_argument(p_sweep)
    p_sweep.set_defaults(func=cmd_sweep)


def _check_parser(sub: Any) -> None:
    """The ``check`` subcommand's options."""
    p_check = sub.add_parser("check", help="judge every claim of the ledger; exit 1 if one that must hold does not")
    p_check.add_argument("names", metavar="NAME", nargs="*", help="zoo networks (default: all)")
    _device_argument(p_check)
    _engine_argument(p_check)
    p_check.set_defaults(func=cmd_check)


def _train_parser(sub: Any) -> None:
    """The ``train`` subcommand's options."""
    p_train = sub.add_parser(
        "train", help="what a training step costs: backward multiply-adds, memory, compute to train, GPUs"
    )
    p_train.add_argument("name", metavar="NAME", help="a zoo network (see 'archstats list')")
    p_train.add_argument("--batch", type=int, default=32, metavar="B", help="the batch size (default: 32)")
    p_train.add_argument(
        "--optimizer", choices=("sgd", "momentum", "adam"), default="sgd",
        help="its state: sgd none, momentum one buffer per weight, adam two (default: sgd)",
    )  # fmt: skip
    p_train.add_argument(
        "--dtype", choices=("float32", "float16", "bfloat16", "float64"), default="float32",
        help="the weights' and the batch's dtype (default: float32)",
    )  # fmt: skip
    p_train.add_argument("--epochs", type=float, metavar="E", help="epochs of training (default: the paper's)")
    p_train.add_argument("--images", type=int, metavar="N", help="images per epoch (default: the paper's)")
    p_train.add_argument(
        "--gpu", metavar="NAME", help="a GPU of the table: gtx580, titan-black, k40, k80, p100, v100, a100, h100"
    )
    p_train.add_argument("--memory", metavar="SIZE", help="the GPU's memory, e.g. 3GB (10^9 bytes) or 3GiB")
    p_train.add_argument("--peak", type=float, metavar="FLOPS", help="the GPU's peak FLOP/s, e.g. 1.58e12")
    p_train.add_argument(
        "--utilization",
        type=float,
        metavar="U",
        help="the fraction of the peak reached (default: 0.33, OpenAI's assumption)",
    )
    p_train.add_argument("--json", metavar="F", help="write the JSON record to F ('-' for stdout)")
    p_train.add_argument("--html", metavar="F", help="write the 'What training costs' page to F ('-' for stdout)")
    _device_argument(p_train)
    p_train.set_defaults(func=cmd_train)


def _convention_argument(parser: argparse.ArgumentParser) -> None:
    from archstats import conventions

    parser.add_argument(
        "--convention", choices=conventions.NAMES, default=conventions.DEFAULT, metavar="NAME",
        help=f"how the cost column counts: {', '.join(conventions.NAMES)} (default: {conventions.DEFAULT}); "
        "every report shows all of them side by side",
    )  # fmt: skip


def _device_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device", choices=("cpu", "cuda", "auto", "meta"), default="auto",
        help="where to run the forward pass (default: auto, CUDA where available); meta: shapes only, "
        "no weight or activation allocated, for models larger than memory",
    )  # fmt: skip


def _engine_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", choices=ENGINES, default=DEFAULT_ENGINE,
        help="how MACs are counted: from the forward pass's calls (default) or by fvcore's jit trace; the same figures",
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.func(args)
        return code
    except UsageError as error:
        print(f"archstats: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("archstats: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
