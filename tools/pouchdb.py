"""Running PouchDB Server 4.2.0 (from npm) on 127.0.0.1 for the sync tests and the benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def pouchdb_binary() -> Path:
    found = Path(os.environ.get("TRIAGEDESK_POUCHDB") or ROOT / ".cache/npm/node_modules/.bin/pouchdb-server")
    if not found.exists():
        raise FileNotFoundError(f"PouchDB Server not installed at {found}: run `make test`, which installs it from npm")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PouchServer:
    """One pouchdb-server process: in memory, or on disk in `folder` (to survive a restart)."""

    def __init__(self, folder: Path, in_memory: bool = True) -> None:
        self.folder = folder
        self.in_memory = in_memory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PouchServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [str(pouchdb_binary()), "-p", str(self.port), "-o", "127.0.0.1",
                "-c", str(self.folder / "config.json"), "-n"]
        args += ["-m"] if self.in_memory else ["-d", str(self.folder / "data")]
        self.process = subprocess.Popen(args, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"pouchdb-server exited with {self.process.returncode}")
            time.sleep(0.1)
        raise RuntimeError("pouchdb-server did not answer within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def node_client(command: dict, timeout: float = 120) -> Any:
    """Run one of `tools/clients.js`'s third-party writers (PouchDB 9 for Node, nano) and return its JSON answer."""
    import json

    script = ROOT / "tools" / "clients.js"
    done = subprocess.run(["node", str(script), json.dumps(command)], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"clients.js {command.get('op')}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def replicate(server: PouchServer, source: str, target: str) -> dict:
    """One server-to-server replication (`POST /_replicate` on `server`), as a two-site team runs it."""
    answer = httpx.post(f"{server.url}/_replicate", json={"source": source, "target": target}, timeout=120)
    answer.raise_for_status()
    return answer.json()
