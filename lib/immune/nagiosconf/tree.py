"""Write a generated tree atomically: all files or none.

The files are written to a temporary directory next to the target, which
then replaces the target in two renames; a failure leaves the previous tree
as it was. Files are written in sorted order with fixed modes, so the same
input gives byte-identical output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_tree(target: Path, files: Mapping[str, str]) -> None:
    """Replace the directory *target* by exactly *files* (relative path -> text)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for relative in sorted(files):
            path = temp / relative
            if temp.resolve() not in path.resolve().parents:
                raise ValueError(f"refusing to write outside the tree: {relative}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[relative], encoding="utf-8")
            path.chmod(0o644)
        for directory in [temp, *(p for p in temp.rglob("*") if p.is_dir())]:
            directory.chmod(0o755)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.rename(target, old)
        os.rename(temp, target)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
