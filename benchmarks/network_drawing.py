"""The network view at 5,000 entities and 50,000 co-occurrences (issue 15), offscreen:
``python benchmarks/network_drawing.py`` prints the layout's time, the co-occurrence
picture painted as on the worker thread, and every step the GUI thread takes (each
slice of items drawn, the first and a later repaint): none should block it for long.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from annotator.core import network
    from annotator.core.network_layout import spring_layout
    from annotator.gui.panels.network import NetworkPanel, _raster
    from annotator.gui.project_model import ProjectModel

    app = QApplication.instance() or QApplication([])
    panel = NetworkPanel(ProjectModel())
    panel.resize(1000, 700)
    panel.show()
    rng = random.Random(1)
    n = 5000
    nodes = [network.Node(str(i), f"E{i}", "Person", "#4a7bd0", rng.randint(0, 20))
             for i in range(n)]
    edges = [network.Edge(str(rng.randrange(n)), str(rng.randrange(n)), "cooccurrence",
                          rng.randint(1, 4)) for _ in range(50_000)]
    panel.graph = network.Network(nodes, edges)
    index = panel.graph.index()
    pairs = [(index[e.source], index[e.target], e.weight) for e in edges]
    start = time.perf_counter()
    pos = spring_layout(n, pairs)
    print(f"layout (worker): {_ms(start)} ms")
    start = time.perf_counter()
    image = _raster(pos, pairs)
    print(f"co-occurrence picture (worker): {_ms(start)} ms")
    panel.generation = 1
    start = time.perf_counter()
    panel._laid_out(1, pos, image)
    print(f"GUI: placing it {_ms(start)} ms")
    ticks = []
    while panel._pending:
        start = time.perf_counter()
        panel._draw_slice()
        ticks.append(_ms(start))
    print(f"GUI: {len(ticks)} slices of items, the longest {max(ticks)} ms")
    for what in ("first repaint", "later repaint"):
        panel.view.viewport().update()
        start = time.perf_counter()
        app.processEvents()
        print(f"GUI: {what} {_ms(start)} ms")


if __name__ == "__main__":
    main()
