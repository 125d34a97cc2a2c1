"""Downloaded corpora: registry, cache, mirror and SHA-256, through a loopback HTTP server only."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest

from gan_text.corpora import downloads, load_corpus
from gan_text.corpora.downloads import REGISTRY, Resource, cache_root, fetch, load_registered
from gan_text.errors import GanTextError


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _shared_lines(path: Path) -> list[str]:
    """The stripped non-blank lines of a shared file, read independently of gan_text."""
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _replace_resource(monkeypatch, name: str, role: str, **changes) -> Resource:
    """Swap one registry resource for a changed copy for the duration of a test."""
    entry = REGISTRY[name]
    resource = dataclasses.replace(entry.files[role], **changes)
    new_files = {**entry.files, role: resource}
    monkeypatch.setitem(REGISTRY, name, dataclasses.replace(entry, files=new_files))
    return resource


@pytest.fixture
def error_server():
    """A loopback server that answers every request with HTTP 500; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(500, "Internal Server Error")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the registry -------------------------------------------------------------------------------

def test_registry_hashes_match_the_shared_files(shared_data):
    checked = 0
    for entry in REGISTRY.values():
        for resource in entry.files.values():
            local = shared_data / resource.relpath
            if local.exists():
                data = local.read_bytes()
                assert hashlib.sha256(data).hexdigest() == resource.sha256, resource.relpath
                assert len(data) == resource.size, resource.relpath
                checked += 1
    assert checked == 3  # coco train + test, emnlp test


def test_registry_entries_are_complete():
    assert set(REGISTRY) == {"coco", "emnlp_news", "shakespeare"}
    for name, entry in REGISTRY.items():
        assert entry.name == name
        assert entry.level in ("word", "char")
        assert entry.description and entry.citation and entry.licence
        assert {"train", "test"} <= set(entry.files) or ("all" in entry.files and entry.test_fraction)
        for resource in entry.files.values():
            assert resource.url.startswith("https://")
            assert resource.sha256 is None or len(resource.sha256) == 64
    for resource in [*REGISTRY["coco"].files.values(), REGISTRY["emnlp_news"].files["all"]]:
        assert "3104e22ac75f3cc2070da2bf5e2da6d2bef149ad" in resource.url  # pinned to a commit
    assert REGISTRY["shakespeare"].files["all"].relpath == "shakespeare/shakespeare.txt"
    assert REGISTRY["shakespeare"].level == "char"


def test_mirror_replaces_the_upstream_url(monkeypatch, tmp_path):
    resource = REGISTRY["coco"].files["train"]
    monkeypatch.delenv("GAN_TEXT_DATA_MIRROR", raising=False)
    assert downloads.source_url(resource) == resource.url
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", "http://school.lan/data/")
    assert downloads.source_url(resource) == "http://school.lan/data/image_coco/image_coco.txt"
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", str(tmp_path))
    assert downloads.source_url(resource) == (tmp_path / "image_coco/image_coco.txt").as_uri()


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("GAN_TEXT_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "gan_text"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "gan_text"
    monkeypatch.setenv("GAN_TEXT_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


# --- fetching -----------------------------------------------------------------------------------

def test_download_lands_in_the_cache_with_the_exact_bytes(mirror, cache_dir, shared_data):
    path = fetch(("coco", "train"))
    assert path == cache_dir / "image_coco" / "image_coco.txt"
    assert path.read_bytes() == (shared_data / "image_coco" / "image_coco.txt").read_bytes()
    assert downloads.sha256_of(path) == REGISTRY["coco"].files["train"].sha256
    assert _files_under(cache_dir) == [path]  # no temporary file left behind


def test_explicit_cache_dir_wins(mirror, cache_dir, tmp_path):
    path = fetch(REGISTRY["coco"].files["test"], cache_dir=tmp_path / "elsewhere")
    assert path == tmp_path / "elsewhere" / "image_coco" / "test_coco.txt"
    assert _files_under(cache_dir) == []


def test_cache_hit_needs_no_network(mirror_server, dead_mirror, cache_dir, monkeypatch):
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", mirror_server)
    first = load_corpus("coco", n_train=3, n_test=3)
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", dead_mirror)
    with pytest.raises(GanTextError):
        fetch(("coco", "train"), cache_dir=cache_dir / "empty")  # the mirror really is down
    again = load_corpus("coco", n_train=3, n_test=3)
    assert again.train == first.train and again.test == first.test


def test_checksum_mismatch_keeps_nothing(mirror, cache_dir, monkeypatch):
    wrong = "0" * 64
    _replace_resource(monkeypatch, "coco", "train", sha256=wrong)
    with pytest.raises(GanTextError) as caught:
        fetch(("coco", "train"))
    message = str(caught.value)
    assert f"{mirror}/image_coco/image_coco.txt" in message
    assert wrong in message
    assert "2c0fd1f0f43aac6a9dc3926a535516ccf395de535e15ac1fd17cd569420736f5" in message
    assert "GAN_TEXT_DATA_MIRROR" in message and "\n" not in message
    assert _files_under(cache_dir) == []


def test_server_down_names_the_url_and_the_mirror_variable(dead_mirror, cache_dir):
    with pytest.raises(GanTextError) as caught:
        load_corpus("coco")
    message = str(caught.value)
    assert f"{dead_mirror}/image_coco/image_coco.txt" in message
    assert "GAN_TEXT_DATA_MIRROR" in message and "\n" not in message
    assert _files_under(cache_dir) == []


def test_no_mirror_error_suggests_setting_one(monkeypatch, cache_dir):
    monkeypatch.delenv("GAN_TEXT_DATA_MIRROR", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    offline = Resource("image_coco/image_coco.txt", f"http://127.0.0.1:{port}/upstream.txt", "0" * 64)
    with pytest.raises(GanTextError, match="check your internet connection, or set "
                                           "GAN_TEXT_DATA_MIRROR to a mirror that serves "
                                           "image_coco/image_coco.txt") as caught:
        fetch(offline)
    assert f"http://127.0.0.1:{port}/upstream.txt" in str(caught.value)


def test_http_404(mirror, cache_dir):
    missing = Resource("image_coco/no_such_file.txt", "https://example.invalid/x", "0" * 64)
    with pytest.raises(GanTextError, match="HTTP 404") as caught:
        fetch(missing)
    assert f"{mirror}/image_coco/no_such_file.txt" in str(caught.value)
    assert _files_under(cache_dir) == []


def test_http_500(error_server, cache_dir, monkeypatch):
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", error_server)
    with pytest.raises(GanTextError, match="HTTP 500") as caught:
        fetch(("coco", "test"))
    assert f"{error_server}/image_coco/test_coco.txt" in str(caught.value)
    assert "GAN_TEXT_DATA_MIRROR" in str(caught.value)
    assert _files_under(cache_dir) == []


def test_timeout(cache_dir, monkeypatch):
    monkeypatch.setattr(downloads, "TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", url)
        with pytest.raises(GanTextError, match="timed out|no answer") as caught:
            fetch(("coco", "test"))
    assert f"{url}/image_coco/test_coco.txt" in str(caught.value)
    assert _files_under(cache_dir) == []


def test_corrupted_cache_is_downloaded_again(mirror, cache_dir, shared_data):
    path = fetch(("coco", "test"))
    path.write_bytes(b"half a file")
    with pytest.warns(UserWarning, match="corrupted"):
        again = fetch(("coco", "test"))
    assert again == path
    assert path.read_bytes() == (shared_data / "image_coco" / "test_coco.txt").read_bytes()


def test_corrupted_cache_with_no_network_names_the_file(dead_mirror, cache_dir):
    corrupt = cache_dir / "image_coco" / "test_coco.txt"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"half a file")
    with pytest.warns(UserWarning, match="corrupted"), pytest.raises(GanTextError) as caught:
        fetch(("coco", "test"))
    message = str(caught.value)
    assert str(corrupt) in message and "corrupted" in message and "delete it" in message
    assert corrupt.read_bytes() == b"half a file"  # nothing on disk is lost without being told


def test_unwritable_cache_says_how_to_fix(mirror, tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GAN_TEXT_CACHE", str(blocker))
    with pytest.raises(GanTextError, match="GAN_TEXT_CACHE to a writable folder"):
        fetch(("coco", "test"))
    assert blocker.read_text() == "not a folder"


def test_unpinned_file_is_refused(dead_mirror, cache_dir):
    with pytest.raises(GanTextError, match="not pinned") as caught:
        fetch(("emnlp_news", "full_train"))
    assert REGISTRY["emnlp_news"].files["full_train"].url in str(caught.value)
    assert _files_under(cache_dir) == []


def test_fetch_rejects_unknown_roles_and_names(dead_mirror):
    with pytest.raises(GanTextError, match="unknown file role of corpus 'coco' 'valid'; known: train, test"):
        fetch(("coco", "valid"))
    with pytest.raises(GanTextError, match="unknown corpus 'cocoa'; known: coco, emnlp_news"):
        fetch(("cocoa", "train"))
    with pytest.raises(GanTextError, match=r"a \(corpus name, role\) pair"):
        fetch("coco")


# --- loading corpora ----------------------------------------------------------------------------

def test_coco_is_the_published_split(mirror, shared_data):
    corpus = load_corpus("coco")
    train = _shared_lines(shared_data / "image_coco" / "image_coco.txt")
    test = _shared_lines(shared_data / "image_coco" / "test_coco.txt")
    assert (len(corpus.train), len(corpus.test)) == (10_000, 10_000)
    assert corpus.train == train and corpus.test == test
    assert corpus.train[0].startswith("a bicycle replica")
    assert (corpus.name, corpus.level, corpus.lowercase) == ("coco", "word", True)
    assert "Texygen" in corpus.citation and "MIT" in corpus.licence


def test_cuts_keep_the_first_sentences(mirror, shared_data):
    corpus = load_corpus("coco", n_train=5, n_test=2)
    assert corpus.train == _shared_lines(shared_data / "image_coco" / "image_coco.txt")[:5]
    assert corpus.test == _shared_lines(shared_data / "image_coco" / "test_coco.txt")[:2]
    bigger = load_registered("coco", n_train=50_000)
    assert len(bigger.train) == 10_000


def test_emnlp_news_splits_its_test_file_and_strips_padding(mirror, shared_data):
    raw = (shared_data / "emnlp_news" / "test_emnlp.txt").read_text(encoding="utf-8").split("\n")
    assert raw[0].endswith("   ")  # the upstream padding this must remove
    corpus = load_corpus("emnlp_news")
    assert (len(corpus.train), len(corpus.test)) == (9_000, 1_000)
    assert corpus.train + corpus.test == _shared_lines(shared_data / "emnlp_news" / "test_emnlp.txt")
    assert all(s == s.strip() and s for s in corpus.train + corpus.test)
    assert "9,000" in corpus.description and "1,000" in corpus.description


def test_shakespeare_from_a_local_folder_mirror(tmp_path, cache_dir, monkeypatch):
    folder = tmp_path / "usb_stick"
    text = "".join(f"Speaker {i}:\nLine number {i}.\n\n" for i in range(25))
    (folder / "shakespeare").mkdir(parents=True)
    (folder / "shakespeare" / "shakespeare.txt").write_text(text)
    _replace_resource(monkeypatch, "shakespeare", "all",
                      sha256=hashlib.sha256(text.encode()).hexdigest())
    monkeypatch.setenv("GAN_TEXT_DATA_MIRROR", str(folder))
    corpus = load_corpus("shakespeare")
    lines = [line for line in text.split("\n") if line]
    assert len(lines) == 50
    assert corpus.train == lines[:45] and corpus.test == lines[45:]
    assert (corpus.level, corpus.lowercase) == ("char", False)
    assert (cache_dir / "shakespeare" / "shakespeare.txt").read_text() == text


def test_bad_counts_are_refused_before_downloading(dead_mirror):
    with pytest.raises(GanTextError, match="n_train must be a positive whole number or None, not 0"):
        load_registered("coco", n_train=0)
    with pytest.raises(GanTextError, match="n_test must be a positive whole number or None, not 2.5"):
        load_corpus("coco", n_test=2.5)


def test_unknown_name_lists_the_known_corpora():
    with pytest.raises(GanTextError) as caught:
        load_corpus("cocoa")
    message = str(caught.value)
    assert message.startswith("unknown corpus 'cocoa'; known: ")
    for name in ("grammar", "oracle", "coco", "emnlp_news", "shakespeare"):
        assert name in message
    with pytest.raises(GanTextError, match="unknown corpus 'nope'; known: coco, emnlp_news, shakespeare"):
        load_registered("nope")


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(GanTextError, match="no such file") as caught:
        load_corpus(str(tmp_path / "my_corpus.txt"))
    assert "my_corpus.txt" in str(caught.value) and "coco" in str(caught.value)
