"""Load modules and roles from a source into the model, collecting every diagnostic."""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import gc
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from builder.config import Settings
from builder.curriculum import profile
from builder.curriculum.checks import References, check_cross_references, check_quiz
from builder.curriculum.criteria import load_catalogue
from builder.curriculum.delivery import check_delivery
from builder.curriculum.diagnostics import Diagnostic, error, warning
from builder.curriculum.model import DEFAULT_WHEN, Choice, Curriculum, Module, Question, Quiz, Role
from builder.curriculum.quality import check_placeholders, check_quiz_quality, check_title
from builder.curriculum.scaffold import PLACEHOLDER_MARK, PLACEHOLDERS
from builder.curriculum.schema_check import check_schema, label
from builder.curriculum.sources import FileSystemSource, Source
from builder.curriculum.yamlsource import (
    PathKey,
    SourceMap,
    YamlProblem,
    normalise_newlines,
    parse_yaml,
)

MODULE_SUFFIXES = (".md",)
ROLE_SUFFIXES = (".yml", ".yaml")
_CLOSING_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)  # what the scan finds


@dataclass
class LoadResult:
    curriculum: Curriculum
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


@dataclass
class FrontMatter:
    """A module file split into its front matter text and its body."""

    yaml_text: str | None  # None when the file has no front matter
    yaml_line: int  # line of the first front-matter line (1-based)
    body: str
    body_line: int


def _closing_fence(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the first line at or after `start` that `_CLOSING_FENCE` matches.

    The same lines as `_CLOSING_FENCE.search(text, start)` (`---` or `...`, then only spaces
    or tabs), found with `str.find` from one candidate line to the next: a tenth of the
    regex's time on a module, which tries the pattern at every character. `start` is just
    after a newline (split_front_matter calls it below the opening fence).
    """
    pos = start - 1
    while True:
        dashes, dots = text.find("\n---", pos), text.find("\n...", pos)
        if dashes < 0 and dots < 0:
            return None
        line = 1 + (dots if dashes < 0 or 0 <= dots < dashes else dashes)
        end = text.find("\n", line)
        if end < 0:
            end = len(text)
        if not text[line + 3 : end].strip(" \t"):
            return line, end
        pos = line


def split_front_matter(text: str) -> FrontMatter:
    """Split `---` fenced front matter from the Markdown body (LF, CRLF or lone CR lines)."""
    text = normalise_newlines(text)
    if not text.startswith("---\n"):
        return FrontMatter(None, 1, text, 1)
    start = text.index("\n") + 1
    fence = _closing_fence(text, start)
    if fence is None:
        raise YamlProblem(
            (1, 1), "unclosed-front-matter", "front matter opened with '---' is never closed"
        )
    yaml_text = text[start : fence[0]]
    body_start = fence[1] + 1
    body_line = 2 + yaml_text.count("\n") + 1
    return FrontMatter(yaml_text, 2, text[body_start:], body_line)


def _decode(data: bytes, rel: str, found: list[Diagnostic]) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        found.append(
            error(
                rel,
                (line, column),
                "not-utf8",
                f"byte 0x{data[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
            )
        )
        return None
    return text.removeprefix("\ufeff")


def _problems(rel: str, exc: YamlProblem, found: list[Diagnostic]) -> None:
    found.extend(error(rel, p.position, p.code, p.message) for p in exc.all)


def _read(source: Source, rel: str, settings: Settings, found: list[Diagnostic]) -> str | None:
    blob = source.read(rel, settings.max_file_bytes)
    if blob.problem == "file-too-large":
        found.append(
            error(
                rel,
                (1, 1),
                "file-too-large",
                f"file is {blob.size:,} bytes; the limit is {settings.max_file_bytes:,} "
                "(split the module, or move large media out of content/)",
            )
        )
        return None
    if blob.problem or blob.data is None:
        found.append(
            error(rel, (1, 1), blob.problem or "read-error", f"cannot read file: {blob.detail}")
        )
        return None
    text = _decode(blob.data, rel, found)
    if text is not None and not text.strip():
        found.append(error(rel, (1, 1), "empty-file", "file is empty"))
        return None
    return text


def _comment_cuts(smap: SourceMap, rel: str, found: list[Diagnostic]) -> None:
    for path, pos in smap.cuts:
        found.append(
            warning(
                rel,
                pos,
                "cut-by-comment",
                f"'{label(path)}' stops here: YAML reads ' #' and what follows as a comment; "
                "quote the whole value if the text goes on",
            )
        )


def _mapping(value: Any, smap: SourceMap, rel: str, what: str, found: list[Diagnostic]) -> bool:
    if isinstance(value, dict):
        return True
    if value is None:
        found.append(
            error(
                rel,
                smap.at(()),
                "empty-front-matter" if what == "front matter" else "empty-file",
                f"{what} is empty",
            )
        )
    else:
        kind = "a list" if isinstance(value, list) else "a single value"
        found.append(
            error(
                rel,
                smap.at(()),
                "not-a-mapping",
                f"{what} is {kind}; expected a mapping of keys such as 'id: ...' and 'title: ...'",
            )
        )
    return False


def _date(value: str | None, smap: SourceMap, rel: str, found: list[Diagnostic]) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        found.append(
            error(
                rel,
                smap.at(("review_by",)),
                "invalid-value",
                f"'review_by' is {value!r}, which is not a real date",
            )
        )
        return None


def _build_quiz(data: dict[str, Any]) -> Quiz:
    questions = []
    for q in data["questions"]:
        choices: tuple[Choice, ...]
        if q["type"] == "true_false":
            answer = q.get("answer")
            choices = (
                Choice("true", "True", answer is True),
                Choice("false", "False", answer is False),
            )
        else:
            choices = tuple(
                Choice(c["id"], c["text"], c["correct"], c.get("feedback"))
                for c in q.get("choices", [])
            )
        questions.append(
            Question(
                q["id"],
                q["type"],
                q["prompt"],
                choices,
                q.get("explain"),
                shuffle=q.get("shuffle", True),
            )
        )
    return Quiz(
        int(data.get("pass_mark", 80)),
        data.get("reveal", "after_pass"),
        tuple(questions),
        draw=data.get("draw"),
        max_attempts=data.get("max_attempts"),
        attempt_window_hours=data.get("attempt_window_hours"),
        cooldown_minutes=data.get("cooldown_minutes"),
        feedback=data.get("feedback"),
    )


def _load_module(
    source: Source,
    rel: str,
    settings: Settings,
    found: list[Diagnostic],
    plain: list[str],
    unbuilt: list[References],
) -> tuple[Module | None, str | None]:
    """Returns the module (when valid) and its id (when readable, even if invalid)."""
    text = _read(source, rel, settings, found)
    if text is None:
        return None, None
    doc_path = rel[len(settings.docs_dir.rstrip("/")) + 1 :]
    try:
        fm = split_front_matter(text)
        if fm.yaml_text is None:
            if any(fnmatch.fnmatch(doc_path, g) for g in settings.plain_pages):
                plain.append(doc_path)
            else:
                found.append(
                    error(
                        rel,
                        (1, 1),
                        "no-front-matter",
                        "no front matter: a module starts with '---', its keys, and '---' "
                        "(or list the page under plain_pages in mkdocs.yml)",
                    )
                )
            return None, None
        data, smap = parse_yaml(fm.yaml_text, line_offset=fm.yaml_line - 1)
    except YamlProblem as exc:
        _problems(rel, exc, found)
        return None, None
    _comment_cuts(smap, rel, found)
    if not _mapping(data, smap, rel, "front matter", found):
        return None, None
    module_id = data.get("id") if isinstance(data.get("id"), str) else None
    broken: set[PathKey] = set()
    problems = check_schema("module", data, smap, rel, broken)
    problems += [error(rel, p.position, p.code, p.message) for p in smap.problems]

    def intact(*path: str | int) -> bool:
        """Whether the value at `path` and its parents passed the schema."""
        return not any(path[: len(b)] == b for b in broken)

    def usable(*path: str | int) -> bool:
        """Whether the value at `path` passed the schema (nothing at or under it is broken)."""
        return intact(*path) and not any(b[: len(path)] == path for b in broken)

    values = profile.placeholder_values(settings)
    # A parsed string holds a `$` only if the YAML text has one, or an escape that makes one
    # (`"\x24"`): without either, filling placeholders would copy the data unchanged.
    fill = "$" in fm.yaml_text or "\\" in fm.yaml_text
    quiz = data.get("quiz")
    if isinstance(quiz, dict) and intact("quiz", "questions"):
        ok_questions = [
            qi for qi in range(len(quiz["questions"])) if usable("quiz", "questions", qi)
        ]
        problems += check_quiz(quiz, smap, rel, ok_questions, usable("quiz", "pass_mark"))
        shown = profile.fill_data(quiz, values) if fill else quiz  # as learners see it
        found.extend(check_quiz_quality(shown, ok_questions, smap, rel))
    review_by = _date(data.get("review_by"), smap, rel, problems) if usable("review_by") else None
    problems += check_delivery(data, smap, rel, usable)
    found.extend(profile.check_profile_placeholders(text, rel, values))
    if usable("title"):
        found.extend(check_title(data["title"], fm.body, fm.body_line, rel))
    if PLACEHOLDER_MARK in text:  # every placeholder starts with it: one scan of the file
        found.extend(check_placeholders(data, smap, fm.body, fm.body_line, rel, PLACEHOLDERS))
    found.extend(problems)
    if problems:
        # The module is not built, but the references it makes are still checked.
        unbuilt.append(
            References(
                path=rel,
                source_map=smap,
                criteria=tuple(data["criteria"]) if usable("criteria") else (),
                roles=tuple(data["roles"]) if usable("roles") else (),
                requires=tuple(data.get("requires", ())) if usable("requires") else (),
                review_by=review_by,
            )
        )
        return None, module_id
    if fill:
        data = profile.fill_data(data, values)  # the model holds the text as taught
    module = Module(
        id=data["id"],
        title=data["title"],
        version=data["version"],
        criteria=tuple(data["criteria"]),
        roles=tuple(data["roles"]),
        path=rel,
        doc_path=doc_path,
        summary=data.get("summary", ""),
        when=tuple(data.get("when", DEFAULT_WHEN)),
        requires=tuple(data.get("requires", ())),
        order=data.get("order", 0),
        duration=data.get("duration"),
        owner=data.get("owner"),
        review_by=review_by,
        objective=data.get("objective"),
        retrain_on_change=data.get("retrain_on_change", True),
        quiz=_build_quiz(data["quiz"]) if "quiz" in data else None,
        acknowledge=data["acknowledge"]["statement"] if "acknowledge" in data else None,
        delivery=data.get("delivery", "online"),
        min_minutes=data.get("min_minutes"),
        placeholders=profile.placeholders_used(text, values),
        body=profile.fill_text(fm.body, values),
        body_line=fm.body_line,
        source_map=smap,
        content_sha256=hashlib.sha256(profile.fill_text(text, values).encode("utf-8")).hexdigest(),
    )
    return module, module_id


def _load_role(
    source: Source, rel: str, settings: Settings, found: list[Diagnostic]
) -> Role | None:
    text = _read(source, rel, settings, found)
    if text is None:
        return None
    try:
        data, smap = parse_yaml(text)
    except YamlProblem as exc:
        _problems(rel, exc, found)
        return None
    _comment_cuts(smap, rel, found)
    if not _mapping(data, smap, rel, "role file", found):
        return None
    problems = check_schema("role", data, smap, rel)
    problems += [error(rel, p.position, p.code, p.message) for p in smap.problems]
    found.extend(problems)
    if problems:
        return None
    return Role(
        id=data["id"],
        title=data["title"],
        path=rel,
        description=data.get("description", ""),
        extends=tuple(data.get("extends", ())),
        departments=tuple(data.get("departments", ())),
        modules=tuple(data.get("modules", ())),
        criteria=tuple(data.get("criteria", ())),
        source_map=smap,
    )


def _walk(
    source: Source, folder: str, suffixes: tuple[str, ...], found: list[Diagnostic]
) -> list[str]:
    paths = []
    for entry in source.walk(folder, suffixes):
        if entry.problem:
            found.append(error(entry.path, (1, 1), entry.problem, f"skipped: {entry.detail}"))
        else:
            paths.append(entry.path)
    return paths


# Gen-0 threshold while loading (CPython's default is 700), as mypy does for its build.
_LOADING_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while loading.

    Loading allocates a few hundred containers per module (YAML nodes, parsed values, the
    model) that are either freed by reference counting or kept to the end; with the default
    threshold the collector ran every 700 allocations and found nothing to free: about a
    sixth of `trustpath validate`'s CPU time on 1,000 modules (bench/validate.py). The
    previous thresholds are restored afterwards, so nothing else runs with these.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _LOADING_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def load_curriculum(
    settings: Settings, source: Source | None = None, *, today: dt.date | None = None
) -> LoadResult:
    """Load, schema-check and cross-check every module and role; never raises for bad content."""
    with _fewer_collections():
        return _load_curriculum(settings, source, today)


def _load_curriculum(
    settings: Settings, source: Source | None, today: dt.date | None
) -> LoadResult:
    source = source or FileSystemSource(settings.root)
    catalogue = load_catalogue(settings.catalogue, settings.root, settings.categories or None)
    found: list[Diagnostic] = []
    modules: list[Module] = []
    known_ids: set[str] = set()
    plain: list[str] = []
    unbuilt: list[References] = []
    module_files = _walk(source, settings.docs_dir, MODULE_SUFFIXES, found)
    for rel in module_files:
        module, module_id = _load_module(source, rel, settings, found, plain, unbuilt)
        if module is not None:
            modules.append(module)
        if module_id:
            known_ids.add(module_id)
    role_files = _walk(source, settings.roles_dir, ROLE_SUFFIXES, found)
    roles = [r for rel in role_files if (r := _load_role(source, rel, settings, found)) is not None]
    curriculum, problems = check_cross_references(
        modules,
        roles,
        catalogue,
        settings,
        known_module_ids=known_ids,
        today=today or dt.date.today(),
        unbuilt=unbuilt,
    )
    curriculum.plain_pages = tuple(plain)
    curriculum.files_checked = len(module_files) + len(role_files)
    found.extend(problems)
    return LoadResult(curriculum, found)
