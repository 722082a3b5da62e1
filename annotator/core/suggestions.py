"""Suggestions, offline: what the scholar may want to annotate, for her to accept,
reject or skip in a review queue. Nothing is annotated without her say.

Four sources, in this order of precedence where they overlap:

``mention``
    an unannotated occurrence of a known entity's name or alias, matched word by word
    with :func:`annotator.core.names.word_key` (case, diacritics, Cyrillic and common
    transliteration variants: "HERRIOT", "Hérriot", "Эррио" ~ "Errio"); a Person's
    surname alone ("Briand") counts too when no other entity shares it.
``alias``
    a capitalised word or phrase *close* to a known spelling (indel similarity of the
    keys >= ``threshold``: "Topçubaşov" ~ "Topchubashov"): accepting adds the spelling
    as an alias and annotates the mention.
``date``
    a date in English, French or Russian (:mod:`annotator.core.dates`), with its ISO
    value and precision.
``name``
    a capitalised multi-word name not yet tagged ("Central Executive Committee"),
    with a guess at its type from words like "Committee" or "Treaty".
``place``
    a name the offline gazetteer knows ("Riga", "New York", "Germany"), as a Place
    (:mod:`annotator.core.suggest_places`). The review queue groups and ranks all of
    them (:mod:`annotator.core.suggestion_ranking`).

Plus ``occurrence``: "tag all occurrences" of a selection, or "annotate all hits" of a
search, proposed the same way (see :func:`occurrences`, :func:`from_hits`).

A rejected suggestion is remembered in the project (table ``rejected_suggestions``)
under a key that survives edits elsewhere in the text: kind, document, target and the
quote with a little context (a name or an alias is rejected project-wide, under its
folded spelling: when the fold changes, :func:`rekey_rejections` moves those keys).
Accepting (which makes mentions) is in :mod:`annotator.core.entity_ops`.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

from annotator.core import names
from annotator.core.changes import OpChanges, OpResult
from annotator.core.dates import document_date, find_dates
from annotator.core.errors import AnnotatorError
from annotator.core.model import DocumentKind, Entity, RegionSelector, TagKind
from annotator.core.name_runs import STOP_WORDS, adjacent, capitalised_runs, guess_type
from annotator.core.suggest_places import place_suggestions
from annotator.core.suggestion_ranking import is_role
from annotator.core.util import now

if TYPE_CHECKING:

    from annotator.core.project import Project

KINDS = ("mention", "alias", "date", "name", "place")
_PRIORITY = {"occurrence": 0, "mention": 1, "alias": 2, "date": 3, "place": 4, "name": 5}
CONTEXT = 40


@dataclass(slots=True)
class Suggestion:
    """One proposal: annotate ``quote`` at [start, end) of a text document, so."""

    kind: str
    document_id: str
    start: int
    end: int
    quote: str
    label: str  # what accepting does, in the scholar's words
    entity_id: str | None = None
    type_id: str | None = None  # entity type for a new entity; the Date tag for a date
    date_value: str = ""
    precision: str = ""
    tag_ids: tuple[str, ...] = ()
    note: str = ""
    score: float = 100.0
    left: str = ""  # context, as in the text (line breaks included)
    right: str = ""
    key: str = ""
    #: on a scan: the words' boxes (start/end then count in the scan's layer text,
    #: text_layer.layer_text), accepted as a region annotation
    region: RegionSelector | None = None

    @property
    def group(self) -> str:
        """Suggestions "accept all" takes together: one entity's, one name's."""
        if self.entity_id:
            return f"entity:{self.entity_id}"
        if self.kind == "date":
            return f"date:{self.date_value}"
        return f"{self.kind}:{names.fold(self.quote)}"


# -- known names -------------------------------------------------------------------------


@dataclass
class _Known:
    """Every spelling of every live entity, indexed by its first word key."""

    by_first: dict[str, list[tuple[tuple[str, ...], str, str, bool]]] = field(
        default_factory=dict)  # first key -> (keys, entity id, spelling, is surname)
    exact: set[tuple[str, ...]] = field(default_factory=set)
    skeletons: list[tuple[str, str, str]] = field(default_factory=list)  # (key, entity, spelling)
    grams: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, entities: Iterable[Entity], person_type: str | None) -> _Known:
        known = cls()
        surnames: dict[tuple[str, ...], set[str]] = {}
        for e in entities:
            for spelling in (e.name, *e.aliases):
                keys = names.name_key(spelling)
                if not keys:
                    continue
                known._add(keys, e.id, spelling, False)
                if e.type_id == person_type and len(keys) > 1 and len(keys[-1]) >= 4:
                    surnames.setdefault(keys[-1:], set()).add(e.id)
        for keys, owners in surnames.items():
            if len(owners) == 1 and keys not in known.exact:
                known._add(keys, next(iter(owners)), "", True)
        seen = set()
        for entries in known.by_first.values():
            for keys, entity_id, spelling, _surname in entries:
                skel = " ".join(keys)
                if (skel, entity_id) in seen or len(skel) < 4:
                    continue
                seen.add((skel, entity_id))
                index = len(known.skeletons)
                known.skeletons.append((skel, entity_id, spelling))
                for gram in names.trigrams(skel):
                    known.grams.setdefault(gram, []).append(index)
        for entries in known.by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
        return known

    def _add(self, keys: tuple[str, ...], entity_id: str, spelling: str, surname: bool) -> None:
        self.by_first.setdefault(keys[0], []).append((keys, entity_id, spelling, surname))
        self.exact.add(keys)

    def nearest(self, skel: str, threshold: float) -> tuple[float, str, str] | None:
        """The known spelling closest to ``skel`` (score, entity id, spelling), if it
        reaches ``threshold``. Trigram blocking keeps this to a few comparisons."""
        grams = names.trigrams(skel)
        postings = self.grams
        counts = Counter(chain.from_iterable(postings[g] for g in grams if g in postings))
        need = len(grams) * 0.4
        ratio = threshold / 100
        size = len(skel)
        best = None
        for index in [i for i, shared in counts.items() if shared >= need]:
            other, entity_id, spelling = self.skeletons[index]
            if 2 * min(size, len(other)) < ratio * (size + len(other)):
                continue
            score = names.similarity(skel, other)
            if threshold <= score < 100 and (best is None or score > best[0]):
                best = (score, entity_id, spelling)
        return best


# -- suggesting --------------------------------------------------------------------------


def suggest(project: Project, *, document_id: str | None = None,
            kinds: Sequence[str] = KINDS, threshold: float = 88.0) -> list[Suggestion]:
    """Suggestions for one text document, or for every text document of the project,
    in reading order, without the ones the scholar rejected."""
    tags = {t.name.casefold(): t for t in project.tags.list(TagKind.ENTITY_TYPE)}
    person = tags.get("person")
    entities = project.entities.list()
    known = _Known.of(entities, person.id if person else None)
    ctx = _Context(known, {e.id: e for e in entities}, tags, threshold, set(kinds),
                   rejected_keys(project))
    docs = ([project.documents.get(document_id)] if document_id
            else project.documents.list())
    out: list[Suggestion] = []
    for doc in docs:
        if doc is None or doc.deleted:
            continue
        if doc.kind == DocumentKind.PAGED:
            out.extend(_on_scan(project, ctx, doc.id, doc.language,
                                document_date(doc.metadata)))
            continue
        text = project.documents.text(doc.id)
        out.extend(ctx.document(doc.id, text, doc.language, _occupied(project, doc.id),
                                document_date(doc.metadata)))
    return out


def _on_scan(project: Project, ctx: _Context, doc_id: str, language: str,
             date: str = "") -> list[Suggestion]:
    """Suggestions on a scan's text layer (OCR, born-digital, imported), each with the
    boxes of its words; what a region annotation covers already is left out."""
    from annotator.core.text_layer import layer_text, region_of, share_inside

    pages = [p for p in project.documents.pages(doc_id, with_words=True) if p.words]
    text, spans = layer_text(pages)
    if not text:
        return []
    taken = [(r[0], r[1], r[2], r[1] + r[3], r[2] + r[4]) for r in project.conn.execute(
        "SELECT page, x, y, w, h FROM annotations WHERE document_id = ? AND deleted = 0 "
        "AND page IS NOT NULL", (doc_id,))]
    starts = [span[0] for span in spans]
    found = []
    for s in ctx.document(doc_id, text, language, [], date):
        first = max(0, bisect.bisect_right(starts, s.start) - 1)
        chosen = [sp for sp in spans[first:] if sp[0] < s.end and sp[1] > s.start]
        chosen = [sp for sp in chosen if sp[2] is chosen[0][2]] if chosen else []
        if not chosen:
            continue
        page = chosen[0][2]
        s.region = region_of(page.number, [page.words[sp[3]] for sp in chosen], s.quote)
        r = s.region
        if not any(n == page.number and share_inside((r.x, r.y, r.x + r.w, r.y + r.h), box) > 0.5
                   for n, *box in taken):
            found.append(s)
    return found


@dataclass
class _Context:
    known: _Known
    entities: dict[str, Entity]
    types: dict[str, object]
    threshold: float
    kinds: set[str]
    rejected: set[str]
    fuzzy_cache: dict[str, tuple[float, str, str] | None] = field(default_factory=dict)

    def document(self, doc_id: str, text: str, language: str,
                 occupied: list[tuple[int, int, bool, bool]],
                 document_date: str = "") -> list[Suggestion]:
        tokens = [(m.start(), m.end(), m.group()) for m in names.WORD.finditer(text)]
        keys = [names.word_key(w) for _, _, w in tokens]
        found: list[Suggestion] = []
        taken = [False] * len(tokens)
        if "mention" in self.kinds:
            found.extend(self._mentions(doc_id, text, tokens, keys, taken))
        phrases = capitalised_runs(text, tokens, taken)
        if "alias" in self.kinds:
            found.extend(self._aliases(doc_id, text, tokens, keys, phrases))
        if "date" in self.kinds:
            date_tag = self.types.get("date")
            for d in find_dates(text, language, document_date):
                found.append(_make("date", doc_id, text, d.start, d.end,
                                   f"Date {d.iso} ({d.precision}"
                                   f"{', approximate' if d.approximate else ''}"
                                   f"{f', year from {d.year_from}' if d.year_from else ''})",
                                   type_id=getattr(date_tag, "id", None), date_value=d.iso,
                                   precision=str(d.precision)))
        if "place" in self.kinds:  # issue 15: names the gazetteer knows
            place = self.types.get("place")
            found.extend(place_suggestions(doc_id, text, tokens, taken, phrases, STOP_WORDS,
                                           getattr(place, "id", None), _make))
        if "name" in self.kinds:
            for i, j in phrases:
                if j - i < 2:
                    continue
                if is_role([w for _, _, w in tokens[i:j]]):
                    continue  # "Foreign Minister", "Secretary of State": an office
                start, end = tokens[i][0], tokens[j - 1][1]
                guess = guess_type([w for _, _, w in tokens[i:j]])
                tag = self.types.get(guess.casefold()) if guess else None
                found.append(_make("name", doc_id, text, start, end,
                                   f"New {guess or 'entity'} “{text[start:end]}”",
                                   type_id=getattr(tag, "id", None), score=50.0))
        return [s for s in _resolve(found, occupied) if s.key not in self.rejected]

    def _mentions(self, doc_id, text, tokens, keys, taken) -> list[Suggestion]:
        out = []
        by_first = self.known.by_first
        after = -1  # words before this one are part of a name found already
        for i in [i for i, key in enumerate(keys) if key in by_first]:
            if i < after:
                continue
            for entry_keys, entity_id, _spelling, surname in by_first[keys[i]]:
                size = len(entry_keys)
                if tuple(keys[i:i + size]) != entry_keys or not adjacent(text, tokens, i,
                                                                           i + size):
                    continue
                start, end = tokens[i][0], tokens[i + size - 1][1]
                if surname and not text[start].isupper():
                    continue
                entity = self.entities[entity_id]
                out.append(_make("mention", doc_id, text, start, end,
                                 f"Mention of {entity.name}", entity_id=entity_id,
                                 type_id=entity.type_id, score=70.0 if surname else 100.0))
                taken[i:i + size] = [True] * size
                after = i + size
                break
        return out

    def _aliases(self, doc_id, text, tokens, keys, phrases) -> list[Suggestion]:
        out = []
        for i, j in phrases:
            for a, b in ((i, j),) + tuple((k, k + 1) for k in range(i, j) if j - i > 1):
                skel = " ".join(keys[a:b])
                if len(skel) < 5 or tuple(keys[a:b]) in self.known.exact:
                    continue
                if skel not in self.fuzzy_cache:
                    self.fuzzy_cache[skel] = self.known.nearest(skel, self.threshold)
                best = self.fuzzy_cache[skel]
                if best is None:
                    continue
                score, entity_id, spelling = best
                start, end = tokens[a][0], tokens[b - 1][1]
                entity = self.entities[entity_id]
                out.append(_make("alias", doc_id, text, start, end,
                                 f"“{text[start:end]}” as another spelling of {entity.name} "
                                 f"(like “{spelling or entity.name}”, {score:.0f}%)",
                                 entity_id=entity_id, type_id=entity.type_id, score=score))
                break
        return out


def _make(kind: str, doc_id: str, text: str, start: int, end: int, label: str,
          **fields) -> Suggestion:
    s = Suggestion(kind, doc_id, start, end, text[start:end], label,
                   left=text[max(0, start - CONTEXT):start], right=text[end:end + CONTEXT],
                   **fields)
    s.key = suggestion_key(s, text)
    return s


def suggestion_key(s: Suggestion, text: str = "") -> str:
    """What a rejection remembers. Names and aliases: the spelling, project-wide
    ("this is not a name", "this is not Herriot"); the rest: the occurrence, by its
    quote with 16 characters either side (so edits elsewhere do not revive it)."""
    target = s.entity_id or s.date_value or ",".join(s.tag_ids) or ""
    if s.kind in ("name", "alias"):
        return _digest(s.kind, target, names.fold(s.quote))
    context = (text[max(0, s.start - 16):s.start], text[s.end:s.end + 16]) if text else ()
    return _digest(s.kind, s.document_id, target, s.quote, *context)


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _occupied(project: Project, doc_id: str) -> list[tuple[int, int, bool, bool]]:
    """(start, end, names an entity, is a date) of the document's live passages."""
    rows = project.conn.execute(
        "SELECT a.start_offset, a.end_offset, a.entity_id IS NOT NULL OR EXISTS ("
        " SELECT 1 FROM annotation_tags at JOIN tags t ON t.id = at.tag_id "
        " WHERE at.annotation_id = a.id AND t.kind = 'entity_type' AND t.name != 'Date'), "
        "a.date_value != '' OR EXISTS (SELECT 1 FROM annotation_tags at JOIN tags t "
        " ON t.id = at.tag_id WHERE at.annotation_id = a.id AND t.name = 'Date') "
        "FROM annotations a WHERE a.document_id = ? AND a.deleted = 0 "
        "AND a.start_offset IS NOT NULL", (doc_id,))
    return [(r[0], r[1], bool(r[2]), bool(r[3])) for r in rows]


def _resolve(found: list[Suggestion],
             occupied: list[tuple[int, int, bool, bool]]) -> list[Suggestion]:
    """Drop what is annotated already, and the lesser of two overlapping suggestions."""
    found.sort(key=lambda s: (_PRIORITY[s.kind], s.start))
    names_blocked = _Spans(_union([(a, b) for a, b, is_name, _ in occupied if is_name]))
    dates_blocked = _Spans(_union([(a, b) for a, b, _, is_date in occupied if is_date]))
    kept_spans = _Spans([])
    kept: list[Suggestion] = []
    for s in found:
        blocked = dates_blocked if s.kind == "date" else names_blocked
        if blocked.meets(s.start, s.end) or kept_spans.meets(s.start, s.end):
            continue
        kept.append(s)
        kept_spans.add(s.start, s.end)
    kept.sort(key=lambda s: (s.document_id, s.start))
    return kept


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class _Spans:
    """Disjoint spans, sorted, with an overlap test by bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def meets(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)  # spans starting before ``end``
        return i > 0 and self.ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


# -- rejecting ---------------------------------------------------------------------------


def rejected_keys(project: Project) -> set[str]:
    return {r[0] for r in project.conn.execute(
        "SELECT key FROM rejected_suggestions WHERE deleted = 0")}


def reject(project: Project, suggestions: Iterable[Suggestion]) -> OpResult[list[str]]:
    """Remember that the scholar said no (undo proposes them again); the value is the
    keys."""
    stamp = now()
    items = list(suggestions)
    if project.read_only:
        raise AnnotatorError("the project is open read-only; rejections cannot be kept.")
    with project.transaction() as conn:
        conn.executemany(
            "INSERT INTO rejected_suggestions (key, kind, document_id, label, created_at, "
            "modified_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "deleted = 0, modified_at = excluded.modified_at",
            [(s.key, s.kind, s.document_id, s.label[:200], stamp, stamp) for s in items])
    return OpResult([s.key for s in items], OpChanges())
