"""`xinyong addin build`: xinyong.xlam made from the ribbon add-in template inside the installed
xlwings wheel, on any OS, without Excel, byte for byte reproducible.

The build refuses a template it was not verified with: the xlwings version is pinned, and the
VBA text of every template module must hash to what this build expects. It then replaces the
ribbon callback module with one dispatcher (`OnRibbonAction`, passing `control.Id` to Python),
names the project and xlwings' PROJECT_NAME `xinyong`, keeps the working directory off Python's
module path, adds the UDF wrappers xlwings' own generator writes (so users need no "Import
Functions" and no VBA trust setting) and a Sub that registers the wizard's descriptions from a very
hidden sheet (addin.descriptions), writes the config sheet (`UDF Modules`, `ADD_WORKBOOK_TO_PYTHONPATH`
false), the ribbon XML and its relationship (addin.package), and rebuilds the VBA project with all
compiled code stripped and CRLF line ends, so Excel recompiles from source (addin.vba_project).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlwings

from . import descriptions, package
from .vba_project import read_modules, rebuild
from .wrappers import vba_wrapper_module

XLWINGS_VERSION = "0.37.8"  # the version this build was verified with
TEMPLATE = "quickstart_addin_ribbon.xlam"
PROJECT_NAME = "xinyong"
ADDIN_FILE = f"{PROJECT_NAME}.xlam"
UDF_MODULE = "udfs.excel"
WRAPPER_MODULE = "XinyongUDFs"
HERE = Path(__file__).parent
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
# sha256 of each template module's source as stored (UTF-8 of the decoded text): a template that differs is refused
TEMPLATE_MODULES: dict[str, str] = {
    "ThisWorkbook": "14de0425a62586687c3d59b7d3d7dc60268f989ab7e07a61403525064d98502a",
    "Dictionary": "cd3d0530fbca14156182655caa0d0c229ce65240b18b303a062234a6be8e09d3",
    "RibbonMyAddin": "440a36468533dc654189fee6be55357f592b8d5dd24d986b36d3dfc88665741f",
    "Sheet2": "8105e1362a2256083c87650bf3f402ea18553abb1bdab2f08f7649859dd02312",
    "xlwings": "b9df9e20d54d6f04220e8382068f4b4c82bc5a8f920148daf94d9ddbda6251d6",
}
CONFIG = [  # the add-in's config sheet; the interpreter is left to the user's config file (see docs)
    ("UDF Modules", UDF_MODULE),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
    ("Use UDF Server", "False"),
    ("Show Console", "False"),
    ("Debug UDFs", "False"),
]


DESCRIPTIONS_PART = "xl/worksheets/sheet2.xml"  # the function wizard's texts (addin.descriptions)


class BuildRefused(Exception):
    """The installed xlwings or its template is not the one this build was verified with."""


@dataclass
class Built:
    path: Path
    modules: list[str]
    functions: list[str]
    sha256: str  # of the file: depends on the zlib that deflated the parts
    content_sha256: str  # of the uncompressed parts (addin.package.parts_digest): the same for the same content


def template_path() -> Path:
    return Path(xlwings.__file__).parent / TEMPLATE


def check_template(vba_bin: bytes) -> None:
    if xlwings.__version__ != XLWINGS_VERSION:
        raise BuildRefused(
            f"已安装的 xlwings 是 {xlwings.__version__}，加载项只在 {XLWINGS_VERSION} 上验证过；"
            f"请安装 xlwings=={XLWINGS_VERSION}（pip install xlwings=={XLWINGS_VERSION}）后再生成"
        )
    found = {m.name: hashlib.sha256(m.source.encode("utf-8")).hexdigest() for m in read_modules(vba_bin)}
    if found != TEMPLATE_MODULES:
        changed = sorted(k for k in set(found) | set(TEMPLATE_MODULES) if found.get(k) != TEMPLATE_MODULES.get(k))
        raise BuildRefused(f"xlwings 加载项模板的 VBA 代码与本程序验证过的不同（{'、'.join(changed)}），未生成加载项")


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def dispatcher() -> str:
    return _crlf((HERE / "vba" / "RibbonMyAddin.bas").read_text(encoding="ascii"))


def ribbon_xml() -> bytes:
    data = (HERE / "ribbon.xml").read_bytes()
    if f'<customUI xmlns="{package.CUSTOM_UI_NS}"'.encode() not in data:  # the relationship type is the 2006 one
        raise BuildRefused(f"ribbon.xml 应使用命名空间 {package.CUSTOM_UI_NS}（与 _rels/.rels 中的关系类型配套）")
    return data


# Python run first by both of xlwings' command lines: the working directory leaves the module path.
# No double quote, ampersand or caret: the text sits inside cmd.exe's quoting (and a shell's on the Mac).
PATH_GUARD = "sys.path[:]=[p for p in sys.path if p not in ('','.')];"

# Edits to xlwings' own VBA, each of which must match exactly once. xlwings lets the active workbook
# (a sheet named <project>.conf) or a .conf file in its folder override the add-in's settings,
# interpreter and PYTHONPATH included; the workbooks a credit office opens come from other units,
# so a returned file could otherwise choose the program a ribbon click starts. Settings come only
# from the add-in's own sheet and the user's config file.
XLWINGS_EDITS = [
    (
        'Public Const PROJECT_NAME As String = "myaddin"',
        f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"',
    ),
    (
        'If SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf") = True Then',
        "If False Then ' xinyong: never take settings from the workbook being worked on (returned files are not trusted)",
    ),
    (
        "If FileExists(GetDirectoryConfigFilePath()) = True Then",
        "If False Then ' xinyong: nor from a .conf file in that workbook's folder",
    ),
    # xlwings starts Python with -c, so sys.path[0] is '' (the working directory, which for Excel can
    # be a folder of returned files), and prepare_sys_path adds '' again for an empty PYTHONPATH
    # setting: a udfs.py, addin.py or xlwings.py there would be imported instead of the real ones.
    # Both command lines drop '' and '.' before importing xlwings and again after prepare_sys_path.
    (
        r'''tail = " -B -c ""import sys, os;" & LicenseKeyEnvString & "import xlwings.utils;xlwings.utils.prepare_sys_path(\""" & PYTHONPATH & "\"");import xlwings; xlwings.serve('$(CLSID)')"""''',
        rf'''tail = " -B -c ""import sys, os;{PATH_GUARD}" & LicenseKeyEnvString & "import xlwings.utils;xlwings.utils.prepare_sys_path(\""" & PYTHONPATH & "\"");{PATH_GUARD}import xlwings; xlwings.serve('$(CLSID)')"""''',
    ),
    (
        r'''RunCommand = CondaCmd & PythonInterpreter & " -B -c ""import xlwings.utils;xlwings.utils.prepare_sys_path(\""" & PYTHONPATH & "\""); " & PythonCommand & """ "''',
        rf'''RunCommand = CondaCmd & PythonInterpreter & " -B -c ""import sys;{PATH_GUARD}import xlwings.utils;xlwings.utils.prepare_sys_path(\""" & PYTHONPATH & "\""); {PATH_GUARD}" & PythonCommand & """ "''',
    ),
]


def _xlwings_module(source: str) -> str:
    for old, new in XLWINGS_EDITS:
        source = package.replace_once(source, old, new, "xlwings 模块")
    return source


def _vba_project(vba_bin: bytes, wrapper_text: str) -> bytes:
    """The template's project with the dispatcher, xlwings' edits, the wrappers and the description
    reader, every module stored with CRLF line ends (xlwings' own module ships with LF only)."""
    sources = {m.name: m.source for m in read_modules(vba_bin)}
    wrapper = f'Attribute VB_Name = "{WRAPPER_MODULE}"\n' + wrapper_text + descriptions.describe_vba()
    on_open = (HERE / "vba" / "ThisWorkbook_open.bas").read_text(encoding="ascii")
    texts = sources | {
        "RibbonMyAddin": dispatcher(),
        "xlwings": _xlwings_module(sources["xlwings"]),
        "ThisWorkbook": sources["ThisWorkbook"].rstrip("\r\n") + "\n" + on_open,
    }
    return rebuild(
        vba_bin,
        replace={name: _crlf(text) for name, text in texts.items()},
        add=[(WRAPPER_MODULE, _crlf(wrapper))],
        name=PROJECT_NAME,
    )


def _parts(parts: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The add-in's parts in the template's order (the description sheet after the config sheet)
    and the UDF names."""
    contents = dict(parts)
    check_template(contents["xl/vbaProject.bin"])
    wrappers = vba_wrapper_module()
    rels, rel_id = package.workbook_rels(contents["xl/_rels/workbook.xml.rels"], DESCRIPTIONS_PART.removeprefix("xl/"))
    replaced = {
        "xl/vbaProject.bin": _vba_project(contents["xl/vbaProject.bin"], wrappers.text),
        "customUI/customUI.xml": ribbon_xml(),
        "_rels/.rels": package.package_rels(contents["_rels/.rels"]),
        "xl/worksheets/sheet1.xml": package.config_sheet(CONFIG),
        "xl/workbook.xml": package.workbook_xml(
            contents["xl/workbook.xml"], f"{PROJECT_NAME}.conf", descriptions.SHEET_NAME, rel_id
        ),
        "xl/_rels/workbook.xml.rels": rels,
        "[Content_Types].xml": package.content_types(contents["[Content_Types].xml"], DESCRIPTIONS_PART),
    }
    out: list[tuple[str, bytes]] = []
    for name, data in parts:
        out.append((name, replaced.get(name, data)))
        if name == "xl/worksheets/sheet1.xml":
            out.append((DESCRIPTIONS_PART, descriptions.sheet_xml(descriptions.description_rows())))
    return out, wrappers.functions


def build(out_dir: Path) -> Built:
    """Write xinyong.xlam into `out_dir`; the same inputs always give the same bytes."""
    with zipfile.ZipFile(template_path()) as z:
        parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    if DESCRIPTIONS_PART in dict(parts):
        raise BuildRefused(f"xlwings 加载项模板已有 {DESCRIPTIONS_PART}，与本程序验证过的不同，未生成加载项")
    try:
        parts, functions = _parts(parts)
    except package.TemplateChanged as changed:
        raise BuildRefused(str(changed)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    tmp = out_dir / f".{ADDIN_FILE}.part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    tmp.replace(target)
    vba = dict(parts)["xl/vbaProject.bin"]
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return Built(target, [m.name for m in read_modules(vba)], functions, digest, package.parts_digest(target))
