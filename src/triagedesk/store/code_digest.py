"""A digest of the source of the modules that shape a derived side file: a file made by other code is not read."""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path


@cache
def code_digest(*names: str) -> str:
    """12 hex digits over the source of each named module (a package: every module in it, by name), read from
    where Python would import it; a module that cannot be found counts as its name alone. The side files'
    format constants (`report-days-1`...) said "bumped by hand", which a changed rule with an unchanged
    constant would silently break: this follows the code itself."""
    digest = hashlib.sha256()
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        files = sorted(origin.parent.glob("*.py")) if origin is not None and origin.name == "__init__.py" else \
            [origin] if origin is not None else []
        digest.update(name.encode() + b"\0")
        for path in files:
            try:
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
            except OSError:
                digest.update(path.name.encode() + b"\0?\0")
    return digest.hexdigest()[:12]
