"""Probe of the scan-highlights case (benchmarks/cases/scan_highlights.py), run in the
fresh offscreen process of :func:`benchmarks.harness.probe` through qt_probe's table.

A page of the scanned PDF, sharp at the fit-width zoom, is repainted (synchronously)
with the highlights of an aligned transcription drawn on it ("ours": 120 passages of
one to six words, ~400 word boxes, the dotted lines under 40 unaligned words, the
caret's and the pointer's words) and without them ("raw"), alternately. The time is
the GUI thread's CPU time (``time.thread_time``): on a shared machine the wall clock of
a 2 ms paint is mostly other processes (it is reported beside it).
"""

from __future__ import annotations

import gc
import random
import time
from typing import Any

from benchmarks.qt_probe import _scan_view, _wait_sharp, app, report

COLOURS = ["#e57373", "#64b5f6", "#81c784", "#ffb74d", "#ba68c8", "#4db6ac"]


def page_words(width: float, height: float) -> list[tuple[float, float, float, float]]:
    """A typescript's word boxes: 40 lines of 11 words."""
    rng = random.Random(1927)
    boxes = []
    for line in range(40):
        y = 60 + line * (height - 120) / 40
        x = 60.0
        while x < width - 100:
            w = rng.uniform(18, 60)
            boxes.append((x, y, x + w, y + 11))
            x += w + 5
    return boxes


def scan_highlights(args: dict) -> None:
    from annotator.core.project import Project

    app()
    project = Project.open(args["project"], author="Bench Historian")
    view = _scan_view()
    view.set_document(project, args["doc_id"])
    _wait_sharp(view, 1)
    page = project.documents.page(args["doc_id"], 1)
    words = page_words(page.width, page.height)
    rng = random.Random(17)
    highlights, at = [], 0
    for n in range(120):
        at += rng.randint(0, 2)
        size = rng.randint(1, 6)
        highlights.append((f"a{n}", 1, words[at:at + size], COLOURS[n % len(COLOURS)]))
        at += size
        if at >= len(words) - 6:
            at = 0
    unaligned = {1: rng.sample(words, 40)}
    viewport = view.graphics_view().viewport()
    boxes = sum(len(h[2]) for h in highlights)

    def drawn(on: bool) -> None:
        view.set_text_highlights(highlights if on else [])
        view.set_unaligned(unaligned if on else {})
        view.mark_word(1, words[5] if on else None)
        view.hover_word(1, words[9] if on else None)
        app().processEvents()

    times: dict[str, Any] = {"ours": [], "raw": [], "ours_wall": [], "raw_wall": []}
    for i in range(args["repeats"] + 2):
        for side in ("raw", "ours"):
            drawn(side == "ours")
            gc.collect()
            wall, cpu = time.perf_counter(), time.thread_time()
            viewport.repaint()
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            if i > 1:  # two warm-ups: the page's tiles and the paths cached
                times[side].append(cpu)
                times[f"{side}_wall"].append(wall)
    times["boxes"] = boxes
    report(times)


if __name__ == "__main__":
    import json
    import os
    import sys

    scan_highlights(json.loads(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown, as qt_probe does
