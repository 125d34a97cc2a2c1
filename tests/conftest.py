"""Shared fixtures: a loopback HTTP mirror over ../shared/data, and a private download cache.

No test reaches the internet: downloads go to ``GAN_TEXT_DATA_MIRROR``, which these fixtures point at a
server on 127.0.0.1 that serves the same relative paths as the public mirror.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The suite's models are tiny (smoke profile), and for them oneDNN's kernels cost more than they save: with
# them off, tests/test_textgan.py beside tests/test_guided.py (the two workers) took 89 s against 106-109 s.
# Set before TensorFlow is imported, here and in the notebook kernels, which inherit this environment. Tests
# check behaviour, never exact figures from elsewhere, so the (tiny) numerical differences do not matter;
# the course-profile figures in benchmarks/ are measured with TensorFlow's defaults.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only ../shared/data folder beside the repository."""
    if not (SHARED_DATA / "image_coco" / "image_coco.txt").exists():
        pytest.fail(f"{SHARED_DATA} is missing: tests need the shared data beside the repository")
    return SHARED_DATA


@pytest.fixture(scope="session")
def mirror_server(shared_data):
    """A loopback HTTP server over ../shared/data for the whole test session; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(shared_data))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A fresh, empty download cache, set through GAN_TEXT_CACHE."""
    path = tmp_path / "cache"
    monkeypatch.setenv("GAN_TEXT_CACHE", str(path))
    return path


@pytest.fixture
def mirror(mirror_server, cache_dir, monkeypatch) -> str:
    """Point GAN_TEXT_DATA_MIRROR at the loopback server (and use a fresh cache); yields the base URL."""
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", mirror_server)
    return mirror_server


@pytest.fixture
def dead_mirror(cache_dir, monkeypatch) -> str:
    """Point GAN_TEXT_DATA_MIRROR at a loopback port where nothing listens; yields the base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
    return url


def in_private_mount(mount: str, *args: str, cwd, after: str = "true", env: dict | None = None
                     ) -> subprocess.CompletedProcess:
    """``python -m gan_text ARGS`` in a mount namespace of its own (``unshare -m``) after the shell commands
    ``mount`` (a read-only bind mount, a tiny tmpfs): the real thing, where ``chmod`` cannot stop root. The
    shell commands ``after`` run next, inside the namespace; the exit status is the command's. ``env``: more
    environment variables."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare on this machine")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no private mounts here ({probe.stderr.strip()})")
    command = " ".join([sys.executable, "-m", "gan_text", *args])
    env = {**os.environ, "GAN_TEXT_PROFILE": "smoke", **(env or {})}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # TensorFlow's own start-up logs must not reach stderr either
    script = f"{mount} && {{ {command}; status=$?; {after}; exit $status; }}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)
