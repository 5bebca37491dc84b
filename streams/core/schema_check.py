"""A fast yes/unsure check in front of the full JSON Schema validator (fastjsonschema).

Validation was ~60% of decode, almost all of it spent on events that are valid. `compile_check(schema)`
turns a schema into a predicate that answers True only for a document the schema accepts, and False when
the document is invalid *or* when it cannot tell (a keyword it does not know, an integer sent as 1.0, a str
subclass): the caller then runs the full validator, which passes it or raises the usual error. So the
dead-letter reasons still come from fastjsonschema alone, word for word; this module only skips work.

Soundness rule for every keyword compiled here: it is at least as strict as fastjsonschema's (exact types
where it takes subclasses or floats; the same applicability guards; its own regular expressions for
`pattern` and `format`). Unknown keywords compile to False, never to True. tests/test_schema_check.py
checks "True implies valid" on generated, corrupted and fuzzed events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastjsonschema.draft04 import DOLLAR_FINDER
from fastjsonschema.draft07 import CodeGeneratorDraft07

from streams.core.memo import Memo

# keywords that do not constrain the instance
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "examples", "$comment"})
# exact types (stricter than fastjsonschema's isinstance, which also takes bool-free ints for "number", 1.0
# for "integer", tuples for "array")
_EXACT = {"string": "str", "integer": "int", "object": "dict", "array": "list", "boolean": "bool"}
# when a keyword applies, as fastjsonschema decides it (a keyword for another type is ignored)
_APPLIES = {
    "string": "isinstance({v}, str)",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "array": "isinstance({v}, (list, tuple))",
    "object": "isinstance({v}, dict)",
}
# the keyword group of each "type" (integers are numbers)
_GROUP = {"string": "string", "integer": "number", "number": "number", "array": "array", "object": "object"}
_KEYWORD_TYPE = {
    "minLength": "string",
    "maxLength": "string",
    "pattern": "string",
    "format": "string",
    "minimum": "number",
    "maximum": "number",
    "minItems": "array",
    "maxItems": "array",
    "items": "array",
    "required": "object",
    "properties": "object",
    "additionalProperties": "object",
}


_SHORT = 40  # a string of at most this many characters (by maxLength) is a code or an id, not a text


def _matches(find: Callable[[str], re.Match[str] | None]) -> Memo[str, bool]:
    """value -> whether the regex matches it (`match` or `search`): the regex's own answer, remembered."""
    return Memo(lambda value: find(value) is not None)


class _Compiler:
    def __init__(self) -> None:
        self.defs: list[str] = []  # finished functions
        self.lines: list[str] = []  # the body of the function being compiled
        self.names = 0
        self.consts: dict[str, Any] = {}

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def const(self, value: Any) -> str:
        n = self.name("c")
        self.consts[n] = value
        return n

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def schema(self, s: Any, v: str, indent: int) -> None:
        """Lines that `return False` unless value `v` satisfies schema `s`."""
        if s is True or s == {}:
            self.emit(indent, "pass")
            return
        if not isinstance(s, dict) or any(k not in _ANNOTATIONS and k not in _HANDLED for k in s):
            self.emit(indent, "return False  # not understood here: the full validator decides")
            return
        types: list[str] = []
        if "type" in s:
            types = [s["type"]] if isinstance(s["type"], str) else list(s["type"])
            tests = []
            for t in types:
                if t == "null":
                    tests.append(f"{v} is None")
                elif t == "number":
                    tests.append(f"type({v}) in (int, float)")
                elif t in _EXACT:
                    tests.append(f"type({v}) is {_EXACT[t]}")
                else:
                    self.emit(indent, "return False")
                    return
            self.emit(indent, f"if not ({' or '.join(tests)}):")
            self.emit(indent + 1, "return False")
        if "const" in s:
            c = s["const"]
            if type(c) not in (str, int):
                self.emit(indent, "return False")
                return
            self.emit(indent, f"if not (type({v}) is {type(c).__name__} and {v} == {c!r}):")
            self.emit(indent + 1, "return False")
        if "enum" in s:
            if not all(type(e) is str for e in s["enum"]):
                self.emit(indent, "return False")
                return
            self.emit(indent, f"if not (type({v}) is str and {v} in {self.const(frozenset(s['enum']))}):")
            self.emit(indent + 1, "return False")
        for group in ("string", "number", "array", "object"):
            keys = [k for k in s if _KEYWORD_TYPE.get(k) == group]
            if not keys:
                continue
            if len(types) == 1 and _GROUP.get(types[0]) == group:  # the exact type was checked just above
                getattr(self, group)(s, v, indent)
            else:
                self.emit(indent, f"if {_APPLIES[group].format(v=v)}:")
                getattr(self, group)(s, v, indent + 1)
        if "anyOf" in s:
            branches = []
            for sub in s["anyOf"]:
                fn = self.name("any")
                self.function(fn, sub)
                branches.append(f"{fn}({v})")
            self.emit(indent, f"if not ({' or '.join(branches)}):")
            self.emit(indent + 1, "return False")

    def string(self, s: dict[str, Any], v: str, indent: int) -> None:
        lo, hi = int(s.get("minLength", 0)), s.get("maxLength")
        tests = [f"{lo} <= len({v})" + (f" <= {int(hi)}" if hi is not None else "")] if lo or hi is not None else []
        # short values (codes, dates) repeat across events: their regex answers are remembered per value
        short = (hi is not None and int(hi) <= _SHORT) or s.get("format") == "date"
        if "pattern" in s:
            regex = re.compile(DOLLAR_FINDER.sub(r"\\Z", s["pattern"]))
            test = self.const(_matches(regex.search) if short else regex)
            tests.append(f"{test}[{v}]" if short else f"{test}.search({v}) is not None")
        if "format" in s:
            fmt = CodeGeneratorDraft07.FORMAT_REGEXS.get(s["format"])
            if fmt is None:
                tests.append("False")
            else:
                test = self.const(_matches(re.compile(fmt).match) if short else re.compile(fmt))
                tests.append(f"{test}[{v}]" if short else f"{test}.match({v}) is not None")
        self.emit(indent, f"if not ({' and '.join(tests)}):")
        self.emit(indent + 1, "return False")

    def number(self, s: dict[str, Any], v: str, indent: int) -> None:
        tests = [f"{v} >= {s['minimum']!r}"] if "minimum" in s else []
        tests += [f"{v} <= {s['maximum']!r}"] if "maximum" in s else []
        if not all(isinstance(s.get(k, 0), int | float) for k in ("minimum", "maximum")):
            tests = ["False"]
        self.emit(indent, f"if not ({' and '.join(tests)}):")
        self.emit(indent + 1, "return False")

    def array(self, s: dict[str, Any], v: str, indent: int) -> None:
        tests = [f"len({v}) >= {int(s['minItems'])}"] if "minItems" in s else []
        tests += [f"len({v}) <= {int(s['maxItems'])}"] if "maxItems" in s else []
        if tests:
            self.emit(indent, f"if not ({' and '.join(tests)}):")
            self.emit(indent + 1, "return False")
        if "items" in s:
            if not isinstance(s["items"], dict):  # a list of schemas (tuple validation): not compiled
                self.emit(indent, "return False")
                return
            item = self.name("x")
            self.emit(indent, f"for {item} in {v}:")
            self.schema(s["items"], item, indent + 1)

    def object(self, s: dict[str, Any], v: str, indent: int) -> None:
        required, props = set(s.get("required", ())), s.get("properties", {})
        for key, sub in props.items():
            if sub is True or sub == {} or all(k in _ANNOTATIONS for k in sub):
                continue
            x = self.name("x")
            if key in required:  # a missing one raises KeyError: the function answers False
                required.discard(key)
                self.emit(indent, f"{x} = {v}[{key!r}]")
                self.schema(sub, x, indent)
            else:
                self.emit(indent, f"if {key!r} in {v}:")
                self.emit(indent + 1, f"{x} = {v}[{key!r}]")
                self.schema(sub, x, indent + 1)
        for key in sorted(required):
            self.emit(indent, f"if {key!r} not in {v}:")
            self.emit(indent + 1, "return False")
        extra = s.get("additionalProperties", True)
        if extra is not True and extra != {}:
            k, x = self.name("k"), self.name("x")
            self.emit(indent, f"for {k}, {x} in {v}.items():")
            self.emit(indent + 1, f"if {k} not in {self.const(frozenset(props))}:")
            self.schema(extra, x, indent + 2)

    def function(self, fn: str, s: Any) -> None:
        """`def fn(d)`: True if d satisfies s (anyOf branches become functions of their own)."""
        outer, self.lines = self.lines, []
        self.schema(s, "d", 2)
        self.defs += [
            f"def {fn}(d):",
            "    try:",
            *self.lines,
            "        pass",
            "    except KeyError:",
            "        return False",
        ]
        self.defs += ["    return True", ""]
        self.lines = outer


_HANDLED = frozenset({"type", "const", "enum", "anyOf", *_KEYWORD_TYPE})


def compile_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """A predicate: True only if `schema` accepts the document (False: invalid, or not sure)."""
    c = _Compiler()
    c.function("check", schema)
    namespace: dict[str, Any] = dict(c.consts)
    exec("\n".join(c.defs), namespace)  # noqa: S102 - code generated above from our own schema files
    return namespace["check"]
