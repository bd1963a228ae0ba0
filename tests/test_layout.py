"""The package's layout: imports run downhill through the pipeline's stages, no import cycle anywhere,
no module over ~400 lines. `python tests/test_layout.py` prints the import graph by stage.

Stages, lowest first: the shared types (errors, schema, settings) < documents < index < answering <
chat < evaluation < app and cli < benchmarks and the judge's training. A module may import its own stage and those below it.
Imports inside functions count too: a lazy import is still a dependency.
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "citeqa"
MAX_LINES = 420  # "about 400": a module that grows past this is doing more than one job

STAGES = [
    ("shared", ["citeqa.errors", "citeqa.schema", "citeqa.settings"]),
    ("documents", ["citeqa.documents"]),
    ("index", ["citeqa.index"]),
    ("answering", ["citeqa.answering"]),
    ("chat", ["citeqa.chat"]),
    ("evaluation", ["citeqa.evaluation"]),
    ("front ends", ["citeqa.app", "citeqa.cli", "citeqa.cli_collections"]),
    ("benchmarks and training", ["citeqa.benchmarks", "citeqa.training"]),
]
# `import citeqa` is the library's front door: it sets the offline environment and hands out
# Assistant (from citeqa.chat) lazily. Every stage may import it; it may reach citeqa.chat.
FACADE = "citeqa"


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The citeqa modules `name` imports, anywhere in its body."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from citeqa.index import store` imports the module citeqa.index.store
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def stage_of(name: str) -> int:
    for i, (_, prefixes) in enumerate(STAGES):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{name} belongs to no stage: add it to STAGES in tests/test_layout.py")


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (cycle := visit(m)):
                return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state and (cycle := visit(n)):
            return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_run_downhill():
    uphill = []
    for name, targets in graph().items():
        if name == FACADE:
            continue
        for t in targets:
            if t != FACADE and stage_of(t) > stage_of(name):
                uphill.append(f"{name} ({STAGES[stage_of(name)][0]}) imports {t} ({STAGES[stage_of(t)][0]})")
    assert not uphill, "imports that run uphill:\n" + "\n".join(sorted(uphill))


def test_facade_reaches_only_the_library_entry_point():
    assert graph()[FACADE] <= {"citeqa.errors", "citeqa.settings", "citeqa.chat"}


def test_modules_are_small():
    big = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them by what they do): {big}"


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


if __name__ == "__main__":
    edges = graph()
    mods = modules()
    for i, (stage, _) in enumerate(STAGES):
        print(f"{stage}:")
        for name in sorted(n for n in edges if n != FACADE and stage_of(n) == i):
            lines = len(mods[name].read_text(encoding="utf-8").splitlines())
            print(f"  {name:<34} {lines:>4} lines  -> {', '.join(sorted(edges[name])) or '-'}")
    print(f"facade: citeqa -> {', '.join(sorted(edges[FACADE]))}")
    cycle = find_cycle(edges)
    print("import cycles: " + (" -> ".join(cycle) if cycle else "none"))
    sys.exit(1 if cycle else 0)
