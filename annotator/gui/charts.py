"""Charts a historian would rather look at than read: tags and themes per document
(stacked bars), entities mentioned in the same paragraph (a matrix), annotations per
author. QtCharts for the bars; the matrix is painted by hand (QtCharts has no heat
map). Each exports as PNG and SVG (``export_widget``), with no web engine.

The counts come from core (:mod:`annotator.core.overview`) as plain lists, so they
are tested without drawing anything.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from annotator.core import entity_ops
from annotator.core.overview import annotations_per_author, tag_frequency
from annotator.gui.project_model import ProjectModel
from annotator.gui.theme import is_dark
from annotator.gui.when_shown import WhenShown

# -- export ----------------------------------------------------------------------------


def export_widget(widget: QWidget, path: str | Path) -> Path:
    """Save what ``widget`` shows as PNG or SVG (by the file's extension)."""
    path = Path(path)
    size = widget.size() if widget.width() > 10 else QSize(900, 600)
    if widget.size() != size:
        widget.resize(size)
    if path.suffix.casefold() == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(widget.windowTitle() or "annotator chart")
        painter = QPainter(generator)
        widget.render(painter)
        painter.end()
    else:
        if path.suffix.casefold() != ".png":
            path = path.with_suffix(".png")
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
    return path


def ask_export_path(parent: QWidget, name: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export picture", f"{name}.png",
                                          "PNG image (*.png);;SVG drawing (*.svg)")
    return path


# -- the pictures ----------------------------------------------------------------------


def _short(title: str, width: int = 24) -> str:
    """A bar's label: the start and the end of a long title (where two letters of one
    correspondence differ, by their dates), the whole title being in the tooltip."""
    if len(title) <= width:
        return title
    tail = width // 3
    return title[: width - tail - 1].rstrip() + "…" + title[-tail:].lstrip()


def bar_labels(titles: list[str], width: int = 24) -> list[str]:
    """One distinct label per bar. A bar axis merges equal labels into one category,
    which put two documents' counts on one bar and drew the other outside the plot;
    so labels that still coincide once shortened are numbered."""
    labels = [_short(t, width) for t in titles]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        n = seen[label] = seen.get(label, 0) + 1
        if n > 1 or labels.count(label) > 1:
            labels[i] = f"{label} ({n})"
    return labels


class ThemedChartView(QChartView):
    """A chart view whose chart takes its colours from the palette (QtCharts' own
    themes ignore it: a white chart in a dark window), again when the theme changes."""

    def setChart(self, chart: QChart) -> None:
        super().setChart(chart)
        self.restyle()

    def restyle(self) -> None:
        """Background, title, legend and axes in the palette's colours."""
        chart, palette = self.chart(), self.palette()
        text, base = palette.text().color(), palette.base().color()
        grid = QColor(text)
        grid.setAlpha(60)
        chart.setBackgroundBrush(base)
        chart.setBackgroundPen(QPen(palette.mid().color()))
        chart.setTitleBrush(text)
        chart.legend().setLabelColor(text)
        for axis in chart.axes():
            axis.setLabelsColor(text)
            axis.setLinePenColor(grid)
            axis.setGridLineColor(grid)
        self.setBackgroundBrush(base)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()


class TagFrequencyChart(ThemedChartView):
    """One stacked bar per document (never per label: see :func:`bar_labels`); hovering
    a bar shows the document's full title and the tag's count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart().setTitle("Tags and themes per document")
        self.titles: list[str] = []
        self.labels: list[str] = []

    def set_data(self, titles: list[str], series: list[tuple[str, str, list[int]]]) -> None:
        self.titles = list(titles)
        self.labels = bar_labels(self.titles)
        chart = QChart()
        chart.setTitle("Tags and themes per document")
        bars = QStackedBarSeries()
        for name, color, counts in series:
            bar = QBarSet(name)
            bar.setColor(QColor(color))
            bar.append([float(c) for c in counts])
            bars.append(bar)
        bars.hovered.connect(self._hovered)
        chart.addSeries(bars)
        axis_x = QBarCategoryAxis()
        axis_x.append(self.labels or [""])
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%d")
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(axis_x)
        bars.attachAxis(axis_y)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setChart(chart)

    def tooltip(self, index: int, bar: QBarSet) -> str:
        """The full title of the document under the pointer, and the count."""
        if not 0 <= index < len(self.titles):
            return ""
        return f"{self.titles[index]}\n{bar.label()}: {int(bar.at(index))}"

    def _hovered(self, status: bool, index: int, bar: QBarSet) -> None:
        if status:
            QToolTip.showText(QCursor.pos(), self.tooltip(index, bar), self)
        else:
            QToolTip.hideText()


class AuthorChart(ThemedChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)

    def set_data(self, rows: list[tuple[str, str, int]]) -> None:
        chart = QChart()
        chart.setTitle("Annotations per author")
        bars = QBarSeries()
        bar = QBarSet("Annotations")
        bar.append([float(n) for _, _, n in rows])
        if rows:
            bar.setColor(QColor(rows[0][1]))
        bars.append(bar)
        chart.addSeries(bars)
        axis_x = QBarCategoryAxis()
        axis_x.append(bar_labels([name for name, _, _ in rows]) or [""])
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%d")
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(axis_x)
        bars.attachAxis(axis_y)
        chart.legend().hide()
        self.setChart(chart)


class CooccurrenceMatrix(QWidget):
    """Entities down and across; a cell's shade is how often the two are mentioned in
    the same paragraph. Click a cell: ``pairActivated(entity_a, entity_b)``."""

    pairActivated = Signal(str, str)
    MARGIN = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.ids: list[str] = []
        self.pairs: dict[tuple[str, str], int] = {}
        self.setMouseTracking(True)
        self.setMinimumSize(300, 300)

    def set_data(self, entities, pairs: dict[tuple[str, str], int]) -> None:
        self.ids = [e.id for e in entities]
        self.names = [e.name for e in entities]
        self.pairs = pairs
        self.update()

    def count(self, i: int, j: int) -> int:
        a, b = sorted((self.ids[i], self.ids[j]))
        return self.pairs.get((a, b), 0)

    def _cell(self) -> float:
        n = max(1, len(self.ids))
        return max(4.0, min(28.0, (min(self.width(), self.height()) - self.MARGIN - 10) / n))

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        size = self._cell()
        i = int((pos.y() - self.MARGIN) // size)
        j = int((pos.x() - self.MARGIN) // size)
        n = len(self.ids)
        return (i, j) if 0 <= i < n and 0 <= j < n and i != j else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        self.paint(painter)
        painter.end()

    def paint(self, painter: QPainter) -> None:
        size, m = self._cell(), self.MARGIN
        top = max(self.pairs.values(), default=1)
        palette = self.palette()
        dark = is_dark(palette)
        empty = palette.alternateBase().color()

        def shade_of(share: float) -> QColor:  # more together: deeper blue, on either ground
            if dark:
                return QColor.fromHsvF(0.6, 0.35 + 0.55 * share, 0.35 + 0.6 * share)
            return QColor.fromHsvF(0.6, 0.15 + 0.85 * share, 0.95 - 0.45 * share)

        painter.setPen(palette.text().color())
        if not self.ids:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No two entities are mentioned in the same paragraph yet.")
            return
        metrics = painter.fontMetrics()
        for i, name in enumerate(self.names):
            painter.drawText(QRectF(2, m + i * size, m - 6, size),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(_short(name, 22), Qt.TextElideMode.ElideMiddle,
                                                m - 8))
            painter.save()
            painter.translate(m + i * size + size / 2, m - 4)
            painter.rotate(-60)
            painter.drawText(QPointF(0, 0), _short(name, 22))
            painter.restore()
        for i in range(len(self.ids)):
            for j in range(len(self.ids)):
                n = self.count(i, j) if i != j else 0
                shade = empty if not n else shade_of(n / top)
                painter.fillRect(QRectF(m + j * size, m + i * size, size - 1, size - 1), shade)

    def render(self, target, *args, **kwargs) -> None:
        if isinstance(target, QPainter):  # export: paint straight onto the painter
            target.fillRect(QRectF(0, 0, self.width(), self.height()), self.palette().base())
            self.paint(target)
        else:
            super().render(target, *args, **kwargs)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell is not None:
            i, j = cell
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{self.names[i]} & {self.names[j]}: {self.count(i, j)} "
                              "paragraph(s)", self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell is not None:
            self.pairActivated.emit(self.ids[cell[0]], self.ids[cell[1]])


class ChartsPanel(QWidget):
    """The three charts in tabs, redrawn when the project changes, each exportable."""

    entityActivated = Signal(str)

    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.tags = TagFrequencyChart()
        self.matrix = CooccurrenceMatrix()
        self.authors = AuthorChart()
        self.matrix.pairActivated.connect(lambda a, _b: self.entityActivated.emit(a))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tags, "Tags per document")
        self.tabs.addTab(self.matrix, "Entities together")
        self.tabs.addTab(self.authors, "Authors")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addStretch(1)
        export = QPushButton("Export…", toolTip="Save the chart shown as PNG or SVG")
        export.clicked.connect(self.export_dialog)
        bar.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bar)
        self.when_shown = WhenShown(self, self.reload)  # hidden, it counts nothing
        model.projectOpened.connect(self.when_shown.request)
        model.changed.connect(lambda c: self.when_shown.request() if (
            c.annotations or c.tags or c.entities or c.documents) else None)
        self.when_shown.request()

    def reload(self) -> None:
        if not self.m.is_open:
            return
        self.tags.set_data(*tag_frequency(self.m.p))
        self.matrix.set_data(*entity_ops.cooccurrence(self.m.p))
        self.authors.set_data(annotations_per_author(self.m.p))

    def export(self, path: str | Path, which: int | None = None) -> Path:
        self.when_shown.ensure()
        widget = self.tabs.widget(self.tabs.currentIndex() if which is None else which)
        return export_widget(widget, path)

    def export_dialog(self) -> None:
        path = ask_export_path(self, ("tags", "entities", "authors")[self.tabs.currentIndex()])
        if path:
            self.export(path)
