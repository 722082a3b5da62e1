"""A scanned page is rendered in bands (the GUI gets the GIL back between them) from
its image decoded whole once: each band decoded the part of the JPEG it needed from
the stream's start again, 3 bands ~1.5x the time of one whole render (issue 17: the
main cost of opening a scan). The bands then draw exactly what a whole render does."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")
numpy = pytest.importorskip("numpy")

from PySide6.QtGui import QImage  # noqa: E402

from annotator.gui import render  # noqa: E402
from annotator.gui.render import RenderJob, RenderSource, _DocState  # noqa: E402

pytestmark = pytest.mark.gui
SIZE = (595.28, 841.89)


def _scan(width: int = 620, height: int = 877, pages: int = 2) -> bytes:
    """Pages each one grey JPEG of noise (any difference between two ways of
    decoding it shows in the pixels)."""
    pixels = numpy.random.default_rng(3).integers(0, 255, size=(height, width))
    image = pymupdf.Pixmap(pymupdf.csGRAY, width, height,
                           pixels.astype(numpy.uint8).tobytes(), False)
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page(width=SIZE[0], height=SIZE[1])
        page.insert_image(page.rect, stream=image.tobytes("jpg", jpg_quality=60))
    return doc.tobytes()


def _whole(data: bytes, number: int, scale: float) -> QImage:
    doc = pymupdf.open(stream=data, filetype="pdf")
    pix = doc[number - 1].get_pixmap(matrix=pymupdf.Matrix(scale, scale),
                                     colorspace=pymupdf.csGRAY, alpha=False)
    return QImage(pix.samples, pix.width, pix.height, pix.stride,
                  QImage.Format.Format_Grayscale8).copy()


def _render(data: bytes, jobs: list[tuple[int, float]]) -> list[QImage]:
    source = RenderSource("d", data, "pdf", None, {}, {1: SIZE, 2: SIZE})
    state = _DocState(pymupdf)
    try:
        return [state.render(source, RenderJob("d", number, 0, scale=scale), lambda: True)
                for number, scale in jobs]
    finally:
        state.close_all()


@pytest.fixture
def decodes(monkeypatch):
    """The pages whose images were decoded whole before their bands."""
    done = []
    decode = render._decode_images

    def spy(page):
        done.append(page.number + 1)
        return decode(page)

    monkeypatch.setattr(render, "_decode_images", spy)
    monkeypatch.setattr(render, "BAND_PIXELS", 100_000)  # ~5 bands a page at scale 1
    return done


def test_bands_draw_the_page_as_one_whole_render(decodes, monkeypatch):
    """Each band decoded its own part of the JPEG, which MuPDF draws differently from
    the whole image: the page differed from a whole render (fails without the whole
    decode)."""
    data = _scan()
    first, _, second = _render(data, [(1, 1.0), (1, 1.2), (2, 1.0)])
    assert decodes == [1, 2]  # once a page: its zoom again finds it decoded
    assert first == _whole(data, 1, 1.0)
    assert second == _whole(data, 2, 1.0)
    monkeypatch.setattr(render, "_decoded_whole", lambda images, scale: False)
    assert _render(data, [(1, 1.0)])[0] != first


def test_the_image_is_decoded_again_after_the_store_let_it_go(decodes):
    data = _scan(pages=2)
    _render(data, [(1, 1.0), (2, 1.0), (1, 1.1)])  # page 2's list emptied MuPDF's store
    assert decodes == [1, 2, 1]


def test_no_whole_decode_for_one_band_or_an_image_drawn_reduced(decodes, monkeypatch):
    data = _scan(width=2400, height=3400)  # shown at scale 1: under half its pixels
    _render(data, [(1, 1.0)])
    assert decodes == []  # decoded reduced by MuPDF band by band, as before
    monkeypatch.setattr(render, "BAND_PIXELS", 10**7)
    _render(_scan(), [(1, 1.0)])  # one band: nothing to share
    assert decodes == []


@pytest.mark.parametrize("scale,expected", [(2.18, True), (1.05, True), (1.0, False),
                                            (0.5, False)])
def test_full_size_decode_follows_mupdfs_choice(scale, expected):
    """MuPDF decodes an image reduced (l2factor >= 1) when it is drawn at most about
    half its pixels each way; only then would a whole decode at full size cost more."""
    info = [{"transform": (SIZE[0], 0.0, 0.0, SIZE[1], 0.0, 0.0), "width": 1240,
             "height": 1754}]
    assert render._decoded_whole(info, scale) is expected
    assert render._decoded_whole([], scale) is False
    assert render._decoded_whole(None, scale) is False
    logo = {"transform": (20.0, 0.0, 0.0, 20.0, 10.0, 10.0), "width": 400, "height": 400}
    assert render._decoded_whole([logo, *info], scale) is expected  # drawn reduced, small
