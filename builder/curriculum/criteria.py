"""The criteria catalogue: criterion ids, short titles, categories, training relevance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

BUILTIN = {"tsc-2017": "tsc-2017.yaml"}
CATEGORIES = ("security", "availability", "confidentiality", "processing_integrity", "privacy")


class CatalogueError(Exception):
    """The configured catalogue could not be read."""


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    category: str
    training_relevant: bool


@dataclass(frozen=True)
class Catalogue:
    name: str
    criteria: dict[str, Criterion]
    categories: tuple[str, ...]  # categories in scope

    def in_scope(self, criterion_id: str) -> bool:
        """Whether the criterion exists and its category is in scope."""
        c = self.criteria.get(criterion_id)
        return c is not None and c.category in self.categories

    def scoped(self) -> list[Criterion]:
        """Criteria in scope, in catalogue order."""
        return [c for c in self.criteria.values() if c.category in self.categories]


def load_catalogue(name: str, root: Path, categories: tuple[str, ...] | None = None) -> Catalogue:
    """Load a built-in catalogue by name, or a YAML file relative to the project root."""
    try:
        if name in BUILTIN:
            # next to this module (importlib.resources costs validate 9 ms of imports)
            text = (Path(__file__).parent / "data" / BUILTIN[name]).read_text("utf-8")
        else:
            text = (root / name).read_text("utf-8")
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        criteria = {
            str(c["id"]): Criterion(
                id=str(c["id"]),
                title=str(c.get("title", "")),
                category=str(c.get("category", "security")),
                training_relevant=bool(c.get("training_relevant", False)),
            )
            for c in data["criteria"]
        }
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise CatalogueError(f"cannot read criteria catalogue '{name}': {exc}") from exc
    known = tuple(dict.fromkeys(c.category for c in criteria.values()))
    return Catalogue(name=name, criteria=criteria, categories=categories or known)
