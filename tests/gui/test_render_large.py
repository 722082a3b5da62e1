"""Large TIFF and PNG pages are decoded by Pillow (which lets the GIL go while it
decodes; MuPDF froze the window for the whole decode of a 100 MP TIFF) and must look
as MuPDF draws them: same size, same colours, same turn, alpha on white."""

from __future__ import annotations

import io

import pytest

pymupdf = pytest.importorskip("pymupdf")
Image = pytest.importorskip("PIL.Image")

from annotator.core import stored_previews  # noqa: E402
from annotator.core.importers import read_source  # noqa: E402
from annotator.gui.render import (  # noqa: E402
    RenderJob,
    RenderSource,
    _DocState,
    filetype_of,
    orientations_to_apply,
)

pytestmark = pytest.mark.gui


def _image(fmt: str, mode: str, orientation: int = 1) -> bytes:
    size = (300, 200)
    image = Image.new(mode, size, {"RGB": (240, 236, 220), "L": 230,
                                   "RGBA": (0, 0, 0, 0)}[mode])
    block = {"RGB": (30, 60, 200), "L": 40, "RGBA": (200, 20, 20, 255)}[mode]
    image.paste(block, (60, 40, 150, 160))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation != 1:
        exif[274] = orientation
    options = {"compression": "tiff_lzw"} if fmt == "TIFF" else {}
    image.save(out, format=fmt, dpi=(150, 150), exif=exif, **options)
    return out.getvalue()


def _render(data: bytes, name: str, large: bool, monkeypatch) -> object:
    monkeypatch.setattr(stored_previews, "LARGE_PIXELS", 1000 if large else 10**15)
    source_read = read_source(name, data=data)
    page = source_read.pages[0]
    media = source_read.media_type
    source = RenderSource("d", data, filetype_of(media), None,
                          orientations_to_apply(media, source_read.metadata),
                          {1: (page.width, page.height)})
    state = _DocState(pymupdf)
    try:
        return state.render(source, RenderJob("d", 1, 0, scale=1.7), lambda: True)
    finally:
        state.close_all()


@pytest.mark.parametrize("fmt,mode,orientation", [("TIFF", "RGB", 1), ("TIFF", "L", 6),
                                                   ("PNG", "RGBA", 1), ("TIFF", "RGB", 8)])
def test_pillow_draws_a_large_page_as_mupdf_does(fmt, mode, orientation, monkeypatch):
    data = _image(fmt, mode, orientation)
    name = "page.tif" if fmt == "TIFF" else "page.png"
    from annotator.gui import render_pillow

    drawn = []
    draw = render_pillow.render
    monkeypatch.setattr(render_pillow, "render", lambda *a: drawn.append(draw(*a)) or drawn[-1])
    mupdf = _render(data, name, False, monkeypatch)
    assert not drawn
    pillow = _render(data, name, True, monkeypatch)
    assert drawn and drawn[0] is not None  # Pillow drew it
    assert abs(pillow.width() - mupdf.width()) <= 1
    assert abs(pillow.height() - mupdf.height()) <= 1
    assert pillow.format() == mupdf.format()  # grey stays grey (1 byte a pixel)
    away = (0.05, 0.35, 0.65, 0.95)  # from the block's edges in any turn (0.2, 0.5, 0.8)
    for fx, fy in [(x, y) for x in away for y in away]:
        a = mupdf.pixelColor(int(mupdf.width() * fx), int(mupdf.height() * fy))
        b = pillow.pixelColor(int(pillow.width() * fx), int(pillow.height() * fy))
        assert max(abs(a.red() - b.red()), abs(a.green() - b.green()),
                   abs(a.blue() - b.blue())) <= 24, (fx, fy, a.name(), b.name())


def test_an_image_pillow_cannot_read_faithfully_goes_to_mupdf(monkeypatch):
    out = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 80, 160, 0)).save(out, format="TIFF")
    from annotator.gui import render_pillow

    calls = []
    monkeypatch.setattr(render_pillow, "_decode", lambda *a: calls.append(a))  # None
    image = _render(out.getvalue(), "cmyk.tif", True, monkeypatch)
    assert calls and not image.isNull()  # Pillow was asked, declined, MuPDF drew it
    assert render_pillow._decode.__name__ == "<lambda>"
    monkeypatch.undo()
    assert render_pillow._decode(out.getvalue(), 1) is None  # CMYK: MuPDF's colours
