"""``jiafang serve``: the office console in the browser (the review station is one of its pages)."""

from __future__ import annotations

import secrets
import socket
import webbrowser
from pathlib import Path

import click

from pipeline.cli.options import library_errors, operator_option, workspace_option

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_port_options(default_port: int):  # type: ignore[no-untyped-def]
    """--port and --host, shared by ``serve`` and ``review serve``."""

    def wrap(command):  # type: ignore[no-untyped-def]
        command = click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；默认只允许本机访问。")(command)
        return click.option(
            "--port", type=click.IntRange(0, 65535), default=default_port, show_default=True, help="网页端口（0 = 任选空闲端口）。"
        )(command)

    return wrap


def run_console(
    workspace: Path, *, host: str, port: int, operator: str | None, start: str, title: str, open_browser: bool
) -> None:
    """Serve the console over ``workspace`` until Ctrl+C, printing the one-time link to ``start``."""
    import uvicorn

    from pipeline.console.app import create_console_app
    from pipeline.model.audit import default_operator
    from pipeline.store.workspace import open_workspace

    ws = open_workspace(workspace)
    token = secrets.token_urlsafe(16)
    app = create_console_app(ws, operator=operator or default_operator(), token=token)
    if host not in LOCAL_HOSTS:
        click.echo(f"注意：监听 {host}，同一网络中的其他电脑也能连接（仍需令牌）。", err=True)
    sock = socket.create_server((host, port))  # bound first, so the printed URL has the real port
    shown = "127.0.0.1" if host in LOCAL_HOSTS else host
    link = f"http://{shown}:{sock.getsockname()[1]}{start}?token={token}"
    click.echo(f"{title}已启动：{link}")
    click.echo("请用 Chromium、Chrome、Edge 或 Firefox 打开上面的链接；链接只能打开一次，换浏览器请重新启动。按 Ctrl+C 停止。")
    if open_browser:
        webbrowser.open(link)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    finally:
        ws.close()


@click.command("serve")
@host_port_options(8765)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器（只打印链接）。")
@operator_option
@workspace_option
@library_errors
def serve(port: int, host: str, no_browser: bool, operator: str | None, workspace: Path) -> None:
    """启动本机家访工作台网页（首页、复核等），自动打开浏览器；按 Ctrl+C 停止。

    链接带一次性访问令牌：第一次打开的浏览器得到登录状态，之后链接失效。

    \b
    示例：jiafang serve --operator 王老师
    示例：jiafang serve --port 9000 --no-browser -w 家访数据
    """
    run_console(workspace, host=host, port=port, operator=operator, start="/", title="家访工作台", open_browser=not no_browser)
