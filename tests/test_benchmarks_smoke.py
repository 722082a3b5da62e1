"""The benchmarks must keep running: ``python -m benchmarks --quick`` on a few fast core
cases, in a subprocess. Timings are not asserted (machines here are shared and noisy);
a missing feature shows "n/a", which is fine; a crash is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmarks_run(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--repeats", "2",
         "--only", "save,bulk,load_doc,load_all", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "case" in proc.stdout and "ratio" in proc.stdout, proc.stdout
    for label in ("save one annotation", "bulk-insert", "load 1 document", "load all"):
        assert label in proc.stdout, proc.stdout
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert len(results) == 4
    for row in results:
        assert not row["status"].startswith("error"), row
        if row["status"] == "ok":
            assert row["ours"] > 0 and row["raw"] > 0, row
        else:
            assert row["status"].startswith("n/a"), row
