"""The Jinja2 environment: templates hold structure, every value goes through the `q` filter.

`finalize` refuses any `{{ }}` output that was not quoted by `q` (integers excepted), so a
template cannot emit a spec string raw by accident. Rendered text is parsed back into objects
before anything uses it.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import yaml

from ..paths import data_dir
from .quote import yaml_value

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Quoted(str):
    """Text produced by the `q` filter: safe to place in YAML."""


class TemplateBug(RuntimeError):
    """A template emitted a value without quoting it, or produced invalid YAML."""


def _q(value: Any) -> Quoted:
    return Quoted(yaml_value(value))


def _finalize(value: Any) -> Any:
    if isinstance(value, Quoted):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TemplateBug(f"template emitted an unquoted value {value!r}: pipe it through | q")


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the user cache, so a new process does not compile them again (about
    2 ms a template). Jinja checks each entry against its template's source; the folder name carries
    this module's hash (the environment's options) and Jinja's version. A cache that cannot be
    written is not an error."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:  # the folder is not there or not a folder: compile
            pass

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache() -> _TemplateCache:
    from ..check.locations import cache_dir

    tag = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()[:12]
    return _TemplateCache(str(cache_dir() / "templates" / tag), "%s.jinja")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        bytecode_cache=_template_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["q"] = _q
    return env


def render_text(template: str, **variables: Any) -> str:
    return environment().get_template(template).render(**variables)


def render_objects(template: str, **variables: Any) -> list[dict]:
    """Render a template and parse it back into objects (empty documents dropped)."""
    text = render_text(template, **variables)
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise TemplateBug(f"{template} rendered invalid YAML: {exc}") from None
    out = [d for d in docs if d is not None]
    for d in out:
        if not isinstance(d, dict):
            raise TemplateBug(f"{template} rendered a {type(d).__name__}, not an object")
    return out


def render_object(template: str, **variables: Any) -> dict:
    objs = render_objects(template, **variables)
    if len(objs) != 1:
        raise TemplateBug(f"{template} rendered {len(objs)} objects; expected one")
    return objs[0]
