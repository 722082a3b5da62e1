"""``python -m benchmarks [--quick] [--only NAME[,NAME]] [--repeats N]``

Runs every case (or those named), each timed several times after a warm-up against
its raw building block measured in the same run, and prints one table: case, our
median, the raw block's median, the ratio, the goal and whether it holds. The same
figures, with every sample, go to ``benchmarks/out/latest.json``.

A case whose feature is not built yet says "n/a (not built yet)"; a case that
crashes says "error" (and the exit code is 1), so the suite never rots silently.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import (
    NA,
    OUT,
    PROFILE,
    Context,
    NotBuilt,
    Result,
    Scale,
    format_value,
)


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Context], list[Result]]
    label: str  # the row shown when the case cannot run


def cases() -> list[Case]:
    from benchmarks.cases import (
        features,
        history,
        pdf,
        qt,
        scan_first_view,
        scan_highlights,
        store,
    )

    return [
        Case("save", store.save_annotation, "save one annotation"),
        Case("bulk", store.bulk_insert, "bulk-insert annotations"),
        Case("load_doc", store.load_document, "load 1 document's annotations"),
        Case("load_all", store.load_all, "load all annotations"),
        Case("text_open", qt.text_open, "open 5 MB text, highlights drawn"),
        Case("text_paint", qt.text_paint, "paint/scroll one page of text"),
        Case("scan_open", qt.scan_open, "open scanned PDF to page 1 painted"),
        Case("scan_revisit", qt.scan_revisit, "revisit a page"),
        Case("scan_rss", qt.scan_rss, "RSS after viewing all pages"),
        Case("scan_first_view", scan_first_view.scan_first_view,
             "first view of a 100 MP TIFF"),
        Case("scan_highlights", scan_highlights.scan_highlights,
             "scan page paint: highlights added"),
        Case("word_boxes", pdf.word_boxes, "word boxes of a text PDF"),
        Case("first_window", qt.first_window, "first window shown"),
        Case("search", features.search, "search top-20 KWIC"),
        Case("export", features.export, "export annotations"),
        Case("merge", features.merge, "merge two projects"),
        Case("merge3", features.merge_three_way, "three-way merge, 10k conflicts"),
        Case("history", history.history, "history: 3 edits of every annotation"),
    ]


def select(all_cases: list[Case], only: list[str]) -> list[Case]:
    """Cases named in ``only`` (exact names, or prefixes such as "scan" or "load")."""
    if not only:
        return all_cases
    wanted = [w.strip() for item in only for w in item.split(",") if w.strip()]
    chosen = [c for c in all_cases
              if any(c.name == w or c.name.startswith(w) for w in wanted)]
    unknown = [w for w in wanted if not any(c.name == w or c.name.startswith(w)
                                            for c in all_cases)]
    if unknown:
        names = ", ".join(c.name for c in all_cases)
        raise SystemExit(f"unknown case(s) {', '.join(unknown)}; cases: {names}")
    return chosen


def run_case(case: Case, ctx: Context) -> list[Result]:
    started = time.perf_counter()
    PROFILE.update(case=case.name, count=0)
    ctx.log(f"{case.name} ...")
    try:
        results = case.run(ctx)
    except NotBuilt as exc:
        results = [Result(case.label, status=NA, note=str(exc))]
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        results = [Result(case.label, status=f"error: {message[:60]}", note=message[:400])]
    ctx.log(f"{case.name} done in {time.perf_counter() - started:.1f} s")
    return results


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    info = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "cores": str(os.cpu_count()), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram"] = f"{int(line.split()[1]) / 2**20:.1f} GB"
                break
    except OSError:
        info.setdefault("cpu", platform.processor())
    for name, module in (("pyside6", "PySide6"), ("pymupdf", "pymupdf")):
        try:
            info[name] = __import__(module).__version__
        except Exception:  # reported, not needed
            info[name] = "absent"
    return info


def table(results: list[Result]) -> str:
    """The fixed-width table printed at the end of a run."""
    width = max([34] + [len(r.case) for r in results])
    head = (f"{'case':<{width}}  {'ours':>9}  {'raw':>9}  {'ratio':>6}  {'goal':>7}  "
            f"{'met':<4}")
    lines = [head, "-" * len(head)]
    for r in results:
        if r.status != "ok":
            lines.append(f"{r.case:<{width}}  {r.status[:70]}")
            continue
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        goal = f"≤ {r.goal:g}x" if r.goal is not None else "report"
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        lines.append(f"{r.case:<{width}}  {format_value(r.ours, r.unit):>9}  "
                     f"{format_value(r.raw, r.unit):>9}  {ratio:>6}  {goal:>7}  {met:<4}")
    notes = [f"  {r.case}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small data and few repeats (under a minute)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only these cases (comma-separated names or prefixes)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repetitions of every case (default: per case)")
    parser.add_argument("--json", type=Path, default=OUT / "latest.json",
                        help="where to write the results (default: %(default)s)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one call of ours per in-process case with "
                             "pyinstrument (reports in benchmarks/out/profiles/)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--scale", nargs="?", const="5mb,100k", metavar="SIZES",
                        help="issue 17's actions at scale (5mb, 100k, 1m; default 5mb,100k): "
                             "see benchmarks/scale.py")
    args = parser.parse_args(argv)
    if args.scale:
        from benchmarks.scale import run_scale

        return run_scale(args.scale.split(","))
    all_cases = cases()
    if args.list:
        for case in all_cases:
            print(f"{case.name:<14} {case.label}")
        return 0
    chosen = select(all_cases, args.only)
    if args.profile:
        PROFILE["dir"] = OUT / "profiles"
        PROFILE["dir"].mkdir(parents=True, exist_ok=True)
    scale = Scale.of(args.quick)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=OUT))  # runs may overlap (the smoke test)
    ctx = Context(scale, work, args.repeats)
    started = time.perf_counter()
    results: list[Result] = []
    try:
        for case in chosen:
            results.extend(run_case(case, ctx))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    info = machine()
    print(f"\nannotator benchmarks, {scale.name} run, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{elapsed:.0f} s — {info.get('cpu', '?')}, {info['cores']} cores, "
          f"{info.get('ram', '?')}")
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "scale": scale.name,
        "seconds": round(elapsed, 1), "machine": info,
        "results": [r.as_dict() for r in results]}, indent=1, ensure_ascii=False))
    return 1 if any(r.status.startswith("error") for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
