"""A set of schema documents that `$ref` each other, and per-kind validators compiled from them.

Each validator answers with the fast compiled check first; only an object that fails it is
validated by jsonschema, whose errors are then turned into diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fastschema import Check, NotCompilable, SchemaCompiler
from .formats import FORMATS, format_checker
from .metadata import object_meta_ok, object_meta_problems

# Marks the ObjectMeta definition: every ObjectMeta the schema reaches gets the metadata rules.
OBJECTMETA_KEYWORD = "x-inferstack-objectmeta"


def _jsonschema_class():
    from jsonschema import Draft202012Validator, ValidationError, validators

    def objectmeta(validator, enabled, instance, schema):
        if not enabled:
            return
        for path, message in object_meta_problems(instance):
            yield ValidationError(message, path=path)

    return validators.extend(Draft202012Validator, {OBJECTMETA_KEYWORD: objectmeta})


class SchemaSet:
    """Documents by base URI; compiles validators against them and shares compiled references."""

    def __init__(self, documents: Mapping[str, dict]):
        self.documents = dict(documents)
        self.compiler = SchemaCompiler(self.documents, FORMATS, {OBJECTMETA_KEYWORD: object_meta_ok})
        self._registry = None
        self._cls = None
        self._formats = None

    def jsonschema_validator(self, schema: dict):
        if self._registry is None:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            self._registry = Registry().with_resources(
                (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
                for uri, doc in self.documents.items()
            )
            self._cls = _jsonschema_class()
            self._formats = format_checker()
        return self._cls(schema, registry=self._registry, format_checker=self._formats)

    def validator(self, schema: dict) -> KindValidator:
        return KindValidator(schema, self)


class KindValidator:
    def __init__(self, schema: dict, schemas: SchemaSet):
        self.schema = schema
        self._schemas = schemas
        try:
            self._fast: Check | None = schemas.compiler.compile(schema)
        except NotCompilable:
            self._fast = None
        self._slow = None

    @property
    def compiled(self) -> bool:
        return self._fast is not None

    def is_valid_fast(self, instance: Any) -> bool | None:
        """The compiled check's answer; None when this schema cannot be compiled."""
        if self._fast is None:
            return None
        try:
            return self._fast(instance)
        except NotCompilable:  # subschemas compile on first use: found only now
            self._fast = None
            return None

    def errors(self, instance: Any) -> list:
        """jsonschema ValidationErrors for `instance` (none when the fast check accepts it)."""
        if self.is_valid_fast(instance):
            return []
        return self.explain(instance)

    def explain(self, instance: Any) -> list:
        if self._slow is None:
            self._slow = self._schemas.jsonschema_validator(self.schema)
        return list(self._slow.iter_errors(instance))
