"""The policy corpus as the manifest describes it, and authority-name resolution.

Authorities are matched case-insensitively by short name ("wigan") or full name
("Wigan Council"); every part of the product resolves names through here so that
the API, the CLI and the chat UI agree on what is a known authority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from assistant.models import DocumentMeta


class ManifestError(ValueError):
    """The manifest is missing, unreadable, or an entry is invalid (names the entry)."""


@dataclass(frozen=True)
class Corpus:
    """The documents of one manifest, with lookups by id and authority."""

    root: Path
    documents: tuple[DocumentMeta, ...]

    # A corpus is immutable (a frozen dataclass over a tuple), so its lookups are built once:
    # every answer resolves names and documents, and a council's corpus can hold thousands.
    @cached_property
    def _ids(self) -> dict[str, DocumentMeta]:
        return {doc.id: doc for doc in self.documents}

    def by_id(self, document_id: str) -> DocumentMeta:
        try:
            return self._ids[document_id]
        except KeyError:
            raise KeyError(document_id) from None

    def by_file(self, name: str) -> DocumentMeta | None:
        return next((d for d in self.documents if d.file == name), None)

    @cached_property
    def authorities(self) -> list[str]:
        """Full authority names, sorted, each once (shared: do not change the list)."""
        return sorted({d.authority for d in self.documents})

    @cached_property
    def authority_names(self) -> dict[str, tuple[str, ...]]:
        """Full authority name -> every name it answers to (full, short name, aliases), from
        the manifest only: the one place a council's names come from."""
        names: dict[str, list[str]] = {}
        for doc in self.documents:
            found = names.setdefault(doc.authority, [doc.authority])
            for name in (doc.authority_short, *doc.aliases):
                if _norm(name) not in {_norm(n) for n in found}:
                    found.append(name)
        return {full: tuple(found) for full, found in names.items()}

    @cached_property
    def _by_name(self) -> dict[str, str]:
        return {_norm(n): full for full, names in self.authority_names.items() for n in names}

    def short_name(self, full: str) -> str:
        """The name practitioners use for the council ("Wigan"); the full name if unknown."""
        names = self.authority_names.get(full)
        return names[1] if names and len(names) > 1 else (names[0] if names else full)

    def family_of(self, document_id: str) -> str:
        return self.by_id(document_id).family_id

    def family_versions(self, family: str) -> list[DocumentMeta]:
        """Every version of one policy, the current one first."""
        docs = [d for d in self.documents if d.family_id == family]
        return sorted(docs, key=lambda d: (d.status != "current", -(d.date.toordinal() if d.date else 0)))

    def current_of_family(self, family: str) -> DocumentMeta | None:
        versions = self.family_versions(family)
        return versions[0] if versions and versions[0].status == "current" else None

    def resolve_authority(self, name: str | None) -> str | None:
        """Full authority name for ``name`` (full, short name or alias, any case); None for None.

        Raises ``UnknownAuthority`` listing the known ones when nothing matches.
        """
        if name is None or not name.strip():
            return None
        full = self._by_name.get(_norm(name))
        if full is None:
            raise UnknownAuthority(name, self.authorities)
        return full

    def path_of(self, doc: DocumentMeta) -> Path:
        return self.root / doc.file


class UnknownAuthority(ValueError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(f"unknown authority {name!r}; known authorities: {', '.join(known)}")


# libyaml's safe loader when present: the same documents, ~10x faster on a large manifest
_YAML_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _path_problem(doc: DocumentMeta) -> str | None:
    """Why an entry could reach outside its folders: ``file`` is read from the corpus folder
    and ``id`` names files under the data folder, so neither may carry a path."""
    parts = doc.file.replace("\\", "/").split("/")
    if doc.file.startswith(("/", "\\")) or ":" in parts[0] or any(p in ("", ".", "..") for p in parts):
        return f"field 'file' must name a file inside the corpus folder, not {doc.file!r}"
    if not _SAFE_ID.match(doc.id) or ".." in doc.id:
        return f"field 'id' may hold only letters, digits, '.', '_' and '-' (no path), not {doc.id!r}"
    return None


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().casefold()


def load_corpus(manifest_path: Path) -> Corpus:
    """Read and validate ``manifest.yaml``; errors name the entry and the field."""
    try:
        raw = yaml.load(manifest_path.read_text(encoding="utf-8"), Loader=_YAML_SAFE_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{manifest_path}: cannot read manifest: {exc}") from exc
    docs: list[DocumentMeta] = []
    for i, entry in enumerate(raw.get("documents") or []):
        try:
            docs.append(DocumentMeta.model_validate(entry))
        except ValidationError as exc:
            ident = entry.get("id", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
            raise ManifestError(f"{manifest_path}: entry {ident}: {exc}") from exc
    for doc in docs:
        problem = _path_problem(doc)
        if problem:
            raise ManifestError(f"{manifest_path}: entry {doc.id!r}: {problem}")
    ids = [d.id for d in docs]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ManifestError(f"{manifest_path}: duplicate document ids: {', '.join(sorted(dupes))}")
    return Corpus(root=manifest_path.parent, documents=tuple(docs))
