"""Where curriculum files come from: the work tree, or a git revision (for `--base`)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class SourceError(Exception):
    """The files could not be listed (for example, an unknown git revision)."""


@dataclass(frozen=True)
class Entry:
    """One file found under a folder, or a problem found while walking it."""

    path: str  # relative to the project root, POSIX separators
    problem: str | None = None  # e.g. "symlink-loop"
    detail: str = ""


@dataclass(frozen=True)
class Blob:
    """The bytes of one file, or why they could not be read."""

    data: bytes | None
    problem: str | None = None
    detail: str = ""
    size: int = 0


class Source(Protocol):
    def walk(self, folder: str, suffixes: tuple[str, ...]) -> Iterator[Entry]: ...

    def read(self, path: str, max_bytes: int) -> Blob: ...

    def read_text(self, path: str) -> str | None: ...


class FileSystemSource:
    """Files in the work tree under `root`. Follows symlinks, reports loops instead of hanging."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def walk(self, folder: str, suffixes: tuple[str, ...]) -> Iterator[Entry]:
        top = self.root / folder
        if not top.is_dir():
            return
        seen: set[tuple[int, int]] = set()
        found: list[Entry] = []

        def onerror(exc: OSError) -> None:
            if exc.filename:
                rel = Path(exc.filename).relative_to(self.root).as_posix()
                code = "symlink-loop" if exc.errno == errno.ELOOP else "read-error"
                found.append(Entry(rel, code, exc.strerror or str(exc)))

        for dirpath, dirnames, filenames in os.walk(top, followlinks=True, onerror=onerror):
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen:
                rel = Path(dirpath).relative_to(self.root).as_posix()
                found.append(
                    Entry(rel, "symlink-loop", "this folder is a link back to a folder above it")
                )
                dirnames[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(suffixes) and not name.startswith("."):
                    rel = (Path(dirpath) / name).relative_to(self.root).as_posix()
                    found.append(Entry(rel))
        yield from sorted(found, key=lambda e: e.path)

    def read(self, path: str, max_bytes: int) -> Blob:
        full = self.root / path
        try:
            size = os.stat(full).st_size
            if size > max_bytes:
                return Blob(None, "file-too-large", size=size)
            with open(full, "rb") as fh:
                return Blob(fh.read(), size=size)
        except OSError as exc:
            code = "symlink-loop" if exc.errno == errno.ELOOP else "read-error"
            return Blob(None, code, exc.strerror or str(exc))

    def read_text(self, path: str) -> str | None:
        try:
            return (self.root / path).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None


class GitSource:
    """Files as they were at a git revision, read with `git cat-file` (work tree untouched)."""

    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self.rev = rev
        self._blobs: dict[str, tuple[str, int]] = {}  # path -> (object id, size)
        self._listed = False
        self._cache: dict[str, bytes] = {}
        self._pending: set[str] = set()  # walked but not yet read: fetched in one batch

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        import subprocess  # only `coverage --base` reads a revision: not on validate's path

        try:
            proc = subprocess.run(
                ["git", *args], cwd=self.root, input=stdin, capture_output=True, check=False
            )
        except FileNotFoundError:
            raise SourceError("git is not installed") from None
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SourceError(
                f"git {args[0]} failed for revision '{self.rev}': "
                f"{message[-1] if message else 'unknown error'}"
            )
        return proc.stdout

    def _list(self) -> None:
        if self._listed:
            return
        try:
            self._git("rev-parse", "--verify", "--quiet", f"{self.rev}^{{commit}}")
        except SourceError:
            raise SourceError(
                f"unknown git revision '{self.rev}' (in a CI clone, fetch it first: "
                "git fetch origin main)"
            ) from None
        prefix = self._git("rev-parse", "--show-prefix").decode().strip()
        out = self._git("ls-tree", "-r", "-l", "-z", "--full-tree", self.rev)
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, oid, size = meta.decode().split()
            if kind != "blob" or mode == "120000":
                continue
            path = name.decode("utf-8", "replace")
            if prefix:
                if not path.startswith(prefix):
                    continue
                path = path[len(prefix) :]
            self._blobs[path] = (oid, int(size))
        self._listed = True

    def walk(self, folder: str, suffixes: tuple[str, ...]) -> Iterator[Entry]:
        self._list()
        base = folder.rstrip("/") + "/"
        for path in sorted(self._blobs):
            name = path.rsplit("/", 1)[-1]
            if path.startswith(base) and name.endswith(suffixes) and not name.startswith("."):
                if any(part.startswith(".") for part in path[len(base) :].split("/")):
                    continue
                self._pending.add(path)
                yield Entry(path)

    def _fetch(self, path: str) -> None:
        wanted = sorted((self._pending | {path}) - set(self._cache))
        self._pending.clear()
        stdin = "".join(f"{self._blobs[p][0]}\n" for p in wanted).encode()
        out = self._git("cat-file", "--batch", stdin=stdin)
        pos = 0
        for path in wanted:
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            start = header_end + 1
            self._cache[path] = out[start : start + size]
            pos = start + size + 1

    def read(self, path: str, max_bytes: int) -> Blob:
        self._list()
        if path not in self._blobs:
            return Blob(None, "read-error", "not in this revision")
        size = self._blobs[path][1]
        if size > max_bytes:
            return Blob(None, "file-too-large", size=size)
        if path not in self._cache:
            self._fetch(path)
        return Blob(self._cache[path], size=size)

    def read_text(self, path: str) -> str | None:
        self._list()
        if path not in self._blobs:
            return None
        blob = self.read(path, 1 << 30)
        return blob.data.decode("utf-8", "replace") if blob.data is not None else None
