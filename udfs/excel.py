"""Every XY_ function as an Excel UDF (classic xlwings): the one module of `udfs` that imports xlwings.

The adapters are generated from `REGISTRY`, so a new scoring rule reaches Excel without a copy here.
They take what Excel hands over (blanks as None, numbers, text, booleans, ranges as nested lists,
Excel errors as "#N/A"-style text thanks to xlwings' `err_to_str`), type text the way
`udfs.values` types inputs, flatten ranges, and never return a silent 0: an input problem comes back as
"#输入错误: …", anything else as "#计算错误: …", and an Excel error in an argument as that same error.
A numeric result goes back without binary noise (10 significant digits, see `_result`).

On Windows `xw.func`/`xw.arg` attach the `__xlfunc__` metadata that xlwings' VBA generator and
`call_udf` read; elsewhere they are no-ops, so xlwings' own `xlfunc`/`xlarg` are used instead
(imported with the pywin32 modules stubbed for the moment of the import, see `xlwings_udfs`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import keyword
import math
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

import xlwings as xw

from .numbers import rounded
from .values import ValueProblem, is_blank, parse_bool, parse_measured
from .vocabulary import REGISTRY, XYFunction, XYInputError
from .vocabulary.core import Arg

CATEGORY = "信用评估"
INPUT_ERROR = "#输入错误: "
CALC_ERROR = "#计算错误: "
# XlCVError codes; VBA's CVErr(n) reaches Python (pywin32) as the SCODE 0x800A0000 + n
EXCEL_ERRORS = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
    2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!", 2047: "#BLOCKED!",
    2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!",
}  # fmt: skip
_SCODE_BASE = -2146828288  # 0x800A0000 as a signed 32-bit int, as xlwings' own `cell_errors` table has it
_ERROR_CODES = {text: code for code, text in EXCEL_ERRORS.items()}
# Argument names VBA cannot take as parameter names (MS-VBAL 3.3.5.2 reserved identifiers, the
# contextual keywords of the VBA editor, and the names the xlwings wrapper itself uses): one of these
# in the generated module would stop the whole module from compiling, so such a name gets a "_".
VBA_RESERVED = frozenset(
    """abs access addressof alias and any append application array as attribute base begin binary boolean
    byref byte byval call case cbool cbyte ccur cdate cdbl cdec cdecl cint circle class clng clnglng clngptr
    close compare const csng cstr currency cvar cverr database date debug declare decimal defbool defbyte
    defcur defdate defdbl defdec defint deflng deflnglng deflngptr defobj defsng defstr defvar dim do doevents
    double each else elseif empty end endif enum eqv erase err error event exit explicit false fix for friend
    function get global gosub goto if imp implements in input inputb int integer is let lbound len lenb lib
    like line lock long longlong longptr loop lset me mid midb mod module new next not nothing null on open
    option optional or output paramarray preserve print private property pset ptrsafe public put raiseevent
    random read redim rem reset resume return rset scale seek select set sgn shared single spc static step
    stop string sub tab text then time to true type typeof ubound unlock until variant vb_name wend while
    width with withevents write xor argsarray k xlpy failed""".split()
)


class _PassThrough(Exception):
    """An Excel error found in an argument: the cell shows that error, not a score."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# ---- xlwings' own decorators and generator, also without pywin32 ------------------------------------

_import_lock = threading.Lock()
_STUBBED = ("pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs")


def _pywin32_stubs() -> dict[str, types.ModuleType]:
    def unavailable(*_: object) -> object:
        raise RuntimeError("pywin32 is not available on this machine")

    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]  # referenced at import time
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    client = types.ModuleType("win32com.client")
    client.Dispatch = unavailable  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    win32com.client = client  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@functools.cache
def xlwings_udfs() -> types.ModuleType:
    """`xlwings.udfs` (xlfunc, xlarg, generate_vba_wrapper). Without pywin32 it cannot be imported, so
    it is imported once with stub pywin32 modules, and `sys.modules` is put back as it was."""
    try:
        return importlib.import_module("xlwings.udfs")
    except ImportError:
        pass
    with _import_lock:
        saved = {name: sys.modules.get(name) for name in _STUBBED}
        had_attr, old_attr = hasattr(xw, "udfs"), getattr(xw, "udfs", None)
        try:
            sys.modules.pop("xlwings.udfs", None)
            sys.modules.update(_pywin32_stubs())
            return importlib.import_module("xlwings.udfs")
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module
            if had_attr:
                xw.udfs = old_attr  # type: ignore[attr-defined]
            elif hasattr(xw, "udfs"):
                del xw.udfs  # type: ignore[attr-defined]


def _decorators() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`xw.func`/`xw.arg` where they record metadata (Windows), xlwings' `xlfunc`/`xlarg` elsewhere."""
    if getattr(xw.func, "__module__", "") == "xlwings.udfs":
        return xw.func, xw.arg
    module = xlwings_udfs()
    return module.xlfunc, module.xlarg


@functools.cache
def _com_variant() -> Callable[[int], object] | None:
    """pywin32's VARIANT maker on Windows, so a passed-through error is a real error value in the cell."""
    try:
        import pythoncom  # type: ignore[import-not-found]
        from win32com.client import VARIANT  # type: ignore[import-not-found]
    except ImportError:
        return None
    return lambda scode: VARIANT(pythoncom.VT_ERROR, scode)


# ---- Excel values in, cell values out -----------------------------------------------------------------


def excel_error(code: int) -> object:
    """The Excel error `code` (XlCVError) as the cell should show it: an error value where pywin32
    exists, else its text ("#N/A"), which is how xlwings' `err_to_str` hands errors to Python."""
    make = _com_variant()
    if make is not None:
        return make(_SCODE_BASE + code)
    return EXCEL_ERRORS.get(code, f"#ERROR{code}")


def shown(value: object) -> object:
    """A UDF result as the cell shows it, with an error value (pywin32 VARIANT) as its text."""
    if hasattr(value, "varianttype") and hasattr(value, "value"):
        return EXCEL_ERRORS.get(value.value - _SCODE_BASE, "#N/A")  # type: ignore[attr-defined]
    return value


def _error_code(value: object) -> int | None:
    if isinstance(value, str):
        return _ERROR_CODES.get(value.strip().upper())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value - _SCODE_BASE < 4096:
        return value - _SCODE_BASE  # an error xlwings' table does not know (e.g. #SPILL!) stays an SCODE
    return None


def _cells(value: object) -> Iterator[object]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _cells(item)
    else:
        yield value


WORD_ARGS = ("mode", "coverage", "both_zero")


def _kind(arg: Arg) -> str:
    """How text in this argument is read: a yes/no flag, a fixed word (the deduction mode, the coverage
    rule) or a number."""
    if "是/否" in arg.description:
        return "flag"
    return "word" if arg.name in WORD_ARGS else "number"


def _label(arg: Arg) -> str:
    return arg.description.split("（")[0].split("(")[0]


def _typed(value: object, arg: Arg) -> object:
    """Text typed as `udfs.values` types inputs; anything else is left to the scoring rule to judge."""
    if not isinstance(value, str):
        return value
    kind = _kind(arg)
    if kind == "word":
        return value.strip()
    if kind == "flag":
        try:
            return parse_bool(value)
        except ValueProblem:
            return value  # the rule says which flag is wrong
    try:
        return parse_measured(value, arg.unit, percent_allowed=arg.unit in ("%", ""))
    except ValueProblem as problem:
        raise XYInputError(f"{_label(arg)}：{problem}") from None


def _pass_errors(value: object) -> None:
    """The first Excel error in an argument (or a range) goes back to the cell unchanged."""
    for cell in _cells(value):
        code = _error_code(cell)
        if code is not None:
            raise _PassThrough(code)


def excel_argument(value: object, arg: Arg) -> object:
    """One UDF argument as the scoring rule wants it: a blank is None, a range a flat list (a 1-cell
    range is that cell), and an Excel error is passed through. Blanks inside a range stay None so
    the rule decides, as it does in every engine: scores skip them, a yes/no item is missing."""
    _pass_errors(value)
    cells = list(_cells(value))
    typed = [None if is_blank(cell) else _typed(cell, arg) for cell in cells]
    if not isinstance(value, list | tuple) or len(typed) == 1:
        return typed[0]
    return typed


def _result(value: object) -> object:
    """What every XY_ adapter hands back to the cell. Decision: a float goes back rounded by
    `udfs.numbers.rounded` (10 significant digits, whole-number digits kept), so the cell holds 1.84
    for XY_REPORTING_SCORE(99.2%), not 1.8399999999999999. The rounding moves a value by at most half
    a unit in its 10th significant digit, less than any rate of an assessment (k/n, n below 10^9) lies
    from a threshold it is compared with, so a threshold judged on a cell still agrees with headless
    scoring (udfs.evaluate and the engines), which keeps full precision and is not rounded."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{CALC_ERROR}结果不是有效数值"
    return rounded(value) if isinstance(value, float) else value


# ---- the adapters ------------------------------------------------------------------------------------


def vba_name(name: str) -> str:
    """The parameter name Excel shows: the registry's, unless VBA or Python reserves it."""
    if name.lower() in VBA_RESERVED or keyword.iskeyword(name):
        return name + "_"
    return name


def _signature(xyf: XYFunction) -> inspect.Signature:
    defaults = [p.default for p in inspect.signature(xyf.func).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    params = []
    for i, arg in enumerate(xyf.args):
        if arg.variadic:
            params.append(inspect.Parameter(vba_name(arg.name), inspect.Parameter.VAR_POSITIONAL))
            continue
        default = defaults[i] if i < len(defaults) else inspect.Parameter.empty
        if arg.optional and default is inspect.Parameter.empty:
            default = None
        params.append(inspect.Parameter(vba_name(arg.name), inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    return inspect.Signature(params)


def arg_doc(arg: Arg) -> str:
    """The argument's line in Excel's function wizard (Chinese, with its unit)."""
    doc = arg.description
    if arg.unit:
        doc += f"（单位：{arg.unit}）"
    if arg.optional:
        doc += "，可省略"
    if arg.variadic:
        doc += "；可填多个单元格或区域"
    return doc[:255]


def _adapter(xyf: XYFunction) -> Callable[..., object]:
    signature = _signature(xyf)
    specs = list(zip(signature.parameters.values(), xyf.args, strict=True))

    def adapter(*args: object, **kwargs: object) -> object:
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            _pass_errors(list(bound.arguments.values()))  # an upstream error outranks an input problem
            values: list[object] = []
            for param, arg in specs:
                given = bound.arguments[param.name]
                if param.kind is param.VAR_POSITIONAL:
                    values.extend(excel_argument(v, arg) for v in given)
                else:
                    values.append(excel_argument(given, arg))
            return _result(xyf.func(*values))
        except _PassThrough as passed:
            return excel_error(passed.code)
        except XYInputError as problem:
            return INPUT_ERROR + str(problem)
        except Exception as failure:  # noqa: BLE001 - the cell must show it, not a silent 0
            return CALC_ERROR + (str(failure) or type(failure).__name__)

    adapter.__name__ = adapter.__qualname__ = xyf.name
    adapter.__module__ = __name__
    adapter.__doc__ = xyf.summary  # xlwings uses the docstring as the function's description
    adapter.__signature__ = signature  # type: ignore[attr-defined]  # xlwings builds the VBA from it
    adapter.__annotations__ = {}  # xlwings would read annotations as converters
    func, xlarg = _decorators()
    for param, arg in specs:
        adapter = xlarg(param.name, err_to_str=True, doc=arg_doc(arg))(adapter)
    return func(category=CATEGORY)(adapter)


ADAPTERS: dict[str, Callable[..., object]] = {name: _adapter(xyf) for name, xyf in sorted(REGISTRY.items())}
globals().update(ADAPTERS)  # xlwings finds UDFs as module attributes named like the function
__all__ = sorted(ADAPTERS)
