"""``python -m benchmarks --scale [100k,1m]``: the interactive actions of issue 17 on
projects of 100,000 and 1,000,000 annotations (200 documents; 40 MB and 176 MB of
text), built through the public import paths (``Project.create``, ``add_source``,
``annotations.add_many``) and closed, as a scholar's import leaves them.

Each action runs in a fresh process (so its peak RSS is its own, and no cache of an
earlier action helps it), three times; the median is reported. Also: search in a
project holding one 5 MB text (the commonest word of a Zipf vocabulary). Figures go
to ``benchmarks/out/scale.json`` and are printed as a table for RESULTS.md. Not run
in CI: building the 1M project takes ~10 minutes.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import OUT

#: name: (documents, code points per document, annotations per document)
SIZES = {"100k": (200, 200_000, 500), "1m": (200, 880_000, 5000), "5mb": (1, 5_000_000, 1000)}
#: The annotations table (virtual, core.table_window): count + first window, a window
#: in the middle and at the end, the first window of each sort, of a word filter.
TABLE_ACTIONS = ("table_first_rows", "table_middle", "table_end",
                 *(f"sort_{s}" for s in ("quote", "page", "tags", "entity", "date", "note",
                                         "author", "modified")),
                 "sort_tags_desc", "filter_common", "filter_rare", "filter_common_count",
                 "filter_rare_count")
ACTIONS = ("open", "info", "search_common", "search_rare", "search_read_only_cli",
           *TABLE_ACTIONS)
#: Sorted by tags, descending, after an edit (the untagged count followed through it,
#: core.untagged; "_counted": as before, counted afresh). They write (an annotation
#: untagged, then undone): only with ``--action`` on a copy, never in run_scale.
EDIT_ACTIONS = ("sort_tags_desc_after_edit", "sort_tags_desc_after_edit_counted")
BIG_TEXT_ACTIONS = ("search_common", "search_rare")
REPEATS = 3


def common_and_rare() -> tuple[str, str]:
    """The commonest word of the generated texts (rank 1 of the Zipf law) and a rare one."""
    from benchmarks.data import vocabulary

    vocab = vocabulary(random.Random(7))
    return vocab[0], vocab[-1]


def another_rare() -> str:
    """A second rare word of the generated texts."""
    from benchmarks.data import vocabulary

    return vocabulary(random.Random(7))[-2]


def build(name: str) -> Path:
    from benchmarks.data import store_project

    path = OUT / "scale" / f"{name}.annot"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    documents, chars, per_doc = SIZES[name]
    tmp = path.with_suffix(".building.annot")
    started = time.perf_counter()
    store_project(tmp, 7, documents, chars, per_doc)  # closed: the search index is built
    tmp.rename(path)
    shutil.rmtree(f"{tmp}.backups", ignore_errors=True)  # the day's copy store_project made
    Path(f"{tmp}.lock").unlink(missing_ok=True)
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def action(name: str, path: Path) -> float:
    """Seconds one action takes (in this process)."""
    from annotator.core import search
    from annotator.core.project import Project

    common, rare = common_and_rare()
    if name in EDIT_ACTIONS:
        return edit_action(name, path)
    if name in TABLE_ACTIONS:
        return table_action(name, path, common, rare)
    t0 = time.perf_counter()
    if name == "open":
        project = Project.open(path, backup_now=False)
        seconds = time.perf_counter() - t0
        project.close()
        return seconds
    if name == "info":
        subprocess.run([sys.executable, "-m", "annotator", "info", str(path)], check=True,
                       capture_output=True)
        return time.perf_counter() - t0
    if name == "search_read_only_cli":
        subprocess.run([sys.executable, "-m", "annotator", "search", str(path), common],
                       check=True, capture_output=True)
        return time.perf_counter() - t0
    with Project.open(path, read_only=True) as project:
        if name.startswith("search"):
            t0 = time.perf_counter()
            hits = search.search(project, common if name == "search_common" else rare, limit=20)
            assert hits, name
            return time.perf_counter() - t0
        raise ValueError(name)


def table_action(name: str, path: Path, common: str, rare: str) -> float:
    """What the virtual table does for an action: count the rows, read a window (1,000
    rows), through the read-only second connection the GUI's table could use."""
    from annotator.core import overview
    from annotator.core.filters import AnnotationFilter
    from annotator.core.table_window import TableWindow

    reader = overview.reader(path)
    try:
        t0 = time.perf_counter()
        sort = name.removeprefix("sort_").removesuffix("_desc") if name.startswith(
            "sort") else None
        word = {"filter_common": common, "filter_rare": rare}.get(name.removesuffix("_count"))
        window = TableWindow(reader, AnnotationFilter(contains=word) if word else None,
                             sort, name.endswith("_desc"))
        if word:  # the table shows the first window, then counts (two cases)
            if name.endswith("_count"):
                return time.perf_counter() - t0 if window.count() >= 0 else 0.0
            window.rows(0, 1000)
            return time.perf_counter() - t0
        n = window.count()
        start = {"table_middle": n // 2, "table_end": max(0, n - 1000)}.get(name, 0)
        rows = window.rows(start, 1000)
        assert rows or not n, name
        return time.perf_counter() - t0
    finally:
        reader.close()


def edit_action(name: str, path: Path) -> float:
    """The workbench sorted by tags, descending: its first window read once (the
    untagged count kept at close), an annotation untagged (the GUI's connection
    follows the count, core.untagged.follow), then the seconds the table's reader
    connection takes to count and read the first window again. Undone afterwards."""
    from annotator.core import overview, untagged
    from annotator.core.project import Project
    from annotator.core.table_window import TableWindow

    with Project.open(path, backup_now=False) as project:
        untagged.follow(project)
        reader = overview.reader(path)
        try:
            TableWindow(reader, None, "tags", True).rows(0, 1000)
            first = project.conn.execute(
                "SELECT annotation_id FROM annotation_tags ORDER BY annotation_id DESC "
                "LIMIT 1").fetchone()[0]
            with project.transaction("Untag"):
                project.annotations.update(first, tag_ids=[])
            if not name.endswith("_counted"):
                untagged.follow(project)  # what the table's model does after an edit
            t0 = time.perf_counter()
            window = TableWindow(reader, None, "tags", True)
            rows = window.rows(0, 1000)
            assert window.count() and rows, name
            seconds = time.perf_counter() - t0
        finally:
            reader.close()
            project.undo()
    return seconds


def measure(name: str, path: Path) -> dict:
    """Median seconds and peak RSS (MB) of REPEATS fresh processes."""
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--action", name,
                              str(path)], check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "rss_mb": max(r["rss_mb"] for r in runs)}


def run_scale(sizes: list[str]) -> int:
    results: dict = {}
    for size in sizes:
        path = build(size)
        actions = BIG_TEXT_ACTIONS if size == "5mb" else ACTIONS
        results[size] = {name: measure(name, path) for name in actions}
        print(f"{size}: " + json.dumps(results[size]), file=sys.stderr)
    (OUT / "scale.json").write_text(json.dumps(results, indent=2))
    print("| action | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in ACTIONS:
        cells = [f"{r[name]['seconds']:.3f} s, {r[name]['rss_mb']:.0f} MB" if name in r else ""
                 for r in (results[s] for s in sizes)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


def peak_rss_mb() -> float:
    """This process's peak RSS, or its child command's (info, search). Not ru_maxrss of
    itself: Linux carries it over exec from the parent it was forked from."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        status = Path("/proc/self/status").read_text()
        own = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return max(own, children)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--action":
        seconds = action(argv[1], Path(argv[2]))
        print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb()}))
        return 0
    return run_scale(argv or ["5mb", "100k"])


if __name__ == "__main__":
    raise SystemExit(main())
