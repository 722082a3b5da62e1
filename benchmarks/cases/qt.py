"""The GUI's hot paths, each measured in a fresh offscreen process (qt_probe.py).

The parent builds the data (a project with one big annotated text, a project with
a scanned PDF) and reads back what the probe measured. A widget that is not built
yet makes its rows "n/a (not built yet)".
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from benchmarks import data
from benchmarks.harness import ROOT, Context, NotBuilt, Result, probe


def _check(found: dict) -> dict:
    if "na" in found:
        raise NotBuilt(found["na"])
    return found


def _text_project(ctx: Context) -> tuple[Path, str]:
    """One text of ``big_text_chars`` code points with all the run's annotations."""
    def build() -> tuple[Path, str]:
        from annotator.core.project import Project

        s = ctx.scale
        store = data.create_project(ctx.work / "text.annot",
                                    [("Big text", data.make_text(21, s.big_text_chars))])
        with Project.open(store.path) as project:
            project.annotations.add_many(data.make_annotations(21, store, s.annotations))
        return store.path, store.doc_ids[0]

    return ctx.once("text project", build)


def _scan_project(ctx: Context) -> tuple[Path, str]:
    """A project holding the generated scanned PDF (imported as a user would)."""
    def build() -> tuple[Path, str]:
        from annotator.core.project import Project

        pdf = data.scanned_pdf(ctx.scale.scan_pages)
        path = ctx.work / "scan.annot"
        with Project.create(path, "Scans", author="Bench Historian") as project:
            doc = project.documents.import_file(pdf).value.document
        return path, doc.id

    return ctx.once(f"scan project ({ctx.scale.scan_pages} pages)", build)


def _label_chars(ctx: Context) -> str:
    s = ctx.scale
    return f"{s.big_text_chars / 1e6:g} MB text, {s.annotations // 1000}k annotations"


def text_open(ctx: Context) -> list[Result]:
    """TextView showing the big text with its highlights, first paint done, vs a plain
    QPlainTextEdit (same font and margins) showing the same text read from the file."""
    path, doc_id = _text_project(ctx)
    found = _check(probe(ctx, "text_open", {"project": str(path), "doc_id": doc_id,
                                            "repeats": ctx.reps(5, 2)}))
    return [Result.from_samples(f"open {_label_chars(ctx)}", found["ours"], found["raw"],
                                1.5, note="gui.text_view.TextView.set_document + first paint")]


def text_paint(ctx: Context) -> list[Result]:
    """One page of the big text painted: after a jump, and scrolling on by a page."""
    path, doc_id = _text_project(ctx)
    found = _check(probe(ctx, "text_paint", {"project": str(path), "doc_id": doc_id,
                                             "jumps": ctx.reps(40, 12), "steps": 4}))
    cpu = ""
    if found.get("ours_jump_cpu") and found.get("raw_jump_cpu"):
        cpu = (f"; thread CPU {statistics.median(found['ours_jump_cpu']) * 1e3:.1f} vs "
               f"{statistics.median(found['raw_jump_cpu']) * 1e3:.1f} ms")
    return [
        Result.from_samples("paint one page after a jump", found["ours_jump"],
                            found["raw_jump"], 1.5,
                            note="scroll bar set, viewport repainted; ours and raw "
                                 f"alternate on the same targets{cpu}"),
        Result.from_samples("scroll one page", found["ours_scroll"], found["raw_scroll"],
                            1.5, note="page step, idle time between steps"),
    ]


def scan_open(ctx: Context) -> list[Result]:
    path, doc_id = _scan_project(ctx)
    found = _check(probe(ctx, "scan_open", {"project": str(path), "doc_id": doc_id,
                                            "repeats": ctx.reps(7, 3)}))
    cpu = ""
    if found.get("ours_cpu") and found.get("raw_cpu"):
        rounds = statistics.median(o / r for o, r in zip(found["ours_cpu"], found["raw_cpu"],
                                                         strict=False))
        cpu = (f"; process CPU {statistics.median(found['ours_cpu']) * 1e3:.1f} vs "
               f"{statistics.median(found['raw_cpu']) * 1e3:.1f} ms, per-round {rounds:.2f}x")
    return [Result.from_samples(
        f"open {ctx.scale.scan_pages}-page scan to page 1 painted", found["ours"],
        found["raw"], 1.5, note=f"gui.scan_view.ScanView; raw reads the bytes from the "
                                f"project file too (and shows nothing); both at "
                                f"{found['dpi']} dpi{cpu}")]


def scan_revisit(ctx: Context) -> list[Result]:
    path, doc_id = _scan_project(ctx)
    found = _check(probe(ctx, "scan_revisit", {"project": str(path), "doc_id": doc_id,
                                               "pages": ctx.scale.scan_pages,
                                               "repeats": ctx.reps(60, 30)}))
    med = {k: statistics.median(v) for k, v in found.items() if isinstance(v, list) and v}
    extra = ""
    if "ours_cpu" in med and "raw_cpu" in med:
        extra = (f"; process CPU {med['ours_cpu'] * 1e3:.1f} vs {med['raw_cpu'] * 1e3:.1f} ms")
    if "ours_forced" in med:
        extra += (f"; with a second, forced repaint (the old measure) "
                  f"{med['ours_forced'] * 1e3:.1f} ms = {med['ours_forced'] / med['raw']:.2f}x, "
                  f"CPU {med['ours_forced_cpu'] * 1e3:.1f} ms")
    return [Result.from_samples("revisit a page", found["ours"], found["raw"], 1.5,
                                note=f"raw: a viewer keeping its rendered pages (QImage "
                                     f"dict -> QLabel, repainted) at {found['dpi']} dpi; "
                                     f"each side until painted once, its queued leftovers "
                                     f"run untimed{extra}")]


def scan_rss(ctx: Context) -> list[Result]:
    """RSS after viewing every page vs a bare viewer that viewed every page too (at the
    same scale) and keeps none (issue 17: adding our cache budget to the bare viewer
    flattered us). What our page cache held is in the note."""
    path, doc_id = _scan_project(ctx)
    args = {"project": str(path), "doc_id": doc_id, "pages": ctx.scale.scan_pages}
    ours = _check(probe(ctx, "scan_rss_ours", args, timeout=900))
    raw = probe(ctx, "scan_rss_raw", {**args, "scale": ours.get("scale")}, timeout=900)
    budget = ours.get("budget") or 256 * 2**20
    return [Result("RSS after viewing all pages", ours["rss"], raw["rss"], 1.2, "B",
                   note=f"raw = bare viewer after the same pages; our page cache held "
                        f"{ours['cached'] / 2**20:.0f} MB of its {budget / 2**20:.0f} MB "
                        "budget", ours_samples=[ours["rss"]], raw_samples=[raw["rss"]])]


def first_window(ctx: Context) -> list[Result]:
    """Process start to the sample project's text painted in the main window (app.launch:
    the frame's first paint shows the first glance at the project) vs a bare
    QMainWindow showing the same project's first text in a QPlainTextEdit; both timed
    to their text's viewport painted, including Python's start-up. Twice: with
    bytecode cached as an installed copy has it, and with none (every module compiled,
    as on the first start after an install that did not compile). The time until the
    workbench is ready (panels, menus, the project open, its text painted in the real
    view) is reported beside it, against the same raw block."""
    sample = ROOT / "sample_documents" / "sample.annot"
    if not sample.exists():
        raise NotBuilt("no sample_documents/sample.annot")
    project = str(shutil.copyfile(sample, ctx.work / "sample.annot"))
    cached = {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": str(ctx.work / "pyc")}
    results = []
    reps = ctx.reps(10, 3)
    for label, env in (("bytecode cached", cached), ("no bytecode", None)):
        ours, raw, ready, glanced = [], [], [], []
        for i in range(reps + 1):
            if env is None:  # an empty cache folder each time: nothing compiled yet
                fresh = ctx.work / f"pyc-none-{i}"
                env_now = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(fresh)}
            else:
                env_now = env
            r = probe(ctx, "window_raw", {"project": project}, env_extra=env_now)
            o = _check(probe(ctx, "window_ours", {"project": project}, env_extra=env_now))
            if i:  # the first pair warms the file cache (and migrates the sample)
                raw.append(r["seconds"])
                ours.append(o["seconds"])
                ready.append(o["ready"])
                glanced.append(bool(o.get("glance")))
        shown = "the first glance" if all(glanced) else \
            f"the first glance in {sum(glanced)} of {len(glanced)} runs"
        results.append(Result.from_samples(
            f"first window, project painted ({label})", ours, raw,
            1.5 if env is not None else None,
            note=f"{shown}; spread ours {min(ours):.3f}-{max(ours):.3f} s; raw "
                 f"{min(raw):.3f}-{max(raw):.3f} s"))
        results.append(Result.from_samples(
            f"first window, workbench ready ({label})", ready, raw, None,
            note="panels, menus and the project open, its text painted in the text view"))
    return results
