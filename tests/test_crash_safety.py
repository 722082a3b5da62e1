"""Kill a writer with SIGKILL at random moments: the file stays sound and every
annotation it had acknowledged is there."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from annotator.core.project import Project

pytestmark = pytest.mark.slow  # -m "not slow" leaves this out of a quick run

WRITER = r"""
import sys
from annotator.core.project import Project
project = Project.open(sys.argv[1], author="Writer")
doc = project.documents.list()[0]
tag = project.tags.find("Person")
text = project.documents.text(doc.id)
i = 0
while True:
    start = (i * 7) % (len(text) - 20)
    ann = project.annotations.add(doc.id, start=start, end=start + 12, tag_ids=[tag.id],
                                  note=f"note {i}").value
    print(ann.id, flush=True)   # acknowledged: add() returned after COMMIT
    i += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_annotation_bursts_loses_nothing_acknowledged(tmp_path):
    path = tmp_path / "crash.annot"
    src = tmp_path / "text.txt"
    src.write_text("Aristide Briand and Édouard Herriot met in Paris. " * 40, encoding="utf-8")
    with Project.create(path, "Crash test") as project:
        project.documents.import_file(src)
    rng = random.Random(1927)
    acknowledged: set[str] = set()
    kills = 0
    deadline = time.monotonic() + 20
    while kills < 12 and time.monotonic() < deadline:
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        first = proc.stdout.readline()  # started and writing (start-up time varies
        time.sleep(rng.uniform(0.05, 0.6))  # with the machine's load), then killed
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        acknowledged.update(line.strip() for line in (first + out).splitlines()
                            if line.strip())
        kills += 1
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in conn.execute("SELECT id FROM annotations")}
        conn.close()
        assert acknowledged <= stored, f"lost {len(acknowledged - stored)} after kill {kills}"
    assert kills >= 5 and len(acknowledged) > 50
    with Project.open(path) as project:
        assert project.check().ok
