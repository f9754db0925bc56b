"""Versioned prompt templates under `prompts/`, rendered with explicit variables.

A template file `prompts/NAME.vN.txt` looks like:

    name: summarize
    version: 1
    variables: sources, max_key_points
    --- system
    ...text with $variables...
    --- user
    ...

Rendering with a missing or an undeclared variable fails loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from service.llm.base import ChatMessage

_FILE_RE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.txt$")
_ROLES = ("system", "user", "assistant")


class PromptError(Exception):
    """A template is malformed or was rendered with the wrong variables (a programming error)."""


def prompts_dir() -> Path:
    """The prompt folder: the repository's `prompts/`, or the copy installed in the wheel."""
    package = Path(__file__).resolve().parent.parent
    source_tree = package.parent / "prompts"
    if source_tree.is_dir():
        return source_tree
    return package / "_prompts"


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    variables: frozenset[str]
    parts: tuple[tuple[str, Template], ...]

    def render(self, **values: object) -> list[ChatMessage]:
        """Fill every declared variable; anything missing or extra raises PromptError."""
        given = set(values)
        missing = self.variables - given
        extra = given - self.variables
        if missing or extra:
            raise PromptError(
                f"prompt {self.name} v{self.version}: missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}"
            )
        text_values = {key: str(value) for key, value in values.items()}
        return [
            ChatMessage(role=role, content=template.substitute(text_values).strip())  # type: ignore[arg-type]
            for role, template in self.parts
        ]


def parse_template(text: str, *, origin: str = "<string>") -> PromptTemplate:
    """Parse the file format described in the module docstring."""
    header, _, body = text.partition("\n--- ")
    if not body:
        raise PromptError(f"{origin}: no '--- role' section")
    fields: dict[str, str] = {}
    for line in header.splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise PromptError(f"{origin}: bad header line {line!r}")
            fields[key.strip()] = value.strip()
    try:
        name, version = fields["name"], int(fields["version"])
    except (KeyError, ValueError) as exc:
        raise PromptError(f"{origin}: header needs name and an integer version") from exc
    declared = frozenset(v.strip() for v in fields.get("variables", "").split(",") if v.strip())
    parts: list[tuple[str, Template]] = []
    for section in ("--- " + body).split("\n--- "):
        role, _, content = section.removeprefix("--- ").partition("\n")
        role = role.strip()
        if role not in _ROLES:
            raise PromptError(f"{origin}: unknown role {role!r}")
        parts.append((role, Template(content)))
    used = {ident for _, t in parts for ident in t.get_identifiers()}
    if used != declared:
        raise PromptError(
            f"{origin}: variables declared {sorted(declared)} but used {sorted(used)}"
        )
    return PromptTemplate(name=name, version=version, variables=declared, parts=tuple(parts))


@lru_cache(maxsize=64)
def load_prompt(name: str, version: int | None = None) -> PromptTemplate:
    """The template `name` at `version`, or its highest version when none is given."""
    found: dict[int, Path] = {}
    for path in prompts_dir().iterdir():
        match = _FILE_RE.match(path.name)
        if match and match["name"] == name:
            found[int(match["version"])] = path
    if not found:
        raise PromptError(f"no prompt named {name!r} in {prompts_dir()}")
    chosen = version if version is not None else max(found)
    if chosen not in found:
        raise PromptError(f"prompt {name!r} has no version {chosen} (have {sorted(found)})")
    template = parse_template(found[chosen].read_text(encoding="utf-8"), origin=str(found[chosen]))
    if template.name != name or template.version != chosen:
        raise PromptError(f"{found[chosen]}: header does not match its file name")
    return template
