"""`xinyong serve`: the intranet portal (workbooks.portal), started by hand, stopped with Ctrl+C."""

from __future__ import annotations

from pathlib import Path

import click

from .usage import UsageFailure, open_folder

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址；默认只有本机能打开，填 0.0.0.0 则本网段都能打开"
)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.option("--set-password", is_flag=True, help="设置信用办登录密码（保存为加密散列），然后退出")
def serve(folder: Path, host: str, port: int, set_password: bool) -> None:
    """启动网页报送门户：各单位用专用链接上传任务分解表并立即看到检查结果；信用办登录后查看进度、汇总、计分、下载。"""
    from .portal import links, login

    project = open_folder(folder)
    if set_password:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
        try:
            login.set_password(project, password)
        except login.PasswordRefused as refused:
            raise UsageFailure(str(refused)) from None
        click.echo("已设置信用办登录密码；已登录的人需要重新登录。")
        return
    from .generate.run import packages

    try:
        links.tokens(project, [p.unit.name for p in packages(project)[0]])
    except links.NoKey as no_key:
        raise UsageFailure(str(no_key)) from None
    server = make_server(project.root, host, port)
    address = project.settings.portal_address or f"http://{host}:{server.effective_port}"
    click.echo(f"网页报送门户已启动：{address}（按 Ctrl+C 停止）")
    click.echo(f"信用办页面：{address.rstrip('/')}/office")
    if login.stored(project) is None:
        click.echo(
            "提示：尚未设置信用办登录密码，信用办页面暂不能登录；运行 xinyong serve 项目文件夹 --set-password 设置。"
        )
    if host not in LOCAL_HOSTS:
        click.echo(
            f"注意：在 {host} 上监听，同一网络中的任何人都能打开本门户的页面（各单位页面仍需专用链接，信用办页面仍需密码）。"
            "链接和密码以明文传输，请放在 HTTPS 反向代理之后（见 README“网页报送门户”）。"
        )
    if not project.settings.portal_address:
        click.echo(
            "提示：项目设置.yaml 中 portal_address 未填写，生成的任务分解表和下发清单上不会印出各单位的报送链接。"
        )
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")


def make_server(root: Path, host: str, port: int):  # noqa: ANN201 - a waitress server
    """The portal under waitress (pure Python, runs on Windows as on Linux); port 0: any free port."""
    from waitress import create_server

    from .portal.app import create_app
    from .portal.receiver import MAX_BYTES

    return create_server(create_app(root), host=host, port=port, threads=8, max_request_body_size=MAX_BYTES + 65536)
