"""The Python command lines the add-in's VBA builds keep the working directory off the module path.

xlwings starts Python with `-c`, so sys.path[0] is '' (the working directory, for Excel possibly a
folder of returned files), and its prepare_sys_path puts '' back for an empty PYTHONPATH setting.
The test takes the two command strings from the built add-in's VBA (the UDF server's in XLPyCommand
and RunPython's in ExecuteWindows), evaluates the VBA string expressions with the values Excel
would supply, splits the result the way Windows splits a command line, and runs the `-c` program
in a folder holding decoy udfs.py, addin.py and xlwings.py, with the UDF server's start (or the
ribbon's command) replaced by a probe that imports the packages and reports where they came from.
The template's own lines, run the same way, import the decoy xlwings; without the second guard
(after prepare_sys_path, which puts '' back) the decoy udfs is imported: the test tells them apart.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from addin import build as B
from addin.vba_project import read_modules

DECOYS = ("udfs", "addin", "xlwings")
PROBE = (
    "import json, udfs, addin, xlwings.utils; "
    "print(json.dumps({'files': [udfs.__file__, addin.__file__, xlwings.utils.__file__], 'path': sys.path}))"
)
SERVE = "import xlwings; xlwings.serve('$(CLSID)')"
TOKEN = re.compile(r'\s*(?:"((?:[^"]|"")*)"|Chr\((\d+)\)|([A-Za-z_]\w*)|(&))')


def vba_string(expression: str, variables: dict[str, str]) -> str:
    """Evaluate a VBA string expression of literals, Chr(n) and variables joined by &."""
    out, pos, expect_term = [], 0, True
    while pos < len(expression.rstrip()):
        m = TOKEN.match(expression, pos)
        assert m, f"cannot read VBA at {expression[pos : pos + 30]!r}"
        literal, code, name, amp = m.groups()
        assert expect_term == (amp is None), f"misplaced token at {expression[pos : pos + 30]!r}"
        if literal is not None:
            out.append(literal.replace('""', '"'))
        elif code is not None:
            out.append(chr(int(code)))
        elif name is not None:
            out.append(variables[name])
        expect_term = amp is not None
        pos = m.end()
    return "".join(out)


def windows_argv(command: str) -> list[str]:
    """Split a command line as the Microsoft C runtime does (backslashes before a quote escape it)."""
    args, current, quoted, i, started = [], [], False, 0, False
    while i < len(command):
        ch = command[i]
        if ch == "\\":
            n = len(command[i:]) - len(command[i:].lstrip("\\"))
            if i + n < len(command) and command[i + n] == '"':
                current.append("\\" * (n // 2))
                if n % 2:
                    current.append('"')
                    i += n + 1
                else:
                    i += n
            else:
                current.append("\\" * n)
                i += n
            started = True
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch in " \t" and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
        i += 1
    if started:
        args.append("".join(current))
    return args


def statement(source: str, prefix: str) -> str:
    """The right-hand side of the one VBA assignment starting with `prefix`."""
    lines = [line.strip() for line in source.split("\r\n") if line.strip().startswith(prefix)]
    assert len(lines) == 1, (prefix, lines)
    return lines[0].split(" = ", 1)[1]


def pythonpath_argument() -> str:
    """What XLPyCommand and RunPython pass to prepare_sys_path, escaped as they escape it: the
    ADD_WORKBOOK_TO_PYTHONPATH setting, two workbook paths, three empty cloud settings, PYTHONPATH."""
    raw = ";".join(
        [
            "False",
            r"C:\信用办\回收\某单位.xlsx",
            r"C:\Users\u\AppData\Roaming\Microsoft\Excel\XLSTART\xinyong.xlam",
            "",
            "",
            "",
            "",
        ]
    )
    return raw.replace("\\", "\\\\").replace("'", "\\'").replace("&", "^&")


def udf_server_program(xlwings_vba: str) -> str:
    """The -c program of the UDF server's command line, its start replaced by the probe."""
    tail = vba_string(
        statement(xlwings_vba, "tail = "), {"LicenseKeyEnvString": "", "PYTHONPATH": pythonpath_argument()}
    )
    argv = windows_argv('"C:\\Python311\\pythonw.exe"' + tail)
    assert argv[1:3] == ["-B", "-c"] and len(argv) == 4, argv
    assert argv[3].count(SERVE) == 1 and argv[3].endswith(SERVE)
    return argv[3].replace(SERVE, PROBE)


def runpython_program(xlwings_vba: str) -> str:
    """The -c program of RunPython's command line (Windows), the ribbon's command replaced by the probe."""
    variables = {
        "CondaCmd": "",
        "PythonInterpreter": '"C:\\Python311\\python.exe"',
        "PYTHONPATH": pythonpath_argument(),
        "PythonCommand": PROBE,
    }
    command = vba_string(statement(xlwings_vba, "RunCommand = CondaCmd"), variables) + '--wb="某单位.xlsx" --from_xl=1'
    argv = windows_argv(command)
    assert argv[1:3] == ["-B", "-c"], argv
    return argv[3]


def run_in_decoy_folder(program: str, folder: Path, decoys: tuple[str, ...] = DECOYS) -> dict:
    folder.mkdir()
    for name in decoys:  # each decoy leaves a mark and stops the program if it is ever imported
        (folder / f"{name}.py").write_text(
            f"open('imported-{name}', 'w').close()\nraise SystemExit('decoy {name}')\n", encoding="utf-8"
        )
    done = subprocess.run(
        [sys.executable, "-B", "-c", program], cwd=folder, capture_output=True, text=True, timeout=120
    )
    marks = sorted(p.name for p in folder.glob("imported-*"))
    return {"rc": done.returncode, "out": done.stdout, "err": done.stderr, "marks": marks}


def installed_files(folder: Path) -> list[str]:
    """Where the packages come from for this interpreter when nothing stands in for them."""
    folder.mkdir()
    program = "import json, udfs, addin, xlwings.utils; print(json.dumps([udfs.__file__, addin.__file__, xlwings.utils.__file__]))"
    done = subprocess.run(
        [sys.executable, "-B", "-c", program], cwd=folder, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def xlwings_vba(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The xlwings module as built into the add-in, and as the template has it."""
    built = B.build(tmp_path_factory.mktemp("addin"))
    found = {}
    for label, path in (("built", built.path), ("template", B.template_path())):
        with zipfile.ZipFile(path) as z:
            modules = {m.name: m.source for m in read_modules(z.read("xl/vbaProject.bin"))}
        found[label] = modules["xlwings"].replace("\r\n", "\n").replace("\n", "\r\n")
    return found


@pytest.mark.parametrize("program_of", [udf_server_program, runpython_program], ids=["udf-server", "runpython"])
def test_a_file_in_the_working_directory_cannot_stand_in_for_the_package(
    program_of, xlwings_vba: dict[str, str], tmp_path: Path
) -> None:  # noqa: ANN001
    ours = run_in_decoy_folder(program_of(xlwings_vba["built"]), tmp_path / "ours")
    assert ours["rc"] == 0 and ours["marks"] == [], ours
    report = json.loads(ours["out"])
    assert report["files"] == installed_files(tmp_path / "empty")  # the real packages, as an empty folder finds them
    assert not any(Path(f).resolve().is_relative_to((tmp_path / "ours").resolve()) for f in report["files"])
    assert "" not in report["path"] and "." not in report["path"]
    template = run_in_decoy_folder(program_of(xlwings_vba["template"]), tmp_path / "template")
    assert template["rc"] != 0 and template["marks"] == ["imported-xlwings"], template  # xlwings' own line
    before, guard, after = program_of(xlwings_vba["built"]).rpartition(B.PATH_GUARD)
    assert guard and PROBE in after  # the second guard sits between prepare_sys_path and the package import
    first_only = run_in_decoy_folder(before + after, tmp_path / "first-guard-only", decoys=("udfs", "addin"))
    assert first_only["rc"] != 0 and first_only["marks"] == ["imported-udfs"], (
        first_only
    )  # prepare_sys_path put '' back


def test_the_ribbon_command_drops_the_working_directory_too() -> None:
    """On the Mac RunPython goes through xlwings' AppleScript, which this build does not edit: the
    dispatcher's own command removes '' and '.' before importing the package."""
    command = re.search(r'RunPython "(.*)"\s*$', B.dispatcher(), re.M)
    assert command and command.group(1).startswith("import sys;" + B.PATH_GUARD + "import addin.callbacks;")


def test_the_path_guard_is_plain_python_that_survives_cmd_quoting() -> None:
    assert not set(B.PATH_GUARD) & set('"&^%!|<>'), B.PATH_GUARD
    scope = {"sys": type("S", (), {"path": ["", "/lib", ".", "/site", ""]})}
    exec(B.PATH_GUARD, scope)
    assert scope["sys"].path == ["/lib", "/site"]
