"""Print the largest source files and functions of the platform: the figures behind "short
functions, apps with one job" (issue 16). Compare two revisions with

    python bench/code_size.py                       # the working tree
    python bench/code_size.py --root /path/to/old/checkout

Counts lines as `wc -l` does; a function's size runs from its `def` to its last line,
decorators and docstring included. Tests and migrations are left out.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def source_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in (root / "platform").rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def function_sizes(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sizes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            sizes.append((end - start + 1, node.name))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    files = source_files(args.root)
    lines = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in files}
    functions = [
        (size, f"{path.relative_to(args.root / 'platform')}:{name}")
        for path in files
        for size, name in function_sizes(path)
    ]
    print(f"{len(files)} files, {sum(lines.values())} lines, {len(functions)} functions")
    print(f"functions over 40 lines: {sum(1 for size, _ in functions if size > 40)}")
    print("\nlargest files (lines):")
    for path, count in sorted(lines.items(), key=lambda item: -item[1])[: args.top]:
        print(f"  {count:5d}  {path.relative_to(args.root / 'platform')}")
    print("\nlargest functions (lines):")
    for size, name in sorted(functions, reverse=True)[: args.top]:
        print(f"  {size:5d}  {name}")


if __name__ == "__main__":
    main()
