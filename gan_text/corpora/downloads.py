"""Real corpora that are downloaded once, checked against SHA-256 and cached.

:data:`REGISTRY` maps each name (``coco``, ``emnlp_news``, ``shakespeare``) to a
:class:`RegisteredCorpus`: what the text is, where it comes from, how to cite it, its licence, and its
files. Each file is a :class:`Resource` with

- ``relpath``: its path on a mirror and in the cache, e.g. ``image_coco/image_coco.txt``;
- ``url``: where it is published upstream, pinned to a commit where the host allows it;
- ``sha256``: the hash of the exact bytes; a download that does not match is thrown away.

Where files go and where they come from:

- The cache folder is ``GAN_TEXT_CACHE`` if set, else ``$XDG_CACHE_HOME/gan_text``, else
  ``~/.cache/gan_text`` (see :func:`cache_root`). Files keep their ``relpath`` layout inside it.
- ``GAN_TEXT_DATA_MIRROR`` replaces every upstream URL by ``<mirror>/<relpath>``: useful behind a firewall
  (a teacher serves the files on the local network) and in tests, or a local folder with the same layout.

A cached file whose hash matches is used without touching the network; one that does not is reported and
downloaded again. Downloads stream into a temporary file next to the target while they are hashed, and only
a verified file is renamed into place: the cache never holds a partial or wrong file.

So that a slow or broken server cannot stall a download forever or fill the disk, a server must answer
within :data:`TIMEOUT_S` seconds (to connect, and for each read), one that sends more bytes than the file's
known ``size`` is cut off, and a whole download must end within a deadline: by default 60 s plus 1 s per
50 kB of the file's size (71 s for a COCO split); ``GAN_TEXT_DOWNLOAD_TIMEOUT`` changes it (seconds).
A temporary file left by a killed download (SIGKILL, power loss) is deleted when the next download into
the same cache starts (:func:`remove_partial_downloads`). A cache that cannot be written is named as such.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import math
import os
import re
import stat
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

try:
    import fcntl  # POSIX file locks: tell a live download's temporary file from an orphan
except ImportError:  # Windows
    fcntl = None

from ..atomic import atomic_path
from ..errors import GanTextError, one_of
from . import files
from .base import Corpus

MIRROR_VARIABLE = "GAN_TEXT_DATA_MIRROR"
CACHE_VARIABLE = "GAN_TEXT_CACHE"
DEADLINE_VARIABLE = "GAN_TEXT_DOWNLOAD_TIMEOUT"
TIMEOUT_S = 30
"""Seconds to wait for a server to answer (connecting, or between two chunks of a download)."""
DEADLINE_BASE_S = 60
"""The default deadline of one whole download is this many seconds plus 1 s per SLOWEST_BYTES_PER_S."""
SLOWEST_BYTES_PER_S = 50_000
DEADLINE_UNKNOWN_SIZE_S = 600
"""The default deadline, in seconds, of a download whose size is not known."""
PARTIAL_GRACE_S = 10
"""A temporary download file modified less than this many seconds ago is never deleted as an orphan."""
PROGRESS_BAR_BYTES = 256 * 1024
"""Downloads larger than this show a progress bar."""
_CHUNK = 64 * 1024
CACHE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EEXIST,
                          errno.EISDIR, errno.ENOTDIR})
"""File-system errors, which blame the cache rather than the mirror even when they name no file (a full disk)."""


@dataclasses.dataclass(frozen=True)
class Resource:
    """One downloadable file: its mirror-relative path, its upstream URL and its SHA-256.

    ``sha256`` is None when no trustworthy hash is pinned yet; :func:`fetch` then refuses the file
    rather than use bytes it cannot check. ``size`` is the expected number of bytes: it sets the
    default deadline of a download, and a server that sends more is cut off (None: no cap).
    """

    relpath: str
    url: str
    sha256: str | None
    size: int | None = None


@dataclasses.dataclass(frozen=True)
class RegisteredCorpus:
    """A downloadable corpus: what it is, how to cite it, and its files.

    ``files`` maps a role to a :class:`Resource`. With ``train`` and ``test`` roles the published
    split is used as is. A corpus with one ``all`` file is split here: the last ``test_fraction`` of
    its sentences (in file order) are held out for testing, the rest are for training.
    Roles other than these (e.g. a full training file whose hash is not pinned) are listed for
    reference and can be passed to :func:`fetch`, but are not used by :func:`load_registered`.
    """

    name: str
    description: str
    citation: str
    licence: str
    level: str
    lowercase: bool
    files: dict[str, Resource]
    test_fraction: float | None = None


_TEXYGEN = "https://raw.githubusercontent.com/geek-ai/Texygen/3104e22ac75f3cc2070da2bf5e2da6d2bef149ad"
_TEXYGEN_CITATION = ("Zhu, Lu, Zheng, Guo, Zhang, Wang and Yu (2018). Texygen: A Benchmarking "
                     "Platform for Text Generation Models. SIGIR 2018. https://github.com/geek-ai/Texygen")

REGISTRY: dict[str, RegisteredCorpus] = {
    "coco": RegisteredCorpus(
        name="coco",
        description=("MS-COCO image captions, the Texygen benchmark split used by Texygen, RelGAN "
                     "and TextGAN-PyTorch: 10,000 train and 10,000 test captions, raw text "
                     "(lowercase, punctuation not split off)."),
        citation=(_TEXYGEN_CITATION + "; Chen, Fang, Lin, Vedantam, Gupta, Dollar and Zitnick "
                  "(2015). Microsoft COCO Captions: Data Collection and Evaluation Server. "
                  "arXiv:1504.00325"),
        licence=("MIT (the Texygen repository); the captions come from MS-COCO Captions, whose "
                 "annotations are generally distributed under CC BY 4.0"),
        level="word",
        lowercase=True,
        files={
            "train": Resource("image_coco/image_coco.txt", f"{_TEXYGEN}/data/image_coco.txt",
                              "2c0fd1f0f43aac6a9dc3926a535516ccf395de535e15ac1fd17cd569420736f5",
                              546_442),
            "test": Resource("image_coco/test_coco.txt", f"{_TEXYGEN}/data/testdata/test_coco.txt",
                             "72e25c9fb4d2cd43182ac602c92f6ffc377762147f9709572943b0b09174bcae",
                             536_184),
        },
    ),
    "emnlp_news": RegisteredCorpus(
        name="emnlp_news",
        description=("EMNLP2017 WMT News sentences (already tokenized, case kept), made from the "
                     "10,000-sentence TEST file of the Texygen benchmark only: its first 9,000 lines "
                     "are the train split here and its last 1,000 the test split. The benchmark's "
                     "full training file (about 270k sentences) is not used, because its SHA-256 "
                     "is not pinned, so scores are not comparable with published EMNLP results."),
        citation=(_TEXYGEN_CITATION + "; Bojar et al. (2017). Findings of the 2017 Conference on "
                  "Machine Translation (WMT17). News Crawl monolingual data."),
        licence=("MIT (the Texygen repository); the text comes from the WMT17 News Crawl, whose "
                 "terms were not checked"),
        level="word",
        lowercase=True,
        files={
            "all": Resource("emnlp_news/test_emnlp.txt", f"{_TEXYGEN}/data/testdata/test_emnlp.txt",
                            "03c646d08f766f4140443db4419b1f0ee292bc0db514208873e9f2e166b95bd2",
                            1_742_757),
            "full_train": Resource("emnlp_news/emnlp_news.txt", f"{_TEXYGEN}/data/emnlp_news.txt",
                                   None),
        },
        test_fraction=0.1,
    ),
    "shakespeare": RegisteredCorpus(
        name="shakespeare",
        description=("Tiny Shakespeare (Karpathy's char-rnn file, as downloaded by TensorFlow's "
                     "text-generation tutorial): 40,000 lines from Shakespeare's plays, for "
                     "character-level models. Sentences are its non-blank lines; the first 90% "
                     "(in file order) are the train split and the last 10% the test split."),
        citation=("Karpathy (2015). char-rnn, data/tinyshakespeare/input.txt. "
                  "https://github.com/karpathy/char-rnn"),
        licence="public domain (Shakespeare's plays); the char-rnn repository is MIT",
        level="char",
        lowercase=False,
        files={
            # The SHA-256 and size are those TensorFlow Datasets pins for char-rnn's input.txt
            # (tensorflow_datasets/datasets/tiny_shakespeare/checksums.tsv). TensorFlow's copy below
            # is the same text (1,115,394 bytes, same opening lines and 65 characters in published
            # tutorial outputs); if it ever differs, the download fails its check, loudly.
            "all": Resource("shakespeare/shakespeare.txt",
                            "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
                            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                            1_115_394),
        },
        test_fraction=0.1,
    ),
}


def cache_root() -> Path:
    """The download cache folder: GAN_TEXT_CACHE, else $XDG_CACHE_HOME/gan_text, else ~/.cache/gan_text."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "gan_text"
    return Path.home() / ".cache" / "gan_text"


def source_url(resource: Resource) -> str:
    """Where ``resource`` is downloaded from: ``<GAN_TEXT_DATA_MIRROR>/<relpath>`` if set, else upstream.

    A mirror without a URL scheme (``http://``, ``file://``...) is taken as a local folder.
    """
    mirror = os.environ.get(MIRROR_VARIABLE, "").strip()
    if not mirror:
        return resource.url
    if "://" not in mirror:
        mirror = Path(mirror).expanduser().resolve().as_uri()
    return f"{mirror.rstrip('/')}/{resource.relpath}"


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_deadline(resource: Resource) -> float:
    """Seconds one whole download of ``resource`` may take, connecting included.

    ``GAN_TEXT_DOWNLOAD_TIMEOUT`` if set (a positive number of seconds), else :data:`DEADLINE_BASE_S`
    plus the file's ``size`` at :data:`SLOWEST_BYTES_PER_S` (70.9 s for a COCO split), else
    :data:`DEADLINE_UNKNOWN_SIZE_S` when the size is not known. Raises GanTextError for a bad setting.
    """
    raw = os.environ.get(DEADLINE_VARIABLE, "").strip()
    if raw:
        try:
            seconds = float(raw)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise GanTextError(f"{DEADLINE_VARIABLE} must be a positive number of seconds (e.g. 600), "
                               f"not {raw!r}; set it to a number or unset it for the default")
        return seconds
    if resource.size is None:
        return DEADLINE_UNKNOWN_SIZE_S
    return DEADLINE_BASE_S + resource.size / SLOWEST_BYTES_PER_S


def remove_partial_downloads(root: str | os.PathLike, resources) -> list[Path]:
    """Delete the temporary files that killed downloads of ``resources`` left in the cache ``root``.

    Only files named as :func:`~gan_text.atomic.atomic_path` names its temporary files
    (``.<file name>.<8 characters>.tmp``) beside one of ``resources`` are candidates. One is deleted
    if no live download holds its lock (without file locks, as on Windows: if it is older than the
    deadline) and it has not been modified for :data:`PARTIAL_GRACE_S` seconds. Files that cannot be
    checked or deleted are left alone. Returns the deleted paths.
    """
    removed = []
    for resource in resources:
        target = Path(root) / resource.relpath
        # mkstemp's random part: 8 characters of [a-z0-9_] (tempfile's name sequence).
        pattern = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}\.tmp")
        try:
            candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
        except OSError:  # no such folder yet, or unreadable
            continue
        for path in candidates:
            try:
                if _is_orphan(path, resource):
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    return removed


def fetch(resource, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the path of a verified local copy of a file, downloading it if needed.

    ``resource`` is a :class:`Resource` or a ``(corpus name, role)`` pair such as ``("coco",
    "train")``. ``cache_dir`` defaults to :func:`cache_root`. Raises GanTextError if the file cannot
    be downloaded, does not match its SHA-256, or has no pinned SHA-256.
    """
    resource = _resolve(resource)
    root = Path(cache_dir).expanduser() if cache_dir is not None else cache_root()
    target = root / resource.relpath
    if resource.sha256 is None:
        raise GanTextError(
            f"the SHA-256 of {resource.relpath} is not pinned, so gan_text will not download it "
            f"unchecked; download {resource.url} yourself and load it with load_corpus(<its path>)")
    cached_hash = sha256_of(target) if target.exists() else None
    if cached_hash == resource.sha256:
        return target
    deadline_s = download_deadline(resource)
    remove_partial_downloads(root, [resource, *(r for e in REGISTRY.values() for r in e.files.values())])
    if cached_hash is None:
        _download(resource, target, deadline_s)
        return target
    warnings.warn(f"cached file {target} is corrupted (SHA-256 {cached_hash}, expected "
                  f"{resource.sha256}); downloading it again", stacklevel=2)
    try:
        _download(resource, target, deadline_s)
    except GanTextError as error:
        raise GanTextError(f"cached file {target} is corrupted and downloading it again failed "
                           f"({error}); delete it and try again once the source is reachable") from None
    return target


def load_registered(name: str, n_train: int | None = None, n_test: int | None = None,
                    cache_dir: str | os.PathLike | None = None) -> Corpus:
    """Load a registered corpus (downloading its files once), keeping file order.

    ``n_train`` / ``n_test`` keep the first that many sentences of each split (None or a larger
    number: all of them). Lines are stripped and blank lines dropped. Raises GanTextError for an
    unknown name, a bad count, or a failed download.
    """
    if name not in REGISTRY:
        raise one_of("corpus", name, REGISTRY)
    files.check_count("n_train", n_train)
    files.check_count("n_test", n_test)
    entry = REGISTRY[name]
    if "train" in entry.files:
        train = files.read_sentences(fetch(entry.files["train"], cache_dir))
        test = files.read_sentences(fetch(entry.files["test"], cache_dir))
    else:
        sentences = files.read_sentences(fetch(entry.files["all"], cache_dir))
        cut = len(sentences) - round(len(sentences) * entry.test_fraction)
        train, test = sentences[:cut], sentences[cut:]
    return Corpus(name=entry.name, description=entry.description, train=train[:n_train],
                  test=test[:n_test], level=entry.level, lowercase=entry.lowercase,
                  citation=entry.citation, licence=entry.licence)


def _resolve(resource) -> Resource:
    """Turn a ``(name, role)`` pair into its Resource; pass a Resource through."""
    if isinstance(resource, Resource):
        return resource
    if not (isinstance(resource, tuple) and len(resource) == 2):
        raise GanTextError(f"fetch takes a Resource or a (corpus name, role) pair such as "
                           f"('coco', 'train'), not {resource!r}")
    name, role = resource
    if name not in REGISTRY:
        raise one_of("corpus", name, REGISTRY)
    if role not in REGISTRY[name].files:
        raise one_of(f"file role of corpus {name!r}", role, REGISTRY[name].files)
    return REGISTRY[name].files[role]


def _is_orphan(path: Path, resource: Resource) -> bool:
    """Whether the temporary download file ``path`` was left by a process that is gone.

    A live download holds an exclusive lock on its temporary file (see :func:`_stream`), and the
    kernel drops it when the process dies, however it dies. Raises OSError if ``path`` cannot be read.
    """
    info = path.lstat()
    age = time.time() - info.st_mtime
    if not stat.S_ISREG(info.st_mode) or age < PARTIAL_GRACE_S:
        return False
    if fcntl is None:
        return age > download_deadline(resource) + TIMEOUT_S
    with open(path, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
    return True


def _how_to_fix(resource: Resource) -> str:
    mirror = os.environ.get(MIRROR_VARIABLE, "").strip()
    if mirror:
        return (f"{MIRROR_VARIABLE} is set to {mirror!r}: check that this mirror is up and serves "
                f"{resource.relpath}, or unset {MIRROR_VARIABLE} to use the original source")
    return (f"check your internet connection, or set {MIRROR_VARIABLE} to a mirror that serves "
            f"{resource.relpath}")


def _download(resource: Resource, target: Path, deadline_s: float) -> None:
    """Stream ``resource`` into a temporary file next to ``target``, verify it, then rename it.

    The whole download must end within ``deadline_s`` seconds.
    """
    url = source_url(resource)
    wait_s = min(TIMEOUT_S, deadline_s)
    try:
        with atomic_path(target) as tmp:
            digest = _stream(url, tmp, resource, deadline_s, wait_s)
            if digest != resource.sha256:
                raise GanTextError(
                    f"the file downloaded from {url} does not match its checksum (SHA-256 {digest}, "
                    f"expected {resource.sha256}) and was deleted; if {MIRROR_VARIABLE} is set, "
                    f"check that its mirror serves the original {resource.relpath}")
    except urllib.error.HTTPError as error:
        raise GanTextError(f"could not download {url} (HTTP {error.code} {error.reason}); "
                           f"{_how_to_fix(resource)}") from None
    except urllib.error.URLError as error:
        reason = getattr(error.reason, "strerror", None) or error.reason
        raise GanTextError(f"could not download {url} ({reason}); {_how_to_fix(resource)}") from None
    except TimeoutError:
        raise GanTextError(f"could not download {url} (no answer within {wait_s:g} s); "
                           f"{_how_to_fix(resource)}") from None
    except OSError as error:
        # A local file's error names the file or is a file system's; a network error (reset, ...) is neither.
        if error.filename is None and error.errno not in CACHE_ERRNOS:
            raise GanTextError(f"could not download {url} ({error}); {_how_to_fix(resource)}") from None
        raise GanTextError(f"cannot write the download cache at {target.parent} "
                           f"({error.strerror or error}); set {CACHE_VARIABLE} to a writable folder") from None


def _stream(url: str, tmp: Path, resource: Resource, deadline_s: float, wait_s: float) -> str:
    """Copy ``url`` into ``tmp`` chunk by chunk, with a progress bar when large; return its SHA-256.

    Gives up after ``deadline_s`` seconds in all, waiting at most ``wait_s`` for one read. Locks ``tmp``
    while writing, so :func:`remove_partial_downloads` leaves it alone. Raises GanTextError when the
    deadline passes or the server sends more than ``resource.size`` bytes.
    """
    from tqdm import tqdm

    digest = hashlib.sha256()
    received, deadline = 0, time.monotonic() + deadline_s
    with open(tmp, "wb") as out:
        if fcntl is not None:
            fcntl.flock(out, fcntl.LOCK_EX)
        with urllib.request.urlopen(url, timeout=wait_s) as response:
            length = response.headers.get("Content-Length")
            announced = int(length) if length and length.isdigit() else None
            if resource.size is not None and announced is not None and announced > resource.size:
                raise _too_big(url, resource, f"announces {announced:,} bytes")
            total = announced or resource.size
            read = getattr(response, "read1", response.read)  # read1: what has arrived, without waiting for more
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {resource.relpath}",
                      disable=not total or total < PROGRESS_BAR_BYTES, leave=False) as bar:
                while chunk := read(_CHUNK):
                    received += len(chunk)
                    if resource.size is not None and received > resource.size:
                        raise _too_big(url, resource, f"sent more than {resource.size:,} bytes")
                    if time.monotonic() > deadline:
                        raise _too_slow(url, resource, received, deadline_s)
                    digest.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
    return digest.hexdigest()


def _too_big(url: str, resource: Resource, what: str) -> GanTextError:
    return GanTextError(f"the server at {url} {what}, more than the {resource.size:,} bytes of "
                        f"{resource.relpath}, so the download was stopped and deleted; "
                        f"{_how_to_fix(resource)}")


def _too_slow(url: str, resource: Resource, received: int, deadline_s: float) -> GanTextError:
    expected = f" of {resource.size:,}" if resource.size is not None else ""
    seconds = f"{deadline_s:,.1f}".removesuffix(".0")
    return GanTextError(f"downloading {url} took too long ({received:,}{expected} bytes in "
                        f"{seconds} s), so it was stopped and deleted; try again later or set "
                        f"{DEADLINE_VARIABLE} to more seconds; {_how_to_fix(resource)}")


__all__ = ["REGISTRY", "RegisteredCorpus", "Resource", "cache_root", "download_deadline", "fetch",
           "load_registered", "remove_partial_downloads", "sha256_of", "source_url"]
