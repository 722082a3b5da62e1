"""TEI P5: one file per document, or all of them in one ``teiCorpus``.

Each document's header carries its metadata (title, creator, date, archive,
shelfmark, URL, rights) and, in ``encodingDesc/classDecl``, the codebook as two
taxonomies (entity types and themes). ``standOff`` lists the entity records the
annotations point at (``listPerson``/``listPlace``/``listOrg``/``listEvent``, others
in ``listObject``) with their aliases and identifiers as ``idno``, and the links
between annotations as ``linkGrp``. In the text, an annotation of a person is a
``persName ref="#e-..."``, of a place ``placeName``, an organisation ``orgName``, an
event (or another kind of record) ``rs type="event"``, a date ``date when=...``,
anything else ``seg ana="#t-..."``; themes are always in ``@ana``, the annotator in
``@resp``. Notes stand off in ``back`` (``note target=...``), with dates that no
attribute can carry (free text, a region's, an event's). A scan (or the scan a text
transcribes) is a ``facsimile`` whose surfaces are linked from ``pb facs=...`` at the
transcription's page starts and whose zones are the regions annotated on it and,
where the transcription is aligned with the scan word by word, the words each of its
passages is (``zone type="words"``, pointed at by the passage's ``@facs``).

Every ``#pointer`` written resolves inside the file: entities, categories and
annotators are declared where they are used (the schema does not check that; the
tests do).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from annotator import __version__
from annotator.core import relations
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    document_text,
    inside,
    iter_annotations,
    link_ends,
    ncname_id,
    safe_filename,
    xml_safe,
    xml_text,
)
from annotator.core.exporters.tei_relations import list_relation
from annotator.core.exporters.tei_text import Span, attributes, render
from annotator.core.model import Annotation, Document, DocumentKind, Entity, TagKind
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

TEI_NS = "http://www.tei-c.org/ns/1.0"
_W3C_DATE = re.compile(r"-?\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
#: entity type (tag name, folded) -> (list element, record element, name element in text)
_KINDS = {"person": ("listPerson", "person", "persName"),
          "place": ("listPlace", "place", "placeName"),
          "organisation": ("listOrg", "org", "orgName"),
          "organization": ("listOrg", "org", "orgName"),
          "event": ("listEvent", "event", "rs")}
_OTHER = ("listObject", "object", "rs")


def _t(text: object) -> str:
    return xml_text(str(text))


def _token(text: str) -> str:
    """A value for @type (teidata.enumerated: no spaces or control characters)."""
    return re.sub(r"[\s\x00-\x1f\x7f]+", "-", xml_safe(text).strip()) or "other"


def _date_attrs(value: str) -> list[tuple[str, str]]:
    value = value.strip()
    if _W3C_DATE.fullmatch(value):
        return [("when", value)]
    if "/" in value:
        lo, hi = value.split("/", 1)
        if _W3C_DATE.fullmatch(lo) and _W3C_DATE.fullmatch(hi):
            return [("from", lo), ("to", hi)]
    return []


def _kind(look: Lookup, type_id: str | None) -> tuple[str, str, str]:
    tag = look.tags.get(type_id or "")
    return _KINDS.get(tag.name.casefold(), _OTHER) if tag else _OTHER


class _Writer:
    """Builds the XML of one TEI document at a time: what is kept from one document to
    the next is bounded by the codebook, the entities and the links, not by the
    annotations or the texts (issue 17: a corpus of 1M annotations)."""

    def __init__(self, project: Project, look: Lookup, filt: ExportFilter | None,
                 ticker: Ticker, pointed_at: set[str] | None = None) -> None:
        self.p, self.look, self.filt, self.ticker = project, look, filt, ticker
        self.links = project.links.list()
        self.doc_links = project.documents.links()
        self.authors: set[str] = set()  # everyone who annotated what was written
        #: the annotations whose xml:id a corpus's standOff names (link ends, evidence of
        #: relations); None: a file per document, whose standOff is its own
        self.pointed_at = pointed_at
        self.xml_ids: dict[str, str] = {}  # annotation id -> its element's xml:id
        self.scans_done: set[str] = set()  # in a corpus, a scan's facsimile is written once
        self.date_notes: set[str] = set()  # annotations whose date no attribute could carry

    # -- header pieces ------------------------------------------------------------

    def taxonomy(self) -> str:
        tree = self.look.children()

        def category(tag) -> str:
            desc = f": {_t(tag.description)}" if tag.description else ""
            inner = "".join(category(c) for c in tree.get(tag.id, []))
            return (f'<category xml:id="{ncname_id("t", tag.id)}"><catDesc><term>'
                    f"{_t(tag.name)}</term>{desc}</catDesc>{inner}</category>")

        out = []
        for kind, xml_id, title in ((TagKind.ENTITY_TYPE, "entity-types", "Entity types"),
                                    (TagKind.THEME, "themes", "Themes")):
            roots = [category(t) for t in tree.get(None, []) if t.kind == kind]
            if roots:
                out.append(f'<taxonomy xml:id="{xml_id}"><bibl>{title} of the project '
                           f"codebook</bibl>{''.join(roots)}</taxonomy>")
        return f"<classDecl>{''.join(out)}</classDecl>" if out else ""

    def resp_stmts(self, author_ids: set[str]) -> str:
        return "".join(
            f'<respStmt xml:id="{ncname_id("au", a)}"><resp>annotation</resp>'
            f"<name>{_t(self.look.author_name(a) or 'Unknown')}</name></respStmt>"
            for a in sorted(author_ids))

    def source_desc(self, doc: Document) -> str:
        meta = doc.metadata if isinstance(doc.metadata, dict) else {}
        parts = [f"<title>{_t(doc.title)}</title>"]
        if meta.get("creator"):
            parts.append(f"<author>{_t(meta['creator'])}</author>")
        if meta.get("date"):
            parts.append(f"<date{attributes(_date_attrs(str(meta['date'])))}>"
                         f"{_t(meta['date'])}</date>")
        if meta.get("archive"):
            parts.append(f"<distributor>{_t(meta['archive'])}</distributor>")
        if meta.get("shelfmark"):
            parts.append(f'<idno type="shelfmark">{_t(meta["shelfmark"])}</idno>')
        if meta.get("url"):
            url = quote(str(meta["url"]), safe=":/?#[]@!$&'()*+,;=%~")
            parts.append(f"<ref{attributes([('target', url)])}>{_t(meta['url'])}</ref>")
        parts.append(f'<idno type="sha256">{_t(doc.sha256)}</idno>')
        if doc.filename:
            parts.append(f'<idno type="filename">{_t(doc.filename)}</idno>')
        if meta.get("rights"):
            parts.append(f"<availability><p>{_t(meta['rights'])}</p></availability>")
        if meta.get("notes"):
            parts.append(f"<note>{_t(meta['notes'])}</note>")
        return f"<sourceDesc><bibl>{''.join(parts)}</bibl></sourceDesc>"

    def header(self, title: str, author_ids: set[str], doc: Document | None,
               with_taxonomy: bool) -> str:
        pub = (f"<publicationStmt><p>Exported from the annotator project "
               f"“{_t(self.p.title)}” by annotator {__version__} on {now()[:10]}.</p>"
               "</publicationStmt>")
        source = self.source_desc(doc) if doc else \
            "<sourceDesc><p>The documents of an annotator project.</p></sourceDesc>"
        enc = self.taxonomy() if with_taxonomy else ""
        profile = ""
        if doc and doc.language and _LANG.fullmatch(doc.language):
            profile = (f'<profileDesc><langUsage><language ident="{_t(doc.language)}"/>'
                       "</langUsage></profileDesc>")
        return (f"<teiHeader><fileDesc><titleStmt><title>{_t(title)}</title>"
                f"{self.resp_stmts(author_ids)}</titleStmt>{pub}{source}</fileDesc>"
                f"{f'<encodingDesc>{enc}</encodingDesc>' if enc else ''}{profile}</teiHeader>")

    def stand_off(self, entity_ids: set[str], xml_ids: dict[str, str]) -> str:
        groups: dict[str, list[str]] = {}
        for entity_id in sorted(entity_ids, key=lambda e: (
                self.look.entities[e].name if e in self.look.entities else e)):
            entity = self.look.entities.get(entity_id)
            if entity is not None:
                list_name, record = self.record(entity)
                groups.setdefault(list_name, []).append(record)
        order = ("listPerson", "listPlace", "listOrg", "listEvent", "listObject")
        out = [f"<{name}>{''.join(groups[name])}</{name}>" for name in order if name in groups]
        relations = list_relation(self.p, entity_ids, xml_ids, _t, _token, _date_attrs)
        if relations:  # an empty standOff is not TEI
            out.append(relations)
        links = [f'<link type="{_t(_token(link.relation))}" target="#{xml_ids[link.source_id]} '
                 f'#{xml_ids[link.target_id]}"/>' for link in self.links
                 if link.source_id in xml_ids and link.target_id in xml_ids]
        if links:
            out.append(f'<linkGrp type="annotation-links">{"".join(links)}</linkGrp>')
        return f"<standOff>{''.join(out)}</standOff>" if out else ""

    def record(self, entity: Entity) -> tuple[str, str]:
        list_name, element, name_el = _kind(self.look, entity.type_id)
        label = {"person": "persName", "place": "placeName", "org": "orgName"}.get(element)
        xml_id = ncname_id("e", entity.id)
        type_attr = "" if element != "object" else \
            f' type="{_t(_token(self.look.entity_type(entity) or "entity"))}"'
        if label:
            names = [f"<{label}>{_t(entity.name)}</{label}>"] + [
                f'<{label} type="alias">{_t(a)}</{label}>' for a in entity.aliases]
        elif element == "event":
            names = [f"<label>{_t(entity.name)}</label>"] + [
                f'<label type="alias">{_t(a)}</label>' for a in entity.aliases]
        else:
            names = [f"<objectIdentifier><objectName>{_t(entity.name)}</objectName>"
                     + "".join(f'<objectName type="alias">{_t(a)}</objectName>'
                               for a in entity.aliases) + "</objectIdentifier>"]
        idnos = [f'<idno type="{_t(_token(k))}">{_t(v)}</idno>' for k, v in entity.identifiers.items()]
        notes = []
        if entity.description:
            notes.append(f"<note>{_t(entity.description)}</note>")
        if entity.dates:
            notes.append(f'<note type="dates">{_t(entity.dates)}</note>')
        if element == "event":
            body = "".join(idnos + names + notes)
        elif element == "object":
            body = "".join(names + idnos + notes)
        else:
            body = "".join(names + idnos + notes)
        return list_name, f'<{element} xml:id="{xml_id}"{type_attr}>{body}</{element}>'

    # -- the document -------------------------------------------------------------

    def span(self, ann: Annotation, facs: str | None) -> Span:
        look = self.look
        entity = look.entity(ann)
        ana = " ".join("#" + ncname_id("t", t) for t in ann.tag_ids if t in look.tags)
        attrs: list[tuple[str, str]] = []
        date_attrs = _date_attrs(ann.date_value) if ann.date_value else []
        type_names = {look.tags[t].name.casefold() for t in ann.tag_ids if t in look.tags
                      and look.tags[t].kind == TagKind.ENTITY_TYPE}
        if entity is not None and not entity.deleted:
            _, element, name = _kind(look, entity.type_id)
            attrs.append(("ref", "#" + ncname_id("e", entity.id)))
            if name == "rs":  # an event or another kind of record: rs@type, no @when
                attrs.insert(0, ("type", _token(look.entity_type(entity).casefold() or "entity")))
            else:
                attrs += date_attrs
        elif date_attrs or "date" in type_names:
            name = "date"
            attrs += date_attrs
        else:
            kind = next((_KINDS[n] for n in sorted(type_names) if n in _KINDS), None)
            name = kind[2] if kind else "seg"
            if name == "rs":
                attrs.append(("type", "event"))
        if ann.date_value and not any(k in ("when", "from") for k, _ in attrs):
            self.date_notes.add(ann.id)  # said in a stand-off note instead
        attrs += [("ana", ana), ("resp", "#" + ncname_id("au", ann.author_id))]
        first = [("facs", facs)] if facs else []
        start, end = (ann.text.start, ann.text.end) if ann.text else (0, 0)
        return Span(ncname_id("a", ann.id), start, end, name, attrs, first)

    def word_zones(self, link, anns: list[Annotation], facs_of: dict[str, str]
                   ) -> dict[int, list[str]]:
        """The zones of the words each passage of an aligned transcription is on the
        scan (one per page: the box around them, ``type="words"``), added to the
        passage's @facs; {} when the scan has no words or nothing aligned."""
        from annotator.core import word_alignment

        if not word_alignment.scan_has_words(self.p, link.target_id):
            return {}
        aligned = word_alignment.AlignedScan(self.p, link)
        zones: dict[int, list[str]] = {}
        for ann in anns:
            if ann.text is None:
                continue
            pointers = []
            for page, boxes in sorted(aligned.boxes(ann.text.start, ann.text.end).items()):
                xml_id = f"{ncname_id('w', ann.id)}.{page}"
                box = [round(f(b[k] for b in boxes), 2)
                       for k, f in ((0, min), (1, min), (2, max), (3, max))]
                zones.setdefault(page, []).append(
                    f'<zone xml:id="{xml_id}" type="words" ulx="{box[0]:g}" '
                    f'uly="{box[1]:g}" lrx="{box[2]:g}" lry="{box[3]:g}"/>')
                pointers.append("#" + xml_id)
            if pointers:
                facs_of[ann.id] = " ".join(filter(None, [facs_of.get(ann.id), *pointers]))
        # the alignment read the transcription through documents.text, which keeps every
        # text it read: let it go, or a corpus of transcriptions would stay in memory
        self.p.documents.forget_cache()
        return zones

    def facsimile(self, scan: Document, regions: list[Annotation],
                  words: dict[int, list[str]] | None = None) -> str:
        pages = self.p.documents.pages(scan.id)
        zones: dict[int, list[str]] = {n: list(z) for n, z in (words or {}).items()}
        for ann in regions:
            g = ann.region
            assert g is not None
            entity = self.look.entity(ann)
            attrs = [("xml:id", ncname_id("z", ann.id)), ("ulx", f"{g.x:g}"),
                     ("uly", f"{g.y:g}"), ("lrx", f"{g.x + g.w:g}"), ("lry", f"{g.y + g.h:g}"),
                     ("ana", " ".join("#" + ncname_id("t", t) for t in ann.tag_ids
                                      if t in self.look.tags)),
                     ("corresp", "#" + ncname_id("e", entity.id) if entity else ""),
                     ("resp", "#" + ncname_id("au", ann.author_id))]
            zones.setdefault(g.page, []).append(f"<zone{attributes(attrs)}/>")
        url = quote(scan.filename or "source", safe="")
        surfaces = "".join(
            f'<surface xml:id="{ncname_id("s", scan.id)}.{pg.number}" n="{pg.number}" '
            f'ulx="0" uly="0" lrx="{pg.width:g}" lry="{pg.height:g}">'
            f'<graphic url="{url}#page={pg.number}" mimeType="{_t(scan.media_type)}"/>'
            f"{''.join(zones.get(pg.number, []))}</surface>" for pg in pages)
        return f'<facsimile xml:id="{ncname_id("f", scan.id)}">{surfaces}</facsimile>'

    def document(self, doc: Document, corpus: bool) -> tuple[str, set[str], int]:
        """(the <TEI> element, the entity ids it points at, annotations written)."""
        look = self.look
        anns = list(iter_annotations(self.p, self.filt, document_id=doc.id))
        scan_link = next((lk for lk in self.doc_links if lk.source_id == doc.id and
                          lk.target_id in look.documents and
                          look.documents[lk.target_id].kind == DocumentKind.PAGED), None)
        scan = look.documents[scan_link.target_id] if scan_link else \
            (doc if doc.kind == DocumentKind.PAGED else None)
        if corpus and scan is not None and scan.id in self.scans_done:
            scan = None  # its facsimile is already in the corpus; pb and facs point there
        if scan is not None:
            self.scans_done.add(scan.id)
        regions = [a for a in anns if a.region is not None]
        if scan is not None and scan.id != doc.id:
            regions += [a for a in iter_annotations(self.p, self.filt, document_id=scan.id)
                        if a.region is not None]
        region_ids = {a.id for a in regions}
        facs_of = {}
        for link in self.links:
            for a, b in ((link.source_id, link.target_id), (link.target_id, link.source_id)):
                if b in region_ids and a not in facs_of:
                    facs_of[a] = "#" + ncname_id("z", b)
        words = self.word_zones(scan_link, anns, facs_of) if scan_link is not None \
            and scan is not None and scan.id == scan_link.target_id else {}
        if doc.kind == DocumentKind.TEXT:
            text = document_text(self.p, doc.id)
            stones: dict[int, list[str]] = {}
            if scan_link is not None:
                scan_id = scan_link.target_id
                for number, offset in sorted(scan_link.alignment.items()):
                    if 0 <= offset <= len(text):
                        stones.setdefault(offset, []).append(
                            f'<pb n="{number}" facs="#{ncname_id("s", scan_id)}.{number}"/>')
        else:
            chunks, stones, pos = [], {}, 0
            for page in self.p.documents.pages(doc.id):
                stones[pos] = [f'<pb n="{page.number}" '
                               f'facs="#{ncname_id("s", doc.id)}.{page.number}"/>']
                chunks.append(page.text.strip())
                pos += len(chunks[-1]) + 2
            text = "\n\n".join(chunks)
        spans = [self.span(a, facs_of.get(a.id)) for a in anns if a.text is not None]
        body = render(text, spans, stones)
        every = anns + [a for a in regions if a.document_id != doc.id]
        notes = "".join(
            f'<note xml:id="{ncname_id("n", a.id)}" target="#'
            f'{ncname_id("z" if a.region else "a", a.id)}" '
            f'resp="#{ncname_id("au", a.author_id)}">{_t(a.note)}</note>'
            for a in every if a.note)
        odd_dates = "".join(
            f'<note type="date" target="#{ncname_id("z" if a.region else "a", a.id)}">'
            f"{_t(a.date_value)}</note>"
            for a in every if a.date_value and (a.region or a.id in self.date_notes))
        back = f'<back><div type="notes">{notes}{odd_dates}</div></back>' \
            if notes or odd_dates else ""
        entity_ids = {a.entity_id for a in every if a.entity_id and a.entity_id in look.entities}
        xml_ids = {a.id: ncname_id("z" if a.region else "a", a.id) for a in every}
        lang = f' xml:lang="{_t(doc.language)}"' if doc.language and \
            _LANG.fullmatch(doc.language) else ""
        authors = {a.author_id for a in every}
        head = self.header(doc.title, set() if corpus else authors, doc, not corpus)
        stand = "" if corpus else self.stand_off(entity_ids, xml_ids)
        facsimile = self.facsimile(scan, regions, words) if scan is not None else ""
        xml = (f'<TEI xml:id="{ncname_id("d", doc.id)}"{"" if corpus else f" xmlns={chr(34)}{TEI_NS}{chr(34)}"}>'
               f"{head}{stand}{facsimile}<text{lang}><body><div>{body}</div></body>{back}"
               "</text></TEI>\n")
        self.ticker.step(len(every))
        self.authors.update(authors)
        if self.pointed_at:
            self.xml_ids.update((k, v) for k, v in xml_ids.items() if k in self.pointed_at)
        return xml, entity_ids, len(every)


def _write_corpus(project: Project, out: Path, docs: list[Document], writer: _Writer,
                  result: ExportResult) -> None:
    """A teiCorpus: its header names every annotator and its standOff every entity of
    the documents, so they are known only when the last document is done; the documents
    wait in a temporary file beside the output (deleted by the system even if the
    export fails), never all in memory."""
    with atomic_file(out, "w", encoding="utf-8", newline="\n") as fh, \
            tempfile.TemporaryFile(dir=out.parent) as spool:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<teiCorpus xmlns="{TEI_NS}">')
        entities: set[str] = set()
        for doc in docs:
            xml, used, n = writer.document(doc, corpus=True)
            spool.write(xml.encode("utf-8"))
            del xml
            entities |= used
            result.annotations += n
        fh.write(writer.header(project.title, writer.authors, None, True))
        fh.write(writer.stand_off(entities, writer.xml_ids))
        fh.flush()
        spool.seek(0)
        shutil.copyfileobj(spool, fh.buffer, 1 << 20)
        fh.write("</teiCorpus>\n")
    result.paths.append(out)


def export_tei(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None, corpus: bool | None = None) -> ExportResult:
    """Write TEI: into the folder ``out`` one file per document, or (``corpus``, the
    default when ``out`` ends in .xml) a single teiCorpus file. A scan that a text
    transcribes goes into that text's file as its facsimile, not into a file of its
    own."""
    out = Path(out)
    corpus = out.suffix.lower() == ".xml" if corpus is None else corpus
    look = Lookup(project)
    filt = filt or ExportFilter()
    transcribed = {lk.target_id for lk in project.documents.links()
                   if lk.source_id in look.documents}
    docs = [d for d in sorted(look.documents.values(), key=lambda d: d.title.casefold())
            if d.id == filt.document_id or (
                not filt.document_id and not (d.kind == DocumentKind.PAGED and d.id in transcribed))]
    ticker = Ticker(progress, count_annotations(project, filt))
    pointed_at = link_ends(project) | {
        a for rel in relations.listing(project) for a in rel.evidence} if corpus else None
    writer = _Writer(project, look, filt, ticker, pointed_at)
    result = ExportResult()
    if corpus:
        _write_corpus(project, out, docs, writer, result)
    else:
        out.mkdir(parents=True, exist_ok=True)
        used_names: set[str] = set()
        for doc in docs:
            xml, _, n = writer.document(doc, corpus=False)
            target = inside(out, safe_filename(doc.title, ".xml", used_names))
            with atomic_file(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write('<?xml version="1.0" encoding="UTF-8"?>\n' + xml)
            result.paths.append(target)
            result.annotations += n
    ticker.finish()
    return result
