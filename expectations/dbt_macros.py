"""The dbt project's macros rendered for the raw checks: a derivation the checks share with the
models (the trial baseline, concept-set matching) is written once, as a dbt macro.

The raw gate runs inside ingest on the staged tables, before dbt has built anything, and starting
dbt (parsing the project takes seconds) for a few lines of SQL would slow every load. The macros
it needs are plain Jinja over SQL text, so this module renders them with Jinja2 as dbt renders
them on DuckDB: `adapter.dispatch('x')` picks `duckdb__x`, else `default__x`; `var()` reads the
vars of dbt_project.yml (`core.reference`); `return()` gives the macro's value. dbt's own
macros are not here: the types (`dbt.type_*()`) are the adapter's, and copying them would give
two places for them (they differed: `type_float` is a 4-byte FLOAT on dbt-duckdb). A macro that
needs more of dbt (`dbt.*`, `ref`, queries at compile time) fails with an "is undefined" Jinja
error in the tests, never silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2

from core.reference import dbt_vars
from core.settings import REPO_ROOT

MACROS = REPO_ROOT / "macros"
_BLOCK = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(.*?{%-?\s*endmacro\s*-?%}", re.DOTALL | re.MULTILINE)


class _Namespace:
    """`dbt.<name>()` and `adapter.dispatch()` as the macros call them."""

    def __init__(self, attrs: dict[str, Any]) -> None:
        self.__dict__.update(attrs)


@cache
def _macros() -> dict[str, Callable[..., str]]:
    """Every macro of macros/*.sql by name, each callable as dbt calls macros."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
    )
    returned: list[list[Any]] = []
    wrapped: dict[str, Callable[..., str]] = {}

    def give_back(value: Any) -> str:
        returned[-1].append(value)
        return ""

    def dispatch(name: str, macro_namespace: str | None = None) -> Callable[..., str]:
        for candidate in (f"duckdb__{name}", f"default__{name}"):
            if candidate in wrapped:
                return wrapped[candidate]
        raise KeyError(f"no duckdb__{name} or default__{name} in {MACROS}")

    def var(name: str, default: Any = None) -> Any:
        return dbt_vars().get(name, default)

    names: dict[str, Any] = {
        "return": give_back,
        "var": var,
        "adapter": _Namespace({"dispatch": dispatch}),
    }

    def wrap(macro: Any) -> Callable[..., str]:
        def call(*args: Any, **kwargs: Any) -> Any:
            returned.append([])
            try:
                text = macro(*args, **kwargs)
                values = returned[-1]
            finally:
                returned.pop()
            return values[0] if values else str(text)

        return call

    for path in sorted(MACROS.glob("*.sql")):
        for block in _BLOCK.finditer(path.read_text(encoding="utf-8")):
            try:
                template = env.from_string(block.group(0))
            except jinja2.TemplateSyntaxError:
                continue  # dbt-only syntax (`{% call statement %}`): not a macro for the checks
            context = template.new_context(names, shared=True)  # every macro sees `names`
            "".join(template.root_render_func(context))  # defines the macro, private ones too
            wrapped[block.group(1)] = wrap(context.vars[block.group(1)])
    names.update(wrapped)
    return wrapped


def render(name: str, *args: Any, **kwargs: Any) -> str:
    """The SQL macro `name` of the dbt project called with `args` (SQL expressions as text)."""
    return str(_macros()[name](*args, **kwargs)).strip()
