"""REFI-QDA import: the ATLAS.ti samples import; a foreign project with text, PDF and
picture selections comes in; hostile archives are refused or reported, never
half-imported."""

from __future__ import annotations

import zipfile

import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.errors import AnnotatorError
from annotator.core.project import Project
from tests.test_export_common import make_pdf, make_png, validators

U1 = "088B08AC-D5CD-4ADB-8B71-B4F3459C177F"
C_ROOT, C_CHILD, C_PERSON, C_BRIAND = (f"{n:08X}-0000-4000-8000-000000000000" for n in range(1, 5))
S_TEXT, S_PDF, S_PIC = (f"{n:08X}-1111-4000-8000-000000000000" for n in range(1, 4))
SEL = [f"{n:08X}-2222-4000-8000-000000000000" for n in range(1, 8)]
NOTE = "ABCDEF00-3333-4000-8000-000000000000"
TEXT = "Caf\u0065\u0301 in Paris, 1927.\r\nSigned 𐌰𐌱 by Aristide Briand."


def qde(body: str, origin: str = "MAXQDA 2022") -> str:
    # QualCoder measures PDF areas from the top-left (tests/test_qualcoder_exchange.py);
    # this project follows the standard (bottom-left)
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
            f'name="foreign" origin="{origin}"><Users><User guid="{U1}" name="Enric"/>'
            f"</Users>{body}</Project>")


CODEBOOK = (f'<CodeBook><Codes><Code guid="{C_ROOT}" name="Politics" isCodable="true" '
            f'color="#FF0000"><Description>all politics</Description><Code guid="{C_CHILD}" '
            f'name="Treaties" isCodable="true"/></Code><Code guid="{C_PERSON}" name="person" '
            f'isCodable="false"><Code guid="{C_BRIAND}" name="Aristide Briand" '
            f'isCodable="true"><Description>Also: Briand\nwikidata: Q134965</Description>'
            f"</Code></Code></Codes></CodeBook>")


def coding(code: str, n: int) -> str:
    return (f'<Coding guid="{n:08X}-4444-4000-8000-000000000000" creatingUser="{U1}">'
            f'<CodeRef targetGUID="{code}"/></Coding>')


def foreign_archive(path, *, extra_sources: str = "", body: str | None = None,
                    members: dict | None = None) -> None:
    # positions count code points of the file as written (CRLF, a decomposed é)
    briand = TEXT.index("Aristide")
    sources = (
        f'<Sources><TextSource guid="{S_TEXT}" name="letter" plainTextPath="internal://{S_TEXT}.txt">'
        f'<PlainTextSelection guid="{SEL[0]}" name="x" startPosition="{briand}" '
        f'endPosition="{briand + 15}" creatingUser="{U1}" creationDateTime="2023-08-16T15:14:29Z">'
        f'<Description>date: 1927</Description>{coding(C_BRIAND, 1)}{coding(C_CHILD, 2)}'
        f'<NoteRef targetGUID="{NOTE}"/></PlainTextSelection>'
        f'<PlainTextSelection guid="{SEL[1]}" startPosition="0" endPosition="5">'
        f'{coding("DEADBEEF-0000-4000-8000-000000000000", 3)}</PlainTextSelection>'
        f'<PlainTextSelection guid="{SEL[2]}" startPosition="5" endPosition="999999"/>'
        f"</TextSource>"
        f'<PDFSource guid="{S_PDF}" name="scan.pdf" path="internal://{S_PDF}.pdf">'
        f'<PDFSelection guid="{SEL[3]}" page="1" firstX="72" firstY="700" secondX="300" '
        f'secondY="760">{coding(C_ROOT, 4)}</PDFSelection>'
        f'<PDFSelection guid="{SEL[4]}" page="0" firstX="0" firstY="0" secondX="99999" '
        f'secondY="5"/></PDFSource>'
        f'<PictureSource guid="{S_PIC}" name="photo" path="internal://{S_PIC}.png">'
        f'<PictureSelection guid="{SEL[5]}" firstX="10" firstY="20" secondX="110" '
        f'secondY="70">{coding(C_ROOT, 5)}</PictureSelection></PictureSource>'
        f'<AudioSource guid="{SEL[6]}" name="interview.m4a" path="relative:///x.m4a"/>'
        f"{extra_sources}</Sources>"
        f'<Notes><Note guid="{NOTE}" name="n"><PlainTextContent>A memo &amp; &lt;b&gt;'
        f"</PlainTextContent></Note></Notes>"
        f'<Links><Link guid="{SEL[6][:-1]}9" originGUID="{SEL[0]}" targetGUID="{SEL[3]}" '
        f'name="same"/></Links>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde(CODEBOOK + sources) if body is None else body)
        zf.writestr(f"Sources/{S_TEXT}.txt", TEXT.encode("utf-8"))
        zf.writestr(f"Sources/{S_PDF}.pdf", make_pdf(2))
        zf.writestr(f"Sources/{S_PIC}.png", make_png())
        for name, data in (members or {}).items():
            zf.writestr(name, data)


@pytest.mark.parametrize("name", ["blank-atlas-project.qdpx", "target-atlas-project.qdpx"])
def test_atlas_samples_import(project, name):
    report = import_annotations(project, validators("refi-qda", "atlas-samples", name)).value
    assert report.skipped == []
    if name.startswith("target"):
        commits = project.tags.find("Commits")
        assert commits is not None
        children = [t.name for t in project.tags.list() if t.parent_id == commits.id]
        assert sorted(children) == ["2022-02-11T10:39:25Z cdbfd92",
                                    "2022-05-10T02:05:59Z 19e4dce"]


def test_a_foreign_project_comes_in(project, tmp_path):
    path = tmp_path / "foreign.qdpx"
    foreign_archive(path)
    report = import_annotations(project, path).value
    assert report.added == 4 and report.links == 1
    assert sorted(report.documents) == ["letter", "photo", "scan"]
    assert any("audio" in s for s in report.skipped)
    assert any("outside the text" in s for s in report.skipped)
    assert any("outside the pages" in s for s in report.skipped)
    assert any("not in the codebook" in w for w in report.warnings)
    text_ann = project.annotations.get(SEL[0].lower())
    assert text_ann.quote == "Aristide Briand"  # offsets mapped onto the NFC, LF text
    assert text_ann.date_value == "1927" and text_ann.note == "A memo & <b>"
    assert project.entities.get(text_ann.entity_id).name == "Aristide Briand"
    assert project.entities.get(text_ann.entity_id).identifiers == {"wikidata": "Q134965"}
    assert [project.tags.get(t).name for t in text_ann.tag_ids] == ["Treaties"]
    assert project.authors.get(text_ann.author_id).name == "Enric"
    region = project.annotations.get(SEL[3].lower()).region
    assert region.page == 2 and region.x == 72 and region.w == 228  # page from 0
    assert round(region.y) == 842 - 760  # PDF points from the bottom-left
    picture = project.annotations.get(SEL[5].lower()).region
    assert picture.page == 1 and picture.w > 0
    again = import_annotations(project, path).value
    assert again.added == 0 and again.existing == 4


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project name="x">&a;</Project>',
    "<Project name='x'><Users>",  # not well-formed
    "<NotAProject/>",
])
def test_hostile_project_files_change_nothing(project, tmp_path, body):
    path = tmp_path / "bad.qdpx"
    foreign_archive(path, body=body)
    before = (project.tags.list(), project.documents.list(), project.annotations.count())
    with pytest.raises(AnnotatorError):
        import_annotations(project, path)
    assert (project.tags.list(), project.documents.list(), project.annotations.count()) == before


def test_not_an_archive(project, tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(AnnotatorError):
        import_annotations(project, path)
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no project here")
    with pytest.raises(AnnotatorError, match="project.qde"):
        import_annotations(project, path)
    assert Project  # the fixture project is untouched
    assert project.annotations.count() == 0


def test_archive_paths_never_reach_the_file_system(project, tmp_path, monkeypatch):
    """Members are read into memory, never extracted; an archive with zip-slip or
    absolute member names is refused outright, leaving the project as it was."""
    from annotator.core.annotation_import import qdpx

    path = tmp_path / "slip.qdpx"
    evil = f'<TextSource guid="{SEL[6][:-4]}abcd" name="evil" plainTextPath="internal://../../evil.txt"/>'
    foreign_archive(path, extra_sources=evil,
                    members={"../../evil.txt": b"escaped", "/tmp/abs-evil.txt": b"abs"})
    monkeypatch.chdir(tmp_path)
    before = (project.documents.list(), project.annotations.count())
    with pytest.raises(AnnotatorError, match="outside the archive"):
        import_annotations(project, path)
    assert (project.documents.list(), project.annotations.count()) == before
    assert not (tmp_path.parent.parent / "evil.txt").exists()
    # a member larger than its bound (a zip bomb's promise) is refused too
    clean = tmp_path / "clean.qdpx"
    foreign_archive(clean)
    monkeypatch.setattr(qdpx, "MAX_QDE_BYTES", 64)
    with pytest.raises(AnnotatorError):
        import_annotations(project, clean)
    assert (project.documents.list(), project.annotations.count()) == before
