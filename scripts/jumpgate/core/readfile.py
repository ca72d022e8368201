"""Reading a repository file safely: never through a symbolic link, never anything but a
regular file, and never more than a cap.

A symlink can point outside the repository (a team file kept elsewhere, `/etc/passwd`) or at
a device (`/dev/zero` never ends), and checking first then opening by name leaves a gap in
which the file can be swapped. So the file is opened once, with O_NOFOLLOW (a symlink fails
to open) and O_NONBLOCK (a FIFO does not hang the open), the open descriptor is checked to be
a regular file with fstat, and at most cap + 1 bytes are read from it: the size on disk can
lie (a file that grows while read), the bytes read cannot.
"""

from __future__ import annotations

import errno
import os
import stat

MAX_DATA_FILE_BYTES = 1024 * 1024  # data files are hand-written; anything bigger is a mistake


class UnsafeFile(OSError):
    """Not a regular file (a symlink, directory, device, FIFO, socket) or over the cap."""

    def __init__(self, reason: str, *, head: bytes = b"") -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = bool(head)
        self.head = head  # for a file over the cap: its first cap + 1 bytes


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_capped(path: str | os.PathLike[str], cap: int) -> bytes:
    """The file's bytes; UnsafeFile when it is not a regular file or holds more than cap
    bytes (then `too_large`); any other OSError as raised (missing, permissions)."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as err:
        # O_NOFOLLOW on a symlink: ELOOP (Linux), EMLINK (FreeBSD), EFTYPE (macOS: 79)
        if err.errno in (errno.ELOOP, errno.EMLINK, 79) and os.path.islink(path):
            raise UnsafeFile("is a symbolic link; jumpgate reads regular files only") from None
        raise
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeFile(f"is {kind_of(mode)}, not a regular file")
        chunks = []
        left = cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > cap:
        size = max(status.st_size, len(data))
        raise UnsafeFile(f"is {size:,} bytes, more than the {cap:,} allowed", head=data)
    return data
