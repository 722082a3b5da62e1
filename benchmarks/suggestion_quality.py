"""How far a scholar can trust the suggestions: precision and recall of each kind, and
how much of the queue's first 50 items is right (issue 15).

``python -m benchmarks.suggestion_quality [--split dev|test|all]`` prints three tables:

1. the sample project: each text document's annotations are hidden in turn (one
   transaction, undone after), the suggestions for it made, and compared with them:
   a ``mention``/``alias`` is right where it overlaps a hidden annotation of the same
   entity, a ``date`` one with a date, a ``name``/``place`` one with an entity-type
   annotation. The sample is annotated sparsely (the encyclopedia article has 10
   annotations in 23,000 characters), so its precision is a lower bound;
2. five FRUS documents annotated exhaustively by hand for the purpose
   (tests/data/suggestions_gold: dev = three used while changing the suggestions, test =
   two held out, measured only);
3. the review queue on the sample's encyclopedia article: of its first 50 items, how
   many a sample annotation or the hand check (encyclopedia_handcheck.tsv, criteria
   there) accepts.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.core import suggestions
from annotator.core.project import Project

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "suggestions_gold"
SAMPLE = ROOT / "sample_documents" / "sample.annot"
KINDS = ("mention", "alias", "date", "name", "place", "any name")
#: which gold classes each kind may hit
ACCEPTS = {"mention": {"entity"}, "alias": {"entity"}, "date": {"date"},
           "name": {"person", "place", "org", "event", "entity"},
           "place": {"place", "entity"},
           "any name": {"person", "place", "org", "event", "entity"}}
#: the kinds the "any name" row counts together (a place was a "name" before issue 15)
NAMES = ("mention", "alias", "name", "place")


@dataclass
class Tally:
    proposed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gold: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, found: list[suggestions.Suggestion], gold: list[tuple[int, int, str, str]]):
        """``gold``: (start, end, class, entity id or "")."""
        for s in found:
            kind = s.kind if s.kind in KINDS else "name"
            for k in (kind, "any name") if kind in NAMES else (kind,):
                self.proposed[k] += 1
                self.right[k] += any(_hits(s, g, k) for g in gold)
        for kind in KINDS:
            relevant = [g for g in gold if g[2] in ACCEPTS[kind] and
                        (kind not in ("mention", "alias") or g[3])]
            self.gold[kind] += len(relevant)
            mine = [s for s in found if s.kind == kind or
                    (kind == "any name" and s.kind in NAMES)]
            self.found[kind] += sum(any(_hits(s, g, kind) for s in mine) for g in relevant)

    def rows(self) -> list[tuple[str, int, float | None, float | None]]:
        out = []
        for kind in KINDS:
            p = self.right[kind] / self.proposed[kind] if self.proposed[kind] else None
            r = self.found[kind] / self.gold[kind] if self.gold[kind] else None
            out.append((kind, self.proposed[kind], p, r))
        return out


def _hits(s: suggestions.Suggestion, g: tuple[int, int, str, str], kind: str) -> bool:
    start, end, cls, entity = g
    if not (s.start < end and start < s.end) or cls not in ACCEPTS[kind]:
        return False
    return kind not in ("mention", "alias") or s.entity_id == entity


def sample_tally(path: Path = SAMPLE) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "sample.annot"
        shutil.copy(path, copy)
        p = Project.open(copy)
        try:
            date_tag = p.tags.find("Date")
            for doc in p.documents.list():
                if doc.kind != "text":
                    continue
                anns = [a for a in p.annotations.for_document(doc.id) if a.text]
                gold = [(a.text.start, a.text.end,
                         "date" if a.date_value or (date_tag and date_tag.id in a.tag_ids)
                         else "entity" if a.entity_id or _typed(p, a) else "other",
                         a.entity_id or "") for a in anns]
                if not anns:
                    continue
                with p.transaction("hide"):
                    for a in anns:
                        p.annotations.delete(a.id)
                tally.add(suggestions.suggest(p, document_id=doc.id), gold)
                p.undo()
        finally:
            p.close()
    return tally


def _typed(p: Project, ann) -> bool:
    types = {t.id for t in p.tags.list() if t.kind == "entity_type" and t.name != "Date"}
    return any(t in types for t in ann.tag_ids)


def gold_rows(split: str = "all") -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (GOLD / "gold.tsv").open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        if split in ("all", row["split"]):
            out[row["document"]].append((row["class"], row["quote"]))
    return out


def gold_spans(text: str, quotes: list[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """Every occurrence of each gold quote; one inside a longer gold span is left out."""
    spans = []
    for cls, quote in quotes:  # as a word: "1924" is not in "frus1924v02"
        for m in re.finditer(rf"(?<!\w){re.escape(quote)}(?!\w)", text):
            spans.append((m.start(), m.end(), cls, ""))
    return [s for s in spans if not any(o is not s and o[0] <= s[0] and s[1] <= o[1]
                                        and o[1] - o[0] > s[1] - s[0] for o in spans)]


def frus_tally(split: str) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        p = Project.create(Path(tmp) / "frus.annot", "FRUS", author="Benchmark")
        try:
            for name, quotes in gold_rows(split).items():
                doc = p.documents.import_file(GOLD / f"{name}.txt").value.document
                text = p.documents.text(doc.id)
                tally.add(suggestions.suggest(p, document_id=doc.id), gold_spans(text, quotes))
        finally:
            p.close()
    return tally


def handcheck() -> dict[str, bool]:
    verdicts = {}
    with (GOLD / "encyclopedia_handcheck.tsv").open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        verdicts[row["quote"]] = row["verdict"] == "yes"
    return verdicts


def queue_top(n: int = 50, path: Path = SAMPLE, *, reading_order: bool = False
              ) -> tuple[list[tuple[str, bool | None]], int]:
    """The first ``n`` items of the review queue on the encyclopedia article, each with
    its verdict (annotation or hand check; None: not judged), and the queue's length."""
    from annotator.core.suggestion_ranking import queue_items

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "sample.annot"
        shutil.copy(path, copy)
        p = Project.open(copy)
        try:
            doc = next(d for d in p.documents.list() if d.title.startswith("France"))
            anns = [a for a in p.annotations.for_document(doc.id) if a.text]
            items = queue_items(p, suggestions.suggest(p, document_id=doc.id),
                                reading_order=reading_order)
        finally:
            p.close()
    checked = handcheck()
    out = []
    for item in items[:n]:
        by_annotation = any(s.start < a.text.end and a.text.start < s.end
                            for s in item.members for a in anns)
        verdict = True if by_annotation else checked.get(item.quote)
        out.append((item.quote, verdict))
    return out, len(items)


def _pct(x: float | None) -> str:
    return "   –" if x is None else f"{100 * x:4.0f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="all", choices=["dev", "test", "all"])
    ap.add_argument("--reading-order", action="store_true",
                    help="the queue as it was before issue 15: every suggestion in text order")
    args = ap.parse_args(argv)
    for title, tally in (("sample project (annotations hidden per document)", sample_tally()),
                         (f"FRUS gold ({args.split})", frus_tally(args.split))):
        print(f"\n{title}\nkind      proposed precision recall")
        for kind, n, p, r in tally.rows():
            print(f"{kind:<9} {n:>8} {_pct(p):>9} {_pct(r):>6}")
    top, total = queue_top(reading_order=args.reading_order)
    right = sum(1 for _, v in top if v)
    unjudged = [q for q, v in top if v is None]
    print(f"\nqueue on the encyclopedia article: {total} item(s); first {len(top)}: "
          f"{right} right, {len(unjudged)} not judged {unjudged[:10]}")
    for quote, verdict in top:
        print(f"  {'+' if verdict else '-' if verdict is False else '?'} {quote}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
