"""The ``jiafang`` command line: thin commands over the library.

Each command group lives in its own module and makes library calls; the library raises
named errors and only this layer turns them into click errors.
"""

from __future__ import annotations

import click

from pipeline import __version__
from pipeline.cli.forms_cmd import forms


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jiafang")
def main() -> None:
    """jiafang（家访）：打印家访表单、读回填好的表单、生成档案与报表。

    \b
    快速开始：
      jiafang init                 建立工作区
      jiafang roster import 花名册.xlsx
      jiafang generate --forms record --format pdf --out 打印
      jiafang demo                 用示例学校跑一遍全过程
    """


main.add_command(forms)
