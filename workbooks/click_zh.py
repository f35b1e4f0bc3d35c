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
    for name in MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a click release that moved a module: its texts stay English
            continue
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]


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

