"""click's own words in Chinese: usage lines, help headings, and every error click raises for a
mistyped command, a missing folder or a bad option value, so a clerk never meets English among the
tool's Chinese messages.

click looks each of its texts up through `gettext` at the moment it shows it (`_` and `ngettext` in
its modules); `install()` points those names at this catalogue. A text the catalogue does not have
stays as click wrote it, so a new click release degrades to English, never to an error. Placeholders
are click's own; a Chinese text may drop one it does not need (str.format ignores the rest).
"""

from __future__ import annotations

import importlib
import re
import unicodedata

import click

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看用法。",
    "No such command {name!r}.": "没有“{name}”这个命令。",
    "No such option {name!r}.": "没有“{name}”这个选项。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "Option {name!r} does not take a value.": "选项“{name}”后面不用写值。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”要写 {nargs} 个值。",
    "Aborted!": "已取消。",
    "unknown error": "未知错误",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里要的是文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里要的是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不能执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围（{range}）内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是“是/否”；可写：{states}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Do you want to continue?": "是否继续？",
}
PLURALS = {  # click's singular text -> (Chinese for one, Chinese for several)
    "Did you mean {possibility}?": ("是不是要写 {possibility}？", "是不是要写其中之一：{possibilities}？"),
    "Got unexpected extra argument ({args})": ("多了一个参数（{args}）", "多了几个参数（{args}）"),
    "Option {name!r} requires an argument.": ("选项“{name}”后面要写一个值。", "选项“{name}”后面要写 {nargs} 个值。"),
    "{value!r} is not {choice}.": ("“{value}”不是可选值 {choice}。", "“{value}”不是可选值之一：{choices}。"),
    "Takes {nargs} values but 1 was given.": ("要写 {nargs} 个值，只写了 1 个。", "要写 {nargs} 个值，写了 {len} 个。"),
}
ARGUMENTS = {  # an argument's name -> how the usage line and its errors call it
    "folder": "项目文件夹", "ref": "指标体系", "name": "名称", "input_id": "数据项", "value": "值",
    "source": "文件", "out": "输出文件", "path": "文件",
}  # fmt: skip
MODULES = ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui", "utils")
OPTIONS_METAVAR = "[选项]"
OPTION_VALUES = {  # an option's name -> what its value is, in the help (“--registry 名录”)
    "ref": "指标体系", "rubric": "指标体系", "registry_ref": "名录", "subject": "考核对象", "unit": "单位",
    "note": "说明", "round_name": "轮次", "year": "年度", "deadline": "日期", "top": "项数",
    "host": "地址", "port": "端口号",
}  # fmt: skip
METAVARS = {"StringParamType": "文字", "IntParamType": "整数", "IntRange": "整数", "FloatParamType": "数字"}  # by click type
SUBCOMMAND_METAVAR = "命令 [参数]..."


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    pair = PLURALS.get(singular)
    if pair is None:
        return singular if n == 1 else plural
    return pair[0] if n == 1 else pair[1]


def install() -> None:
    """Point click's message lookups at the Chinese catalogue (idempotent)."""
    click.Context.formatter_class = HelpFormatter
    formatting = _import("formatting")
    if formatting is not None and callable(getattr(formatting, "term_len", None)):
        formatting.term_len = _display_width(formatting.term_len)  # the help's columns line up
    wrapping = _import("_textwrap")
    if wrapping is not None and isinstance(getattr(wrapping, "TextWrapper", None), type):
        wrapping.TextWrapper = _whole_names(wrapping.TextWrapper)
    for name in MODULES:
        module = _import(name)
        if module is None:  # a click release that moved a module: its texts stay English
            continue
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]


def _import(name: str):  # noqa: ANN202 - a click module or None
    try:
        return importlib.import_module(f"click.{name}")
    except ImportError:
        return None


def _display_width(term_len):  # noqa: ANN001, ANN202 - click's own measure, wrapped once
    """A Chinese character takes two columns of a terminal: click counts one, so the option
    descriptions after a Chinese metavar (“--registry 名录”) would not line up."""
    if getattr(term_len, "counts_wide", False):
        return term_len

    def width(text: str) -> int:
        return term_len(text) + sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")

    width.counts_wide = True  # type: ignore[attr-defined]
    return width


_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# one Chinese character, or one run of anything else (a name, a number), with the opening punctuation
# before it and the closing punctuation after it: a line never starts with “）” or ends with “（”
CJK_OR_WORD = re.compile(f"[“‘（《「【]*(?:[{_CJK}]|[^{_CJK}]+)[”’）》」】，。；：、！？]*")


def _whole_names(wrapper: type) -> type:
    """click's help wrapper, breaking lines between Chinese characters or at spaces, never inside a
    name a clerk types (“zhengzhou-2019-counties”, “national-2019”); idempotent."""
    if getattr(wrapper, "keeps_names_whole", False):
        return wrapper

    class WholeNames(wrapper):  # type: ignore[misc, valid-type]
        keeps_names_whole = True

        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs["break_on_hyphens"] = False
            kwargs["break_long_words"] = False  # every chunk is one character or one name (below)
            super().__init__(*args, **kwargs)

        def _split(self, text: str) -> list[str]:
            return [piece for chunk in super()._split(text) for piece in CJK_OR_WORD.findall(chunk)]

    return WholeNames


class HelpFormatter(click.HelpFormatter):
    """Headings and the usage line with a Chinese colon (“选项：”, “用法：xinyong …”)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


def localise(command: click.Command) -> None:
    """The usage line, argument names and path kinds in Chinese, for a command and every
    subcommand under it (click names them when the command is declared, before `install`)."""
    command.options_metavar = OPTIONS_METAVAR
    for param in command.params:
        if isinstance(param, click.Argument) and param.name in ARGUMENTS and param.metavar is None:
            param.metavar = ARGUMENTS[param.name] + ("..." if param.nargs == -1 else "")
        if isinstance(param.type, click.Path):
            param.type.name = translate(param.type.name)
        elif isinstance(param, click.Option) and not param.is_flag and param.metavar is None:
            param.metavar = OPTION_VALUES.get(param.name or "") or METAVARS.get(type(param.type).__name__)
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            localise(sub)


def near(name: str, valid: list[str], what: str, hint: str = "") -> str:
    """“找不到指标体系“nope”。内置的有：…；是不是“…”？” — the valid names listed, a close one suggested."""
    from difflib import get_close_matches

    close = get_close_matches(name, valid, n=1, cutoff=0.6)
    guess = f"是不是“{close[0]}”？" if close else ""
    return f"找不到{what}“{name}”。内置的有：{'、'.join(valid)}{hint}。{guess}".rstrip()

