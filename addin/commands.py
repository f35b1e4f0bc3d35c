"""`xinyong addin build | install | digest`: the add-in from the command line (heavy imports only when run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from workbooks.usage import UsageFailure

CONF_KEY = "INTERPRETER_WIN" if sys.platform.startswith("win") else "INTERPRETER_MAC"
SELF_CHECK = "xinyong-自检.xlsx"


def _build(out_dir: Path):  # noqa: ANN202 - addin.build.Built
    from .build import BuildRefused, build
    from .vba_project import VBAProjectError

    try:
        return build(out_dir)
    except (BuildRefused, VBAProjectError) as refused:
        raise UsageFailure(str(refused)) from None


@click.group()
def addin() -> None:
    """Excel 加载项：生成 xinyong.xlam、安装到 Excel、核对内容摘要。"""


@addin.command("build")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True, help="输出文件夹")  # fmt: skip
def build_command(out_dir: Path) -> None:
    """生成 xinyong.xlam（不需要 Excel）和自检工作簿 xinyong-自检.xlsx。"""
    from .self_check import write_self_check

    out_dir.mkdir(parents=True, exist_ok=True)
    checks = write_self_check(out_dir / SELF_CHECK)
    click.echo(f"自检工作簿：{out_dir / SELF_CHECK}（{checks} 项检查；在 Windows Excel 中打开并重算，应全部为 TRUE）")
    built = _build(out_dir)
    click.echo(f"已生成加载项：{built.path}（{len(built.functions)} 个计分函数，VBA 模块 {len(built.modules)} 个）")
    click.echo(f"SHA-256：{built.sha256}")
    click.echo(f"内容摘要（解压后各部件，与 zlib 版本无关）：{built.content_sha256}")


@addin.command("digest")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def digest_command(path: Path) -> None:
    """核对收到的加载项：显示解压后各部件的内容摘要（不同电脑生成的文件 SHA-256 可能不同，内容摘要应一致）。"""
    import zipfile

    from .package import part_hashes, parts_digest

    try:
        click.echo(f"内容摘要：{parts_digest(path)}")
        for name, sha in part_hashes(path):
            click.echo(f"{sha}  {name}")
    except zipfile.BadZipFile:
        raise UsageFailure(f"{path.name} 不是 .xlam（zip）文件，可能已损坏") from None


@addin.command("install")
def install_command() -> None:
    """把加载项安装到本机 Excel（调用 xlwings 自己的安装命令，需要 Windows 或 macOS 上的 Excel）。"""
    if not (sys.platform.startswith("win") or sys.platform == "darwin"):
        raise UsageFailure("安装加载项需要 Windows 或 macOS 上的 Excel；本机只能生成加载项（xinyong addin build）")
    target = Path.home() / ".xinyong"
    built = _build(target)
    code = "import sys; from xlwings.cli import main; sys.argv = ['xlwings', 'addin', 'install', '-f', sys.argv[1]]; main()"
    done = subprocess.run([sys.executable, "-c", code, str(built.path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise UsageFailure(f"xlwings 安装加载项失败：{(done.stderr or done.stdout).strip()[-500:]}")
    conf = target / "xinyong.conf"
    if conf.exists():
        click.echo(f"已有配置文件 {conf}，未改动（请确认其中的 {CONF_KEY} 指向装有 xinyong 的 Python）")
    else:
        conf.write_text(f'"{CONF_KEY}","{sys.executable}"\n', encoding="utf-8")
        click.echo(f"已写入配置文件 {conf}：{CONF_KEY} = {sys.executable}")
    dll = list(Path(sys.executable).parent.glob("xlwings*.dll")) + list(Path(sys.prefix).glob("xlwings*.dll"))
    if sys.platform.startswith("win") and not dll:
        click.echo("注意：Python 旁边没有找到 xlwings 的 DLL，Excel 可能提示“Could not activate Python COM server”；见 docs/addin-windows.md")
    click.echo(f"已安装 {built.path.name}。请重启 Excel，功能区应出现“信用评估”选项卡。")
