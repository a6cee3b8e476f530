"""The package's shape: no import cycles, and field-kind lists named only in the form model.

The graph is read from the source with ``ast`` (the modules are not imported), so a cycle is
caught however the test run happens to load them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline.model.form import CHOICE_KINDS, COMB_KINDS, KINDS

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


def cycles_within(package: str) -> list[list[str]]:
    """Cycles among the modules of ``package``, imports inside functions included."""
    graph = import_graph(nested=True)
    inside = {m: {t for t in ts if t.startswith(package)} for m, ts in graph.items() if m.startswith(package)}
    return cycles(inside)


def test_the_form_model_has_no_cycles_even_through_function_level_imports() -> None:
    # The model is the bottom layer every stage reads; an import inside a function there only
    # hides a cycle (the form model and its layout contract once imported each other that way).
    assert cycles_within("pipeline.model") == []


def test_the_jobs_package_has_no_cycles_even_through_function_level_imports() -> None:
    # The job kinds, the runner and the watch folder once reached each other through imports
    # inside functions; each now stands on the ones below it (context, watch < kinds < runner).
    assert cycles_within("pipeline.jobs") == []


def test_the_graph_finds_cycles_and_counts_function_level_imports_only_when_asked(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    late = tmp_path / "late.py"
    late.write_text("import pipeline.cli\n\ndef f():\n    import pipeline.cli.report_cmd\n", encoding="utf-8")
    known = {"pipeline.cli", "pipeline.cli.report_cmd"}
    assert imported_modules("pipeline.x.late", late, known) == {"pipeline.cli"}
    assert imported_modules("pipeline.x.late", late, known, nested=True) == known


def _kind_list(node: ast.AST) -> frozenset[str] | None:
    """The field kinds a literal list of two or more of them spells out, else None."""
    if isinstance(node, ast.Call) and node.args:  # frozenset({...}), tuple([...])
        node = node.args[0]
    if not isinstance(node, (ast.Tuple, ast.List, ast.Set)) or len(node.elts) < 2:
        return None
    values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
    return frozenset(values) if all(v in KINDS for v in values) else None  # type: ignore[arg-type]


FORM_MODEL = {"pipeline.model.form", "pipeline.model.form_file"}


def test_a_named_field_kind_list_is_used_by_name_not_spelt_out() -> None:
    # `field.kind in ("single_choice", "multi_choice")` is CHOICE_KINDS under no name: a kind
    # the model adds to the list would be missed there.
    named = {frozenset(kinds) for kinds in (KINDS, CHOICE_KINDS, COMB_KINDS)}
    spelt = {
        f"{name}:{node.lineno}"
        for name, path in modules().items()
        if name not in FORM_MODEL
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _kind_list(node) in named
    }
    assert spelt == set()


def test_field_kind_lists_are_named_only_in_the_form_model() -> None:
    named = {
        name
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign) and _kind_list(node.value)
    }
    assert "pipeline.model.form_file" in named  # KINDS itself: the check sees a list of kinds
    assert named <= FORM_MODEL


# The layers, lowest first: a module may import its own layer and those below, never above.
# One line per package (or top-level module) of pipeline/, with what it is for.
LAYERS: tuple[dict[str, str], ...] = (
    {  # base: no stage at all
        "pipeline": "the package itself: version only",
        "defs": "tunables with units",
        "errors": "the errors users are shown",
        "write_errors": "OS and database write failures as one StorageError",
        "safe_names": "file names from outside made safe to write under our folders",
        "atomic": "the one way an output file is written",
        "identity": "form ids and the QR payload",
        "resources": "where forms/, templates/ and samples/ are",
        "pdf_runs": "reading a long PDF in runs of pages",
        "pdf_space": "a PDF page's own space, where its objects are drawn (not turned, not cropped)",
        "pdf_annots": "a PDF app's annotations: what writes on a page, what comments on it",
        "workbook": "the one way an xlsx is saved",
        "progress": "the progress callback type",
        "access": "operator roles and the check guarded functions make",
    },
    {  # model: what a form, record, policy and roster are
        "model": "frozen dataclasses of forms, records, policy, roster, the layout contract",
        "outline": "访谈提纲 text chosen from a student's categories (model + templates)",
    },
    {  # store: the workspace
        "store": "SQLite/PostgreSQL tables, migrations, the file store; rows <-> model dataclasses",
    },
    {  # stage steps: one concern each, on model data and the store
        "render": "print PDF and Word output of a form",
        "scan": "scan pages: load, identify, register, crop (never a workspace)",
        "recognize": "OCR, OMR, digit combs, lexicon: a field's value from its pixels",
        "validate": "normalisation and the form's rules -> field status",
        "export": "records as JSON/CSV/XLSX, masking",
        "calibrate": "`auto` thresholds calibrated from reviewers' decisions, the review load",
        "scope": "which school a command works on, who may see which",
    },
    {  # readers and producers: a whole file in or out
        "readback": "Word/PDF/online returns -> field values",
        "roster": "roster import into the store",
        "generate": "issuance: pre-fill, render per class, record form ids",
    },
    {  # the ingest batch and what feeds it
        "ingest": "returned files -> records, scan pages in workers; the scan debug views",
        "synth": "synthetic filled returns for the demo, samples and evaluation (a tool)",
    },
    {  # outputs over stored records, and jobs running the stages
        "report": "统计表, compliance to-do, 台账",
        "plan": "the visit plan (shares the 统计表 sheet writer and visit counts with report)",
        "archive": "dossier and inspection packet",
        "district": "the district 统计表 and the merge of schools' workbooks",
        "jobs": "background print/ingest/watch jobs",
    },
    {  # people at work: the entry points
        "review": "review station and spreadsheet fallback",
        "console": "the web console",
        "cli": "the jiafang command line",
        "demo": "jiafang demo",
        "doctor": "jiafang doctor",
        "__main__": "python -m pipeline",
    },
)
LAYER = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def _unit(module: str) -> str:
    """The package (or top-level module) of pipeline/ that ``module`` belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward_imports(graph: dict[str, set[str]], layer: dict[str, int]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if layer[_unit(target)] > layer[_unit(module)]
    )


def test_every_package_has_a_layer() -> None:
    assert {_unit(m) for m in modules()} == set(LAYER)


def test_lower_layers_never_import_higher_ones_even_inside_functions() -> None:
    # nested: an import inside a function is still a dependency, only a later one.
    assert upward_imports(import_graph(nested=True), LAYER) == []


def test_the_layer_check_reports_an_import_from_a_higher_layer() -> None:
    graph = {"pipeline.scan.inspect": {"pipeline.ingest.scan_run", "pipeline.model.form"}, "pipeline.cli": {"pipeline.scan"}}
    assert upward_imports(graph, LAYER) == ["pipeline.scan.inspect -> pipeline.ingest.scan_run"]
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
