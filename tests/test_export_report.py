"""Quotation reports (HTML, Markdown): grouped, cited, filtered, and escaped."""

from __future__ import annotations

import html.parser

from annotator.core.exporters import ExportFilter, export
from annotator.core.exporters.report import md_escape
from tests.test_export_common import HOSTILE_NOTE, rich_project


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_groups_cites_and_escapes(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    out = tmp_path / "report.html"
    result = export(p, "html", out)
    assert result.annotations == p.annotations.count()
    page = out.read_text("utf-8")
    parsed = _Text()
    parsed.feed(page)
    assert "script" not in parsed.tags  # the note's <script> is text, not markup
    text = "".join(parsed.text)
    assert HOSTILE_NOTE in text  # ... and shows exactly as written
    assert "Debt/Imperial debt" in text and "Untagged" in text
    assert "“letter” (1927-06-17), Archive & Co F7/13, p. 1." in text  # a citation line
    assert "p. 2" in text  # regions cite their page
    assert parsed.tags.count("h2") >= 5 and parsed.tags.count("blockquote") >= \
        p.annotations.count()
    p.close()


def test_markdown_report_by_entity_filtered(tmp_path):
    p = rich_project(tmp_path / "rich.annot")
    briand = p.entities.find("Aristide Briand")
    out = tmp_path / "report.md"
    export(p, "md", out, group_by="entity", filt=ExportFilter(entity_id=briand.id))
    md = out.read_text("utf-8")
    assert md.count("\n## ") == 1 and "## Aristide Briand (2)" in md
    assert "wikidata Q134965" in md
    assert "\\<script\\>" in md and "<script>" not in md
    assert "Only entity Aristide Briand." in md
    by_doc = tmp_path / "docs.md"
    export(p, "md", by_doc, group_by="document")
    assert by_doc.read_text().count("\n## ") == 3
    p.close()


def test_markdown_escaping_keeps_text_as_text():
    assert md_escape("*bold* _x_ [a](b) <i> & # 1") == \
        "\\*bold\\* \\_x\\_ \\[a\\](b) \\<i\\> \\& \\# 1"
    assert md_escape("- item\n1. first\n> quote") == "\\- item\n\\1. first\n\\> quote"
