"""The team server's generated `validate_doc_update` run as CouchDB runs it: JavaScript, here under Node."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from triagedesk.sync.validation import validate_function

_SCRIPT = ("const input = require('fs').readFileSync(0, 'utf8'); const [fn, data] = input.split('\\n//CASES\\n');"
           "const validate = eval('(' + fn + ')'); const out = [];"
           "for (const c of JSON.parse(data)) {"
           "  try { validate(c.doc, c.old, c.user, {}); out.push(null); }"
           "  catch (e) { out.push(e && e.forbidden !== undefined ? e.forbidden : 'ERROR ' + e); } }"
           "process.stdout.write(JSON.stringify(out));")


def server(cases: list[dict[str, Any]]) -> list[str | None]:
    """Each case (`doc`, `old`, `user`) through the generated function in one Node process: None when it lets
    the write through, else the server's reason."""
    done = subprocess.run(["node", "-e", _SCRIPT], input=validate_function() + "\n//CASES\n" + json.dumps(cases),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
