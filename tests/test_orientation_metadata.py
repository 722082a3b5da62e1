"""One reader of the image importer's orientation metadata: a multi-frame TIFF stores
one value per page as a list, which the viewer and the PDF export once read as a
dict (AttributeError on opening such a scan)."""

from __future__ import annotations

from annotator.core.importers.image import turns_to_apply


def test_a_list_per_page_a_dict_per_page_and_a_single_orientation():
    per_page = {"mupdf_applies_orientation": False, "page_orientations": [1, 6, 8]}
    assert turns_to_apply(per_page) == {2: 6, 3: 8}
    keyed = {"mupdf_applies_orientation": False, "page_orientations": {"2": 6, "x": 3}}
    assert turns_to_apply(keyed) == {2: 6}
    assert turns_to_apply({"mupdf_applies_orientation": False, "orientation": 3}) == {1: 3}


def test_nothing_to_turn_when_mupdf_turns_it_or_the_values_are_not_orientations():
    assert turns_to_apply({"page_orientations": [6, 6]}) == {}  # MuPDF applies it
    odd = {"mupdf_applies_orientation": False, "page_orientations": [True, 9, "6", 0, 1]}
    assert turns_to_apply(odd) == {}
    assert turns_to_apply({"mupdf_applies_orientation": False,
                           "page_orientations": "6"}) == {}


def test_the_viewer_reads_the_list_form():
    import pytest

    pytest.importorskip("PySide6")
    from annotator.gui.render import orientations_to_apply

    meta = {"mupdf_applies_orientation": False, "page_orientations": [1, 6]}
    assert orientations_to_apply("image/tiff", meta) == {2: 6}
    assert orientations_to_apply("image/tiff", {"orientation": 6}) == {1: 6}  # older file
    assert orientations_to_apply("image/jpeg", {"orientation": 6}) == {}
