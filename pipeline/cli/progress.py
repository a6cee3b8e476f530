"""Progress bars and summary tables for long batches (rich, on stderr); tab-separated lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pipeline.progress import Progress as ProgressCallback

console = Console(stderr=True)


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A callback ``(done, total, label)`` that drives a bar with rate and ETA."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description, total=None, label="")

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, label=label)

        yield update


def summary_table(title: str, rows: Sequence[tuple[str, object]]) -> None:
    """Print a two-column summary table."""
    columns_table(title, ("项目", "数值"), rows, header=False)


def columns_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], *, header: bool = True) -> None:
    """Print a table: the first column names the row, the others are right-aligned figures."""
    table = Table(title=title, show_header=header)
    for i, name in enumerate(headers):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    Console().print(table)


def tab_list(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print a header line and one line per row, columns split by tabs (they paste into a
    spreadsheet's columns)."""
    for row in (headers, *rows):
        click.echo("\t".join(str(v) for v in row))
