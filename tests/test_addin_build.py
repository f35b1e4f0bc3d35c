"""`xinyong addin build` checked on Linux by independent readers: oletools' olevba lists the
dispatcher and a wrapper for every XY_ function with the expected source and finds no string built
from character codes, olefile parses the compound file strictly and every module is stored with
CRLF line ends, the ribbon XML has the required structure with every button on the one dispatcher
and the relationship type of its namespace, the config sheet is set, python-calamine reads the very
hidden description sheet, two builds are identical (and their content digests survive another
zlib), and a template that differs from the verified one is refused."""

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
import python_calamine
from click.testing import CliRunner
from oletools.olevba import VBA_Parser, VBA_Scanner, decompress_stream

from addin import build as B
from addin import descriptions as D
from addin import package
from addin.callbacks import BUTTONS
from addin.vba_project import read_modules
from addin.wrappers import macro_options, vba_wrapper_module
from tests.test_consolidate_e2e import SYSTEM_PYTHON, has_uno
from udfs.vocabulary import REGISTRY
from workbooks.cli import main
from workbooks.master.recalc import find_soffice

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
    assert code_lines(wrappers) == code_lines(vba_wrapper_module().text + D.describe_vba())
    for name in REGISTRY:
        assert re.search(rf"^Function {name}\(", wrappers, re.M), name
    assert f'Public Const PROJECT_NAME As String = "{B.PROJECT_NAME}"' in modules["xlwings"]
    assert D.DESCRIBE_SUB in modules["ThisWorkbook"] and "Workbook_Open" in modules["ThisWorkbook"]
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
    goes through its own VBA import, and its Basic library API must show every module's code. It
    also loads the description sheet, hidden, with every function's row."""
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
    found = json.loads(out.read_text(encoding="utf-8"))
    shown = found["libraries"][B.PROJECT_NAME]  # the library carries the project's name
    assert set(shown) == set(ours) == {"ThisWorkbook", "Sheet2", "Dictionary", "RibbonMyAddin", "xlwings", B.WRAPPER_MODULE}
    for name, source in ours.items():
        assert code_lines(shown[name], LO_PREFIX) == code_lines(source), name
    assert code_lines(shown["RibbonMyAddin"], LO_PREFIX) == code_lines(B.dispatcher())
    assert code_lines(shown[B.WRAPPER_MODULE], LO_PREFIX) == code_lines(vba_wrapper_module().text + D.describe_vba())
    sheets = found["sheets"]  # the added sheet is wired into the package: LibreOffice loads it, hidden
    assert sheets[f"{B.PROJECT_NAME}.conf"]["visible"] and not sheets[D.SHEET_NAME]["visible"]
    rows = [[v for v in row if v != ""] for row in sheets[D.SHEET_NAME]["cells"]]
    assert rows == [list(D.HEADER), *D.description_rows()]


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


# customUI namespace -> the package relationship type Office expects with it
UI_RELATIONSHIP_OF = {
    "http://schemas.microsoft.com/office/2006/01/customui": "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2009/07/customui": "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
}
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def test_ribbon_xml_has_the_required_structure(built: B.Built) -> None:
    with zipfile.ZipFile(built.path) as z:
        root = ElementTree.fromstring(z.read("customUI/customUI.xml"))
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
        template_rels = zipfile.ZipFile(B.template_path()).read("_rels/.rels").decode()
    namespace = root.tag[1:].split("}")[0]
    ui = [r.get("Type") for r in rels.iter(f"{PACKAGE_RELS}Relationship") if r.get("Target") == "customUI/customUI.xml"]
    assert root.tag == f"{CUSTOM_UI}customUI" and ui == [UI_RELATIONSHIP_OF[namespace]] == [package.UI_RELATIONSHIP]
    assert UI_RELATIONSHIP_OF[namespace] not in template_rels  # the template's pair was the mismatched one
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
    assert (again.sha256, again.content_sha256) == (built.sha256, built.content_sha256)


def rezip(source: Path, target: Path, level: int, change: str | None = None) -> None:
    """The same parts deflated at another level, as another zlib might; optionally one part altered."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, data + b" " if info.filename == change else data)


def test_the_content_digest_survives_another_deflate_and_sees_any_change(built: B.Built, tmp_path: Path) -> None:
    """Another zlib gives other archive bytes for the same parts: the file's SHA-256 then differs,
    the digest over the uncompressed parts does not; a single changed byte in any part changes it."""
    assert built.content_sha256 == package.parts_digest(built.path)
    recompressed = tmp_path / "recompressed.xlam"
    rezip(built.path, recompressed, level=1)
    assert hashlib.sha256(recompressed.read_bytes()).hexdigest() != built.sha256
    assert package.parts_digest(recompressed) == built.content_sha256
    assert package.part_hashes(recompressed) == package.part_hashes(built.path)
    altered = tmp_path / "altered.xlam"
    rezip(built.path, altered, level=9, change=B.DESCRIPTIONS_PART)
    assert package.parts_digest(altered) != built.content_sha256
    result = CliRunner().invoke(main, ["addin", "digest", str(recompressed)])
    assert result.exit_code == 0, result.output
    assert built.content_sha256 in result.output and B.DESCRIPTIONS_PART in result.output


def test_every_module_is_stored_with_crlf_line_ends(built: B.Built) -> None:
    """VBA's own line end is CRLF; the template's xlwings module carries bare LFs, which a source-only
    project would hand to Excel's compiler as they are. Our streams (source at offset 0) are read with
    oletools' decompressor."""
    bare = re.compile(rb"(?<!\r)\n|\r(?!\n)")
    with zipfile.ZipFile(built.path) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    try:
        ours = {m: len(bare.findall(bytes(decompress_stream(bytearray(ole.openstream(f"VBA/{m}").read()))))) for m in built.modules}
    finally:
        ole.close()
    assert all(count == 0 for count in ours.values()), ours
    with zipfile.ZipFile(B.template_path()) as z:
        template = {m.name: len(bare.findall(m.source.encode("cp1252"))) for m in read_modules(z.read("xl/vbaProject.bin"))}
    assert template["xlwings"] > 1000  # what the build repairs


def test_no_module_builds_strings_from_character_codes(built: B.Built) -> None:
    """olevba's own scanner, module by module: no ChrW (or ChrB) string building anywhere. The only
    such indicator left is Chr in xlwings' own module (Chr(34), its quotes), as in every xlwings add-in."""
    parser = VBA_Parser(str(built.path))
    try:
        flagged = {}
        for _, stream, _, code in parser.extract_macros():
            found = {k for kind, k, text in VBA_Scanner(code).scan() if "obfuscate specific strings" in text}
            if found:
                flagged[stream.split("/")[-1]] = found
        whole = {k for _, k, _ in parser.analyze_macros()}
    finally:
        parser.close()
    assert flagged == {"xlwings": {"Chr"}}, flagged
    assert not {"ChrW", "ChrB"} & whole


def test_the_description_sheet_holds_every_functions_descriptions(built: B.Built) -> None:
    """python-calamine reads the add-in as it is: a very hidden sheet with one row per XY_ function
    (name, category, description, argument count, the argument descriptions), exactly what xlwings'
    Import Functions passes to MacroOptions, and the VBA that reads it names that sheet and those columns."""
    book = python_calamine.CalamineWorkbook.from_path(str(built.path))
    states = {s.name: str(s.visible) for s in book.sheets_metadata}
    assert states[D.SHEET_NAME].endswith("VeryHidden") and states[f"{B.PROJECT_NAME}.conf"].endswith("Visible")
    rows = book.get_sheet_by_name(D.SHEET_NAME).to_python()
    assert tuple(rows[0][: len(D.HEADER)]) == D.HEADER
    table = [[v for v in row if v != ""] for row in rows[1:]]
    expected = [[o["name"], o["Category"], o["Description"], len(o["Args"]), *o["Args"]] for o in macro_options()]
    assert table == expected
    assert [row[0] for row in table] == sorted(REGISTRY)
    for row in table:
        name, category, summary, count, *args = row
        assert category == "信用评估" and summary == REGISTRY[name].summary and count == len(args) == len(REGISTRY[name].args)
        assert all(args) and len(summary) <= 255 and all(len(a) <= 255 for a in args)
    sub = vba_modules(built.path)[B.WRAPPER_MODULE]
    assert f'ThisWorkbook.Worksheets("{D.SHEET_NAME}")' in sub
    cols = dict(re.findall(r"(\w+) = C(?:Str|Lng)\(sheet\.Cells\(r, (\d+)\)\.Value\)", sub))
    assert cols == {"category": "2", "summary": "3", "argCount": "4"}  # the columns of D.HEADER
    assert "sheet.Cells(r, 1).Value" in sub and "sheet.Cells(r, 5 + k).Value" in sub


def test_descriptions_are_registered_under_the_qualified_name_xlwings_uses() -> None:
    """xlwings' import_udfs registers "'<workbook name>'!<function>"; an unqualified name fails in
    Excel and the failure is swallowed. The Sub must build the same form from the add-in's own name."""
    xlwings_source = (Path(B.xlwings.__file__).parent / "udfs.py").read_text(encoding="utf-8")
    assert re.search(r"""MacroOptions\(\s*"'" \+ xl_workbook\.Name \+ "'!" \+ fname""", xlwings_source)
    sub = D.describe_vba()
    assert """macroName = "'" & ThisWorkbook.Name & "'!" & CStr(sheet.Cells(r, 1).Value)""" in sub
    calls = re.findall(r"Application\.MacroOptions Macro:=(\w+)", sub)
    assert calls and set(calls) == {"macroName"}


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
    from addin.commands import addin as addin_group

    assert "xinyong addin digest" in doc and "digest" in addin_group.commands  # the content check it tells them to run
    assert {o["Category"] for o in macro_options()} == {"信用评估"} and "类别”选“信用评估”" in doc
    for step in ("解除锁定", "Unblock-File", "受信任位置", "数字签名", "内容摘要", "zlib"):  # blocked macros, checking a copy
        assert step in doc, step


def test_cli_builds_the_addin_and_the_self_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["addin", "build", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / B.ADDIN_FILE).exists() and (tmp_path / "xinyong-自检.xlsx").exists()
    assert "SHA-256" in result.output and package.parts_digest(tmp_path / B.ADDIN_FILE) in result.output
    (tmp_path / "broken.xlam").write_bytes(b"not a zip")
    broken = CliRunner().invoke(main, ["addin", "digest", str(tmp_path / "broken.xlam")])
    assert broken.exit_code == 2 and "不是 .xlam" in broken.output
    install = CliRunner().invoke(main, ["addin", "install"])
    assert install.exit_code == 2 and "Windows 或 macOS" in install.output  # Linux: no Excel to install into
