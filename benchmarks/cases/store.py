"""The annotation store: save one, bulk-insert, load a document's and load all.

The raw building block of each is a bare ``sqlite3`` connection doing the same
work on a file of the same schema: the ratio is what the core adds on top.
"""

from __future__ import annotations

import random

from benchmarks import data
from benchmarks.harness import Context, Result, pair


def store(ctx: Context) -> data.Store:
    """The shared project: ``documents`` texts, annotations spread evenly over them."""
    s = ctx.scale
    return ctx.once("store project", lambda: data.store_project(
        ctx.work / "store.annot", 11, s.documents, s.doc_chars, s.annotations // s.documents))


def empty_store(ctx: Context) -> data.Store:
    """The same documents and codebook without annotations (for bulk inserts)."""
    s = ctx.scale
    return ctx.once("empty project", lambda: data.store_project(
        ctx.work / "empty.annot", 11, s.documents, s.doc_chars, 0))


def save_annotation(ctx: Context) -> list[Result]:
    """One passage tagged and committed (WAL, synchronous FULL), on a project that
    already holds the run's annotations, vs BEGIN; INSERT row + tag; COMMIT."""
    from annotator.core.anchoring import describe
    from annotator.core.project import Project

    st = store(ctx)
    rng = random.Random(5)
    doc_id = st.doc_ids[0]
    text = st.texts[doc_id]
    ours_path = data.copy_project(st.path, ctx.work / "save-ours.annot")
    raw_path = data.copy_project(st.path, ctx.work / "save-raw.annot")
    project = Project.open(ours_path, author="Bench Historian")
    conn = data.raw_connect(raw_path)
    try:
        def spans():
            start = rng.randrange(0, len(text) - 64)
            return start, start + rng.randint(3, 60)

        def ours() -> None:
            start, end = spans()
            project.annotations.add(doc_id, start=start, end=end, tag_ids=[st.tag_ids[2]])

        def raw() -> None:
            start, end = spans()
            sel = describe(text, start, end)
            ann_id = f"{rng.getrandbits(32):08x}-0000-4000-8000-{rng.getrandbits(48):012x}"
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(data.INSERT, (ann_id, doc_id, st.author_id, sel.start, sel.end,
                                       sel.exact, sel.prefix, sel.suffix, None, None, None,
                                       None, None, None, "", "", None, "", "ok", data.STAMP,
                                       data.STAMP, 0))
            conn.execute("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                         (ann_id, st.tag_ids[2]))
            conn.execute("COMMIT")

        ours_t, raw_t = pair(ours, raw, ctx.reps(300, 60), warmup=20)
    finally:
        project.close()
        conn.close()
        data.remove_project(ours_path)
        data.remove_project(raw_path)
    return [Result.from_samples("save one annotation", ours_t, raw_t, 2.0,
                                note="annotations.add, committed")]


def bulk_insert(ctx: Context) -> list[Result]:
    """``add_many`` of the run's annotations (with their tags) into a project without
    any, vs executemany of the same prepared tuples in one transaction."""
    from annotator.core.project import Project

    st = empty_store(ctx)
    n_per_doc = ctx.scale.annotations // ctx.scale.documents
    annotations = ctx.once("annotations", lambda: data.make_annotations(11, st, n_per_doc))
    rows, tag_rows = data.raw_rows(annotations)
    target = ctx.work / "bulk.annot"
    handle: dict = {}

    def fresh(side: str = "") -> None:
        for obj in handle.values():
            obj.close()
        handle.clear()
        data.remove_project(target)
        if side:
            data.copy_project(st.path, target)
            if side == "ours":
                handle["p"] = Project.open(target, author="Bench Historian")
            else:
                handle["c"] = data.raw_connect(target)

    def ours() -> None:
        handle["p"].annotations.add_many(annotations)

    def raw() -> None:
        conn = handle["c"]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(data.INSERT, rows)
        conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                         tag_rows)
        conn.execute("COMMIT")

    try:
        ours_t, raw_t = pair(ours, raw, ctx.reps(4, 3), warmup=1, before=fresh)
    finally:
        fresh()
        data.remove_project(target)
    return [Result.from_samples(f"bulk-insert {len(annotations) // 1000}k annotations",
                                ours_t, raw_t, 1.5,
                                note="add_many, one transaction, tags included")]


_RAW_SELECT = (f"SELECT {', '.join('a.' + c for c in data.COLUMNS)}, "
               "(SELECT group_concat(tag_id, ' ') FROM annotation_tags "
               " WHERE annotation_id = a.id) FROM annotations a ")


def load_document(ctx: Context) -> list[Result]:
    """One document's annotations (1k of the run's total) as Annotation objects vs the
    indexed SELECT of the same columns (tag ids included) as tuples."""
    from annotator.core.project import Project

    st = store(ctx)
    rng = random.Random(3)
    project = Project.open(st.path)
    conn = data.raw_connect(st.path)
    try:
        docs = [rng.choice(st.doc_ids) for _ in range(1000)]
        it_ours, it_raw = iter(docs), iter(docs)
        ours_t, raw_t = pair(
            lambda: project.annotations.for_document(next(it_ours)),
            lambda: conn.execute(_RAW_SELECT + "WHERE a.document_id = ? AND a.deleted = 0 "
                                 "ORDER BY a.start_offset", (next(it_raw),)).fetchall(),
            ctx.reps(60, 30), warmup=5)
        n = len(project.annotations.for_document(st.doc_ids[0]))
    finally:
        project.close()
        conn.close()
    return [Result.from_samples(f"load 1 document's {n / 1000:.0f}k of "
                                f"{ctx.scale.annotations // 1000}k", ours_t, raw_t, 1.5,
                                note="annotations.for_document")]


def load_all(ctx: Context) -> list[Result]:
    """Every annotation of the project (the annotation table unfiltered) vs the
    SELECT of the same columns over the whole table."""
    from annotator.core.project import Project

    st = store(ctx)
    project = Project.open(st.path)
    conn = data.raw_connect(st.path)
    try:
        ours_t, raw_t = pair(
            lambda: project.annotations.list(),
            lambda: conn.execute(_RAW_SELECT + "WHERE a.deleted = 0 "
                                 "ORDER BY a.document_id, a.start_offset").fetchall(),
            ctx.reps(5, 3), warmup=1)
    finally:
        project.close()
        conn.close()
    k = ctx.scale.annotations // 1000
    return [Result.from_samples(f"load all {k}k of {k}k", ours_t, raw_t, 1.5,
                                note="annotations.list()")]
