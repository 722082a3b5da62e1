"""``python -m benchmarks.ocr``: our OCR against raw Tesseract, on every corpus page
with ground truth, in the same run: character error rate and seconds per page.

"Raw" is the ``tesseract`` program on the image file as a scholar would run it
(``tesseract IMAGE - -l LANG``), once with its default threads and once with
``OMP_THREAD_LIMIT=1`` as ours runs it. "Ours" is ``annotator.core.ocr`` on the page
imported into a scratch project (import not timed; rendering, recognition, parsing
and storing are). CER: Levenshtein distance over the whitespace-normalised texts,
divided by the ground truth's length. Timings: the median of ``--repeats`` interleaved
runs after a warm-up. Goals: ours no worse than raw, and within 1.2x
of raw's time."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCANS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "scans"


def kant_truth() -> str:
    """The ALTO ground truth's words, line by line."""
    from lxml import etree

    root = etree.parse(str(SCANS / "ocrd_kant_aufklaerung_1784_0017_ALTO.xml")).getroot()
    return "\n".join(" ".join(s.get("CONTENT", "") for s in line.iter("{*}String"))
                     for line in root.iter("{*}TextLine"))


def pages() -> list[tuple[str, str, str]]:
    """(image, language, ground truth) for each corpus page that has one."""
    found = [(name, "eng", (SCANS / name).with_suffix(".txt").read_text(encoding="utf-8"))
             for name in ("tesseract_phototest.tif", "tesseract_eurotext.tif",
                          "tesseract_8071_093.3B.tif", "ocrmypdf_linn.png")]
    linn = (SCANS / "ocrmypdf_linn.txt").read_text(encoding="utf-8")
    found.append(("ocrmypdf_linn.pdf", "eng", linn))  # the same page as an image-only PDF
    found.append(("ocrd_kant_aufklaerung_1784_0017.tif", "frk", kant_truth()))
    found.append(("ocrd_kant_aufklaerung_1784_0017.tif", "deu", kant_truth()))
    return found


def cer(got: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    a, b = " ".join(got.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(1, len(b))


def raw(image: Path, language: str, threads: str | None) -> tuple[str, float]:
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if threads:
        env["OMP_THREAD_LIMIT"] = threads
    if image.suffix == ".pdf":  # Tesseract reads no PDF: the PNG it was made from
        image = image.with_suffix(".png")
    started = time.perf_counter()
    out = subprocess.run(["tesseract", str(image), "-", "-l", language], capture_output=True,
                         env=env, check=True).stdout.decode()
    return out, time.perf_counter() - started


def ours(project, image: Path, language: str) -> tuple[str, float]:
    from annotator.core import ocr

    doc = project.documents.import_file(image).value.document
    started = time.perf_counter()
    ocr.recognise_document(project, doc.id, language=language, force=True)
    seconds = time.perf_counter() - started
    return "\n".join(ocr.page_texts(project, doc.id)), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr")
    parser.add_argument("--only", help="only images whose name contains this")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs of raw (one thread) and ours, interleaved; the "
                        "median is shown (default 3)")
    args = parser.parse_args(argv)
    if not SCANS.is_dir():
        print(f"no corpus at {SCANS}; nothing to measure")
        return 0
    from annotator.core.project import Project

    print(f"{'page':38} {'lang':4} {'raw CER':>8} {'ours CER':>8} {'raw s':>6} "
          f"{'raw1 s':>6} {'ours s':>6} {'ours/raw1':>9}")
    worse = 0
    with tempfile.TemporaryDirectory() as folder:
        project = Project.create(Path(folder) / "ocr.annot")
        ours(project, SCANS / "tesseract_phototest.tif", "eng")  # warm-up: imports, engine
        for name, language, truth in pages():
            if args.only and args.only not in name:
                continue
            image = SCANS / name
            raw_text, raw_s = raw(image, language, None)
            raw1_times, our_times = [], []
            for _ in range(max(1, args.repeats)):  # interleaved: load on a shared machine
                raw1_times.append(raw(image, language, "1")[1])  # hits both alike
                text, seconds = ours(project, image, language)
                our_times.append(seconds)
            raw1_s, our_s = statistics.median(raw1_times), statistics.median(our_times)
            ours_cer, raw_cer = cer(text, truth), cer(raw_text, truth)
            worse += ours_cer > raw_cer + 1e-9
            print(f"{name[:38]:38} {language:4} {raw_cer:8.4f} {ours_cer:8.4f} {raw_s:6.2f} "
                  f"{raw1_s:6.2f} {our_s:6.2f} {our_s / raw1_s:9.2f}", flush=True)
        project.close()
    print("ours is no worse than raw on every page" if not worse
          else f"ours is worse than raw on {worse} page(s)")
    return 1 if worse else 0


if __name__ == "__main__":
    raise SystemExit(main())
