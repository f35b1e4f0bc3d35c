"""A guarded reader of OLE compound files (MS-CFB, versions 3 and 4), the container of an .xls: the
header, the sector allocation table (its DIFAT chain included), the directory and the streams an
.xls return needs, every sector id range-checked and every chain bounded by the file's own sector
count, so a damaged or crafted file is a `file-damaged` finding, never a loop or a traceback.

It also writes a minimal compound file holding one stream. python-calamine reads an .xls from that
copy, never from the returned file: its own reader follows chains without a loop check and takes the
first stream of a name found in any storage, so it is given only the stream read and checked here.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass

from .prescan import MAX_PART_BYTES, OLE_MAGIC, Problem, Refused

FREE, END, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
MINI_CUTOFF = 4096  # streams smaller than this live in the mini stream
MINI_SECTOR = 64
STORAGE, STREAM, ROOT = 1, 2, 5
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")  # one 128-byte directory entry


def damaged(why: str, what: str = "复合文档结构有误") -> Refused:
    """A file-damaged refusal: `what` layer of the file is wrong, and `why`."""
    return Refused([Problem("file-damaged", f"文件已损坏（{what}：{why}），请重新保存后报送")])


@dataclass(frozen=True)
class Entry:
    name: str
    kind: int  # STORAGE, STREAM or ROOT (0: unused)
    left: int
    right: int
    child: int
    start: int
    size: int


def _u32s(data: bytes) -> array:
    values = array("I")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Compound:
    """A compound file's directory and streams, read on demand from the file's bytes (at most
    MAX_PART_BYTES: the caller checks the size before reading them)."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise damaged("文件头不完整")
        major, order, shift, mini_shift = struct.unpack_from("<HHHH", data, 26)
        if order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise damaged("文件头无效")
        self.data = data
        self.size = 1 << shift
        header = struct.unpack_from("<IIIIIIIII", data, 40)
        _, fat_count, self.dir_start, _, cutoff, self.minifat_start, self.minifat_count, difat_start, difat_count = (
            header
        )
        if cutoff != MINI_CUTOFF:
            raise damaged("文件头无效")
        self.sectors = max(0, -(-(len(data) - self.size) // self.size))  # a last sector may be short
        if fat_count > self.sectors or difat_count > self.sectors:
            raise damaged("分配表大小超出文件")
        self.fat = self._fat(fat_count, difat_start)
        self.entries = self._directory()
        if not self.entries or self.entries[0].kind != ROOT:
            raise damaged("缺少根目录")

    def sector(self, sid: int) -> bytes:
        if sid >= self.sectors:
            raise damaged("扇区编号超出文件")
        start = (sid + 1) * self.size
        return self.data[start : start + self.size].ljust(self.size, b"\0")

    def _fat(self, fat_count: int, difat_start: int) -> array:
        """The allocation table: its sectors listed by the header's 109 DIFAT entries, then by the
        DIFAT sectors' chain (each holding size/4 - 1 entries and the next DIFAT sector's id)."""
        ids = list(_u32s(self.data[76:512])[: min(fat_count, 109)])
        sid, seen = difat_start, set()
        while len(ids) < fat_count:
            if sid in seen or len(seen) >= self.sectors:
                raise damaged("分配表链成环")
            seen.add(sid)
            entries = _u32s(self.sector(sid))
            ids.extend(entries[:-1][: fat_count - len(ids)])
            sid = entries[-1]
        fat = array("I")
        for sid in ids:
            fat.extend(_u32s(self.sector(sid)))
        return fat

    def chain(self, start: int, table: array, limit: int, count: int | None = None) -> list[int]:
        """The sector ids of a chain in `table`, `limit` the sectors there are; a sector met twice is
        a loop. `count`: stop after that many (a stream needs no more than its size)."""
        ids: list[int] = []
        seen: set[int] = set()
        sid = start
        while sid != END and (count is None or len(ids) < count):
            if sid >= min(len(table), limit):
                raise damaged("扇区编号超出文件")
            if sid in seen:
                raise damaged("扇区链成环")
            seen.add(sid)
            ids.append(sid)
            sid = table[sid]
        if count is not None and len(ids) < count:
            raise damaged("数据流比声明的短")
        return ids

    def _directory(self) -> list[Entry]:
        raw = b"".join(self.sector(sid) for sid in self.chain(self.dir_start, self.fat, self.sectors))
        entries = []
        for offset in range(0, len(raw) - 127, 128):
            name, length, kind, _, left, right, child, _, _, _, _, start, size = _ENTRY.unpack_from(raw, offset)
            if length > 64 or length % 2:
                raise damaged("目录项名称无效")
            text = name[: max(0, length - 2)].decode("utf-16-le", "replace")
            if self.size == 512:
                size &= 0xFFFFFFFF  # version 3: the high half is undefined
            entries.append(Entry(text, kind, left, right, child, start, size))
        return entries

    def top_level(self) -> dict[str, Entry]:
        """The root storage's children by name (a tree of siblings, walked with a visited set)."""
        found: dict[str, Entry] = {}
        stack, seen = [self.entries[0].child], set()
        while stack:
            k = stack.pop()
            if k == NOSTREAM:
                continue
            if k >= len(self.entries) or k in seen:
                raise damaged("目录树无效")
            seen.add(k)
            entry = self.entries[k]
            if entry.kind in (STORAGE, STREAM):
                found.setdefault(entry.name, entry)
            stack += [entry.left, entry.right]
        return found

    def read(self, entry: Entry) -> bytes:
        """A stream's bytes, from the mini stream when it is small; refused past MAX_PART_BYTES."""
        if entry.size > MAX_PART_BYTES:
            message = f"数据流 {entry.name} 有 {entry.size // 1048576} MB，超过上限"
            raise Refused([Problem("file-too-large", message)])
        if entry.size >= MINI_CUTOFF:
            return self._regular(entry.start, entry.size)
        root = self.entries[0]
        if root.size > MAX_PART_BYTES:
            raise damaged("迷你数据流过大")
        mini = self._regular(root.start, root.size)
        table = _u32s(b"".join(self.sector(s) for s in self.chain(self.minifat_start, self.fat, self.sectors)))
        needed = -(-entry.size // MINI_SECTOR)
        ids = self.chain(entry.start, table, len(mini) // MINI_SECTOR, needed)
        return b"".join(mini[s * MINI_SECTOR : (s + 1) * MINI_SECTOR] for s in ids)[: entry.size]

    def _regular(self, start: int, size: int) -> bytes:
        ids = self.chain(start, self.fat, self.sectors, -(-size // self.size))
        return b"".join(self.sector(s) for s in ids)[:size]


def single_stream(name: str, data: bytes) -> bytes:
    """A version 3 compound file holding `data` as its one stream `name`, padded with zero bytes to
    MINI_CUTOFF so it is a regular stream (zeros after a BIFF stream's last EOF are never read)."""
    data = data.ljust(MINI_CUTOFF, b"\0")
    per = 128  # FAT entries in a 512-byte sector
    stream_sectors = -(-len(data) // 512)
    fat_count = 1
    while True:
        difat_count = max(0, -(-(fat_count - 109) // 127))
        if fat_count * per >= stream_sectors + fat_count + difat_count + 1:
            break
        fat_count += 1
    directory = fat_count + difat_count
    first = directory + 1
    fat = [FATSECT] * fat_count + [DIFSECT] * difat_count + [END]
    fat += list(range(first + 1, first + stream_sectors)) + [END]
    fat += [FREE] * (fat_count * per - len(fat))
    fat_ids = list(range(fat_count))
    header_difat = (fat_ids[:109] + [FREE] * 109)[:109]
    difat = b""
    rest = fat_ids[109:]
    for k in range(difat_count):
        chunk = (rest[k * 127 : (k + 1) * 127] + [FREE] * 127)[:127]
        following = fat_count + k + 1 if k + 1 < difat_count else END
        difat += struct.pack("<128I", *chunk, following)
    entries = b""
    for entry_name, kind, child, start, size in (
        ("Root Entry", ROOT, 1, END, 0),
        (name, STREAM, NOSTREAM, first, len(data)),
    ):
        encoded = (entry_name + "\0").encode("utf-16-le")
        entries += _ENTRY.pack(encoded, len(encoded), kind, 1, NOSTREAM, NOSTREAM, child, b"", 0, 0, 0, start, size)
    for _ in range(2):
        entries += _ENTRY.pack(b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0)
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHHHH6x", 0x3E, 3, 0xFFFE, 9, 6)
    header += struct.pack(
        "<IIIIIIIII", 0, fat_count, directory, 0, MINI_CUTOFF, END, 0, fat_count if difat_count else END, difat_count
    )
    header += struct.pack("<109I", *header_difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + difat + entries
    return header + body + data.ljust(stream_sectors * 512, b"\0")
