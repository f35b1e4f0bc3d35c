"""A compound file (MS-CFB version 3) writer for vbaProject.bin: storages and streams from a tree.

Deterministic (no timestamps, no CLSIDs, siblings in the order the format prescribes), so two
builds give the same bytes. Streams under 4096 bytes go to the mini stream as the format requires;
each storage's children form a real red-black tree (the template's degenerate chain is tolerated
by Excel, but a strict reader is entitled to refuse it). Files that would need DIFAT sectors
(over ~6.8 MB) are refused: a VBA project is a few hundred KB at most.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENTRY = 128
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
HEADER_DIFAT = 109
RED, BLACK = 0, 1
STORAGE, STREAM, ROOT = 1, 2, 5

Tree = dict[str, "bytes | Tree"]  # a storage: names to stream bytes or to sub-storages


class CompoundFileError(ValueError):
    """The tree cannot be written as a version-3 compound file."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    """The format's order of siblings: shorter names first, then by upper-cased code points."""
    return (len(name.encode("utf-16-le")), name.upper())


def _entries(tree: Tree) -> list[_Entry]:
    """All entries in directory order (root first, then each storage's children, depth first)."""

    def convert(name: str, node: bytes | Tree) -> _Entry:
        if len(name) > 31 or not name or any(c in name for c in "/\\:!"):
            raise CompoundFileError(f"名称不能用作复合文件条目：{name!r}")
        if isinstance(node, bytes):
            return _Entry(name, STREAM, data=node)
        return _Entry(name, STORAGE, children=[convert(n, node[n]) for n in sorted(node, key=_sort_key)])

    root = _Entry("Root Entry", ROOT, children=[convert(n, tree[n]) for n in sorted(tree, key=_sort_key)])
    ordered: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(ordered)
        ordered.append(entry)
        for c in entry.children:
            number(c)

    number(root)
    for entry in ordered:
        entry.child = _red_black(entry.children)
    return ordered


def _red_black(siblings: list[_Entry]) -> int:
    """Link sorted siblings as a balanced tree coloured red-black; return the root's id.

    Splitting at the middle puts every empty link at depth d or d+1; nodes on the deepest level
    of an incomplete tree are red, all others black, so every path counts the same black nodes."""
    if not siblings:
        return NOSTREAM
    depths: dict[int, int] = {}

    def link(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = siblings[mid]
        depths[mid] = depth
        node.left = link(lo, mid, depth + 1)
        node.right = link(mid + 1, hi, depth + 1)
        return node.sid

    root = link(0, len(siblings), 0)
    deepest = max(depths.values())
    full = len(siblings) == 2 ** (deepest + 1) - 1
    for i, node in enumerate(siblings):
        node.color = RED if depths[i] == deepest and not full and deepest > 0 else BLACK
    return root


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN


def _sectors(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


def write(tree: Tree) -> bytes:
    """The compound file holding `tree` (stream names map to bytes, storage names to dicts)."""
    entries = _entries(tree)
    root = entries[0]
    mini = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != STREAM:
            continue
        e.size = len(e.data)
        if not e.data:
            continue
        if e.size < MINI_CUTOFF:
            e.start = len(mini_fat)
            count = _sectors(e.size, MINI_SECTOR)
            mini_fat += [0] * count
            _chain(mini_fat, e.start, count)
            mini += e.data.ljust(count * MINI_SECTOR, b"\x00")
        else:
            big.append(e)
    # layout: big streams, mini stream, mini FAT, directory, FAT
    plan: list[tuple[str, int]] = [(e.name, _sectors(e.size, SECTOR)) for e in big]
    mini_count = _sectors(len(mini), SECTOR)
    minifat_count = _sectors(len(mini_fat) * 4, SECTOR)
    dir_count = _sectors(len(entries) * ENTRY, SECTOR)
    used = sum(n for _, n in plan) + mini_count + minifat_count + dir_count
    fat_count = 1
    while (used + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    if fat_count > HEADER_DIFAT:
        raise CompoundFileError("复合文件过大（需要 DIFAT 扇区），VBA 工程不应这么大")
    total = used + fat_count
    fat = [FREESECT] * (fat_count * SECTOR // 4)
    body = bytearray()

    def place(data: bytes, count: int) -> int:
        first = len(body) // SECTOR
        if count:
            _chain(fat, first, count)
            body.extend(data.ljust(count * SECTOR, b"\x00"))
        return first if count else ENDOFCHAIN

    for e in big:
        e.start = place(e.data, _sectors(e.size, SECTOR))
    root.start = place(bytes(mini), mini_count)
    root.size = len(mini)
    minifat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    minifat_bytes += struct.pack("<I", FREESECT) * ((minifat_count * SECTOR - len(minifat_bytes)) // 4)
    minifat_start = place(minifat_bytes, minifat_count)
    dir_start = len(body) // SECTOR
    directory = b"".join(_entry_bytes(e) for e in entries)
    directory += _empty_entry() * (dir_count * SECTOR // ENTRY - len(entries))
    place(directory, dir_count)
    fat_start = len(body) // SECTOR
    for i in range(fat_count):
        fat[fat_start + i] = FATSECT
    assert fat_start + fat_count == total
    body += struct.pack(f"<{len(fat)}I", *fat)
    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (HEADER_DIFAT - fat_count)
    header = (
        SIGNATURE
        + bytes(16)
        + struct.pack("<HHHHH6sIIIIIIIII", 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6), 0, fat_count, dir_start, 0,
                      MINI_CUTOFF, minifat_start, minifat_count, ENDOFCHAIN, 0)  # fmt: skip
        + struct.pack(f"<{HEADER_DIFAT}I", *difat)
    )
    assert len(header) == SECTOR
    return header + bytes(body)


def _entry_bytes(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name) + 2,
        e.kind,
        e.color,
        e.left,
        e.right,
        e.child,
        bytes(16),
        0,
        0,
        0,
        e.start if e.kind != STORAGE else 0,
        e.size,
    )


def _empty_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0)
