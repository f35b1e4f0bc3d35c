"""The add-in's own MS-OVBA compression, compound-file writer and VBA-project rebuild, checked
against the specification's worked examples and against independent readers (oletools' decompressor,
olefile's strict parser, olevba) rather than only against themselves."""

from __future__ import annotations

import io
import random
import zipfile

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from addin import build as B
from addin.cfb import BLACK, NOSTREAM, RED, CompoundFileError, _sort_key, write
from addin.ovba import CHUNK, CompressionError, compress, decompress
from addin.vba_project import VBA_PROJECT_STREAM, VBAProjectError, parse_dir, read_modules, rebuild

# MS-OVBA 3.2: (decompressed, compressed) exactly as the specification prints them
SPEC_EXAMPLES = [
    (b"abcdefghijklmnopqrstuv.", "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"),
    (
        b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70 06 71"
        " 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
    ),
    (b"a" * 73, "01 03 B0 02 61 45 00"),
]


def template_bin() -> bytes:
    with zipfile.ZipFile(B.template_path()) as z:
        return z.read("xl/vbaProject.bin")


@pytest.mark.parametrize(("plain", "packed"), SPEC_EXAMPLES)
def test_the_specifications_examples_byte_for_byte(plain: bytes, packed: str) -> None:
    assert compress(plain) == bytes.fromhex(packed)
    assert decompress(bytes.fromhex(packed)) == plain


text_like = st.lists(st.sampled_from([b"Dim ", b"argsArray", b"(", b")", b"\r\n", b"    ", b"x", b"End Function", b"\x00", b"\xff"]))


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=3 * CHUNK + 17), text_like.map(b"".join)))
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    try:
        packed = compress(data)
    except CompressionError:  # only an incompressible partial last chunk (see the test below)
        tail = len(data) % CHUNK
        assert tail > 3640
        return
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert decompress(packed) == data


@pytest.mark.parametrize("size", [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 3])
def test_chunk_boundaries_incompressible_and_repetitive(size: int) -> None:
    noise = bytes((i * 7919 + (i >> 3) * 104729) % 251 for i in range(size))  # no 3-byte repeats to speak of
    for data in (noise, b"Q" * size, (b"Function XY_A()\r\n" * size)[:size]):
        assert bytes(decompress_stream(bytearray(compress(data)))) == data


def test_an_incompressible_partial_last_chunk_is_refused_not_padded() -> None:
    noise = random.Random(7).randbytes(CHUNK + 4000)  # the format could only store the last 4000 bytes padded to 4096
    with pytest.raises(CompressionError, match="补零"):
        compress(noise)
    assert decompress(compress(noise[:CHUNK])) == noise[:CHUNK]  # a full incompressible chunk is stored raw


def test_the_templates_streams_read_the_same_as_oletools_reads_them() -> None:
    ole = olefile.OleFileIO(io.BytesIO(template_bin()))
    try:
        data = ole.openstream("VBA/dir").read()
    finally:
        ole.close()
    assert decompress(data) == bytes(decompress_stream(bytearray(data)))


def test_malformed_containers_are_refused() -> None:
    for bad in (b"", b"\x02\x00\x00", b"\x01\x03\x10\x02\x61\x45\x00", b"\x01\x03\xb0\x01\x00\x70", b"\x01\x05\xb0\x02\x61"):
        with pytest.raises(CompressionError):
            decompress(bad)


def black_height(entries: list, sid: int, parent_red: bool, order: list[str], problems: list[str]) -> int:
    """Walk one sibling tree in order, noting red-under-red and unequal black heights."""
    if sid == NOSTREAM:
        return 1
    node = entries[sid]
    red = node.color == RED
    if red and parent_red:
        problems.append(f"{node.name}: red under red")
    left = black_height(entries, node.sid_left, red, order, problems)
    order.append(node.name)
    right = black_height(entries, node.sid_right, red, order, problems)
    if left != right:
        problems.append(f"{node.name}: black heights {left} and {right}")
    return left + (not red)


def red_black_violations(entries: list) -> list[str]:
    """Every storage's children: a binary search tree in the format's order, black root, no red
    node with a red child, the same number of black nodes on every path."""
    problems: list[str] = []
    for parent in entries:
        if parent is None or parent.sid_child == NOSTREAM:
            continue
        if entries[parent.sid_child].color != BLACK:
            problems.append(f"{parent.name}: red root")
        order: list[str] = []
        black_height(entries, parent.sid_child, False, order, problems)
        if order != sorted(order, key=_sort_key):
            problems.append(f"{parent.name}: children out of order {order}")
    return problems


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6, 7, 8, 15, 16, 40])
def test_compound_file_parses_strictly_with_a_valid_red_black_tree(count: int) -> None:
    streams = {f"S{'x' * (k % 5)}{k}": bytes([k % 256]) * (k * 97 % 9000) for k in range(count)}
    tree = {"PROJECT": b"ID=1\r\n", "VBA": dict(streams), "Empty": {}}
    data = write(tree)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    try:
        for name, content in streams.items():
            assert ole.openstream(f"VBA/{name}").read() == content
        assert ole.openstream("PROJECT").read() == b"ID=1\r\n"
        assert red_black_violations(ole.direntries) == []
    finally:
        ole.close()
    assert write(tree) == data


def test_compound_file_refuses_names_it_cannot_hold() -> None:
    for name in ("", "a/b", "x" * 32):
        with pytest.raises(CompoundFileError):
            write({name: b"1"})


def test_rebuild_keeps_every_module_source_and_strips_compiled_code() -> None:
    original = template_bin()
    before = read_modules(original)
    added = 'Attribute VB_Name = "Extra"\r\nFunction Twice(x)\r\n    Twice = 2 * x\r\nEnd Function\r\n'
    new = rebuild(original, replace={}, add=[("Extra", added)], name="xinyong")
    after = {m.name: m for m in read_modules(new)}
    assert [m.name for m in before] + ["Extra"] == list(after)
    for m in before:
        assert after[m.name] == m  # name, kind and source unchanged
    assert after["Extra"].source == added and after["Extra"].kind == "module"
    parser = VBA_Parser("vbaProject.bin", data=new)
    try:
        seen = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert "Function Twice(x)" in seen["Extra"] and set(seen) == set(after)
    ole = olefile.OleFileIO(io.BytesIO(new), raise_defects=olefile.DEFECT_INCORRECT)
    try:
        assert ole.openstream("VBA/_VBA_PROJECT").read() == VBA_PROJECT_STREAM
        records = parse_dir(decompress(ole.openstream("VBA/dir").read()))
        project = ole.openstream("PROJECT").read().decode("cp1252")
    finally:
        ole.close()
    assert [p for rid, p in records if rid == 0x0031] == [bytes(4)] * len(after)  # every MODULEOFFSET 0
    assert [p for rid, p in records if rid == 0x0004] == [b"xinyong"]
    assert 'Name="xinyong"' in project and "Module=Extra" in project


def test_rebuild_refuses_rather_than_ignores() -> None:
    original = template_bin()
    with pytest.raises(VBAProjectError, match="Nope"):
        rebuild(original, replace={"Nope": "x"}, add=[])
    with pytest.raises(VBAProjectError, match="XLWINGS"):
        rebuild(original, replace={}, add=[("XLWINGS", "x")])  # VBA names ignore case
    with pytest.raises(VBAProjectError, match="代码页"):
        rebuild(original, replace={}, add=[("Extra", "' 中文注释\r\n")])
    with pytest.raises(VBAProjectError, match="工程名"):
        rebuild(original, replace={}, add=[], name="1st project")
    with pytest.raises(VBAProjectError, match="复合文件"):
        read_modules(b"PK\x03\x04 not a compound file")
