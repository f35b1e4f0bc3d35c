"""`xinyong addin build` checked on Linux by independent readers: oletools' olevba lists the
dispatcher and a wrapper for every XY_ function with the expected source, olefile parses the
compound file strictly, the ribbon XML has the required structure with every button on the one
dispatcher, the config sheet is set, two builds are identical, and a template that differs from
the verified one is refused."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from addin import build as B
from addin.callbacks import BUTTONS
from addin.vba_project import read_modules
from addin.wrappers import DESCRIBE_SUB, vba_descriptions_module, vba_wrapper_module
from tests.test_consolidate_e2e import SYSTEM_PYTHON, has_uno
from udfs.vocabulary import REGISTRY
from workbooks.cli import main
from workbooks.recalc import find_soffice

CUSTOM_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
LO_BASIC = Path(__file__).parent / "lo_basic.py"
LO_PREFIX = ("Rem Attribute VBA_ModuleType=", "Option VBASupport 1", "Option ClassModule")  # LibreOffice's VBA import adds these


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> B.Built:
    return B.build(tmp_path_factory.mktemp("addin"))


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def code_lines(text: str, drop: tuple[str, ...] = ("Attribute ",)) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n") if line.strip() and not line.startswith(drop)]


def test_olevba_lists_the_dispatcher_and_a_wrapper_for_every_function(built: B.Built) -> None:
    modules = vba_modules(built.path)
    assert set(modules) >= {"RibbonMyAddin", "xlwings", B.WRAPPER_MODULE, "ThisWorkbook", "Dictionary"}
    assert code_lines(modules["RibbonMyAddin"]) == code_lines(B.dispatcher())
    assert "Sub OnRibbonAction(control As IRibbonControl)" in modules["RibbonMyAddin"]
    wrappers = modules[B.WRAPPER_MODULE]
    assert code_lines(wrappers) == code_lines(vba_wrapper_module().text + vba_descriptions_module())
    for name in REGISTRY:
        assert re.search(rf"^Function {name}\(", wrappers, re.M), name
    assert f'Public Const PROJECT_NAME As String = "{B.PROJECT_NAME}"' in modules["xlwings"]
    assert DESCRIBE_SUB in modules["ThisWorkbook"] and "Workbook_Open" in modules["ThisWorkbook"]
    assert sorted(built.functions) == sorted(REGISTRY)


def test_settings_never_come_from_the_workbook_being_worked_on(built: B.Built) -> None:
    """A returned workbook with a sheet 'xinyong.conf' (or a .conf file beside it) must not be able
    to choose the interpreter or PYTHONPATH a ribbon click starts: those layers of xlwings' GetConfig
    are switched off, each edit applied exactly once to the verified template text."""
    xlwings_vba = vba_modules(built.path)["xlwings"]
    for old, new in B.XLWINGS_EDITS:
        assert old not in xlwings_vba and xlwings_vba.count(new) == 1
    assert "GetConfigFromSheet(ThisWorkbook)" in xlwings_vba  # the add-in's own sheet still counts
    assert "If FileExists(GetConfigFilePath()) = True Then" in xlwings_vba  # and the user's config file


@pytest.mark.oracle
@pytest.mark.skipif(not has_uno(), reason="LibreOffice with python3-uno is not installed")
def test_libreoffice_shows_the_same_module_sources(built: B.Built, tmp_path: Path) -> None:
    """LibreOffice cannot open an .xlam; an .xlsm twin (the same parts, the workbook content type)
    goes through its own VBA import, and its Basic library API must show every module's code."""
    twin = tmp_path / "xinyong.xlsm"
    addin_type, workbook_type = (f"application/vnd.ms-excel.{k}.macroEnabled.main+xml".encode() for k in ("addin", "sheet"))
    with zipfile.ZipFile(built.path) as src, zipfile.ZipFile(twin, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data.replace(addin_type, workbook_type) if info.filename == "[Content_Types].xml" else data)
        ours = {m.name: m.source for m in read_modules(src.read("xl/vbaProject.bin"))}
    out = tmp_path / "modules.json"
    done = subprocess.run([SYSTEM_PYTHON, str(LO_BASIC), find_soffice(), str(twin), str(out)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    libraries = json.loads(out.read_text(encoding="utf-8"))
    shown = libraries[B.PROJECT_NAME]  # the library carries the project's name
    assert set(shown) == set(ours) == {"ThisWorkbook", "Sheet2", "Dictionary", "RibbonMyAddin", "xlwings", B.WRAPPER_MODULE}
    for name, source in ours.items():
        assert code_lines(shown[name], LO_PREFIX) == code_lines(source), name
    assert code_lines(shown["RibbonMyAddin"], LO_PREFIX) == code_lines(B.dispatcher())
    assert code_lines(shown[B.WRAPPER_MODULE], LO_PREFIX) == code_lines(vba_wrapper_module().text + vba_descriptions_module())


def test_compound_file_is_strict_and_stripped_of_compiled_code(built: B.Built) -> None:
    with zipfile.ZipFile(built.path) as z:
        data = z.read("xl/vbaProject.bin")
    assert olefile.isOleFile(io.BytesIO(data))
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    try:
        streams = ["/".join(s) for s in ole.listdir()]
        assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])
        assert not [s for s in streams if "__SRP_" in s]
        assert {"PROJECT", "PROJECTwm", "VBA/dir", f"VBA/{B.WRAPPER_MODULE}"} <= set(streams)
    finally:
        ole.close()


def test_ribbon_xml_has_the_required_structure(built: B.Built) -> None:
    with zipfile.ZipFile(built.path) as z:
        root = ElementTree.fromstring(z.read("customUI/customUI.xml"))
        rels = z.read("_rels/.rels").decode()
    assert root.tag == f"{CUSTOM_UI}customUI" and "customUI/customUI.xml" in rels
    tabs = root.findall(f"{CUSTOM_UI}ribbon/{CUSTOM_UI}tabs/{CUSTOM_UI}tab")
    assert [t.get("label") for t in tabs] == ["信用评估"]
    buttons = tabs[0].findall(f"{CUSTOM_UI}group/{CUSTOM_UI}button")
    assert [b.get("id") for b in buttons] == list(BUTTONS)
    assert [b.get("label") for b in buttons] == list(BUTTONS.values())
    for b in buttons:
        assert b.get("onAction") == "OnRibbonAction" and re.fullmatch(r"[A-Za-z0-9_]+", b.get("id") or "")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_config_sheet_and_workbook(built: B.Built) -> None:
    with zipfile.ZipFile(built.path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        types = z.read("[Content_Types].xml").decode()
    assert f'<sheet name="{B.PROJECT_NAME}.conf"' in workbook and "absPath" not in workbook
    cells = dict(re.findall(r'<c r="A\d+" t="inlineStr"><is><t>([^<]*)</t></is></c><c r="B\d+" t="inlineStr"><is><t>([^<]*)</t></is></c>', sheet))
    assert cells["UDF Modules"] == "udfs.excel" and cells["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types


def test_builds_are_byte_for_byte_reproducible(built: B.Built, tmp_path: Path) -> None:
    again = B.build(tmp_path)
    assert again.path.read_bytes() == built.path.read_bytes()


def test_a_different_template_or_xlwings_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    changed = dict(B.TEMPLATE_MODULES, xlwings=hashlib.sha256(b"something else").hexdigest())
    monkeypatch.setattr(B, "TEMPLATE_MODULES", changed)
    with pytest.raises(B.BuildRefused, match="xlwings"):
        B.build(tmp_path)
    monkeypatch.undo()
    monkeypatch.setattr(B, "XLWINGS_VERSION", "0.0.1")
    with pytest.raises(B.BuildRefused, match="0.0.1"):
        B.build(tmp_path)
    assert not (tmp_path / B.ADDIN_FILE).exists()


def test_the_windows_procedure_names_what_the_build_makes() -> None:
    """docs/addin-windows.md is the tested procedure: every version, file, key, button and menu it
    names must be the ones the code builds, or a person following it on Windows is misled."""
    from addin.commands import CONF_KEY, SELF_CHECK

    doc = (Path(__file__).parents[1] / "docs" / "addin-windows.md").read_text(encoding="utf-8")
    versions = set(re.findall(r"\b0\.\d+\.\d+\b", doc))
    assert versions == {B.XLWINGS_VERSION}, versions
    for bits in ("64", "32"):
        assert f"xlwings{bits}-{B.XLWINGS_VERSION}.dll" in doc
    assert f"%USERPROFILE%\\.{B.PROJECT_NAME}\\{B.PROJECT_NAME}.conf" in doc
    assert "INTERPRETER_WIN" in doc and CONF_KEY in ("INTERPRETER_WIN", "INTERPRETER_MAC")
    assert f"编译 {B.PROJECT_NAME}" in doc and B.ADDIN_FILE in doc and SELF_CHECK in doc
    for key, value in B.CONFIG[:2]:
        assert f"`{key}`" in doc and f"`{value}`" in doc or value == "False" and f"`{key}` 为 False" in doc
    for label in BUTTONS.values():  # the ribbon the person is told to click through
        assert label in doc, label


def test_cli_builds_the_addin_and_the_self_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["addin", "build", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / B.ADDIN_FILE).exists() and (tmp_path / "xinyong-自检.xlsx").exists()
    assert "SHA-256" in result.output
    install = CliRunner().invoke(main, ["addin", "install"])
    assert install.exit_code == 2 and "Windows 或 macOS" in install.output  # Linux: no Excel to install into
