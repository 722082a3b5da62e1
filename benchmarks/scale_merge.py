"""``python -m benchmarks.scale_merge [--tree=CHECKOUT] [--repeats=N] [--from=FILE]
[--own|--edited] [100k|1m ...]``: issue 17's merge at scale (work folder: the
environment's MERGE_SCALE_DIR, else benchmarks/out/scale-merge).

Two cases on the ``--scale`` projects (benchmarks/scale.py builds them):

- *edited*: a colleague's copy of the project with 10 % of the annotations edited
  (a note and a later ``modified_at``), 1 % deleted (tombstones) and 10 % added of
  their own (new ids, their author);
- *own*: the issue's case, two projects with the same documents and codebook and
  each its own annotations (every id of the colleague's copy is new).

Ours is what ``annotator merge MINE THEIRS`` does, in a fresh process: open the
project (with the day's backup), merge, close. The raw block is the same files in a
fresh process: connect, ATTACH, ``INSERT OR IGNORE ... SELECT`` of authors,
annotations and annotation_tags, commit, close. Both start from a fresh copy of the
project (a new day: no backups folder); they alternate, and the median of each and
the peak RSS (VmHWM) of each process are printed. The colleague's copies are made
once, by SQL on a copy (their journal is the project's: a copy made by hand, so the
merge finds the day's backup as the common ancestor, as it would for a sync client's
conflicted copy). Not run in CI: at 1M a pair of runs takes minutes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import OUT

LATER = "2026-12-01T09:00:00.000000Z"
COLLEAGUE = "c01ea90e-0000-4000-8000-00000000c0de"


def colleague(src: Path, dst: Path, kind: str) -> Path:
    """A colleague's copy of ``src`` (see the module docstring), made once."""
    import sqlite3

    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part")
    shutil.copyfile(src, tmp)
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO authors (id, name, color, created_at, modified_at, deleted) "
                 "VALUES (?, 'A Colleague', '#884400', ?, ?, 0)", (COLLEAGUE, LATER, LATER))
    if kind == "edited":
        conn.execute("UPDATE annotations SET note = 'colleague: ' || note, author_id = ?, "
                     "modified_at = ? WHERE rowid % 10 = 0", (COLLEAGUE, LATER))
        conn.execute("UPDATE annotations SET deleted = 1, modified_at = ? "
                     "WHERE rowid % 100 = 3", (LATER,))
        cols = [r[1] for r in conn.execute("PRAGMA table_info(annotations)")]
        pick = {"id": "'z' || substr(id, 2)", "author_id": "?", "created_at": "?",
                "modified_at": "?", "note": "'their own'"}
        conn.execute(f"INSERT INTO annotations ({', '.join(cols)}) SELECT "
                     f"{', '.join(pick.get(c, c) for c in cols)} FROM annotations "
                     "WHERE rowid % 10 = 5", (COLLEAGUE, LATER, LATER))
        conn.execute("INSERT INTO annotation_tags SELECT 'z' || substr(annotation_id, 2), "
                     "tag_id FROM annotation_tags WHERE annotation_id IN (SELECT id FROM "
                     "annotations WHERE rowid % 10 = 5 AND id NOT LIKE 'z%')")
    else:  # own: every annotation is theirs, under a new id
        conn.execute("UPDATE annotations SET id = 'z' || substr(id, 2), author_id = ?",
                     (COLLEAGUE,))
        conn.execute("UPDATE annotation_tags SET annotation_id = "
                     "'z' || substr(annotation_id, 2)")
    conn.execute("COMMIT")
    conn.close()
    tmp.rename(dst)
    return dst


#: the code measured (``--tree=PATH``: another checkout, e.g. the code before a change)
TREE: Path | None = None


def _fresh(mine: Path, target: Path) -> None:
    """A fresh copy of the project, opened once and closed untimed (upgraded to the
    format of the code measured, so no run pays for the upgrade), with no backups."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{target}.backups", ignore_errors=True)
    shutil.copyfile(mine, target)
    _child("from annotator.core.project import Project\n"
           "Project.open(sys.argv[1], backup_now=False).close()", str(target))
    shutil.rmtree(f"{target}.backups", ignore_errors=True)  # a new day


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh process; its seconds, CPU seconds (user + sys: under
    load on shared cores the wall time swings, the CPU much less) and VmHWM (MB)."""
    script = (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "seconds = time.perf_counter() - t0\n"
        "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') "
        "if l.startswith('VmHWM:')) / 1024\n"
        "import os\n"
        "cpu = sum(os.times()[:2])\n"
        "print(json.dumps({'seconds': seconds, 'cpu': cpu, 'rss_mb': hwm}))\n")
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                         text=True, check=False, cwd=TREE)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


OURS = ("from annotator.cli import main\n"
        "code = main(['merge', sys.argv[1], sys.argv[2]])\n"
        "assert code in (0, 1), code")
RAW = ("import sqlite3\n"
       "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
       "conn.execute('ATTACH DATABASE ? AS other', (sys.argv[2],))\n"
       "conn.execute('BEGIN IMMEDIATE')\n"
       "for t in ('authors', 'annotations', 'annotation_tags'):\n"
       "    conn.execute(f'INSERT OR IGNORE INTO {t} SELECT * FROM other.{t}')\n"
       "conn.execute('COMMIT')\n"
       "conn.execute('DETACH DATABASE other')\n"
       "conn.close()")


def measure(mine: Path, theirs: Path, work: Path, repeats: int) -> dict:
    target = work / "target.annot"
    runs: dict[str, list[dict]] = {"ours": [], "raw": []}
    for _ in range(repeats):
        for side, code in (("ours", OURS), ("raw", RAW)):
            _fresh(mine, target)
            runs[side].append(_child(code, str(target), str(theirs)))
            print(f"  {side}: {runs[side][-1]}", file=sys.stderr)
    out = {side: {"seconds": statistics.median(r["seconds"] for r in rs),
                  "cpu": statistics.median(r["cpu"] for r in rs),
                  "rss_mb": max(r["rss_mb"] for r in rs)} for side, rs in runs.items()}
    out["ratio"] = out["ours"]["seconds"] / out["raw"]["seconds"]
    out["cpu_ratio"] = out["ours"]["cpu"] / out["raw"]["cpu"]
    return out


def prepared(size: str, work: Path, source: Path | None = None) -> Path:
    """The scale project copied here as built (never the shared file itself), or
    ``source`` (``--from=PATH``: the same project already in the current format, which
    saves each fresh copy the upgrade, ~50 s at 1M)."""
    mine = work / f"mine-{size}.annot"
    if not mine.exists():
        tmp = work / f"mine-{size}.part"
        shutil.copyfile(source or OUT / "scale" / f"{size}.annot", tmp)
        tmp.rename(mine)
    return mine


def main(argv: list[str] | None = None) -> int:
    global TREE
    argv = sys.argv[1:] if argv is None else argv
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    repeats = 3
    source = next((Path(a.split("=", 1)[1]) for a in argv if a.startswith("--from=")), None)
    argv = [a for a in argv if not a.startswith("--from=")]
    if argv and argv[0].startswith("--tree="):
        TREE = Path(argv.pop(0).split("=", 1)[1])
    if argv and argv[0].startswith("--repeats="):
        repeats = int(argv.pop(0).split("=")[1])
    sizes = [a for a in argv if not a.startswith("--")] or ["100k"]
    kinds = [a[2:] for a in argv if a in ("--edited", "--own")] or ["edited", "own"]
    work = Path(__import__("os").environ.get("MERGE_SCALE_DIR", OUT / "scale-merge"))
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for size in sizes:
        mine = prepared(size, work, source)
        for kind in kinds:
            started = time.perf_counter()
            theirs = colleague(mine, work / f"theirs-{kind}-{size}.annot", kind)
            print(f"{size} {kind}: colleague ready ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr)
            results[f"{size} {kind}"] = measure(mine, theirs, work, repeats)
            print(f"{size} {kind}: {json.dumps(results[f'{size} {kind}'])}", file=sys.stderr)
    (work / "results.json").write_text(json.dumps(results, indent=2))
    for name, r in results.items():
        print(f"merge {name:12s} ours {r['ours']['seconds']:7.2f} s {r['ours']['rss_mb']:6.0f} MB"
              f"   raw {r['raw']['seconds']:7.2f} s {r['raw']['rss_mb']:6.0f} MB"
              f"   {r['ratio']:.2f}x (CPU {r['ours']['cpu']:.1f} / {r['raw']['cpu']:.1f} s"
              f" = {r['cpu_ratio']:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
