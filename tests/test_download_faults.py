"""Downloads against hostile or broken servers, killed downloads, and a text file with a giant line.

Every server here is a small handler on 127.0.0.1; deadlines are set to fractions of a second through
GAN_TEXT_DOWNLOAD_TIMEOUT, so no test waits for long.
"""

from __future__ import annotations

import fcntl
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gan_text.corpora import downloads, files, load_corpus
from gan_text.corpora.downloads import REGISTRY, Resource, download_deadline, fetch
from gan_text.errors import GanTextError

REPO = Path(__file__).resolve().parents[1]
COCO_TEST = REGISTRY["coco"].files["test"]


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _serve(handle_get):
    """Start a loopback server whose GET requests run ``handle_get(handler)``; return (url, server)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                handle_get(self)
            except OSError:  # the client hung up: what a cut-off download looks like from here
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture
def serve():
    """Call ``serve(handle_get)`` for a loopback server's base URL; servers stop after the test."""
    servers = []

    def start(handle_get):
        url, server = _serve(handle_get)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _drip(handler, announced=COCO_TEST.size, interval_s=0.02, limit=10_000):
    """Announce ``announced`` bytes, then send one byte every ``interval_s`` seconds."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(announced))
    handler.end_headers()
    for _ in range(limit):
        handler.wfile.write(b"a")
        handler.wfile.flush()
        time.sleep(interval_s)


def _flood(handler, announce=False):
    """Send about 10 times the COCO test file's size, announced or (as HTTP/1.0 allows) not."""
    handler.send_response(200)
    if announce:
        handler.send_header("Content-Length", str(10 * COCO_TEST.size))
    handler.end_headers()
    for _ in range(10 * COCO_TEST.size // 65_536 + 1):
        handler.wfile.write(b"x" * 65_536)


# --- the deadline ----------------------------------------------------------------------------------

def test_default_deadline_follows_the_size(monkeypatch):
    monkeypatch.delenv("GAN_TEXT_DOWNLOAD_TIMEOUT", raising=False)
    coco_train = REGISTRY["coco"].files["train"]
    assert download_deadline(coco_train) == pytest.approx(60 + 546_442 / 50_000)
    assert download_deadline(Resource("x/y.txt", "https://example.invalid/y", "0" * 64)) == 600
    for entry in REGISTRY.values():  # every pinned file has a size, so a cap and a deadline
        for resource in entry.files.values():
            assert resource.sha256 is None or resource.size, resource.relpath
    monkeypatch.setenv("GAN_TEXT_DOWNLOAD_TIMEOUT", " 2.5 ")
    assert download_deadline(coco_train) == 2.5


@pytest.mark.parametrize("value", ["abc", "0", "-3", "nan", "inf", "1e999"])
def test_bad_deadline_setting_is_refused_before_any_download(value, dead_mirror, cache_dir, monkeypatch):
    monkeypatch.setenv("GAN_TEXT_DOWNLOAD_TIMEOUT", value)
    with pytest.raises(GanTextError) as caught:
        fetch(("coco", "test"))
    message = str(caught.value)
    assert message.startswith("GAN_TEXT_DOWNLOAD_TIMEOUT must be a positive number of seconds")
    assert repr(value) in message and "\n" not in message
    assert _files_under(cache_dir) == []


def test_dripping_server_is_cut_off_at_the_deadline(serve, cache_dir, monkeypatch):
    url = serve(_drip)
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
    monkeypatch.setenv("GAN_TEXT_DOWNLOAD_TIMEOUT", "0.4")
    start = time.monotonic()
    with pytest.raises(GanTextError) as caught:
        fetch(("coco", "test"))
    elapsed = time.monotonic() - start
    message = str(caught.value)
    assert 0.4 <= elapsed < 3, elapsed
    assert message.startswith(f"downloading {url}/image_coco/test_coco.txt took too long (")
    assert "of 536,184 bytes in 0.4 s" in message
    assert "try again later or set GAN_TEXT_DOWNLOAD_TIMEOUT" in message
    assert "GAN_TEXT_DATA_MIRROR" in message and "\n" not in message
    assert _files_under(cache_dir) == []


def test_per_read_wait_is_also_bounded_by_the_deadline(serve, cache_dir, monkeypatch):
    """A server slower than the deadline between two bytes: the read itself gives up at the deadline."""
    url = serve(lambda handler: _drip(handler, interval_s=5, limit=2))
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
    monkeypatch.setenv("GAN_TEXT_DOWNLOAD_TIMEOUT", "0.3")
    start = time.monotonic()
    with pytest.raises(GanTextError, match=r"no answer within 0\.3 s") as caught:
        fetch(("coco", "test"))
    assert time.monotonic() - start < 3
    assert "GAN_TEXT_DATA_MIRROR" in str(caught.value)
    assert _files_under(cache_dir) == []


# --- the size cap ----------------------------------------------------------------------------------

def test_announced_oversize_is_refused(serve, cache_dir, monkeypatch):
    url = serve(lambda handler: _flood(handler, announce=True))
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
    with pytest.raises(GanTextError) as caught:
        fetch(("coco", "test"))
    message = str(caught.value)
    assert message.startswith(f"the server at {url}/image_coco/test_coco.txt announces 5,361,840 bytes, "
                              f"more than the 536,184 bytes of image_coco/test_coco.txt")
    assert "GAN_TEXT_DATA_MIRROR" in message and "\n" not in message
    assert _files_under(cache_dir) == []


def test_unannounced_flood_is_cut_off_at_the_known_size(serve, cache_dir, monkeypatch):
    url = serve(_flood)
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
    with pytest.raises(GanTextError, match="sent more than 536,184 bytes, more than the 536,184 bytes "
                                           "of image_coco/test_coco.txt, so the download was stopped"):
        fetch(("coco", "test"))
    assert _files_under(cache_dir) == []


def test_honest_mirror_still_works_with_a_tight_deadline(mirror, cache_dir, monkeypatch, shared_data):
    monkeypatch.setenv("GAN_TEXT_DOWNLOAD_TIMEOUT", "20")
    path = fetch(("coco", "test"))
    assert path.read_bytes() == (shared_data / "image_coco" / "test_coco.txt").read_bytes()
    assert _files_under(cache_dir) == [path]


# --- temporary files of killed downloads -----------------------------------------------------------

def _backdate(path: Path, seconds: float = 3600) -> Path:
    old = time.time() - seconds
    os.utime(path, (old, old))
    return path


def _make(path: Path, data: bytes = b"half a download", age_s: float = 3600) -> Path:
    path.write_bytes(data)
    return _backdate(path, age_s)


def _is_locked(path: Path) -> bool:
    with open(path, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def test_orphans_are_removed_and_everything_else_kept(mirror, cache_dir):
    coco = cache_dir / "image_coco"
    emnlp = cache_dir / "emnlp_news"
    coco.mkdir(parents=True)
    emnlp.mkdir()
    orphans = [_make(coco / ".test_coco.txt.k3j_9x2a.tmp"),
               _make(emnlp / ".test_emnlp.txt.0abcdefg.tmp")]  # another corpus's orphan
    kept = {
        coco / ".test_coco.txt.fresh123.tmp": b"written a moment ago",  # within the grace period
        coco / ".test_coco.txt.Upper123.tmp": b"not our name pattern",
        coco / ".my_notes.txt.abcdefgh.tmp": b"not a registered file",
        coco / "test_coco.txt.abcdefgh.tmp": b"no leading dot",
        cache_dir / ".test_coco.txt.abcdefgh.tmp": b"not beside the file",
    }
    for path, data in kept.items():
        _make(path, data, age_s=0 if b"moment" in data else 3600)
    locked = _make(coco / ".image_coco.txt.live0000.tmp", b"a live download")
    with open(locked, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running download holds it
        path = fetch(("coco", "test"))
        assert locked.exists()
    assert not any(p.exists() for p in orphans)
    assert all(p.read_bytes() == data for p, data in kept.items())
    assert sorted(_files_under(cache_dir)) == sorted([path, locked, *kept])


def test_without_file_locks_only_old_orphans_go(cache_dir, monkeypatch):
    monkeypatch.setattr(downloads, "fcntl", None)
    monkeypatch.delenv("GAN_TEXT_DOWNLOAD_TIMEOUT", raising=False)
    folder = cache_dir / "image_coco"
    folder.mkdir(parents=True)
    recent = _make(folder / ".test_coco.txt.recent00.tmp", age_s=60)  # past the grace, within the deadline
    old = _make(folder / ".test_coco.txt.old00000.tmp")
    assert downloads.remove_partial_downloads(cache_dir, [COCO_TEST]) == [old]
    assert recent.exists()


_KILLED_DOWNLOAD = """
from gan_text.corpora.downloads import fetch
fetch(("coco", "test"))
"""


def test_sigkilled_download_leaves_an_orphan_that_the_next_download_removes(serve, mirror_server,
                                                                             cache_dir, monkeypatch,
                                                                             shared_data):
    slow = serve(lambda handler: _drip(handler, interval_s=0.05))
    env = {**os.environ, "GAN_TEXT_DATA_MIRROR": slow, "GAN_TEXT_CACHE": str(cache_dir),
           "GAN_TEXT_DOWNLOAD_TIMEOUT": "60"}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_DOWNLOAD], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not (partial := _files_under(cache_dir)) or not _is_locked(partial[0]):
            assert child.poll() is None and time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
        [partial] = partial
        _backdate(partial)
        assert downloads.remove_partial_downloads(cache_dir, [COCO_TEST]) == []  # alive: kept
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert partial.exists()  # SIGKILL gives no chance to clean up
    _backdate(partial)
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", mirror_server)
    path = fetch(("coco", "test"))
    assert not partial.exists()
    assert _files_under(cache_dir) == [path]
    assert path.read_bytes() == (shared_data / "image_coco" / "test_coco.txt").read_bytes()


# --- a text file that is not one sentence per line ----------------------------------------------------

def test_a_giant_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "big.txt"
    long_line = "word " * (files.MAX_LINE_CHARS // 5) + "x"
    path.write_text(f"a first sentence\n\n{long_line}\nthe end\n")
    with pytest.raises(GanTextError) as caught:
        load_corpus(str(path))
    assert str(caught.value) == (f"'{path}' line 3 is too long (100,001 characters; at most 100,000); "
                                 f"give a UTF-8 text file with one sentence per line")
    path.write_text(f"a first sentence\n{long_line[:-1]}\n")  # exactly at the limit: accepted
    assert len(load_corpus(str(path)).train) == 1


def test_a_giant_single_line_file_fails_fast_in_the_cli(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"the cat sat on the mat " * 500_000)  # 11.5 MB, no newline at all
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "gan_text", "corpus", str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"error: '{path}' line 1 is too long (11,500,000 characters; at most "
                                     f"100,000); give a UTF-8 text file with one sentence per line")
    assert "Traceback" not in result.stderr
    assert time.monotonic() - start < 60
