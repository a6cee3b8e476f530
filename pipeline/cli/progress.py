"""Progress bars and summary tables for long batches (rich, on stderr)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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
    table = Table(title=title, show_header=False)
    table.add_column("项目")
    table.add_column("数值", justify="right")
    for name, value in rows:
        table.add_row(name, str(value))
    Console().print(table)
