"""Reading and validating manifests (Automation, Asset, Person; apiVersion govern/v1).

Validation runs in three layers (after Cloud Custodian): a structural check that
finds the kind, the kind's JSON Schema, then checks a schema cannot express
(cron expressions). Every problem is reported, each with its JSON path, the
offending value and a plain-language fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

API_VERSION = "govern/v1"
KINDS = ("Automation", "Asset", "Person")
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# libyaml's safe loader when PyYAML was built with it (10x faster), else the pure one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a manifest, phrased for the person who wrote it."""

    source: str
    path: str
    message: str
    document: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.document is not None:
            where += f" (document {self.document + 1})"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "document": self.document,
            "path": self.path,
            "message": self.message,
        }


@dataclass
class Document:
    """A parsed manifest with where it came from.

    ``checked`` holds its problems when a worker process already validated it, and
    ``prepared`` what registration derives from it alone (``govern.registry.declared``).
    """

    source: str
    index: int
    body: dict[str, Any]
    checked: list[Problem] | None = field(default=None, compare=False, repr=False)
    prepared: Any = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    validated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def extend(self, other: LoadResult) -> None:
        self.documents.extend(other.documents)
        self.problems.extend(other.problems)
        self.validated = False


class ManifestInvalid(ValueError):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@cache
def schema_for(kind: str) -> dict[str, Any]:
    text = resources.files("govern.registry").joinpath(f"schemas/{kind.lower()}-v1.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _validator(kind: str):
    """The reference (Python) validator; imported when first needed, since valid
    documents never reach it when jsonschema-rs is installed."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema_for(kind))


@cache
def _fast_validator(kind: str):
    """A compiled (Rust) validator that only answers valid/invalid, ~300x faster.

    Valid documents (the common case in bulk registration) skip the Python
    validator; invalid ones go through it to get the plain-language messages.
    """
    try:
        import jsonschema_rs
    except ModuleNotFoundError as exc:  # optional: the Python validator is the reference
        if exc.name != "jsonschema_rs":
            raise
        return None
    return jsonschema_rs.validator_for(schema_for(kind), validate_formats=False)


# -- loading -----------------------------------------------------------------


def _dates_to_text(value: Any) -> Any:
    """YAML turns 2027-01-31 into a date; manifests carry dates as text."""
    if isinstance(value, dict):
        return {str(k): _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("int", "float", "bool", "null", "timestamp")
)
_DEPTH = 100
_RESOLVED_KEPT = 4096


def _plain_resolver(loader: type) -> Callable[[type, str | None, tuple[bool, bool]], str]:
    """PyYAML's ``resolve`` for a loader class without path resolvers. Text that no
    implicit resolver could claim by its first character (most of a manifest) is a
    string at once; the rest goes through PyYAML's own rules."""
    table = loader.yaml_implicit_resolvers
    claimed = None if None in table else frozenset(table)
    resolve = partial(yaml.resolver.BaseResolver.resolve, loader)
    scalar = yaml.ScalarNode

    def plain(kind, value, implicit):
        if (
            kind is scalar
            and claimed is not None
            and (not implicit[0] or (value and value[0] not in claimed))
        ):
            return _STR
        return resolve(kind, value, implicit)

    return plain


class _Unusual(Exception):
    """A node the plain builder leaves to PyYAML's own safe constructor."""


class _ManifestLoader(_YAML_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, building each document straight from its node tree.

    PyYAML's constructor spends most of a bulk load in per-node bookkeeping (object
    identity for aliases, generators for recursive structures) that plain manifests do
    not need. Documents made of mappings, sequences and standard scalars are built
    directly, with dates as text (what :func:`_dates_to_text` does); anything else
    (merge keys, other tags, deep or recursive aliases) goes through the standard safe
    constructor, so results and errors are the same as ``yaml.safe_load``.
    """

    def __init__(self, stream):
        super().__init__(stream)
        if not self.yaml_path_resolvers:
            # Without path resolvers a node's tag depends on its kind and text alone, and
            # these per-node hooks do nothing: calls from the C composer that cost a
            # third of a parse. The resolver answers each distinct scalar once (keys and
            # many values repeat), in C when it knows it.
            self.resolve = lru_cache(maxsize=_RESOLVED_KEPT)(_plain_resolver(type(self)))
            self.descend_resolver = operator.is_  # any two arguments, nothing done
            self.ascend_resolver = tuple  # no argument, nothing done

    def construct_document(self, node):
        if isinstance(node, yaml.MappingNode):
            try:
                data = self._plain(node, 0)
            except _Unusual:
                pass
            else:
                self.constructed_objects = {}
                return data
        data = super().construct_document(node)
        return _dates_to_text(data) if isinstance(data, dict) else data

    def _plain(self, node, depth: int) -> Any:
        tag = node.tag
        if tag == _STR and type(node) is yaml.ScalarNode:
            return node.value
        if depth > _DEPTH:
            raise _Unusual
        scalar = yaml.ScalarNode
        if tag == _MAP and type(node) is yaml.MappingNode:
            out = {}
            for key_node, value_node in node.value:
                if key_node.tag != _STR or type(key_node) is not scalar:
                    raise _Unusual  # merge keys; 1 and true are one key once built
                if value_node.tag == _STR and type(value_node) is scalar:  # most values
                    out[key_node.value] = value_node.value
                else:
                    out[key_node.value] = self._plain(value_node, depth + 1)
            return out
        if tag == _SEQ and type(node) is yaml.SequenceNode:
            return [
                item.value
                if item.tag == _STR and type(item) is scalar
                else self._plain(item, depth + 1)
                for item in node.value
            ]
        if type(node) is yaml.ScalarNode:
            value = self._scalar(node)
            return value.isoformat() if isinstance(value, dt.date) else value
        raise _Unusual

    def _scalar(self, node) -> Any:
        if node.tag not in _SCALARS:
            raise _Unusual
        return self.yaml_constructors[node.tag](self, node)


def parse_text(text: str, source: str) -> LoadResult:
    """Parse YAML or JSON text holding one or more documents."""
    result = LoadResult()
    if not text.strip():
        result.problems.append(
            Problem(source, "", "the file is empty; write at least one manifest in it")
        )
        return result
    stripped = text.lstrip()
    try:
        if stripped.startswith("[") or stripped.startswith("{"):
            loaded = json.loads(text)  # JSON holds no dates and only text keys
            raw = loaded if isinstance(loaded, list) else [loaded]
        else:
            raw = [d for d in yaml.load_all(text, Loader=_ManifestLoader) if d is not None]
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        result.problems.append(Problem(source, "", msg))
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        result.problems.append(
            Problem(source, "", f"not valid YAML{where}: {problem}; check indentation and quotes")
        )
        return result
    if not raw:
        result.problems.append(
            Problem(
                source,
                "",
                "the file holds no manifest, only comments or empty documents; "
                "write at least one manifest in it",
            )
        )
    for index, body in enumerate(raw):
        if not isinstance(body, dict):
            result.problems.append(
                Problem(
                    source,
                    "",
                    f"expected a manifest (a mapping with apiVersion, kind, metadata, spec), "
                    f"got {_type_name(body)}",
                    index,
                )
            )
            continue
        result.documents.append(Document(source, index, body))
    return result


def load_path(path: Path, max_bytes: int = MAX_MANIFEST_BYTES) -> LoadResult:
    """Load a file, or every manifest file under a directory (sorted, recursive)."""
    result = LoadResult()
    for item in manifest_files(path):
        if isinstance(item, Problem):
            result.problems.append(item)
        else:
            result.extend(load_file(item, max_bytes))
    return result


def manifest_files(path: Path) -> Iterator[Path | Problem]:
    """What :func:`load_path` reads, in order: each file, or a problem for a directory
    holding none."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in MANIFEST_SUFFIXES)
        if not files:
            yield Problem(str(path), "", "no .yaml, .yml or .json files in this directory")
        for file in files:
            yield from manifest_files(file)
        return
    yield path


def load_file(path: Path, max_bytes: int = MAX_MANIFEST_BYTES) -> LoadResult:
    """Load one file (``path`` is not a directory)."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return LoadResult(problems=[Problem(source, "", f"cannot read the file: {exc.strerror}")])
    if size > max_bytes:
        return LoadResult(
            problems=[
                Problem(
                    source,
                    "",
                    f"the file is {size / 1_048_576:.1f} MB, over the {max_bytes // 1_048_576} MB "
                    "limit; split it into smaller files",
                )
            ]
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return LoadResult(
            problems=[Problem(source, "", "the file is not UTF-8 text; save it as UTF-8")]
        )
    except OSError as exc:
        return LoadResult(problems=[Problem(source, "", f"cannot read the file: {exc.strerror}")])
    return parse_text(text, source)


# -- validation --------------------------------------------------------------


def validate_document(doc: Document) -> list[Problem]:
    """Every problem with one document (empty when it is valid)."""
    body = doc.body
    problems = _structural(doc)
    if problems:
        return problems
    kind = body["kind"]
    fast = _fast_validator(kind)
    if fast is None or not fast.is_valid(body):
        errors = _validator(kind).iter_errors(body)
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
            problems.extend(_explain(doc, error))
    if kind == "Automation":
        problems.extend(_check_cron(doc))
    return sorted(problems, key=lambda p: p.path)


def validate(result: LoadResult) -> LoadResult:
    """Validate every loaded document; duplicates within the batch are problems too.

    Safe to call twice: a result is validated once.
    """
    if result.validated:
        return result
    result.validated = True
    seen: dict[tuple[str, str], Document] = {}
    for doc in result.documents:
        checked = doc.checked
        result.problems.extend(validate_document(doc) if checked is None else checked)
        ident = identity(doc.body)
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident]
            result.problems.append(
                Problem(
                    doc.source,
                    "metadata.name",
                    f"{ident[0]} '{ident[1]}' is declared twice (also in {first.source} "
                    f"document {first.index + 1}); keep one of them",
                    doc.index,
                )
            )
        seen[ident] = doc
    return result


def identity(body: dict[str, Any]) -> tuple[str, str] | None:
    """The key a manifest upserts by: (kind, key)."""
    try:
        kind = body["kind"]
        if kind == "Automation":
            meta = body["metadata"]
            return kind, f"{meta.get('namespace') or 'default'}/{meta['name']}"
        if kind == "Asset":
            return kind, normalise_asset_key(body["spec"]["uri"])
        if kind == "Person":
            return kind, body["spec"]["email"].strip().lower()
    except (KeyError, TypeError, AttributeError):
        return None
    return None


@lru_cache(maxsize=65536)  # a bulk registration names the same few assets many times
def normalise_asset_key(uri: str) -> str:
    """Lower-case scheme and authority, drop a trailing slash; the name keeps its case."""
    uri = uri.strip()
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    authority, slash, name = rest.partition("/")
    key = f"{scheme.lower()}://{authority.lower()}"
    name = name.rstrip("/")
    return f"{key}/{name}" if slash and name else key


def _structural(doc: Document) -> list[Problem]:
    body = doc.body
    problems: list[Problem] = []
    api = body.get("apiVersion")
    if api != API_VERSION:
        shown = "missing" if api is None else f"{api!r} is not supported"
        problems.append(
            _problem(doc, "apiVersion", f"apiVersion: {shown}; write apiVersion: {API_VERSION}")
        )
    kind = body.get("kind")
    if kind not in KINDS:
        shown = "missing" if kind is None else f"{kind!r} is not a known kind"
        hint = did_you_mean(str(kind), KINDS) if kind else ""
        problems.append(
            _problem(doc, "kind", f"kind: {shown}{hint}; use one of {', '.join(KINDS)}")
        )
    return problems


def _problem(doc: Document, path: str, message: str) -> Problem:
    return Problem(doc.source, path, message, doc.index)


def _path_of(error) -> str:
    parts: list[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def _explain(doc: Document, error) -> list[Problem]:
    path = _path_of(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    fix = schema.get("x-fix")
    value = error.instance
    shown = path or "the manifest"
    v = error.validator
    if v == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = [k for k in value if k not in known] if isinstance(value, dict) else []
        out = []
        for key in extra:
            keypath = f"{path}.{key}" if path else key
            out.append(
                _problem(
                    doc,
                    keypath,
                    f"{keypath}: unknown key{did_you_mean(key, known)}; "
                    f"remove it or use one of: {', '.join(known)}",
                )
            )
        return out
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        keypath = f"{path}.{missing}" if path else missing
        sub = error.schema.get("properties", {}).get(missing, {})
        how = sub.get("x-fix") or sub.get("description") or "add it"
        return [_problem(doc, keypath, f"{keypath} is missing; {_lower_first(how)}")]
    if v == "enum":
        what = schema.get("x-expect", "an allowed value")
        options = [str(o) for o in error.validator_value]
        return [
            _problem(
                doc,
                path,
                f"{shown}: {value!r} is not {what}{did_you_mean(str(value), options)}; "
                f"use one of: {', '.join(options)}",
            )
        ]
    if v == "const":
        return [_problem(doc, path, f"{shown}: {value!r} is not allowed; {fix or 'fix it'}")]
    if v == "pattern" or v == "format":
        what = schema.get("x-expect", "in the expected form")
        return [_problem(doc, path, f"{shown}: {value!r} is not {what}; {fix or 'fix it'}")]
    if v == "type":
        expected = error.validator_value
        return [
            _problem(
                doc,
                path,
                f"{shown}: expected {type_phrase(expected)}, got {_type_name(value)} "
                f"({_short(value)})",
            )
        ]
    if v in {"maxLength", "minLength", "minimum", "maximum", "uniqueItems"}:
        return [_problem(doc, path, f"{shown}: {_short(value)} {error.message.split(' ', 1)[-1]}")]
    return [_problem(doc, path, f"{shown}: {error.message}")]


def _check_cron(doc: Document) -> list[Problem]:
    trigger = doc.body.get("spec", {}).get("trigger")
    if not isinstance(trigger, dict):
        return []
    cron = trigger.get("cron")
    path = "spec.trigger.cron"
    if trigger.get("type") == "schedule" and not cron:
        return [
            _problem(
                doc,
                path,
                f"{path} is missing; a schedule trigger needs a cron expression, "
                "e.g. '0 6 * * 1-5' (06:00 on weekdays)",
            )
        ]
    if isinstance(cron, str) and not is_valid_cron(cron):
        return [
            _problem(
                doc,
                path,
                f"{path}: {cron!r} is not a valid cron expression; use five fields: "
                "minute hour day-of-month month day-of-week, e.g. '0 6 * * 1-5'",
            )
        ]
    return []


@lru_cache(maxsize=4096)
def is_valid_cron(expression: str) -> bool:
    """Five fields that croniter accepts (cached: schedules repeat across manifests).
    croniter is imported on first use: ``govern register`` starts without it, and its
    workers, which validate, import it."""
    from croniter import croniter

    return len(expression.split()) == 5 and croniter.is_valid(expression)


def describe_cron(expression: str) -> str:
    """A schedule in words for non-engineers ('At 06:00, Monday through Friday')."""
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options()
    options.use_24hour_time_format = True
    try:
        return str(ExpressionDescriptor(expression, options).get_description())
    except Exception:  # cron_descriptor raises several private types
        return expression


def did_you_mean(word: str, options) -> str:
    """' (did you mean 'x'?)' for the closest option, or ''; shared by every format."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def type_phrase(expected) -> str:
    """A JSON Schema type in plain words ('a list', 'true or false')."""
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "text",
        "boolean": "true or false",
        "integer": "a whole number",
        "number": "a number",
    }
    if isinstance(expected, list):
        return " or ".join(names.get(e, e) for e in expected)
    return names.get(expected, expected)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
