"""Help ▸ Getting started: a short tour of the workbench for a scholar new to it.

Every menu entry and key it names is read from the window's own actions when the page
opens (as the shortcuts dialog does), so the tour cannot drift from the menus: rename
an action or change its key and the page follows. It opens by itself once, on the very
first run (remembered in the settings), and from the empty window's welcome text.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.gui import settings
from annotator.gui.dialogs.shortcuts import IN_THE_TEXT, keys_of, plain

SHOWN_KEY = "help/getting_started_shown"


def _find(menu: QMenu, path: str, match) -> tuple[str, QAction] | None:
    for action in menu.actions():
        sub = action.menu()
        if sub is not None:
            found = _find(sub, f"{path} ▸ {plain(action.text())}", match)
            if found:
                return found
        elif not action.isSeparator() and match(action):
            return f"{path} ▸ {plain(action.text())}", action
    return None


def locate(window: QMainWindow, wanted: QAction | str) -> tuple[str, str]:
    """(menu path, keys) of an action, or of the menu entry whose text starts with
    ``wanted``; ("", "") when the window offers no such entry."""
    if isinstance(wanted, QAction):
        def match(a: QAction) -> bool:
            return a is wanted
    else:
        def match(a: QAction) -> bool:
            return plain(a.text()).startswith(wanted)
    for top in window.menuBar().actions():
        if top.menu() is not None:
            found = _find(top.menu(), plain(top.text()), match)
            if found:
                return found[0], keys_of(found[1])
    if isinstance(wanted, QAction):
        return plain(wanted.text()), keys_of(wanted)
    return "", ""


class Tour:
    """Writes the page's phrases from the window's actions."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.menus = getattr(window, "menus", None)

    def entry(self, wanted: QAction | str | None, fallback: str = "") -> str:
        """"<b>File ▸ Open project…</b> (Ctrl+O)": the menu path in bold, its keys."""
        if wanted is None:
            return escape(fallback)
        path, keys = locate(self.window, wanted)
        if not path:
            return escape(fallback or str(wanted))
        text = f"<b>{escape(path).replace(' ▸ ', '&nbsp;▸ ')}</b>"  # "File ▸" on one line
        return f"{text} (<kbd>{escape(keys)}</kbd>)" if keys else text

    def act(self, name: str) -> QAction | None:
        return getattr(self.menus, name, None) if self.menus is not None else None

    @staticmethod
    def pane_key(what: str) -> str:
        """A key the panes handle themselves, as the shortcuts dialog lists it."""
        keys = next((k for _w, w, k in IN_THE_TEXT if w.startswith(what)), "")
        return f"<kbd>{escape(keys)}</kbd>"

    def tag_keys(self) -> str:
        """"1 Person, 2 Place …" from the open project's codebook."""
        model = getattr(self.window, "model", None)
        if model is None or not model.is_open:
            return "the keys shown beside the tags in the Codebook"
        tags = sorted((t for t in model.tags().values() if t.shortcut),
                      key=lambda t: t.shortcut)
        if not tags:
            return "the keys you give tags in the Codebook"
        return ", ".join(f"<kbd>{escape(t.shortcut)}</kbd> {escape(t.name)}" for t in tags[:9])

    def html(self) -> str:
        e, a, key = self.entry, self.act, self.pane_key
        exports = ", ".join(f"<b>{escape(plain(x.text()))}</b>" for x in
                            (self.menus.export_actions.values() if self.menus else ()))
        sections = (
            ("Your sources",
             f"A project is one file (<i>.annot</i>): everything you do is saved in it at "
             f"once, so there is no Save. {e(a('new_project'))} starts one, "
             f"{e(a('open_project'))} opens one. {e(a('import_documents'))} brings in "
             "transcriptions (text, Markdown, HTML), PDFs and page photos; you may also drop "
             "files on the window. The <b>Documents</b> panel lists them: double-click one "
             f"to read it. {e(a('details'))} records its date, archive and shelfmark."),
            ("The transcription beside its scan",
             "A transcription linked to its scan opens beside it, and the two follow each "
             f"other page by page. {e(a('beside'))} puts any other document in the right-hand "
             f"pane; {e(a('swap'))} exchanges the panes. If the text and the scan do not yet "
             "know each other, opening them side by side proposes the link; "
             f"{e(a('page_start'))} aligns the pages. {e(a('edit_text'))} corrects the "
             "transcription: your annotations follow the text."),
            ("Tag a passage",
             f"Select a passage with the mouse and press a tag's key: {self.tag_keys()}. "
             "Typing letters instead finds a tag by name, and "
             f"{e(a('find_tag'))} does the same from the menu. {e(a('sticky'))} tags every "
             "new selection with the current tag while you read on. "
             f"{e(a('next'))} and {e(a('previous'))} walk through the highlights; "
             f"{e(a('fit'))} moves a highlight's ends to the selection, "
             f"{e(a('delete'))} removes it."),
            ("People, places and their spellings",
             "In the <b>Inspector</b>, <i>Link to entity…</i> ties the selected passage to a "
             "person, place or organisation: type a name or a variant spelling and press "
             "Enter (a new name creates the record). In the <b>Entities</b> panel, right-click "
             "an entity for <i>Edit spellings…</i>: “Errio” and “Herriot” are then one man, "
             "and double-clicking him lists every mention."),
            ("Notes and dates",
             "The Inspector also holds the passage's <i>Note</i> (saved as you type) and the "
             "<i>Date</i> it means (1927-06-17, 1927-06, 1920/1929), which places it on the "
             "<b>Timeline</b>."),
            ("Regions on a scan",
             f"On a scan, {key('Draw a region')} draws a region; tag it by key like a "
             f"passage, or {key('Let go of the region')} lets go of it. Select a passage in the "
             f"transcription and a region on the scan, and {e(a('link'))} links the two."),
            ("Search",
             f"{e('Find in document', 'Ctrl+F in a text')} finds words in the open text. The "
             "<b>Search</b> panel searches every document, scan text layers and notes "
             "included; <i>Annotate all hits…</i> proposes them in the <b>Review</b> panel, "
             "where you accept or reject each."),
            ("Undo anything",
             f"{e(a('undo'))} undoes the last action, whatever it was (a tag, a merge, an "
             f"import); {e(a('redo'))} brings it back. The Inspector's <i>History</i> shows "
             "who changed an annotation, and when."),
            ("Export",
             f"<b>File&nbsp;▸ Export</b> writes the annotations as {exports or 'files'}: all of "
             "them, or only those the <b>Annotations</b> panel shows; the dialog says which. "
             "The Charts and Timeline panels export their pictures (PNG or SVG)."),
            ("Working with a colleague",
             f"{e(a('copy'))} writes a compact, self-contained copy of the project to send. "
             f"When it comes back, {e(a('merge'))} adds your colleague's annotations, tags "
             f"and documents to yours (and {e(a('undo'))} takes the merge back if need be). "
             f"{e(a('import_annotations'))} reads work done in other programs."),
            ("More",
             f"{e(a('shortcuts'))} lists every key. <b>View&nbsp;▸ Theme</b> switches between "
             "light and dark; the <b>View</b> menu also shows or hides each panel."),
        )
        body = "".join(f"<h3>{escape(title)}</h3><p>{text}</p>" for title, text in sections)
        return ("<h2>Getting started</h2><p>A quick tour of the workbench. The sample "
                "project opened on your first run is yours to try everything on.</p>" + body)


class GettingStartedDialog(QDialog):
    """The tour as scrollable rich text, sized to fit a 1280×720 screen."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Getting started")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(Tour(window).html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        width, height = 640, 600
        screen = window.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        self.resize(width, height)


def show_once(window: QMainWindow) -> bool:
    """On the very first run, open the tour (once: it is remembered). True if it will."""
    if settings.value(SHOWN_KEY, False) in (True, "true", "1", 1):
        return False
    settings.set_value(SHOWN_KEY, True)
    menus = getattr(window, "menus", None)
    if menus is None:
        return False
    from PySide6.QtCore import QTimer

    # once the window has settled (the panes and docks take their sizes from the event
    # loop): over a half-laid-out window the tour would show a different workbench
    QTimer.singleShot(300, window, menus.show_getting_started)
    return True
