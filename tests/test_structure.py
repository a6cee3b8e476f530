"""The package's shape: no import cycles, and field-kind lists named only in the form model.

The graph is read from the source with ``ast`` (the modules are not imported), so a cycle is
caught however the test run happens to load them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline.model.form import KINDS

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], *, nested: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements run when the module (or, with ``nested``, any of its functions) runs;
    ``if TYPE_CHECKING:`` blocks never run."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _imports(node.orelse, nested=nested)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not nested:
            continue
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _imports(inner, nested=nested)


def imported_modules(name: str, path: Path, known: set[str], *, nested: bool = False) -> set[str]:
    """Modules of ``pipeline`` that ``name`` imports: ``from a import b`` counts as ``a.b`` when
    that is a module, else as ``a``."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8")).body, nested=nested):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _absolute(node, name, is_package)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        found |= {t for t in targets if t in known and t != name}
    return found


def _absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - node.level + 1]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def import_graph(*, nested: bool = False) -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imported_modules(name, path, known, nested=nested) for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_import_graph_has_no_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_form_model_has_no_cycles_even_through_function_level_imports() -> None:
    # The model is the bottom layer every stage reads; an import inside a function there only
    # hides a cycle (the form model and its layout contract once imported each other that way).
    graph = import_graph(nested=True)
    model = {m: {t for t in ts if t.startswith("pipeline.model")} for m, ts in graph.items() if m.startswith("pipeline.model")}
    assert cycles(model) == []


def test_the_graph_finds_cycles_and_counts_function_level_imports_only_when_asked(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    late = tmp_path / "late.py"
    late.write_text("import pipeline.cli\n\ndef f():\n    import pipeline.cli.report_cmd\n", encoding="utf-8")
    known = {"pipeline.cli", "pipeline.cli.report_cmd"}
    assert imported_modules("pipeline.x.late", late, known) == {"pipeline.cli"}
    assert imported_modules("pipeline.x.late", late, known, nested=True) == known


def _kind_list(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and node.args:  # frozenset({...}), tuple([...])
        node = node.args[0]
    return (
        isinstance(node, (ast.Tuple, ast.List, ast.Set))
        and len(node.elts) >= 2
        and all(isinstance(e, ast.Constant) and e.value in KINDS for e in node.elts)
    )


FORM_MODEL = {"pipeline.model.form", "pipeline.model.form_file"}


def test_field_kind_lists_are_named_only_in_the_form_model() -> None:
    named = {
        name
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign) and _kind_list(node.value)
    }
    assert "pipeline.model.form_file" in named  # KINDS itself: the check sees a list of kinds
    assert named <= FORM_MODEL


def _settings_named(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}


def test_synthetic_returns_are_a_tool_loaded_lazily_with_their_own_settings() -> None:
    # pipeline.synth serves the demo, `samples fill`, benches and tests: the product's reading path
    # must not load it (only a function may import it), nor keep its tunables in defs.py.
    def synth(name: str) -> bool:
        return name == "pipeline.synth" or name.startswith("pipeline.synth.")

    importers = {m for m, targets in import_graph().items() if not synth(m) and any(synth(t) for t in targets)}
    assert importers == set()
    own = _settings_named(PACKAGE / "synth" / "settings.py")
    assert {"SYNTH_PX_PER_MM", "SCAN_PROFILES", "PHOTO_FRAME"} <= own
    assert own & _settings_named(PACKAGE / "defs.py") == set()
