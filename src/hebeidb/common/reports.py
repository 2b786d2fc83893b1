"""Reports: Jinja-templated SQL in ``queries/<name>.sql`` with metadata in ``queries/<name>.toml``.

Jinja only shapes a query: it may include an optional filter or pick an allow-listed column.
Values never pass through Jinja into the SQL; the template writes ``$name`` and the value is
bound by DuckDB. Rendering refuses a template that prints a value, uses an undefined variable or
an identifier outside its allow-list.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hebeidb.common.errors import ParameterError, ReportParameterError, TemplateError, unknown_name
from hebeidb.common.report_charts import ChartSpec, parse_chart
from hebeidb.common.sqltext import (
    error_first_line,
    inline_placeholders,
    is_plain_name,
    placeholders,
    quote_identifier,
    sql_statement_line,
    statement_kinds,
)

PARAMETER_TYPES = ("text", "integer", "number", "date", "boolean", "choice", "identifier")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a report, as declared in its metadata."""

    name: str
    type: str
    help: str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    choices_from: str | None = None
    minimum: Any = None
    maximum: Any = None
    required: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The parameter as a plain record (name, type, default, choices or their source, range, help)."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default.isoformat() if isinstance(self.default, dt.date) else self.default,
            "required": self.required,
            "choices": list(self.choices) if self.choices is not None else None,
            "choices_from": self.choices_from,
            "min": self.minimum,
            "max": self.maximum,
            "help": self.help,
        }

    def describe(self) -> str:
        """What values are allowed, in words."""
        parts = [self.type]
        if self.choices is not None:
            parts.append("one of " + ", ".join(map(str, self.choices)))
        elif self.choices_from:
            parts.append(f"a value of {self.choices_from}")
        if self.minimum is not None or self.maximum is not None:
            parts.append(
                f"from {self.minimum if self.minimum is not None else '-inf'} "
                f"to {self.maximum if self.maximum is not None else '+inf'}"
            )
        if self.default is not None:
            shown = str(self.default).lower() if isinstance(self.default, bool) else self.default
            parts.append(f"default {shown}")
        elif not self.required:
            parts.append("optional")
        return ", ".join(parts)


@dataclass(frozen=True)
class ReportSpec:
    """A report: its name, title, description, parameters and template."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    template: str  # the Jinja SQL text
    metadata: str  # the TOML text the spec was read from
    template_file: str  # where the template came from, relative to the inputs ("queries/medals.sql")
    metadata_file: str
    portable: bool = True
    portability_note: str = ""
    example: str = ""
    chart: ChartSpec | None = None  # the chart the report declares ([chart] in its metadata), if any

    @property
    def view_name(self) -> str:
        return f"report_{self.name}"

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise unknown_name(
            f"report {self.name!r} has no parameter {name!r}",
            name,
            [p.name for p in self.parameters],
            "its parameters",
            error=ReportParameterError,
        )

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}


def load_specs(queries_dir: Path, relative: Callable[[Path], str] = str) -> dict[str, ReportSpec]:
    """Read every ``<name>.sql`` with its ``<name>.toml`` beside it (the build's inputs); sorted by name.

    ``relative`` turns a path into the name errors show (the build passes the path within its inputs).
    """
    specs = {}
    for template in sorted(queries_dir.glob("*.sql")):
        spec = load_spec(template, relative)
        specs[spec.name] = spec
    return specs


def load_spec(template: Path, relative: Callable[[Path], str] = str) -> ReportSpec:
    """Read one report from its template file and the ``.toml`` metadata beside it."""
    metadata = template.with_suffix(".toml")
    if not metadata.is_file():
        raise TemplateError(relative(template), f"no metadata file {metadata.name} beside it")
    return parse_spec(
        template.stem, _read(template, relative), _read(metadata, relative), relative(template), relative(metadata)
    )


def _read(path: Path, relative: Callable[[Path], str]) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return _raise(TemplateError(relative(path), f"not UTF-8 text: {error.reason} at byte {error.start}"))
    except OSError as error:
        return _raise(TemplateError(relative(path), f"cannot read: {error.strerror}"))


def _raise(error: Exception) -> Any:
    raise error


def toml_error(error: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    """The message and line of a TOML error (Python 3.14 gives them as fields; older ones only as text)."""
    line = getattr(error, "lineno", None)
    message = getattr(error, "msg", None)
    if message is None:
        text = str(error)
        found = re.search(r" \(at line (\d+), column \d+\)$", text)
        message = text[: found.start()] if found else text
        line = int(found.group(1)) if found else line
    return message, line


def parse_spec(name: str, template: str, metadata: str, template_file: str, metadata_file: str) -> ReportSpec:
    """A report from the text of its template and metadata (as read from the inputs or from a built file)."""
    where = metadata_file
    if not is_plain_name(name):
        raise TemplateError(template_file, "report names are lower case letters, digits and underscores")
    try:
        meta = tomllib.loads(metadata)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(where, *toml_error(error)) from None
    except RecursionError:
        raise TemplateError(where, "the metadata is nested too deeply to read") from None
    except ValueError as error:  # a number TOML reads but Python refuses (an integer of thousands of digits)
        raise TemplateError(where, f"the metadata holds a value that cannot be read: {error}") from None
    for key in ("title", "description"):
        if not isinstance(meta.get(key), str):
            raise TemplateError(where, f"needs a text value for {key!r}")
    raw_parameters = meta.get("params", [])
    if not isinstance(raw_parameters, list) or not all(isinstance(p, dict) for p in raw_parameters):
        raise TemplateError(where, "parameters are tables written [[params]], one per parameter")
    parameters = tuple(_parameter(where, i, raw) for i, raw in enumerate(raw_parameters, 1))
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise TemplateError(where, f"a parameter name is used twice: {names}")
    portable = meta.get("portable", True)
    chart = parse_chart(where, meta["chart"]) if "chart" in meta else None
    return ReportSpec(
        name=name,
        title=meta["title"],
        description=meta["description"].strip(),
        parameters=parameters,
        template=template,
        metadata=metadata,
        template_file=template_file,
        metadata_file=metadata_file,
        portable=portable is True,
        portability_note="" if portable is True else str(portable),
        example=str(meta.get("example", "")),
        chart=chart,
    )


def _parameter(where: str, index: int, raw: Mapping[str, Any]) -> Parameter:
    place = f"params[{index}]"
    name = raw.get("name")
    if not is_plain_name(name):
        raise TemplateError(where, f"{place}: needs a name of lower case letters, digits and underscores")
    kind = raw.get("type")
    if kind not in PARAMETER_TYPES:
        raise TemplateError(where, f"{place} ({name}): type must be one of {', '.join(PARAMETER_TYPES)}, not {kind!r}")
    choices = raw.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise TemplateError(where, f'{place} ({name}): choices must be a list such as ["a", "b"], not {choices!r}')
    if kind in ("choice", "identifier") and choices is None and "choices_from" not in raw:
        raise TemplateError(where, f"{place} ({name}): a {kind} parameter needs choices or choices_from")
    if kind == "identifier" and "choices_from" in raw:
        raise TemplateError(where, f"{place} ({name}): identifiers need a fixed list of choices")
    if kind == "identifier" and not all(is_plain_name(c) for c in choices or ()):
        raise TemplateError(where, f"{place} ({name}): identifier choices must be plain lower-case names")
    choices_from = raw.get("choices_from")
    if choices_from is not None and not (
        isinstance(choices_from, str) and re.fullmatch(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*", choices_from)
    ):
        raise TemplateError(where, f"{place} ({name}): choices_from must be view.column")
    parameter = Parameter(
        name=name,
        type=kind,
        help=str(raw.get("help", "")),
        choices=tuple(choices) if choices is not None else None,
        choices_from=choices_from,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        required=bool(raw.get("required", False)),
    )
    for bound in ("min", "max"):
        if raw.get(bound) is not None:
            try:
                _convert(kind, raw[bound])
            except (TypeError, ValueError, OverflowError):
                raise TemplateError(
                    where, f"{place} ({name}): {bound} = {raw[bound]!r} is not {_article(kind)}"
                ) from None
    default = raw.get("default")
    if default is not None:
        try:
            default = coerce(parameter, default, lambda: ())
        except ParameterError as error:
            raise TemplateError(
                where, f"{place} ({name}): the default breaks the parameter's own rules: {error}"
            ) from None
    return Parameter(**{**parameter.__dict__, "default": default})


def coerce(
    parameter: Parameter, value: Any, dynamic_choices: Callable[[], tuple[Any, ...]], report: str | None = None
) -> Any:
    """Check and convert one parameter value; raise ReportParameterError saying what is allowed (the nearest
    allowed values first; of a long list, how to list them all: ``report`` names the report for its help)."""
    if value is None:
        if parameter.required:
            raise ReportParameterError(f"parameter {parameter.name!r} is required: {parameter.describe()}")
        return None
    kind = parameter.type
    try:
        converted = _convert(kind, value)
    except (TypeError, ValueError, OverflowError):
        raise ReportParameterError(
            f"parameter {parameter.name!r} got {_show(value)}, which is not {_article(kind)}: {parameter.describe()}"
        ) from None
    if parameter.minimum is not None and converted < _convert(kind, parameter.minimum):
        raise ReportParameterError(
            f"parameter {parameter.name!r} got {_show(value)}, below {parameter.minimum}: {parameter.describe()}"
        )
    if parameter.maximum is not None and converted > _convert(kind, parameter.maximum):
        raise ReportParameterError(
            f"parameter {parameter.name!r} got {_show(value)}, above {parameter.maximum}: {parameter.describe()}"
        )
    allowed = (
        parameter.choices if parameter.choices is not None else (dynamic_choices() if parameter.choices_from else None)
    )
    if allowed is not None and converted not in allowed:
        raise unknown_name(
            f"parameter {parameter.name!r} got {_show(value)}",
            converted,
            allowed,
            "allowed",
            counted="allowed values",
            how_to_list=_how_to_list(parameter, report),
            error=ReportParameterError,
        )
    return converted


def _how_to_list(parameter: Parameter, report: str | None) -> str | None:
    """The command that lists every allowed value of ``parameter`` (the values of a view's column, or the
    report's help for a list of its own), or None."""
    if parameter.choices_from is not None:
        view, column = parameter.choices_from.split(".")  # plain names (checked when the metadata is read)
        return f"hebeidb sql 'SELECT DISTINCT {column} FROM {view} ORDER BY 1'"
    return f"hebeidb report {report} --help" if report else None


def _convert(kind: str, value: Any) -> Any:
    if kind in ("text", "choice", "identifier"):
        if not isinstance(value, str):
            raise TypeError
        if "\x00" in value or len(value) > 1000:
            raise ValueError
        return value
    if kind == "integer":
        if isinstance(value, (bool, float)):
            raise TypeError
        if isinstance(value, str):
            if not re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
                raise ValueError
            return int(value)
        if not isinstance(value, int):
            raise TypeError
        if abs(value) >= 10**18:
            raise OverflowError
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise TypeError
        number = float(value) if isinstance(value, (int, float, str)) else _fail()
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
        return number
    if kind == "date":
        if isinstance(value, dt.datetime):
            raise TypeError
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value.strip())
        raise TypeError
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ValueError
    raise TypeError  # pragma: no cover - types are validated when metadata is read


def _fail() -> Any:
    raise TypeError


def _article(kind: str) -> str:
    return {"integer": "an integer", "identifier": "an identifier"}.get(kind, f"a {kind}")


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print (Python's 4300-digit limit)
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= 60 else text[:57] + "..."


# --- rendering -------------------------------------------------------------------------------


class _Value:
    """A parameter value inside a template: it can be tested, never printed."""

    __slots__ = ("_name", "_value")

    def __init__(self, name: str, value: Any) -> None:
        self._name = name
        self._value = value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return self._value == (other._value if isinstance(other, _Value) else other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        raise TemplateError(None, f"the template prints the value of {self._name!r}; write ${self._name} to bind it")

    __repr__ = __str__


class _Identifier(str):
    """An allow-listed identifier; the only value a template may print."""


def _finalize(value: Any) -> Any:
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        str(value)  # raises the undefined name's error (or the sandbox's SecurityError)
    if isinstance(value, _Identifier):
        return quote_identifier(value)
    if isinstance(value, _Value):
        str(value)  # raises TemplateError
    if value is None or isinstance(value, (str, int, float, bool)):
        raise TemplateError(
            None,
            f"the template prints {_show(value)}; values must be bound as $name, "
            "identifiers come from identifier parameters",
        )
    raise TemplateError(None, f"the template prints an object of type {type(value).__name__}")


_ENVIRONMENT = None


def environment() -> Any:
    """The sandboxed Jinja environment shared by all reports (created on first use)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        from jinja2 import StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        _ENVIRONMENT = SandboxedEnvironment(
            undefined=StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENVIRONMENT


@dataclass(frozen=True)
class RenderedReport:
    """A rendered report: SQL with ``$name`` placeholders and the values to bind to them."""

    spec: ReportSpec
    sql: str
    params: dict[str, Any]

    def inline_sql(self) -> str:
        """The SQL with each placeholder replaced by a literal (for views; values are validated).

        Text inside string literals and comments is left alone, as when placeholders are found.
        """
        return inline_placeholders(self.sql, self.params)


def render(spec: ReportSpec, values: Mapping[str, Any]) -> RenderedReport:
    """Render a report with already validated values (see :func:`validate`)."""
    from jinja2 import TemplateError as JinjaTemplateError
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError

    source = spec.template
    _check_template(spec, source)
    context: dict[str, Any] = {}
    for parameter in spec.parameters:
        value = values.get(parameter.name)
        if parameter.type == "identifier":
            context[parameter.name] = None if value is None else _Identifier(value)
        else:
            context[parameter.name] = None if value is None else _Value(parameter.name, value)
    try:
        sql = environment().from_string(source).render(context)
    except UndefinedError as error:
        raise TemplateError(
            spec.template_file, f"undefined name in template: {error.message}", line=_jinja_line(error)
        ) from None
    except SecurityError as error:
        raise TemplateError(
            spec.template_file, f"unsafe template operation refused: {error}", line=_jinja_line(error)
        ) from None
    except TemplateError as error:
        raise TemplateError(spec.template_file, error.message, line=error.line or _jinja_line(error)) from None
    except JinjaTemplateError as error:
        line = getattr(error, "lineno", None)
        raise TemplateError(spec.template_file, str(error.message or error), line=line) from None
    except Exception as error:  # anything else a template can raise while it renders (1 / 0, ...)
        raise TemplateError(
            spec.template_file, f"the template fails while rendering: {error!r}", line=_jinja_line(error)
        ) from None
    _require_one_query(spec, sql)
    used = placeholders(sql)
    declared = {p.name for p in spec.parameters}
    unknown = sorted(used - declared)
    if unknown:
        raise TemplateError(spec.template_file, f"placeholder ${unknown[0]} is not a parameter of the report")
    bound = {name: values.get(name) for name in sorted(used) if spec.parameter(name).type != "identifier"}
    if used - set(bound):
        raise TemplateError(spec.template_file, "identifier parameters are printed with {{ name }}, not bound")
    return RenderedReport(spec, sql.strip() + "\n", bound)


def _require_one_query(spec: ReportSpec, sql: str) -> None:
    """A rendered report is exactly one SELECT: a second statement would run with the first."""
    import duckdb

    try:
        kinds = statement_kinds(sql)
    except duckdb.Error as error:
        raise TemplateError(
            spec.template_file,
            f"the rendered SQL does not parse: {error_first_line(error)}",
            line=template_line(spec.template, sql, sql_statement_line(str(error))),
        ) from None
    if len(kinds) != 1 or kinds[0][0] != "SELECT":
        extra = next(((kind, line) for kind, line in kinds if kind != "SELECT"), kinds[1] if len(kinds) > 1 else None)
        where = f" ({extra[0]} at line {extra[1]} of the rendered SQL)" if extra else ""
        line = template_line(spec.template, sql, extra[1]) if extra else None
        raise TemplateError(
            spec.template_file,
            f"a report is exactly one SELECT statement; this one renders {len(kinds)}{where}",
            line=line,
        )


def template_line(template: str, sql: str, rendered_line: int | None) -> int | None:
    """The line of ``template`` where line ``rendered_line`` of ``sql`` (1-based) begins, or None.

    A template only chooses pieces of its text, in order, so the rendered SQL is its text in the same order, the
    lines of its tags dropped and a line ended by a tag sometimes joined to the next: each rendered line is
    matched, piece by piece, to the template lines that follow the last one matched.
    """
    if rendered_line is None:
        return None
    lines = template.splitlines()
    position = 0  # the template line the next piece of text is looked for from
    for number, rendered in enumerate(sql.splitlines(), 1):
        rest = rendered.strip()
        start = None
        while rest:
            found = next(((i, rest) for i in range(position, len(lines)) if rest in lines[i]), None)
            if found is None:  # the longest head of the rest that one line holds, the rest on later lines
                found = _longest_head(lines, position, rest)
                if found is None:
                    return None
            index, piece = found
            start = index if start is None else start
            position = index + 1 if piece == rest or lines[index].rstrip().endswith(piece) else index
            rest = rest[len(piece) :].strip()
        if number == rendered_line:
            return None if start is None else start + 1
    return None


def _longest_head(lines: list[str], position: int, text: str) -> tuple[int, str] | None:
    for end in range(len(text) - 1, 0, -1):
        head = text[:end]
        for index in range(position, len(lines)):
            if lines[index].rstrip().endswith(head):
                return index, head
    return None


def _jinja_line(error: BaseException) -> int | None:
    """The template line where Jinja raised ``error`` (its traceback names the template's own lines)."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


# What a report template may hold: text, {% if %} / {% elif %} / {% else %} over the parameters, comparisons,
# tests ("is none"), literals (a list or a mapping to test membership), lookups, and {{ name }} to print an
# identifier parameter. No loop, macro, call, filter, arithmetic, assignment or include: rendering then takes time
# in proportion to the template's length, whatever it holds.
_TEMPLATE_NODES = {
    "Template", "Output", "TemplateData", "If", "Name", "Const", "Compare", "Operand", "And", "Or", "Not",
    "Test", "Tuple", "List", "Dict", "Pair", "CondExpr", "Getattr", "Getitem", "Neg", "Pos",
}  # fmt: skip
_REFUSED_NODES = {
    "For": "a for loop", "Macro": "a macro", "CallBlock": "a call block", "Call": "a call", "Filter": "a filter",
    "FilterBlock": "a filter block", "Assign": "an assignment", "AssignBlock": "an assignment",
    "Include": "an include", "Import": "an import", "FromImport": "an import", "Extends": "an extends",
    "Block": "a block", "With": "a with block", "Concat": "a concatenation",
}  # fmt: skip
MAX_TEMPLATE_CHARACTERS = 100_000


def _check_template(spec: ReportSpec, source: str) -> None:
    """Refuse a template that uses a construct beyond :data:`_TEMPLATE_NODES`, or a name that is not a
    parameter, even in ``is none`` tests.

    Jinja's strict mode lets ``{% if typo is none %}`` pass silently, which would quietly drop or
    keep a filter; reading the template's free names closes that gap.
    """
    from jinja2 import TemplateSyntaxError, meta, nodes

    if len(source) > MAX_TEMPLATE_CHARACTERS:
        raise TemplateError(
            spec.template_file,
            f"the template is {len(source):,} characters long; the limit is {MAX_TEMPLATE_CHARACTERS:,}",
        )
    try:
        tree = environment().parse(source)
        for node in tree.find_all(nodes.Node):
            kind = type(node).__name__
            if kind not in _TEMPLATE_NODES:
                what = _REFUSED_NODES.get(kind, "arithmetic" if isinstance(node, nodes.BinExpr) else kind)
                raise TemplateError(
                    spec.template_file,
                    f"{what} is not allowed in a report template: it chooses pieces of SQL with if, elif and else "
                    "and prints identifier parameters; values are bound as $name",
                    line=getattr(node, "lineno", None),
                )
        identifiers = {p.name for p in spec.parameters if p.type == "identifier"}
        for output in tree.find_all(nodes.Output):
            for node in output.nodes:
                if isinstance(node, nodes.Name) and node.name not in identifiers:
                    raise TemplateError(
                        spec.template_file,
                        f"the template prints the value of {node.name!r}; write ${node.name} to bind it",
                        line=node.lineno,
                    )
        names = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as error:
        raise TemplateError(spec.template_file, str(error.message), line=error.lineno) from None
    except RecursionError:
        raise TemplateError(spec.template_file, "the template is nested too deeply to read") from None
    unknown = sorted(names - {p.name for p in spec.parameters})
    if unknown:
        allowed = ", ".join(p.name for p in spec.parameters) or "none"
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), None)
        raise TemplateError(
            spec.template_file, f"undefined name {unknown[0]!r} in template; its parameters: {allowed}", line=line
        )


def validate(
    spec: ReportSpec, params: Mapping[str, Any], dynamic_choices: Callable[[str], tuple[Any, ...]]
) -> dict[str, Any]:
    """Merge ``params`` over the defaults and check each; unknown names are refused."""
    if not isinstance(params, Mapping):
        raise ReportParameterError("parameters must be given as name=value pairs")
    for name in params:
        spec.parameter(name)  # raises with the list of parameters
    values = spec.defaults()
    for name, value in params.items():
        if value is not None:  # None means "not given": the default applies
            values[name] = value
    return {
        p.name: coerce(p, values[p.name], lambda p=p: dynamic_choices(p.choices_from), spec.name)  # type: ignore[misc]
        for p in spec.parameters
    }
