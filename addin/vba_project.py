"""Read and rebuild a VBA project (vbaProject.bin, MS-OVBA) without Excel.

`rebuild` keeps what Excel needs to recognise the project (its references, ID, protection state)
and writes every module as source only: `_VBA_PROJECT` says version 0xFFFF with no performance
cache, every MODULEOFFSET is 0 and no `__SRP_` stream survives, so Excel compiles from the text
the first time it opens the add-in and cannot run stale compiled code. The `dir` stream is a flat
run of records (id, size, data) apart from PROJECTVERSION, whose size field says 4 but which
carries 6 bytes (2.3.4.2.1.11); the rebuild rewrites the module records and keeps the rest.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

import olefile

from . import cfb
from .ovba import compress, decompress

VBA_PROJECT_STREAM = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])  # version 0xFFFF: recompile from source
PROJECTNAME, PROJECTCODEPAGE, PROJECTVERSION = 0x0004, 0x0003, 0x0009
MODULES_COUNT, PROJECT_COOKIE, MODULES_END = 0x000F, 0x0013, 0x0010
MODULENAME, MODULENAMEUNICODE, STREAMNAME, STREAMNAMEUNICODE = 0x0019, 0x0047, 0x001A, 0x0032
DOCSTRING, DOCSTRINGUNICODE, OFFSET, HELPCONTEXT, COOKIE = 0x001C, 0x0048, 0x0031, 0x001E, 0x002C
PROCEDURAL, DOC_OR_CLASS, MODULE_END = 0x0021, 0x0022, 0x002B

Record = tuple[int, bytes]


class VBAProjectError(ValueError):
    """The bytes are not a VBA project this module can read, or a change cannot be written."""


@dataclass(frozen=True)
class Module:
    name: str
    kind: str  # "module", "class" or "document", as the PROJECT stream declares it
    source: str  # the text as stored, Attribute lines included, CRLF line ends


@dataclass
class _Project:
    streams: dict[str, bytes]  # every stream of the compound file by its path ("VBA/dir")
    info: list[Record]  # dir records before the module list (project information, references)
    modules: list[list[Record]]  # each module's dir records, terminator excluded
    codepage: int
    project_text: str

    def encoding(self) -> str:
        return f"cp{self.codepage}"


def parse_dir(data: bytes) -> list[Record]:
    records: list[Record] = []
    pos = 0
    while pos < len(data):
        if pos + 6 > len(data):
            raise VBAProjectError(f"dir 流在第 {pos} 字节处被截断")
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == PROJECTVERSION:
            size = 6
        records.append((rid, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return records


def dir_bytes(records: list[Record]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        out += struct.pack("<HI", rid, 4 if rid == PROJECTVERSION else len(payload)) + payload
    return bytes(out)


def _value(records: list[Record], rid: int) -> bytes:
    found = [payload for r, payload in records if r == rid]
    if len(found) != 1:
        raise VBAProjectError(f"dir 记录 0x{rid:04X} 应出现一次，实际 {len(found)} 次")
    return found[0]


def _read(vba_bin: bytes) -> _Project:
    if not olefile.isOleFile(io.BytesIO(vba_bin)):
        raise VBAProjectError("vbaProject.bin 不是复合文件")
    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    try:
        streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True, storages=False)}
    finally:
        ole.close()
    if "VBA/dir" not in streams or "PROJECT" not in streams:
        raise VBAProjectError("缺少 VBA/dir 或 PROJECT 流")
    records = parse_dir(decompress(streams["VBA/dir"]))
    ids = [r for r, _ in records]
    start = ids.index(MODULES_COUNT) if MODULES_COUNT in ids else -1
    if start < 0 or ids[start + 1 : start + 2] != [PROJECT_COOKIE] or ids[-1] != MODULES_END:
        raise VBAProjectError("dir 流中没有完整的模块列表")
    info, modules, current = records[:start], [], []
    for rid, payload in records[start + 2 : -1]:  # after count and project cookie, before the end
        if rid == MODULE_END:
            modules.append(current)
            current = []
        else:
            current.append((rid, payload))
    if current or len(modules) != struct.unpack("<H", _value(records, MODULES_COUNT))[0]:
        raise VBAProjectError("dir 流中的模块数与记录不符")
    page = struct.unpack("<H", _value(info, PROJECTCODEPAGE))[0]
    return _Project(streams, info, modules, page, streams["PROJECT"].decode(f"cp{page}"))


def _kinds(project_text: str) -> dict[str, str]:
    kinds = {"Module": "module", "Class": "class", "Document": "document", "BaseClass": "class"}
    found = re.findall(r"^(Module|Class|Document|BaseClass)=([^/\r\n]+)", project_text, re.M)
    return {name: kinds[key] for key, name in found}


def _modules(project: _Project) -> list[Module]:
    kinds = _kinds(project.project_text)
    out = []
    for records in project.modules:
        name = _value(records, MODULENAME).decode(project.encoding())
        stream = _value(records, STREAMNAME).decode(project.encoding())
        offset = struct.unpack("<I", _value(records, OFFSET))[0]
        data = project.streams.get(f"VBA/{stream}")
        if data is None:
            raise VBAProjectError(f"模块 {name} 的流 VBA/{stream} 不存在")
        source = decompress(data[offset:]).decode(project.encoding())
        out.append(Module(name, kinds.get(name, "module"), source))
    return out


def read_modules(vba_bin: bytes) -> list[Module]:
    """Every module with its source, in the project's order."""
    return _modules(_read(vba_bin))


def _encode(text: str, encoding: str, what: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as e:
        raise VBAProjectError(f"{what} 含有代码页 {encoding} 无法表示的字符：{text[e.start:e.end]!r}") from None


def _module_records(name: str, encoding: str) -> list[Record]:
    mbcs, wide = _encode(name, encoding, "模块名"), name.encode("utf-16-le")
    return [
        (MODULENAME, mbcs), (MODULENAMEUNICODE, wide), (STREAMNAME, mbcs), (STREAMNAMEUNICODE, wide),
        (DOCSTRING, b""), (DOCSTRINGUNICODE, b""), (OFFSET, bytes(4)), (HELPCONTEXT, bytes(4)),
        (COOKIE, b"\xff\xff"), (PROCEDURAL, b""),
    ]  # fmt: skip


def _stripped(records: list[Record]) -> list[Record]:
    """A module's records with source at offset 0 and the cookie as written by a fresh save."""
    replace = {OFFSET: bytes(4), COOKIE: b"\xff\xff"}
    return [(rid, replace.get(rid, payload)) for rid, payload in records]


def _project_text(text: str, name: str | None, added: list[str]) -> str:
    lines = text.split("\r\n")
    if name is not None:
        lines = [f'Name="{name}"' if line.startswith("Name=") else line for line in lines]
    last = max(i for i, line in enumerate(lines) if re.match(r"(Module|Class|Document|BaseClass)=", line))
    lines[last + 1 : last + 1] = [f"Module={m}" for m in added]
    if "[Workspace]" in lines:
        end = len(lines)
        while end > 0 and lines[end - 1] == "":
            end -= 1
        lines[end:end] = [f"{m}=0, 0, 0, 0, C" for m in added]
    return "\r\n".join(lines)


def _name_map(names: list[str], encoding: str) -> bytes:
    out = bytearray()
    for n in names:
        out += _encode(n, encoding, "模块名") + b"\x00" + n.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def rebuild(vba_bin: bytes, replace: dict[str, str], add: list[tuple[str, str]], name: str | None = None) -> bytes:
    """The project with module sources replaced, standard modules added, compiled code stripped.

    `replace` maps existing module names to their new source; `add` appends (name, source)
    standard modules; `name` renames the project. Unknown names in `replace` or clashing names in
    `add` are refused rather than ignored."""
    project = _read(vba_bin)
    enc = project.encoding()
    existing = {m.name: m for m in _modules(project)}
    unknown = sorted(set(replace) - set(existing))
    clash = sorted(n for n, _ in add if n.upper() in {k.upper() for k in existing})  # VBA ignores case
    if unknown or clash:
        raise VBAProjectError(f"无法替换不存在的模块 {unknown}，或新增的模块与已有模块同名 {clash}")
    if name is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", name):
        raise VBAProjectError(f"工程名不合法：{name!r}")
    info = [(rid, _encode(name, enc, "工程名") if rid == PROJECTNAME and name else payload) for rid, payload in project.info]
    module_records = [_stripped(r) for r in project.modules] + [_module_records(n, enc) for n, _ in add]
    records = info + [(MODULES_COUNT, struct.pack("<H", len(module_records))), (PROJECT_COOKIE, b"\xff\xff")]
    for r in module_records:
        records += r + [(MODULE_END, b"")]
    records.append((MODULES_END, b""))
    vba: cfb.Tree = {"dir": compress(dir_bytes(records)), "_VBA_PROJECT": VBA_PROJECT_STREAM}
    sources = {n: replace.get(n, m.source) for n, m in existing.items()} | dict(add)
    for records_of_one in module_records:
        module = _value(records_of_one, MODULENAME).decode(enc)
        stream = _value(records_of_one, STREAMNAME).decode(enc)
        vba[stream] = compress(_encode(sources[module], enc, f"模块 {module} 的代码"))
    names = [_value(r, MODULENAME).decode(enc) for r in module_records]
    tree: cfb.Tree = {"VBA": vba}
    tree["PROJECT"] = _encode(_project_text(project.project_text, name, [n for n, _ in add]), enc, "PROJECT 流")
    tree["PROJECTwm"] = _name_map(names, enc)
    for path, data in project.streams.items():  # anything else (forms' storages, PROJECTlk) kept as it was
        parts = path.split("/")
        if parts[0] in tree or "__SRP_" in path:
            continue
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[parts[-1]] = data
    return cfb.write(tree)
