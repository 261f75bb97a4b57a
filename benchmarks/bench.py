"""archstats beside its peers: every measurement in a fresh process, medians of several runs.

Run from the repository root (it measures the archstats of the tree it sits in)::

    python benchmarks/bench.py --out benchmarks/RESULTS.md

The same file is the worker: ``bench.py --worker KIND ...`` does one measurement in a
fresh interpreter and prints one JSON line. See ``benchmarks/README.md`` for the targets,
what each column means and how long a run takes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _sections import marked_sections  # benchmarks/, the script's own folder

ROOT = Path(__file__).resolve().parent.parent
MARK = "@@bench "

NETWORKS = ("lenet5", "alexnet", "vgg-e", "googlenet", "resnet-152", "resnet-1202", "inception-resnet-v2")
QUICK_NETWORKS = ("lenet5", "alexnet")
DEPTH_PAIR = ("resnet-110", "resnet-1202")  # target 3: shallow, deep; both CIFAR ResNets, 6n+2 layers
QUICK_DEPTH_PAIR = ("resnet-20", "resnet-56")
MEMORY_NETWORK = "vgg-e"
PEERS = ("fvcore", "flopcounter", "ptflops", "thop", "torchinfo")
PEER_TITLES = {
    "fvcore": "fvcore by_module + parameter_count",
    "flopcounter": "torch FlopCounterMode",
    "ptflops": "ptflops",
    "thop": "thop",
    "torchinfo": "torchinfo summary",
}
PEER_MODULES = {
    "fvcore": "fvcore",
    "flopcounter": "torch",
    "ptflops": "ptflops",
    "thop": "thop",
    "torchinfo": "torchinfo",
}
# Per-layer, what each reports (from their documentation); archstats' row is its Analysis.
REPORTS = {
    "archstats": "params (trainable/frozen), buffers, connections, neurons, MACs by op, uncounted ops, "
    "input/output shapes, receptive field and jump, depth, formulas",
    "fvcore": "MACs by module and op, params by module",
    "flopcounter": "FLOPs by module and op",
    "ptflops": "MACs and params by module (printed)",
    "thop": "MACs and params by module",
    "torchinfo": "output shapes, params, mult-adds by module",
}

TARGET1_STRICT = {"alexnet": 0.5, "vgg-e": 0.5}  # every other network: 1.1
TARGET1_OTHERS = 1.1
TARGET2 = 1.2
TARGET3 = 1.3
TARGET4 = 1.8
TARGET5_MARGIN = 300e6
TARGET6_SECONDS = 120.0


# -- measurements in the worker ---------------------------------------------------------------


def _status_kb(field_name: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


class Memory:
    """Peak resident memory over a stretch of the worker's life, in bytes.

    On Linux the high-water mark is reset at ``start`` (``/proc/self/clear_refs``), so the
    peak is that of the stretch; elsewhere it is the process's peak so far.
    """

    def __init__(self) -> None:
        self.exact = False
        self.base = 0

    def start(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.exact = True
        except OSError:
            self.exact = False
        self.base = (_status_kb("VmRSS") or 0) * 1024

    def rss(self) -> int:
        return (_status_kb("VmRSS") or 0) * 1024

    def peak(self) -> int:
        hwm = _status_kb("VmHWM")
        if hwm is not None:
            return hwm * 1024
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class Clock:
    """Seconds of named phases; on CUDA each phase ends with a synchronisation."""

    def __init__(self, cuda: bool) -> None:
        self.cuda = cuda
        self.phases: dict[str, float] = {}

    def time(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        if self.cuda:
            import torch

            torch.cuda.synchronize()
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start
        return result


def _engine_kwargs(fn: Callable[..., Any], engine: str | None) -> dict[str, Any]:
    import inspect

    if engine is None:
        return {}
    if "engine" not in inspect.signature(fn).parameters:
        raise RuntimeError(f"{fn.__qualname__} takes no engine; {engine!r} cannot be measured")
    return {"engine": engine}


def _totals(analysis: Any) -> dict[str, int]:
    t = analysis.totals
    return {
        "params": t.params,
        "trainable_params": t.trainable_params,
        "connections": t.connections,
        "neurons": t.neurons,
        "macs": t.fvcore_macs,
        "depth": t.depth,
        "rows": len(analysis.layers),
    }


def _build(net: str, device: str, clock: Clock) -> tuple[Any, tuple[int, ...]]:
    """The zoo network built the usual way: its own weight initialisation, on the CPU, then moved."""
    from archstats_zoo import REGISTRY

    spec = REGISTRY.get(net)
    model = clock.time("build", lambda: spec.builder().eval().to(device))
    return model, tuple(spec.input_shape)


def _peer(kind: str, model: Any, shape: tuple[int, ...], device: str, clock: Clock) -> dict[str, Any]:
    """One peer's per-layer summary of an already-built model; returns what it counted."""
    import torch

    x = torch.randn(shape, device=device)
    if kind == "fvcore":
        fv = clock.time("import", lambda: __import__("fvcore.nn", fromlist=["FlopCountAnalysis"]))

        def fvcore_run() -> dict[str, Any]:
            flops = fv.FlopCountAnalysis(model, x)
            by_module = flops.by_module()
            params = fv.parameter_count(model)
            return {"macs": int(by_module[""]), "params": int(params[""]), "rows": len(by_module)}

        return dict(clock.time("run", fvcore_run))
    if kind == "flopcounter":
        fc = clock.time("import", lambda: __import__("torch.utils.flop_counter", fromlist=["FlopCounterMode"]))

        def flopcounter_run() -> dict[str, Any]:
            with fc.FlopCounterMode(display=False, depth=None) as counter, torch.no_grad():
                model(x)
            by_module = counter.get_flop_counts()
            return {"flops": int(counter.get_total_flops()), "rows": len(by_module)}

        return dict(clock.time("run", flopcounter_run))
    if kind == "ptflops":
        pt = clock.time("import", lambda: __import__("ptflops"))

        def ptflops_run() -> dict[str, Any]:
            with open(os.devnull, "w") as sink:
                macs, params = pt.get_model_complexity_info(
                    model, shape[1:], as_strings=False, print_per_layer_stat=True, ost=sink, verbose=False
                )
            return {"macs": int(macs), "params": int(params)}

        return dict(clock.time("run", ptflops_run))
    if kind == "thop":
        th = clock.time("import", lambda: __import__("thop"))

        def thop_run() -> dict[str, Any]:
            macs, params, layers = th.profile(model, inputs=(x,), verbose=False, ret_layer_info=True)
            return {"macs": int(macs), "params": int(params), "rows": len(layers)}

        return dict(clock.time("run", thop_run))
    if kind == "torchinfo":
        ti = clock.time("import", lambda: __import__("torchinfo"))

        def torchinfo_run() -> dict[str, Any]:
            stats = ti.summary(
                model, input_size=shape, device=device, verbose=0, col_names=("output_size", "num_params", "mult_adds")
            )
            return {
                "macs": int(stats.total_mult_adds),
                "params": int(stats.total_params),
                "rows": len(stats.summary_list),
            }

        return dict(clock.time("run", torchinfo_run))
    raise ValueError(f"unknown peer {kind!r}")


def _phases(device: str, clock: Clock, out: str) -> dict[str, Any]:
    """``archstats report alexnet --html F`` cut into its phases, as the command line runs them."""
    clock.time("import torch", lambda: __import__("torch"))

    def import_archstats() -> Any:
        from archstats import cli, zoo
        from archstats.analysis import analyze

        return cli, zoo, analyze

    cli, zoo, analyze = clock.time("import archstats and the zoo", import_archstats)
    import torch

    spec = zoo.spec("alexnet")

    def build() -> Any:
        with torch.device("meta"):
            return spec.builder()

    model = clock.time("build (meta device)", build)
    analysis = clock.time(
        "trace (weights' storage, forward pass, counts)",
        lambda: analyze(model, spec.input_shape, device, name="alexnet"),
    )
    report = clock.time("verdicts (ledger)", lambda: zoo.report("alexnet", None, device, cache={"alexnet": analysis}))

    def import_render() -> Any:
        import jinja2  # noqa: F401
        import matplotlib.figure  # noqa: F401

        from archstats import handout_inputs
        from archstats.render import html, terminal  # noqa: F401
        from archstats.render.charts import layers

        return layers, handout_inputs, terminal

    layers, handout_inputs, terminal = clock.time("import matplotlib, jinja2, renderers", import_render)
    per_layer = clock.time("figure per layer (matplotlib to SVG)", lambda: layers.per_layer_svg(analysis))
    along_depth = clock.time("figure along the depth (matplotlib to SVG)", lambda: layers.depth_svg(analysis))
    # The page below takes the figures drawn above.
    layers.per_layer_svg = lambda _analysis: per_layer
    layers.depth_svg = lambda _analysis: along_depth
    page = clock.time(
        "render HTML (Jinja2, the special sections' drawings)", lambda: handout_inputs.render_handout(report)
    )
    table = clock.time("render terminal table", lambda: terminal.render(report))

    def write() -> None:
        cli.write_atomically(out, page)
        with open(os.devnull, "w") as sink:
            sink.write(table)

    clock.time("write", write)
    return {}


def _count(args: argparse.Namespace, clock: Clock, memory: Memory) -> dict[str, Any]:
    """One counting run (archstats on a zoo name or a built model, or a peer) and what it cost."""
    import torch

    import archstats_zoo  # noqa: F401  (the user's model code, imported by both sides before timing)

    result: dict[str, Any] = {}
    if clock.cuda:
        torch.zeros(1, device=args.device)  # the CUDA context, outside every timer
        torch.cuda.reset_peak_memory_stats()
    if args.kind == "zoo":
        zoo = clock.time("import", lambda: __import__("archstats.zoo", fromlist=["analyze_network"]))
        kwargs = _engine_kwargs(zoo.analyze_network, args.engine)
        memory.start()
        analysis = clock.time("run", lambda: zoo.analyze_network(args.net, device=args.device, **kwargs))
        result["counts"] = _totals(analysis)
    elif args.kind == "built":
        analysis_mod = clock.time("import", lambda: __import__("archstats.analysis", fromlist=["analyze"]))
        kwargs = _engine_kwargs(analysis_mod.analyze, args.engine)
        memory.start()
        model, shape = _build(args.net, args.device, clock)
        result["build_bytes"] = memory.rss() - memory.base
        analysis = clock.time(
            "run", lambda: analysis_mod.analyze(model, shape, device=args.device, name=args.net, **kwargs)
        )
        result["counts"] = _totals(analysis)
    else:
        memory.start()
        model, shape = _build(args.net, args.device, clock)
        result["build_bytes"] = memory.rss() - memory.base
        result["counts"] = _peer(args.kind, model, shape, args.device, clock)
    result["peak_bytes"] = memory.peak() - memory.base
    result["peak_exact"] = memory.exact
    if clock.cuda:
        result["cuda_peak_bytes"] = int(torch.cuda.max_memory_allocated())
    if args.net:
        result["weight_bytes"] = _weight_bytes(args.net)
    return result


def worker(argv: Sequence[str]) -> int:
    """One measurement in this fresh process; prints ``@@bench {json}`` on stdout."""
    parser = argparse.ArgumentParser(prog="bench.py --worker")
    parser.add_argument("kind")
    parser.add_argument("--net", default="")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--engine", default=None)
    parser.add_argument("--out", default=os.devnull)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {}
    clock = Clock(cuda=args.device.startswith("cuda"))
    try:
        if args.kind == "phases":
            if args.threads:
                os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
            result.update(_phases(args.device, clock, args.out))
        else:
            import torch

            if args.threads:
                torch.set_num_threads(args.threads)
            result["threads"] = torch.get_num_threads()
            result.update(_probe() if args.kind == "probe" else _count(args, clock, Memory()))
    except Exception as error:  # a peer that cannot take a network is a result, not a crash
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        result["error"] = f"{type(error).__name__}: {first}"[:300]
    result["phases"] = clock.phases
    print(MARK + json.dumps(result), flush=True)
    return 0


def _weight_bytes(net: str) -> int:
    import torch

    from archstats_zoo import REGISTRY

    with torch.device("meta"):
        model = REGISTRY.get(net).builder()
    return sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))


def _probe() -> dict[str, Any]:
    """Versions, the engines archstats offers, and every module imported once (warm .pyc files)."""
    import inspect
    from importlib import metadata

    import torch

    import archstats
    from archstats import analysis, zoo
    from archstats.render import exports, html, index, terminal  # noqa: F401
    from archstats.render.charts import layers  # noqa: F401

    versions: dict[str, str | None] = {"python": platform.python_version(), "torch": torch.__version__}
    for dist in ("fvcore", "ptflops", "thop", "torchinfo", "pandas", "matplotlib", "jinja2"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    for module in ("fvcore.nn", "ptflops", "thop", "torchinfo", "matplotlib.figure", "jinja2"):
        with contextlib.suppress(ImportError):
            __import__(module)
    versions["archstats"] = archstats.__version__
    engines: dict[str, Any] = {}
    for label, fn in (("zoo", zoo.analyze_network), ("built", analysis.analyze)):
        param = inspect.signature(fn).parameters.get("engine")
        engines[label] = None if param is None else {"default": param.default}
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"versions": versions, "engines": engines, "archstats_file": archstats.__file__, "cuda": cuda}


# -- the driver ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One measurement, repeated in fresh processes."""

    kind: str  # zoo, built, a peer, phases, or proc (a whole command)
    net: str = ""
    engine: str | None = None
    device: str = "cpu"
    command: tuple[str, ...] = ()  # for proc

    @property
    def key(self) -> str:
        return "/".join([self.kind, self.net, self.engine or "", self.device, " ".join(self.command)])


@dataclass
class Samples:
    """The runs of one job."""

    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [r["error"] for r in self.runs if "error" in r]

    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if "error" not in r]

    def median(self, getter: Callable[[dict[str, Any]], float | None]) -> float | None:
        values = [v for v in (getter(r) for r in self.ok()) if v is not None]
        return statistics.median(values) if values else None

    def phase(self, *names: str) -> float | None:
        return self.median(
            lambda r: sum(r["phases"][n] for n in names) if all(n in r["phases"] for n in names) else None
        )

    def first(self, key: str) -> Any:
        return next((r[key] for r in self.ok() if key in r), None)


class Runner:
    """Runs jobs in fresh processes with the threads pinned, and keeps their samples."""

    def __init__(self, threads: int, timeout: float, verbose: bool) -> None:
        self.threads = threads
        self.timeout = timeout
        self.verbose = verbose
        self.samples: dict[str, Samples] = {}
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        if threads:
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                self.env[var] = str(threads)

    def worker_command(self, job: Job, out: str = os.devnull) -> list[str]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", job.kind, "--device", job.device]
        cmd += ["--threads", str(self.threads), "--out", out]
        if job.net:
            cmd += ["--net", job.net]
        if job.engine:
            cmd += ["--engine", job.engine]
        return cmd

    def run(self, job: Job, cpus: int | None = None) -> dict[str, Any]:
        """One fresh process; records and returns its result."""
        with tempfile.TemporaryDirectory(prefix="archstats-bench-") as tmp:
            command = [c.replace("{tmp}", tmp) for c in job.command] if job.kind == "proc" else self.worker_command(job)
            if job.kind == "phases":
                command = self.worker_command(job, out=str(Path(tmp) / "out.html"))
            preexec = _pin(cpus) if cpus else None
            start = time.perf_counter()
            try:
                done = subprocess.run(
                    command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=self.timeout,
                    preexec_fn=preexec,
                )  # fmt: skip
                wall = time.perf_counter() - start
                result = self._parse(job, done, wall)
            except subprocess.TimeoutExpired:
                result = {"error": f"timed out after {self.timeout:.0f} s", "phases": {}}
        self.samples.setdefault(job.key, Samples()).runs.append(result)
        if self.verbose:
            what = result.get("error") or " ".join(f"{k}={v:.3f}" for k, v in result["phases"].items())
            print(
                f"  {job.kind:<11} {job.net or ' '.join(job.command)[:40]:<22} {job.engine or '':<9} {what}",
                file=sys.stderr,
            )
        return result

    @staticmethod
    def _parse(job: Job, done: subprocess.CompletedProcess[str], wall: float) -> dict[str, Any]:
        if job.kind == "proc":
            if done.returncode != 0:
                return {"error": f"exit {done.returncode}: {_tail(done.stderr)}", "phases": {}}
            return {"phases": {"wall": wall}, "stderr": done.stderr}
        line = next((ln for ln in reversed(done.stdout.splitlines()) if ln.startswith(MARK)), None)
        if line is None:
            return {"error": f"worker died (exit {done.returncode}): {_tail(done.stderr)}", "phases": {}}
        result: dict[str, Any] = json.loads(line[len(MARK) :])
        result["phases"]["process"] = wall
        return result

    def get(self, job: Job) -> Samples:
        return self.samples.get(job.key, Samples())


def _tail(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def _pin(cpus: int) -> Callable[[], None]:
    def pin() -> None:
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, available[:cpus])

    return pin


@dataclass
class Plan:
    """What to measure."""

    networks: tuple[str, ...]
    depth_pair: tuple[str, str]
    memory_network: str
    peers: tuple[str, ...]
    engines: dict[str, list[str | None]]
    default_engine: dict[str, str | None]
    device: str
    targets: frozenset[int]
    reps: int
    all_reps: int
    all_cpus: int
    missing: tuple[str, ...] = ()


def plan_jobs(plan: Plan) -> list[Job]:
    """The jobs repeated ``reps`` times, interleaved so that drifts of the machine spread over all."""
    jobs: list[Job] = []
    dev = plan.device

    def add(job: Job) -> None:
        if job not in jobs:
            jobs.append(job)

    t12 = plan.targets & {1, 2, 5}
    nets = list(plan.networks) if t12 else []
    if 5 in plan.targets and plan.memory_network not in nets:
        nets.append(plan.memory_network)
    for net in nets:
        for engine in plan.engines["zoo"]:
            add(Job("zoo", net, engine, dev))
        for engine in plan.engines["built"]:
            add(Job("built", net, engine, dev))
        for peer in plan.peers:
            add(Job(peer, net, None, dev))
    if 3 in plan.targets:
        for net in plan.depth_pair:
            for engine in plan.engines["zoo"]:
                add(Job("zoo", net, engine, dev))
    if 4 in plan.targets:
        for job in target4_jobs(dev):
            add(job)
    return jobs


def target4_jobs(device: str) -> list[Job]:
    py = sys.executable
    return [
        Job("proc", command=(py, "-c", "pass")),
        Job("proc", command=(py, "-c", "import torch")),
        Job(
            "proc",
            command=(py, "-m", "archstats.cli", "report", "alexnet", "--html", "{tmp}/out.html", "--device", device),
        ),
        Job("phases", device=device),
    ]


def all_job(device: str) -> Job:
    return Job(
        "proc", command=(sys.executable, "-m", "archstats.cli", "report", "--all", "--out", "{tmp}", "--device", device)
    )


# -- the report -----------------------------------------------------------------------------


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _mb(n: float | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.0f} MB"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _x(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}x"


def _verdict(value: float | None, bound: float, errors: Iterable[str] = ()) -> str:
    errs = list(errors)
    if value is None:
        return f"not measured ({errs[0]})" if errs else "not measured"
    return "met" if value <= bound else "**not met**"


def _int(n: Any) -> str:
    return "—" if n is None else f"{int(n):,}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _engine_label(engine: str | None, default: str | None) -> str:
    if engine is None:
        return "archstats"
    return f"archstats ({engine}{', default' if engine == default else ''})"


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram = f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        ram = "unknown"
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    try:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "CPU": cpu,
        "cores": f"{cores} logical, {usable} usable by this process",
        "RAM": ram,
        "OS": platform.platform(),
        "load average at start (1, 5, 15 min)": load,
    }


def _importtime(stderr: str, top: int = 10) -> list[tuple[str, float]]:
    """The slowest imports made directly by the command (not from inside another import), cumulative,
    from ``python -X importtime``'s stderr."""
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if match and not match.group(2):  # nested imports are indented
            totals[match.group(3)] = totals.get(match.group(3), 0.0) + int(match.group(1)) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


Row = Sequence[str]


class Writer:
    """The Markdown report, target by target; each target adds its line to the summary."""

    def __init__(self, plan: Plan, runner: Runner) -> None:
        self.plan = plan
        self.runner = runner
        self.dev = plan.device
        self.default = plan.default_engine
        self.summary: list[Row] = []

    def get(self, kind: str, net: str = "", engine: str | None = None, device: str | None = None) -> Samples:
        return self.runner.get(Job(kind, net, engine, device or self.dev))

    def conclude(
        self, target: str, measured: str, bound: str, value: float | None, limit: float, errors: list[str]
    ) -> None:
        self.summary.append((target, measured, bound, _verdict(value, limit, errors)))

    def zoo_total(self, net: str, engine: str | None) -> float | None:
        return self.get("zoo", net, engine).phase("import", "run")

    def target1(self) -> list[str]:
        engines = self.plan.engines["zoo"]
        lines = [
            "## 1. From a zoo name to the full analysis",
            "",
            "archstats: `import archstats.zoo` and `zoo.analyze_network(name)` (params, connections, neurons, MACs, "
            "shapes, receptive fields). The usual way: `import fvcore.nn`, build the network with its weight "
            "initialisation on the CPU, `FlopCountAnalysis(model, x).by_module()` and `parameter_count(model)`. "
            "Both start after `import torch` and the model code.",
            "",
        ]
        header = ["network", "usual way: import + build + fvcore"]
        header += [f"{_engine_label(e, self.default['zoo'])}: import + analysis" for e in engines]
        header += ["ratio", "target", "verdict"]
        rows = []
        for net in self.plan.networks:
            b = self.get("fvcore", net)
            base = b.phase("import", "build", "run")
            cells = [net, f"{_s(base)} ({_s(b.phase('import'))} + {_s(b.phase('build'))} + {_s(b.phase('run'))})"]
            for e in engines:
                z = self.get("zoo", net, e)
                cells.append(f"{_s(z.phase('import', 'run'))} ({_s(z.phase('import'))} + {_s(z.phase('run'))})")
            ratio = _ratio(self.zoo_total(net, self.default["zoo"]), base)
            bound = TARGET1_STRICT.get(net, TARGET1_OTHERS)
            errors = self.get("zoo", net, self.default["zoo"]).errors + b.errors
            ratios = " / ".join(_x(_ratio(self.zoo_total(net, e), base)) for e in engines)
            rows.append([*cells, ratios, f"≤ {bound}x", _verdict(ratio, bound, errors)])
            self.conclude(f"1. zoo name to analysis, {net}", _x(ratio), f"≤ {bound}x", ratio, bound, errors)
        return lines + _table(header, rows)

    def target2(self) -> list[str]:
        engines = self.plan.engines["built"]
        peers = self.plan.peers
        lines = [
            "## 2. On a model the user already built",
            "",
            "The network is built (its own initialisation, CPU) and moved to the device before the clock starts; "
            "then one call, the first in the process: `archstats.analysis.analyze(model, shape)` against each "
            "peer's per-layer summary (ptflops prints its per-layer table to a null stream, torchinfo with "
            "`verbose=0`, FlopCounterMode with its module breakdown). Import times apart, in parentheses.",
            "",
        ]
        header = ["network", *[_engine_label(e, self.default["built"]) for e in engines]]
        header += [PEER_TITLES[p] for p in peers] + ["fastest peer", "ratio", "target", "verdict"]
        rows = []
        for net in self.plan.networks:
            cells = [net]
            times: dict[str, float] = {}
            for kind, engine in [*(("built", e) for e in engines), *((p, None) for p in peers)]:
                s = self.get(kind, net, engine)
                t = s.phase("run")
                if t is not None and kind != "built":
                    times[kind] = t
                failed = f"failed: {(s.errors or ['no runs'])[0]}"
                cells.append(f"{_s(t)} ({_s(s.phase('import'))})" if t is not None else failed)
            fastest = min(times, key=lambda p: times[p]) if times else None
            best = times.get(fastest) if fastest else None
            ours = self.get("built", net, self.default["built"])
            ratio = _ratio(ours.phase("run"), best)
            ratios = " / ".join(_x(_ratio(self.get("built", net, e).phase("run"), best)) for e in engines)
            rows.append([*cells, fastest or "—", ratios, f"≤ {TARGET2}x", _verdict(ratio, TARGET2, ours.errors)])
            what = f"2. built model vs fastest peer ({fastest}), {net}"
            self.conclude(what, _x(ratio), f"≤ {TARGET2}x", ratio, TARGET2, ours.errors)
        lines += _table(header, rows)
        lines += ["What each reports per layer:", ""]
        reports = [(PEER_TITLES.get(k, k), v) for k, v in REPORTS.items() if k == "archstats" or k in peers]
        return lines + _table(["tool", "per layer"], reports) + self.counts()

    def counts(self) -> list[str]:
        lines = [
            "### What each counted",
            "",
            "Totals per sample. MACs as each tool defines them: fvcore and archstats count one fused multiply-add "
            "as one and leave out bias additions; FlopCounterMode reports FLOPs (2 per MAC, shown halved); ptflops "
            "and thop also count biases, activations, pooling and normalisation in their own ways; torchinfo's "
            "mult-adds are per module and count parameters times output positions. Rows: entries of the per-layer "
            "breakdown.",
            "",
        ]
        header = ["network", "archstats params", "MACs", "connections", "neurons", "rows"]
        for p in self.plan.peers:
            header += [f"{p} params", f"{p} MACs"]
        rows = []
        for net in self.plan.networks:
            ours = self.get("built", net, self.default["built"]).first("counts") or {}
            cells = [net, *(_int(ours.get(k)) for k in ("params", "macs", "connections", "neurons", "rows"))]
            for p in self.plan.peers:
                c = self.get(p, net).first("counts") or {}
                macs = c.get("macs", c["flops"] // 2 if "flops" in c else None)
                cells += [_int(c.get("params")), _int(macs)]
            rows.append(cells)
        return lines + _table(header, rows)

    def target3(self) -> list[str]:
        shallow, deep = self.plan.depth_pair
        lines = [
            "## 3. Cost linear in depth",
            "",
            f"Time of `zoo.analyze_network` (import excluded) per weighted layer, {deep} against {shallow}.",
            "",
        ]
        rows = []
        for e in self.plan.engines["zoo"]:
            per: list[tuple[float | None, int | None, float | None]] = []
            errors: list[str] = []
            for net in (shallow, deep):
                s = self.get("zoo", net, e)
                depth = (s.first("counts") or {}).get("depth")
                t = s.phase("run")
                per.append((t, depth, t / depth if t is not None and depth else None))
                errors += s.errors
            ratio = _ratio(per[1][2], per[0][2])
            cells = [f"{_s(t)} / {d} = {'—' if x is None else f'{x * 1000:.2f} ms'}" for t, d, x in per]
            label = _engine_label(e, self.default["zoo"])
            rows.append([label, *cells, _x(ratio), f"≤ {TARGET3}x", _verdict(ratio, TARGET3, errors)])
            if e == self.default["zoo"]:
                what = f"3. time per layer, {deep} / {shallow}"
                self.conclude(what, _x(ratio), f"≤ {TARGET3}x", ratio, TARGET3, errors)
        header = ["", f"{shallow}: time / depth", f"{deep}: time / depth", "ratio", "target", "verdict"]
        return lines + _table(header, rows)

    def target4(self, importtime: str) -> list[str]:
        startup, torch_job, cli_job, phases_job = target4_jobs(self.dev)
        get = self.runner.get
        t_cli, t_torch, t_pass = (get(j).phase("wall") for j in (cli_job, torch_job, startup))
        ratio = _ratio(t_cli, t_torch)
        errors = get(cli_job).errors
        lines = [
            "## 4. `archstats report alexnet --html out.html`, the whole process",
            "",
            *_table(
                ["command", "wall time"],
                [
                    ("`python -c pass`", _s(t_pass)),
                    ('`python -c "import torch"`', _s(t_torch)),
                    (f"`python -m archstats.cli report alexnet --html out.html --device {self.dev}`", _s(t_cli)),
                ],
            ),
            f"Ratio {_x(ratio)} (target ≤ {TARGET4}x): {_verdict(ratio, TARGET4, errors)}.",
            "",
            "Where the time goes: the command's steps timed one by one in a fresh process (medians), after the "
            "interpreter's start:",
            "",
        ]
        ph = get(phases_job)
        names = [n for n in (ph.ok() or [{"phases": {}}])[0]["phases"] if n != "process"]
        rows = [("interpreter start (`python -c pass`)", _s(t_pass))]
        rows += [(n, _s(ph.phase(n))) for n in names]
        inside = sum(ph.phase(n) or 0.0 for n in names)
        rows += [
            ("sum of the steps, with the start", _s(inside + (t_pass or 0.0))),
            ("the command as a whole", _s(t_cli)),
        ]
        lines += _table(["step", "median"], rows)
        if ph.errors:
            lines += [f"The step-by-step run failed: {ph.errors[0]}", ""]
        if importtime:
            lines += [
                "The slowest imports of the command, one run of `python -X importtime`, each with what it imported "
                "first (the first archstats module to need torch carries torch; a module of torch's or "
                "matplotlib's listed apart was imported while the command ran).",
                "",
            ]
            lines += _table(["module", "import time"], [(f"`{p}`", _s(t)) for p, t in _importtime(importtime)])
        self.conclude("4. `report alexnet --html` / `import torch`", _x(ratio), f"≤ {TARGET4}x", ratio, TARGET4, errors)
        return lines

    def target5(self) -> list[str]:
        net = self.plan.memory_network
        lines = [
            f"## 5. Peak memory analysing {net}",
            "",
            "Peak resident memory above the process's memory before the work (the high-water mark reset through "
            "`/proc/self/clear_refs` after the imports), medians. archstats from the name gives the weights their "
            "storage itself; every other row builds the network first (its own initialisation), then analyses it: "
            "the first column is the analysis alone, above the built network, the second the build and the "
            "analysis together.",
            "",
        ]
        zoo = self.get("zoo", net, self.default["zoo"])
        weights = zoo.first("weight_bytes") or self.get("fvcore", net).first("weight_bytes")

        def row(label: str, s: Samples) -> Row:
            total = s.median(lambda r: r.get("peak_bytes"))
            own = s.median(lambda r: r["peak_bytes"] - r["build_bytes"] if "build_bytes" in r else None)
            cuda = s.median(lambda r: r.get("cuda_peak_bytes"))
            return (label, _mb(own) if own is not None else "", _mb(total), _mb(cuda))

        engines = self.plan.engines
        rows = [
            row(_engine_label(e, self.default["zoo"]) + ", from the name", self.get("zoo", net, e))
            for e in engines["zoo"]
        ]
        rows += [
            row(_engine_label(e, self.default["built"]) + ", built model", self.get("built", net, e))
            for e in engines["built"]
        ]
        rows += [row(PEER_TITLES[p] + ", built model", self.get(p, net)) for p in self.plan.peers]
        lines += _table(["", "analysis alone", "from the name or the build on", "CUDA peak allocated"], rows)
        if net != MEMORY_NETWORK:
            lines += [f"(Measured on {net}: the target is stated for {MEMORY_NETWORK}.)", ""]
        bound = weights + TARGET5_MARGIN if weights else None
        exact = zoo.first("peak_exact")
        caveat = " (The high-water mark could not be reset here: the peak is the process's.)" if exact is False else ""
        lines += [f"Weights and buffers of {net}: {_mb(weights)}; bound {_mb(bound)}.{caveat}", ""]
        peak = zoo.median(lambda r: r.get("peak_bytes"))
        ratio = _ratio(peak, bound)
        measured = f"{_mb(peak)} = {_x(ratio)} of the bound"
        self.conclude(f"5. peak memory, {net}", measured, f"≤ weights + 300 MB = {_mb(bound)}", ratio, 1.0, zoo.errors)
        return lines

    def target6(self) -> list[str]:
        s = self.runner.get(all_job(self.dev))
        t = s.median(lambda r: r["phases"].get("wall"))
        threads = self.runner.threads or "torch's default"
        self.conclude(
            f"6. `report --all` on {self.plan.all_cpus} cores",
            _s(t),
            f"< {TARGET6_SECONDS:.0f} s",
            t,
            TARGET6_SECONDS,
            s.errors,
        )
        return [
            "## 6. The whole zoo's handouts in one command",
            "",
            f"`archstats report --all --out DIR --device {self.dev}`, pinned to {self.plan.all_cpus} cores "
            f"(`sched_setaffinity`) with {threads} threads; median of {self.plan.all_reps} run(s): {_s(t)}.",
            "",
        ]

    def device_counts(self) -> list[str]:
        rows = []
        for net in self.plan.networks:
            on_dev = self.get("zoo", net, self.default["zoo"]).first("counts")
            on_cpu = self.get("zoo", net, self.default["zoo"], "cpu").first("counts")
            same = "identical" if on_dev and on_cpu and on_dev == on_cpu else "**differ**"
            rows.append((net, same, json.dumps(on_dev), json.dumps(on_cpu)))
        return [
            "## Counts on the device against the CPU",
            "",
            *_table(["network", f"{self.dev} vs cpu", self.dev, "cpu"], rows),
        ]


def render(
    plan: Plan, runner: Runner, probe: dict[str, Any], argv: Sequence[str], elapsed: float, importtime: str
) -> str:
    """The Markdown report: machine, versions, every target with its ratio and verdict."""
    machine = _machine()
    if probe.get("cuda"):
        machine["GPU"] = str(probe["cuda"])
    versions = [(name, v or "not installed") for name, v in probe.get("versions", {}).items()]
    versions += [("archstats commit", _git()), ("archstats imported from", str(probe.get("archstats_file", "?")))]
    lines = [
        "# archstats benchmark",
        "",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `python benchmarks/bench.py {shlex.join(argv)}` "
        f"in {elapsed / 60:.1f} min. Every figure is the median of {plan.reps} run(s), each in a fresh process; "
        "the runs of all measurements are interleaved; a total is the median of each run's sum, so its parts "
        "(medians too) need not add up to it exactly. Ratios are archstats' over the peer's: below 1 is faster.",
        "",
        "## Machine and versions",
        "",
        *_table(["", ""], machine.items()),
        *_table(["package", "version"], versions),
        f"Device: `{plan.device}`. Threads: pinned to {runner.threads or 'torch default'} (`OMP_NUM_THREADS`, "
        f"`MKL_NUM_THREADS` and `torch.set_num_threads`); `torch.get_num_threads()` in the workers: {probe.get('threads')}.",
        "",
    ]
    if plan.missing:
        lines += [f"Peers not installed, not measured: {', '.join(plan.missing)}.", ""]
    if plan.engines["zoo"] != [None]:
        found = ", ".join(e for e in plan.engines["zoo"] if e)
        lines += [
            f"archstats offers the engines {found}; each is measured, the default ({plan.default_engine['zoo']}) decides the verdicts.",
            "",
        ]
    writer = Writer(plan, runner)
    body: list[str] = []
    body += writer.target1() if 1 in plan.targets else []
    body += writer.target2() if 2 in plan.targets else []
    body += writer.target3() if 3 in plan.targets else []
    body += writer.target4(importtime) if 4 in plan.targets else []
    body += writer.target5() if 5 in plan.targets else []
    body += writer.target6() if 6 in plan.targets else []
    body += writer.device_counts() if plan.device != "cpu" and plan.targets & {1, 2, 5} else []
    lines += ["## Targets", "", *_table(["target", "measured", "bound", "verdict"], writer.summary)]
    return "\n".join(lines + body).rstrip() + "\n"


# -- main -----------------------------------------------------------------------------------


def _csv(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench.py", description="archstats beside fvcore, FlopCounterMode, ptflops, thop and torchinfo."
    )
    parser.add_argument(
        "--reps", type=int, default=None, help="fresh-process runs per measurement (default 5; 1 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: lenet5 and alexnet, one run, no --all")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--threads", type=int, default=2, help="torch threads in every process, pinned (default 2; 0: torch's own)"
    )
    parser.add_argument(
        "--networks", type=_csv, default=None, help=f"comma-separated zoo names (default {','.join(NETWORKS)})"
    )
    parser.add_argument("--peers", type=_csv, default=None, help=f"comma-separated (default {','.join(PEERS)})")
    parser.add_argument(
        "--targets", type=_csv, default=None, help="comma-separated target numbers 1-6 (default all; --quick: 1-5)"
    )
    parser.add_argument("--all-reps", type=int, default=1, help="runs of target 6's `report --all` (default 1)")
    parser.add_argument("--all-cpus", type=int, default=2, help="cores target 6 is pinned to (default 2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is given up (default 600)")
    parser.add_argument("--out", help="write the Markdown report here (e.g. benchmarks/RESULTS.md)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every run on stderr")
    return parser


def _plan(args: argparse.Namespace, probe_result: dict[str, Any]) -> Plan:
    """What to measure, from the arguments and what the probe found installed."""
    reps = args.reps if args.reps is not None else (1 if args.quick else 5)
    targets = (
        frozenset(int(t) for t in args.targets)
        if args.targets
        else frozenset(range(1, 6) if args.quick else range(1, 7))
    )
    networks = args.networks or (QUICK_NETWORKS if args.quick else NETWORKS)
    versions = probe_result["versions"]
    peers = tuple(p for p in (args.peers or PEERS) if versions.get(PEER_MODULES[p]) is not None or p == "flopcounter")
    engines: dict[str, list[str | None]] = {}
    default: dict[str, str | None] = {}
    for label in ("zoo", "built"):
        found = probe_result["engines"][label]
        if found is None:
            engines[label], default[label] = [None], None
        else:  # both engines, and the default whatever it is called
            default[label] = str(found["default"])
            engines[label] = [*dict.fromkeys(["dispatch", "fvcore", default[label]])]
    return Plan(
        networks=tuple(networks),
        depth_pair=QUICK_DEPTH_PAIR if args.quick else DEPTH_PAIR,
        memory_network=MEMORY_NETWORK if MEMORY_NETWORK in networks or not args.quick else networks[-1],
        peers=peers,
        engines=engines,
        default_engine=default,
        device=args.device,
        targets=targets,
        reps=reps,
        all_reps=args.all_reps,
        all_cpus=args.all_cpus,
        missing=tuple(p for p in (args.peers or PEERS) if p not in peers),
    )


def _time_imports(runner: Runner, device: str, timeout: float) -> str:
    """``python -X importtime`` of one handout: what each import costs."""
    with tempfile.TemporaryDirectory(prefix="archstats-bench-") as tmp:
        cmd = [sys.executable, "-X", "importtime", "-m", "archstats.cli", "report", "alexnet",
               "--html", f"{tmp}/out.html", "--device", device]  # fmt: skip
        return subprocess.run(cmd, cwd=ROOT, env=runner.env, capture_output=True, text=True, timeout=timeout).stderr


def _measure(plan: Plan, runner: Runner) -> None:
    """Every planned run, ``plan.reps`` times, and the CPU references and ``report --all`` runs."""
    jobs = plan_jobs(plan)
    print(
        f"bench.py: {len(jobs)} measurements x {plan.reps} runs"
        + (f"; not installed: {', '.join(plan.missing)}" if plan.missing else ""),
        file=sys.stderr,
    )
    if 4 in plan.targets:  # one untimed run: the page cache and .pyc files warm, like every later run
        runner.run(target4_jobs(plan.device)[2])
        runner.samples.clear()
    for rep in range(plan.reps if jobs else 0):
        rep_start = time.perf_counter()
        for job in jobs:
            runner.run(job)
        print(f"bench.py: run {rep + 1}/{plan.reps} took {time.perf_counter() - rep_start:.0f} s", file=sys.stderr)
    if plan.device != "cpu" and plan.targets & {1, 2, 5}:
        for net in plan.networks:
            runner.run(Job("zoo", net, plan.default_engine["zoo"], "cpu"))
    if 6 in plan.targets:
        for _ in range(plan.all_reps):
            runner.run(all_job(plan.device), cpus=plan.all_cpus)


def write_report(path: Path, text: str) -> None:
    """Write this run's report to ``path``, keeping the marked sections the other benchmarks wrote there."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text("\n".join([text.rstrip() + "\n", *marked_sections(old)]), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    args = _parser().parse_args(argv)
    runner = Runner(args.threads, args.timeout, args.verbose)
    started = time.perf_counter()
    probe_result = runner.run(Job("probe", device=args.device))
    if "error" in probe_result:
        print(f"bench.py: the probe failed: {probe_result['error']}", file=sys.stderr)
        return 1
    if args.device == "cuda" and not probe_result.get("cuda"):
        print("bench.py: --device cuda, but torch sees no CUDA device", file=sys.stderr)
        return 2
    plan = _plan(args, probe_result)
    _measure(plan, runner)
    importtime = _time_imports(runner, args.device, args.timeout) if 4 in plan.targets else ""
    if plan.missing:
        print(
            f"bench.py: not installed, not measured: {', '.join(plan.missing)} (pip install -e '.[bench]')",
            file=sys.stderr,
        )
    text = render(plan, runner, probe_result, argv, time.perf_counter() - started, importtime)
    sys.stdout.write(text)
    if args.out:
        write_report(Path(args.out), text)
        print(f"bench.py: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
