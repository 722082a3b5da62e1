"""How far two annotators agree, per tag, and curation: adopting one annotator's
passage as the agreed version.

The measure is Krippendorff's alpha for nominal data over the characters of the
texts: every character (code point) of a document both annotators worked on is a
unit, which each of them coded 1 when a passage of theirs with the tag covers it and
0 otherwise. This is the usual reduction of unitized spans to units (a passage that
starts one word late costs that word, not the whole passage), and unlike Cohen's
kappa it corrects for chance with the pooled distribution of both coders, and extends
to missing values and more coders. Passages on scans (regions) are not counted.

Why our own code and not the ``krippendorff`` package (0.9.0, numpy): per character
there are only four kinds of unit (0/0, 0/1, 1/0, 1/1), so alpha is computed from four
counts, which interval arithmetic over the passages gives without a value per
character; the package needs a value per character and coder (measured: 1.56 s for
10^6 characters, the same alpha as ours from four counts in microseconds). The general
:func:`nominal_alpha` (units grouped by their values) is tested on Krippendorff's own
worked example (2011, "Computing Krippendorff's alpha-reliability", α = 0.743).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import TYPE_CHECKING

from annotator.core.changes import OpResult
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.core.model import Annotation
    from annotator.core.project import Project

MEASURE = "Krippendorff's alpha (nominal), each character a unit"


def nominal_alpha(units: Mapping[tuple, int] | Iterable[Sequence]) -> float | None:
    """Krippendorff's alpha for nominal values. ``units``: each unit's values, one per
    coder (None: not coded), or a mapping of such tuples to how many units have them.
    None when it is undefined (fewer than two pairable values, or only one value)."""
    counted = units if isinstance(units, Mapping) else Counter(tuple(u) for u in units)
    coincidences: Counter = Counter()
    for values, times in counted.items():
        coded = [v for v in values if v is not None]
        m = len(coded)
        if m < 2 or not times:
            continue
        for c, k in permutations(coded, 2):
            coincidences[c, k] += times / (m - 1)
    marginals: Counter = Counter()
    for (c, _k), weight in coincidences.items():
        marginals[c] += weight
    n = sum(marginals.values())
    if n <= 1 or len(marginals) < 2:
        return None
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(marginals[c] * marginals[k] for c in marginals for k in marginals
                   if c != k) / (n - 1)
    return 1 - observed / expected


# -- spans -----------------------------------------------------------------------------


def _union(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Characters covered by both unions of spans (each sorted, disjoint)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass(slots=True)
class TagAgreement:
    tag_id: str
    tag: str  # its path in the codebook
    alpha: float | None
    units_a: int  # passages of the first annotator with this tag
    units_b: int
    agreed: int  # passages both marked with exactly the same span
    characters: int  # units counted: characters of the documents compared
    both: int = 0  # characters both coded with the tag
    only_a: int = 0
    only_b: int = 0


@dataclass(slots=True)
class Agreement:
    measure: str
    documents: int
    characters: int
    tags: list[TagAgreement] = field(default_factory=list)


def _passages(project: Project, author_id: str, document_id: str | None) -> list[Annotation]:
    """An author's live passages on texts (not orphaned: their place is in doubt)."""
    from annotator.core.filters import AnnotationFilter
    from annotator.core.model import AnchorState

    found = project.annotations.list(AnnotationFilter(document_id=document_id,
                                                      author_id=author_id))
    return [a for a in found if a.text is not None and a.anchor_state != AnchorState.ORPHANED]


def agreement(project: Project, author_a: str, author_b: str, *, tag_id: str | None = None,
              document_id: str | None = None) -> Agreement:
    """Per tag, how far two authors (ids) agree on the documents both annotated (or on
    ``document_id``): see the module docstring."""
    if author_a == author_b:
        raise AnnotatorError("agreement is measured between two different annotators.")
    mine = _passages(project, author_a, document_id)
    theirs = _passages(project, author_b, document_id)
    if document_id is not None:
        docs = {document_id}
    else:
        docs = {a.document_id for a in mine} & {a.document_id for a in theirs}
    lengths = {d: len(project.documents.text(d)) for d in docs}
    total = sum(lengths.values())
    tag_ids = {t for a in (*mine, *theirs) if a.document_id in docs for t in a.tag_ids}
    if tag_id is not None:
        tag_ids &= {tag_id}
    result = Agreement(MEASURE, len(docs), total)
    for tid in tag_ids:
        tag = project.tags.get(tid)
        both = only_a = only_b = 0
        spans_a = [(a.document_id, a.text.start, a.text.end) for a in mine  # type: ignore[union-attr]
                   if tid in a.tag_ids and a.document_id in docs]
        spans_b = [(a.document_id, a.text.start, a.text.end) for a in theirs  # type: ignore[union-attr]
                   if tid in a.tag_ids and a.document_id in docs]
        for doc in docs:
            ua = _union((s, e) for d, s, e in spans_a if d == doc)
            ub = _union((s, e) for d, s, e in spans_b if d == doc)
            common = _overlap(ua, ub)
            both += common
            only_a += sum(e - s for s, e in ua) - common
            only_b += sum(e - s for s, e in ub) - common
        neither = total - both - only_a - only_b
        alpha = nominal_alpha({(1, 1): both, (1, 0): only_a, (0, 1): only_b,
                               (0, 0): neither})
        exact = len(set(spans_a) & set(spans_b))
        result.tags.append(TagAgreement(tid, tag.name if tag else tid, alpha, len(spans_a),
                                        len(spans_b), exact, total, both, only_a, only_b))
    result.tags.sort(key=lambda t: t.tag.casefold())
    return result


# -- side by side, and curation --------------------------------------------------------


@dataclass(slots=True)
class Pair:
    """A passage of one annotator and its counterpart of the other (same tag,
    overlapping), or alone. ``state``: same, differs (overlapping spans that differ),
    only_a, only_b."""

    state: str
    a: Annotation | None
    b: Annotation | None


def compare(project: Project, document_id: str, author_a: str, author_b: str,
            tag_id: str) -> list[Pair]:
    """The two annotators' passages with ``tag_id`` on one text, paired, in reading
    order: what the side-by-side view shows and curation acts on."""
    mine = [a for a in _passages(project, author_a, document_id) if tag_id in a.tag_ids]
    theirs = [a for a in _passages(project, author_b, document_id) if tag_id in a.tag_ids]
    pairs: list[Pair] = []
    taken: set[str] = set()
    for a in mine:
        sa = a.text
        best = None
        for b in theirs:
            sb = b.text
            if b.id in taken or sb.end <= sa.start or sb.start >= sa.end:  # type: ignore[union-attr]
                continue
            overlap = min(sa.end, sb.end) - max(sa.start, sb.start)  # type: ignore[union-attr]
            if best is None or overlap > best[0]:
                best = (overlap, b)
        if best is None:
            pairs.append(Pair("only_a", a, None))
            continue
        b = best[1]
        taken.add(b.id)
        same = (a.text.start, a.text.end) == (b.text.start, b.text.end)  # type: ignore[union-attr]
        pairs.append(Pair("same" if same else "differs", a, b))
    pairs.extend(Pair("only_b", None, b) for b in theirs if b.id not in taken)
    pairs.sort(key=lambda p: (p.a or p.b).text.start)  # type: ignore[union-attr]
    return pairs


def adopt_span(project: Project, chosen_id: str, other_id: str) -> OpResult[Annotation]:
    """Curation: the other annotator's passage takes the chosen one's span (and its
    tags are extended by the chosen one's), as one undoable action; the history keeps
    both versions, each under its author. The value is the curated annotation."""
    chosen = project.annotations.get(chosen_id)
    other = project.annotations.get(other_id)
    if chosen is None or chosen.deleted or other is None or other.deleted:
        raise AnnotatorError("one of the two passages is no longer in the project.")
    if chosen.text is None or other.text is None or chosen.document_id != other.document_id:
        raise AnnotatorError("only two passages of the same text can be curated into one.")
    tags = list(dict.fromkeys([*other.tag_ids, *chosen.tag_ids]))
    with project.transaction(f"Curate “{chosen.quote[:30]}”: adopt this version"):
        return project.annotations.update(other_id, start=chosen.text.start,
                                          end=chosen.text.end, tag_ids=tags)
