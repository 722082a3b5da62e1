"""What history costs: the run's annotations (100k in a full run) each edited 3 times,
every edit one journaled action; the file's size before and after, the time of one
committed edit against a bare UPDATE, and compacting the history.

The 300k edits are written with ``synchronous = NORMAL`` (in WAL mode: no fsync per
commit), or the build would spend its half hour waiting for the disk; the size is the
same either way. One edit's latency is timed separately at the project's own FULL.
"""

from __future__ import annotations

import time

from benchmarks import data
from benchmarks.cases.store import store
from benchmarks.harness import Context, Result, pair


def history(ctx: Context) -> list[Result]:
    from annotator.core.journal_compact import compact_before
    from annotator.core.project import Project

    st = store(ctx)
    path = data.copy_project(st.path, ctx.work / "history.annot")
    size_start = path.stat().st_size
    project = Project.open(path, author="Bench Historian")
    results: list[Result] = []
    try:
        ids = [r[0] for r in project.conn.execute(
            "SELECT id FROM annotations WHERE deleted = 0 ORDER BY id")]
        project.conn.execute("PRAGMA synchronous = NORMAL")
        started = time.perf_counter()
        for round_ in range(3):
            for n, ann_id in enumerate(ids):
                project.annotations.update(ann_id, note=f"reading {round_ + 1} of {n}")
            ctx.log(f"  round {round_ + 1} of 3 edits: {time.perf_counter() - started:.0f} s")
        edits_s = time.perf_counter() - started
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_edited = path.stat().st_size
        changesets = project.conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
        project.conn.execute("PRAGMA synchronous = FULL")

        raw_path = data.copy_project(st.path, ctx.work / "history-raw.annot")
        conn = data.raw_connect(raw_path)
        counter = iter(range(10**9))

        def ours() -> None:
            project.annotations.update(ids[next(counter) % len(ids)], note="one more")

        def raw() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE annotations SET note = ?, modified_at = ? WHERE id = ?",
                         ("one more", data.STAMP, ids[next(counter) % len(ids)]))
            conn.execute("COMMIT")

        try:
            ours_t, raw_t = pair(ours, raw, ctx.reps(200, 60), warmup=10)
        finally:
            conn.close()
            data.remove_project(raw_path)
        # everything so far is "before tomorrow": all of it is compacted
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        started = time.perf_counter()
        report = compact_before(project, tomorrow).value
        compact_s = time.perf_counter() - started
    finally:
        project.close()
        data.remove_project(path)
    n = len(ids)
    results.append(Result("file after 3 edits of each annotation", size_edited, size_start,
                          None, "B", note=f"{n:,} annotations, {changesets:,} change sets; "
                          "raw: the same file before the edits"))
    results.append(Result(f"{3 * n:,} edits, one action each", edits_s, None, None,
                          note="synchronous NORMAL; per edit "
                          f"{edits_s / (3 * n) * 1000:.2f} ms"))
    results.append(Result.from_samples("edit one note, committed", ours_t, raw_t, None,
                                       note="journaled, synchronous FULL; raw: bare UPDATE"))
    results.append(Result("compact all history (+ VACUUM)", compact_s, None, None,
                          note=f"file {report.size_before / 2**20:.0f} MB -> "
                          f"{report.size_after / 2**20:.0f} MB"))
    return results
