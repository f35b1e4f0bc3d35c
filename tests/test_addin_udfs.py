"""The Excel side of the XY_ functions without Excel: the xlwings adapters, the VBA wrappers xlwings'
own generator writes for them, and the self-check workbook an office opens to verify its add-in."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import formulas
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from addin.self_check import CASES, SHEET, write_self_check
from addin.wrappers import HEADER, macro_options, vba_wrapper_module
from udfs import excel
from udfs.engines import formulas_engine
from udfs.numbers import rounded
from udfs.vocabulary import REGISTRY, Arg, XYFunction

ROOT = Path(__file__).resolve().parents[1]


def xy(name: str, *args: object) -> object:
    return REGISTRY[name].func(*args)


# ---- adapters: metadata ------------------------------------------------------------------------------


def test_every_registry_function_has_an_adapter_with_its_parameters_and_descriptions() -> None:
    assert sorted(excel.ADAPTERS) == sorted(REGISTRY) == excel.__all__
    for name, xyf in REGISTRY.items():
        adapter = getattr(excel, name)
        params = list(inspect.signature(adapter).parameters.values())
        assert len(params) == len(xyf.args), name
        for param, arg in zip(params, xyf.args, strict=True):
            renamed = arg.name.lower() in excel.VBA_RESERVED
            assert param.name == (arg.name + "_" if renamed else arg.name), name
            assert (param.kind is param.VAR_POSITIONAL) == arg.variadic
            assert (param.default is not param.empty) == arg.optional
        xlf = adapter.__xlfunc__
        assert xlf["name"] == name and xlf["category"] == "信用评估"
        assert xlf["ret"]["doc"] == xyf.summary and re.search("[\u4e00-\u9fff]", xyf.summary)
        assert [a["name"] for a in xlf["args"]] == [p.name for p in params]
        for info, arg in zip(xlf["args"], xyf.args, strict=True):
            assert info["doc"].startswith(arg.description) and arg.unit in info["doc"]
            assert info["options"] == {"err_to_str": True}  # Excel errors reach Python as "#N/A"-style text


def test_no_argument_name_is_reserved_in_vba() -> None:
    renamed = {(n, a.name) for n, f in REGISTRY.items() for a in f.args if excel.vba_name(a.name) != a.name}
    assert renamed == set()  # the vocabulary avoids VBA's reserved words (it once had `public` and `step`)


def test_metadata_is_what_xlwings_attaches_to_a_hand_written_function() -> None:
    module = excel.xlwings_udfs()

    def XY_DEDUCT(shortfall, points_each, full, step_size=1, mode=None):  # noqa: ANN001, ANN202, N802
        pass

    XY_DEDUCT.__doc__ = REGISTRY["XY_DEDUCT"].summary
    for arg in REGISTRY["XY_DEDUCT"].args:
        XY_DEDUCT = module.xlarg(arg.name, err_to_str=True, doc=excel.arg_doc(arg))(XY_DEDUCT)
    expected = module.xlfunc(category="信用评估")(XY_DEDUCT).__xlfunc__
    assert excel.XY_DEDUCT.__xlfunc__ == expected


@pytest.mark.skipif(sys.platform.startswith("win"), reason="pywin32 is real on Windows")
def test_pywin32_stubs_do_not_outlive_the_import() -> None:
    vba_wrapper_module()
    assert not {"pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs"} & set(sys.modules)


# ---- adapters: Excel-style inputs ------------------------------------------------------------------------

SAME = [  # (function, what Excel hands over, what the vocabulary is given)
    ("XY_NPL_SCORE", ("3.5%",), (0.035,)),
    ("XY_NPL_SCORE", ([[0.035]],), (0.035,)),  # a 1-cell range is that cell
    ("XY_EXECUTION_SCORE", ("８５％",), (0.85,)),
    ("XY_ITEMS_PER_ENTITY_SCORE", ("300,000", "200,000"), (300_000, 200_000)),
    ("XY_XINYIDAI_SCORE", ("500亿", "100万"), (5e10, 1e6)),
    ("XY_EXECUTION_RATE", (80.0, " 40 ", "60"), (80, 40, 60)),
    ("XY_DOMAIN_SCORE", ("是", "否", "√", "×"), (True, False, True, False)),
    ("XY_DOMAIN_SCORE", (True, 0.0, 1.0, False), (True, False, True, False)),
    ("XY_ANY", ([["否"], ["是"]],), (False, True)),  # a column range
    ("XY_COUNT_YES", ([[True, "是", "否"]], 1.0), (True, True, False, True)),  # a row range and a cell
    ("XY_MONITOR_SCORE", ([[10, 10, 80, 82, None, 84, 86, 88, 90]],), ([80, 82, 84, 86, 88, 90],)),
    ("XY_MONITOR_SCORE", ([[80], [None], [82], [84], [""], [86], [88], [90]],), ([80, 82, 84, 86, 88, 90],)),
    ("XY_AVG_LAST", ([[80], [None], [90], [100]], "2"), ([90, 100], 2)),
    ("XY_CODE_CONVERSION_SCORE", (0.995, None), (0.995,)),  # a blank optional argument takes its default
    ("XY_CODE_CONVERSION_SCORE", ("99.5%", " floor "), (0.995, "floor")),
    ("XY_DEDUCT", (3, 0.5, 2), (3, 0.5, 2)),
    ("XY_STEPS", ("30%", "10%", 1, "10%", 1, 5), (0.3, 0.1, 1, 0.1, 1, 5)),
    ("XY_COMMITMENT_SCORE", ("6,000", 3000, "1万", 19, 200, 200, 50, 100), (6000, 3000, 10000, 19, 200, 200, 50, 100)),
]


@pytest.mark.parametrize(("name", "given", "plain"), SAME)
def test_adapters_equal_the_vocabulary_for_excel_inputs(name: str, given: tuple, plain: tuple) -> None:
    got, want = getattr(excel, name)(*given), xy(name, *plain)
    assert isinstance(got, float) and got == rounded(want) == pytest.approx(want, rel=1e-9)  # cells get no float noise


def test_worked_examples_through_the_adapters() -> None:
    assert excel.XY_NPL_SCORE("2%") == 2.0 and excel.XY_NPL_SCORE("5%") == 0.0
    assert excel.XY_COMMITMENT_SCORE(6000, 3000, 10000, 19, 200, 200, 50, 100) == pytest.approx(3.4)
    assert excel.XY_CODE_CONVERSION_SCORE("99.5%", "ceil") == pytest.approx(0.8)
    assert excel.XY_DEDUCT(shortfall=3, points_each=0.5, full=2, mode="floor") == 0.5  # keywords work in Python


ERRORS = [
    ("XY_NPL_SCORE", (None,), "#输入错误: 缺少地区不良贷款率"),
    ("XY_RATIO", (3, 0), "#输入错误: 比例的分母为0而分子大于0"),
    ("XY_NPL_SCORE", ("abc",), "#输入错误: 地区不良贷款率：应为数值，收到文本“abc”"),
    ("XY_NPL_SCORE", (1.5,), "#输入错误: 地区不良贷款率不能大于1，收到1.5"),
    (
        "XY_EXECUTION_RATE",
        ("85%", 10, 10),
        "#输入错误: 报告期银行业机构债权案件执结数：此项不是比例，不能填百分数“85%”",
    ),
    ("XY_ITEMS_PER_ENTITY_SCORE", ("1,23,4", 2), "#输入错误: 公示的法人和非法人组织信息条数：千分位逗号位置不对"),
    ("XY_DOMAIN_SCORE", ("也许", True, True, True), "#输入错误: 信用记录应为“是”或“否”，收到“也许”"),
    ("XY_COUNT_YES", ([[True, None, False]],), "#输入错误: 缺少第2项（是/否）"),  # an unanswered item is missing
    ("XY_NPL_SCORE", ([[0.01, 0.02]],), "#输入错误: 地区不良贷款率应为数值"),  # a range for one value
    ("XY_CODE_CONVERSION_SCORE", (0.99, "half"), "#输入错误: 扣分方式应为 linear、floor 或 ceil"),
    ("XY_NPL_SCORE", (0.01, 0.02), "#计算错误: too many positional arguments"),
]


@pytest.mark.parametrize(("name", "given", "message"), ERRORS)
def test_errors_reach_the_cell_as_readable_text(name: str, given: tuple, message: str) -> None:
    got = getattr(excel, name)(*given)
    assert isinstance(got, str) and got.startswith(message), got


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_blank_arguments_are_input_errors_never_a_silent_zero(name: str) -> None:
    params = inspect.signature(excel.ADAPTERS[name]).parameters.values()
    blanks = [None for p in params if p.default is p.empty]
    got = excel.ADAPTERS[name](*blanks)
    assert isinstance(got, str) and got.startswith("#输入错误: "), got


def test_other_failures_are_calculation_errors() -> None:
    def broken(x: object) -> float:
        return 1 / 0

    fake = XYFunction("XY_BROKEN", broken, lambda x: x, "坏函数", (Arg("x", "值"),), "测试")
    assert excel._adapter(fake)(1) == "#计算错误: division by zero"


def test_excel_errors_in_arguments_come_back_unchanged() -> None:
    assert excel.XY_NPL_SCORE("#N/A") == "#N/A"
    assert excel.XY_RATIO(3, "#DIV/0!") == "#DIV/0!"
    assert excel.XY_RATIO("#N/A", "#VALUE!") == "#N/A"  # the first one, as Excel's own functions do
    assert excel.XY_RATIO("abc", "#DIV/0!") == "#DIV/0!"  # an upstream error outranks an input problem
    assert excel.XY_MONITOR_SCORE([[80, "#REF!", 90]]) == "#REF!"
    assert excel.XY_ANY(False, [["#NAME?"]]) == "#NAME?"
    assert excel.XY_NPL_SCORE(-2146828288 + 2045) == "#SPILL!"  # not in xlwings' table: arrives as the SCODE


def test_error_codes_match_xlwings_windows_table() -> None:
    """xlwings turns these SCODEs into text with err_to_str; the adapters give the same codes back."""
    source = (Path(excel.xlwings_udfs().__file__).parent / "_xlwindows.py").read_text(encoding="utf-8")
    assigns = [n for n in ast.parse(source).body if isinstance(n, ast.Assign)]
    node = next(n for n in assigns if getattr(n.targets[0], "id", None) == "cell_errors")
    table = ast.literal_eval(node.value)
    assert len(table) == 7
    for scode, text in table.items():
        assert excel.EXCEL_ERRORS[scode - excel._SCODE_BASE] == text


def test_on_windows_a_passed_through_error_is_a_real_error_value(monkeypatch: pytest.MonkeyPatch) -> None:
    class Variant:  # the shape of win32com.client.VARIANT
        def __init__(self, varianttype: int, value: int) -> None:
            self.varianttype, self.value = varianttype, value

    monkeypatch.setattr(excel, "_com_variant", lambda: lambda scode: Variant(10, scode))  # VT_ERROR is 10
    got = excel.XY_NPL_SCORE("#N/A")
    assert (got.varianttype, got.value) == (10, -2146826246)  # CVErr(xlErrNA)
    assert excel.shown(got) == "#N/A" and excel.XY_NPL_SCORE(0.035) == rounded(xy("XY_NPL_SCORE", 0.035))


def test_descriptions_are_what_xlwings_import_registers() -> None:
    """The MacroOptions arguments the add-in's description Sub is built from: one call per function,
    in name order, with the category, the function's summary and one description per argument."""
    options = macro_options()
    assert [o["name"] for o in options] == sorted(REGISTRY)
    for option, name in zip(options, sorted(REGISTRY), strict=True):
        assert option["Category"] == "信用评估" and option["Description"] == REGISTRY[name].summary
        assert len(option["Args"]) == len(REGISTRY[name].args)


# ---- the VBA wrapper module --------------------------------------------------------------------------


def test_wrapper_module_has_one_ascii_function_per_adapter() -> None:
    text, functions = vba_wrapper_module()
    assert functions == sorted(REGISTRY)
    assert text.isascii()
    found = re.findall(r"^Function (XY_\w+)\((.*)\)$", text, re.M)
    assert [n for n, _ in found] == functions
    for name, params in found:
        names = [p.split()[-1].removesuffix("()") for p in params.split(", ")]
        assert names == list(inspect.signature(excel.ADAPTERS[name]).parameters), name
        assert not {n.lower() for n in names} & {"public", "step", "private", "function", "end"}
    assert text.startswith(HEADER) and text.count("End Function") == len(functions)


def test_wrapper_module_is_xlwings_own_output() -> None:
    text, _ = vba_wrapper_module()
    call = (
        'XY_NPL_SCORE = XLPy.CallUDF("udfs.excel", "XY_NPL_SCORE", Array(npl_rate), ActiveWorkbook, Application.Caller)'
    )
    assert (
        call in text and "Function XY_DEDUCT(shortfall, points_each, full, Optional step_size, Optional mode)" in text
    )
    assert "Function XY_ANY(ParamArray flags())" in text and "XY_ANY = Err.Description" in text
    source = inspect.getsource(excel.xlwings_udfs().import_udfs)
    for line in HEADER.splitlines():
        assert line in source  # the header import_udfs itself writes


def test_wrapper_module_is_deterministic() -> None:
    first = vba_wrapper_module()
    assert vba_wrapper_module() == first
    code = "from addin.wrappers import vba_wrapper_module; import sys; sys.stdout.write(vba_wrapper_module().text)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=True)
    assert other.stdout.decode("ascii") == first.text


# ---- the self-check workbook ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_check(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("self-check") / "自检.xlsx"
    return path, write_self_check(path)


def test_self_check_covers_every_function(self_check: tuple[Path, int], tmp_path: Path) -> None:
    path, count = self_check
    assert count == len(CASES) > len(REGISTRY)
    write_self_check(tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == path.read_bytes()
    ws = openpyxl.load_workbook(path)[SHEET]
    called = {m for row in range(6, 6 + count) for m in re.findall(r"\b(XY_\w+)\(", str(ws[f"E{row}"].value))}
    assert called == set(REGISTRY)


def test_self_check_is_all_true_when_formulas_evaluates_it(self_check: tuple[Path, int]) -> None:
    path, count = self_check
    formulas_engine.register()
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values = {k.upper(): v.value[0, 0] for k, v in solution.items() if hasattr(v, "value")}

    def cell(ref: str) -> object:
        return values[f"'[{path.name}]{SHEET}'!{ref}".upper()]

    assert [row for row in range(6, 6 + count) if cell(f"G{row}") != True] == []  # noqa: E712 - numpy booleans
    assert cell("B3") == True and cell("B4") == count  # noqa: E712


def test_self_check_cached_values_show_true(self_check: tuple[Path, int]) -> None:
    path, count = self_check
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    assert [r[6] for r in rows[5 : 5 + count]] == [True] * count
    assert rows[2][1] is True and rows[3][1] == count
    numbers = [(r[4], r[5]) for r in rows[5 : 5 + count] if isinstance(r[5], float)]
    assert all(abs(got - want) < 1e-9 for got, want in numbers) and len(numbers) == count - 2


def test_figures_typed_with_their_units_read_as_an_input_in_that_unit_reads_them() -> None:
    """An argument measured in 件, 人, 户 or 元 takes `720件`, `240万人`, `500亿元` as the data sheet does."""
    assert excel.XY_PERSONAL_SCORE_COVERAGE("240万人", "4,000,000人") == excel.XY_PERSONAL_SCORE_COVERAGE(2_400_000, 4_000_000)
    assert excel.XY_XINYIDAI_SCORE("500亿元", "100万户") == excel.XY_XINYIDAI_SCORE(50_000_000_000, 1_000_000) == 1.0
    assert excel.XY_EXECUTION_RATE("720件", "0件", "800起") == excel.XY_EXECUTION_RATE(720, 0, 800)
    assert excel.XY_EXECUTION_RATE("5000元", 0, 800).startswith("#输入错误: 报告期银行业机构债权案件执结数：此项是个数，不能填金额")
    assert "不能填“户”" in excel.XY_PERSONAL_SCORE_COVERAGE("3万户", 4_000_000)
    assert "不能填“件”" in excel.XY_XINYIDAI_SCORE("5件", 1_000_000)
    assert "约数" in excel.XY_EXECUTION_RATE("约720件", 0, 800)
