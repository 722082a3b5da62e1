"""What every case shares: the scale of a run, timing, results and Qt subprocesses."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
NA = "n/a (not built yet)"

#: Set by ``--profile``: where pair() writes a pyinstrument profile of one more call
#: of "ours" for each in-process case (``<case>-<n>.txt``); Qt probes are not profiled.
PROFILE: dict[str, Any] = {"dir": None, "case": "", "count": 0}


class NotBuilt(Exception):
    """The feature a case measures is not in the code base (yet)."""


def need(module: str, *attrs: str) -> Any:
    """Import ``module`` and return the first of ``attrs`` it has (or the module if no
    attrs are named); raise NotBuilt when the module or all the attributes are absent."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise NotBuilt(f"{module}: {exc}") from None
    if not attrs:
        return mod
    for attr in attrs:
        if hasattr(mod, attr):
            return getattr(mod, attr)
    raise NotBuilt(f"{module} has none of {', '.join(attrs)}")


@dataclass(frozen=True)
class Scale:
    """How big a run is: ``full`` matches the issue's figures, ``quick`` runs < 60 s."""

    name: str
    annotations: int  # in the store project, the text view and the exports
    documents: int  # text documents of the store project (annotations spread evenly)
    doc_chars: int  # characters per document of the store project
    big_text_chars: int  # the text the text view opens
    scan_pages: int
    text_pdf_pages: int
    search_docs: int
    search_doc_chars: int
    repeats: int  # for cases of a few ms; slower cases use fewer (see Context.reps)

    @staticmethod
    def of(quick: bool) -> Scale:
        if quick:
            return Scale("quick", 10_000, 10, 50_000, 1_000_000, 30, 30, 100, 20_000, 5)
        return Scale("full", 100_000, 100, 50_000, 5_000_000, 300, 300, 1_000, 20_000, 15)


@dataclass
class Result:
    """One row of the table. Times in seconds (``unit`` "s") or sizes in bytes ("B")."""

    case: str
    ours: float | None = None
    raw: float | None = None
    goal: float | None = None  # the ratio ours/raw must stay at or below; None: report
    unit: str = "s"
    status: str = "ok"  # "ok", NA or "error: ..."
    note: str = ""
    ours_samples: list[float] = field(default_factory=list)
    raw_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.raw:
            return None
        return self.ours / self.raw

    @property
    def met(self) -> bool | None:
        if self.goal is None or self.ratio is None:
            return None
        return self.ratio <= self.goal

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(ratio=self.ratio, met=self.met)
        return d

    @classmethod
    def from_samples(cls, case: str, ours: list[float], raw: list[float],
                     goal: float | None, *, unit: str = "s", note: str = "") -> Result:
        return cls(case, statistics.median(ours) if ours else None,
                   statistics.median(raw) if raw else None, goal, unit, "ok", note,
                   list(ours), list(raw))


@dataclass
class Context:
    """A run: its scale, its scratch folder, and data built once for several cases."""

    scale: Scale
    work: Path
    repeats: int | None = None  # --repeats overrides every case's own count
    cache: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)

    @property
    def quick(self) -> bool:
        return self.scale.name == "quick"

    def reps(self, full: int, quick: int | None = None) -> int:
        """Timed repetitions of a case: ``full`` in a full run, ``quick`` (default a
        third) in a quick one, unless --repeats says otherwise."""
        if self.repeats:
            return self.repeats
        return full if not self.quick else (quick if quick is not None else max(3, full // 3))

    def once(self, key: str, build: Callable[[], Any]) -> Any:
        """Data several cases share (a project, a PDF), built on first use."""
        if key not in self.cache:
            started = time.perf_counter()
            self.cache[key] = build()
            self.log(f"  built {key} in {time.perf_counter() - started:.1f} s")
        return self.cache[key]


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes (after a collection, so garbage left by an
    earlier call is not charged to this one)."""
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pair(ours: Callable[[], Any], raw: Callable[[], Any], repeats: int, warmup: int = 1,
         *, before: Callable[[str], Any] | None = None) -> tuple[list[float], list[float]]:
    """Time ``ours`` and ``raw`` alternately (so a noisy neighbour hits both alike),
    after ``warmup`` untimed calls of each. ``before(side)`` runs untimed before each
    call, with side "ours" or "raw"."""
    sides = (("raw", raw), ("ours", ours))
    for _ in range(warmup):
        for side, fn in sides:
            if before is not None:
                before(side)
            fn()
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    for _ in range(repeats):
        for side, fn in sides:
            if before is not None:
                before(side)
            times[side].append(timed(fn))
    if PROFILE["dir"] is not None:
        if before is not None:
            before("ours")
        _profile(ours)
    return times["ours"], times["raw"]


def _profile(fn: Callable[[], Any]) -> None:
    """One more call of ``fn`` under pyinstrument, its report saved as text."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    gc.collect()
    profiler.start()
    fn()
    profiler.stop()
    PROFILE["count"] += 1
    path = Path(PROFILE["dir"]) / f"{PROFILE['case']}-{PROFILE['count']}.txt"
    path.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(f"  profile written to {path}", file=sys.stderr)


def probe(ctx: Context, case: str, args: dict, timeout: float = 300,
          env_extra: dict[str, str | None] | None = None) -> dict:
    """Run one Qt probe (benchmarks/qt_probe.py) in a fresh offscreen process and
    return what it reported: {"ours": [...], "raw": [...], ...} or {"na": reason}.
    ``env_extra`` sets (or, with None, removes) environment variables."""
    env = dict(os.environ)
    for key, value in (env_extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env.update(QT_QPA_PLATFORM="offscreen", ANNOTATOR_AUTHOR="Bench Historian",
               XDG_CONFIG_HOME=str(ctx.work / "config"), PYTHONPATH=str(ROOT))
    env["BENCH_T0"] = repr(time.clock_gettime(time.CLOCK_MONOTONIC))
    cmd = [sys.executable, "-m", "benchmarks.qt_probe", case, json.dumps(args)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    raise RuntimeError(f"probe {case} failed: {tail[:300]}")


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "B":
        return f"{value / 2**20:.0f} MB"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms" if value < 0.1 else f"{value * 1e3:.0f} ms"
    return f"{value:.2f} s"
