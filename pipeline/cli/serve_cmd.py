"""``jiafang serve``: the office console in the browser (the review station is one of its pages)."""

from __future__ import annotations

import secrets
import socket
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.options import library_errors, opened_workspace, operator_option, workspace_option
from pipeline.errors import WorkspaceError

if TYPE_CHECKING:
    from pipeline.store.workspace import Workspace

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
    workspace: Path,
    *,
    host: str,
    port: int,
    operator: str | None,
    start: str,
    title: str,
    open_browser: bool,
    lan: bool = False,
) -> None:
    """Serve the console over ``workspace`` until Ctrl+C, printing the one-time link to
    ``start``; with ``lan``, to the school's network, for operators who sign in."""
    import uvicorn

    from pipeline.console.app import create_console_app
    from pipeline.model.audit import default_operator

    with opened_workspace(workspace) as ws:
        if lan:
            _serve_lan(ws, host, port, operator or default_operator())
            return
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
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


@click.command("serve")
@host_port_options(8765)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器（只打印链接）。")
@click.option("--lan", is_flag=True, help="局域网模式：校内其他电脑和手机用各自的操作员账号登录（先用 jiafang operators add 开设账号）。")
@operator_option
@workspace_option
@library_errors
def serve(port: int, host: str, no_browser: bool, lan: bool, operator: str | None, workspace: Path) -> None:
    """启动本机家访工作台网页（首页、复核等），自动打开浏览器；按 Ctrl+C 停止。

    链接带一次性访问令牌：第一次打开的浏览器得到登录状态，之后链接失效。
    --lan：在校园网内开放，教师用手机或电脑登录自己的账号（只看到自己的班级）。

    \b
    示例：jiafang serve --operator 王老师
    示例：jiafang serve --port 9000 --no-browser -w 家访数据
    示例：jiafang serve --lan --port 8765
    """
    run_console(
        workspace, host=host, port=port, operator=operator, start="/", title="家访工作台", open_browser=not no_browser, lan=lan
    )


def _serve_lan(ws: Workspace, host: str, port: int, operator: str) -> None:
    """LAN mode: refuse without operator accounts, listen on the school's network, print the
    address teachers type."""
    import uvicorn

    from pipeline.console.app import create_console_app
    from pipeline.store.operators import list_operators

    with ws.session() as session:
        accounts = list_operators(session)
    if not any(o.role == "office" for o in accounts):
        raise WorkspaceError(
            "局域网模式需要先开设操作员账号，至少一个办公室（office）账号，例如："
            "jiafang operators add 教务处 --role office；教师：jiafang operators add 王老师 --role teacher --class 七年级（1）班"
        )
    bind = "0.0.0.0" if host in LOCAL_HOSTS else host
    app = create_console_app(ws, operator=operator, token=secrets.token_urlsafe(16), lan_mode=True)
    sock = socket.create_server((bind, port))
    shown = lan_address() if bind == "0.0.0.0" else bind
    click.echo(f"家访工作台（局域网模式）已启动：http://{shown}:{sock.getsockname()[1]}/")
    click.echo(f"校内的电脑和手机在浏览器中打开上面的地址，用各自的账号登录（共 {len(accounts)} 个账号）。按 Ctrl+C 停止。")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def lan_address() -> str:
    """This PC's address on the school network: the source address of a route to a private
    address (a UDP socket that connects sends nothing); 127.0.0.1 without a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
