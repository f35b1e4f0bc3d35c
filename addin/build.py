"""`xinyong addin build`: xinyong.xlam made from the ribbon add-in template inside the installed
xlwings wheel, on any OS, without Excel, byte for byte reproducible.

The build refuses a template it was not verified with: the xlwings version is pinned, and the
VBA text of every template module must hash to what this build expects. It then replaces the
ribbon callback module with one dispatcher (`OnRibbonAction`, passing `control.Id` to Python),
names the project and xlwings' PROJECT_NAME `xinyong`, adds the UDF wrappers xlwings' own generator writes (so users
need no "Import Functions" and no VBA trust setting), writes the config sheet (`UDF Modules`,
`ADD_WORKBOOK_TO_PYTHONPATH` false) and the ribbon XML, and rebuilds the VBA project with all
compiled code stripped so Excel recompiles from source (addin.vba_project).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import xlwings

from .vba_project import read_modules, rebuild
from .wrappers import vba_descriptions_module, vba_wrapper_module

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


class BuildRefused(Exception):
    """The installed xlwings or its template is not the one this build was verified with."""


@dataclass
class Built:
    path: Path
    modules: list[str]
    functions: list[str]
    sha256: str


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
    return (HERE / "ribbon.xml").read_bytes()


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
]


def _xlwings_module(source: str) -> str:
    for old, new in XLWINGS_EDITS:
        if source.count(old) != 1:
            raise BuildRefused(f"xlwings 模块中应恰好有一处“{old}”，实际 {source.count(old)} 处，未生成加载项")
        source = source.replace(old, new)
    return source


def _config_sheet() -> bytes:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(k)}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c></row>'
        for r, (k, v) in enumerate(CONFIG, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetPr codeName="Sheet2"/><dimension ref="A1:B5"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="32" customWidth="1"/>'
        f'<col min="2" max="2" width="16" customWidth="1"/></cols><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def _workbook_xml(original: bytes) -> bytes:
    text = original.decode("utf-8")
    text = re.sub(r"<mc:AlternateContent.*?</mc:AlternateContent>", "", text)  # the template author's local path
    text = re.sub(r'<sheet name="[^"]*"', f'<sheet name="{PROJECT_NAME}.conf"', text)
    return text.encode("utf-8")


def build(out_dir: Path) -> Built:
    """Write xinyong.xlam into `out_dir`; the same inputs always give the same bytes."""
    source = template_path()
    with zipfile.ZipFile(source) as z:
        parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    contents = dict(parts)
    vba_bin = contents["xl/vbaProject.bin"]
    check_template(vba_bin)
    sources = {m.name: m.source for m in read_modules(vba_bin)}
    wrapper_text, functions = vba_wrapper_module()
    wrapper = _crlf(f'Attribute VB_Name = "{WRAPPER_MODULE}"\n' + wrapper_text + vba_descriptions_module())
    on_open = (HERE / "vba" / "ThisWorkbook_open.bas").read_text(encoding="ascii")
    new_bin = rebuild(
        vba_bin,
        replace={
            "RibbonMyAddin": dispatcher(),
            "xlwings": _xlwings_module(sources["xlwings"]),
            "ThisWorkbook": _crlf(sources["ThisWorkbook"].rstrip("\r\n") + "\n" + on_open),
        },
        add=[(WRAPPER_MODULE, wrapper)],
        name=PROJECT_NAME,
    )
    replaced = {
        "xl/vbaProject.bin": new_bin,
        "customUI/customUI.xml": ribbon_xml(),
        "xl/worksheets/sheet1.xml": _config_sheet(),
        "xl/workbook.xml": _workbook_xml(contents["xl/workbook.xml"]),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    tmp = out_dir / f".{ADDIN_FILE}.part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, replaced.get(name, data))
    tmp.replace(target)
    modules = [m.name for m in read_modules(new_bin)]
    return Built(target, modules, functions, hashlib.sha256(target.read_bytes()).hexdigest())
