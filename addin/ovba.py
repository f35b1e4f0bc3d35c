"""MS-OVBA 2.4.1 compression: the container format of every VBA source stream and of `dir`.

Own implementation because the PyPI packages for it break on streams over about 2 KB (the
wrapper module is tens of KB). Deterministic: the same text always compresses to the same bytes.
The decompressor exists to read the template; the tests check the compressor against oletools'
independent decompressor, not only against this one.
"""

from __future__ import annotations

import struct

CHUNK = 4096  # decompressed bytes per chunk
SIGNATURE = 0x01
_MAX_CHAIN = 64  # candidates tried per position: enough for source text, bounded for speed


class CompressionError(ValueError):
    """The bytes are not a valid MS-OVBA compressed container."""


def _bit_count(position: int) -> int:
    """Bits of a copy token given to the offset at `position` within the chunk (2.4.1.3.19.1)."""
    bits = 4
    while (1 << bits) < position:
        bits += 1
    return bits


def _longest_match(data: bytes, start: int, pos: int, end: int, chains: dict[bytes, list[int]]) -> tuple[int, int]:
    """(offset, length) of the longest earlier match inside the chunk, (0, 0) when under 3 bytes."""
    candidates = chains.get(data[pos : pos + 3])
    if not candidates:
        return 0, 0
    max_length = min((0xFFFF >> _bit_count(pos - start)) + 3, end - pos)
    best_length, best_offset = 0, 0
    for candidate in reversed(candidates[-_MAX_CHAIN:]):
        length = 3
        while length < max_length and data[candidate + length] == data[pos + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - candidate
            if length == max_length:
                break
    return (best_offset, best_length) if best_length >= 3 else (0, 0)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    pos = start
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(data, start, pos, end, chains) if end - pos >= 3 else (0, 0)
            if length:
                bits = _bit_count(pos - start)
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                flags |= 1 << bit
                step = length
            else:
                out.append(data[pos])
                step = 1
            for p in range(pos, min(pos + step, end - 2)):
                chains.setdefault(data[p : p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer for `data` (2.4.1.3.6)."""
    out = bytearray([SIGNATURE])
    for start in range(0, len(data), CHUNK):
        end = min(start + CHUNK, len(data))
        body = _compress_chunk(data, start, end)
        if len(body) <= CHUNK:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        elif end - start == CHUNK:  # incompressible: stored raw (2.4.1.3.10)
            out += struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + data[start:end]
        else:  # the format would pad a raw last chunk with zeros, i.e. change the data: refuse instead
            raise CompressionError(f"末尾 {end - start} 字节无法压缩，按格式存放会在数据后补零，已拒绝")
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """The bytes a CompressedContainer holds (2.4.1.3.1); malformed input is a CompressionError."""
    if not container or container[0] != SIGNATURE:
        raise CompressionError("压缩数据的签名字节不是 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CompressionError(f"块头在第 {pos} 字节处被截断")
        header = struct.unpack_from("<H", container, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise CompressionError(f"第 {pos} 字节处的块签名不对")
        chunk_end = pos + size
        if chunk_end > len(container):
            raise CompressionError(f"第 {pos} 字节处的块被截断（块长 {size}，只剩 {len(container) - pos}）")
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise CompressionError(f"第 {pos} 字节处的复制标记被截断")
                token = struct.unpack_from("<H", container, pos)[0]
                pos += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise CompressionError(f"第 {pos - 2} 字节处的复制标记指向块外")
                for i in range(length):  # byte by byte: a copy may overlap what it writes
                    out.append(out[source + i])
    return bytes(out)
