"""Which files a folder delivers, and which contract entity takes each one.

The rule (never an order of contracts or patterns):
- a file inside a folder named like a source (`inbox/secutix/…`, `ga4/2024/…`: any folder
  between the ingested folder and the file) belongs to that source, and only that source's
  file-name patterns choose its entity;
- a file outside any source folder is matched against the patterns of every contract;
- two or more entities *of one source* matched by the same patterns (a tool whose exports share
  a name, e.g. Brevo's contacts and campaign statistics, `*brevo*.csv`): the header decides — the one
  entity whose reader accepts the file (its required columns present) takes it; none or several:
  rejected naming each entity and why;
- entities of different sources whose patterns match, or two different source folders above a
  file: the file is rejected with a message naming both; no pattern matching: rejected too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for

NO_CONTRACT = "no source contract recognises this file name"


@dataclass(frozen=True)
class Route:
    path: Path
    entity: contracts.Entity | None
    source: str | None = None  # decided by the folder, when the file is in a source's folder
    error: str | None = None  # why no entity takes the file (the rejection message)


def discover(folder: Path) -> list[Path]:
    """Every file under the folder, in a stable order; hidden files are not deliveries."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def source_folders(path: Path, folder: Path) -> list[str]:
    """The sources named by the folders between `folder` (excluded) and the file, outermost first."""
    known = contracts.source_names()
    found = [part.lower() for part in path.relative_to(folder).parts[:-1] if part.lower() in known]
    return list(dict.fromkeys(found))


def route(path: Path, folder: Path) -> Route:
    """The entity that takes `path`, a file found under `folder`, or why none does."""
    sources = source_folders(path, folder)
    if len(sources) > 1:
        return Route(path, None, error=(
            f"{path.name}: it is inside the folders of {len(sources)} sources ({', '.join(s + '/' for s in sources)}); "
            "move it to the folder of its source"))
    source = sources[0] if sources else None
    try:
        entity = contracts.entity_for(path, source)
    except contracts.AmbiguousFile as exc:
        if len({e.source for e in exc.candidates}) > 1 or len({e.patterns_matching(path) for e in exc.candidates}) > 1:
            return Route(path, None, source, str(exc))
        entity, error = by_header(path, exc.candidates)
        if entity is None:
            return Route(path, None, source, error)
    if entity is None:
        if source:
            patterns = ", ".join(p for e in contracts.all_entities() if e.source == source for p in e.files)
            return Route(path, None, source, f"{path.name}: {NO_CONTRACT} (in folder {source}/, "
                                             f"the {source} patterns are {patterns})")
        return Route(path, None, None, f"{path.name}: {NO_CONTRACT}")
    return Route(path, entity, source)


def by_header(path: Path, candidates: list[contracts.Entity]) -> tuple[contracts.Entity | None, str | None]:
    """The one entity among `candidates` (one source's, all matching the name) whose reader
    accepts the file's header, or None and why: no entity, or several, accept it."""
    fits, reasons = [], []
    for entity in candidates:
        try:
            parsed = reader_for(entity.reader)(path, entity)
        except RejectedFile as exc:
            where = f"line {exc.line}: " if exc.line else ""
            reasons.append(f"not {entity.source}.{entity.name} ({where}{exc.reason})")
            continue
        except OSError as exc:
            return None, (f"{path.name}: its name fits {' and '.join(e.label for e in candidates)}, "
                          f"and its header could not be read to choose ({exc.strerror or exc})")
        del parsed  # only the header was wanted; the reader's file is released with its rows
        fits.append(entity)
    names = " and ".join(f"{e.source}.{e.name}" for e in candidates)
    if len(fits) == 1:
        return fits[0], None
    if fits:
        return None, (f"{path.name}: its name ({names}) and its header fit {len(fits)} entities, "
                      f"{' and '.join(e.source + '.' + e.name for e in fits)}; rename the file or remove the "
                      "columns of the other export")
    return None, f"{path.name}: its name fits {names} but its header fits none: {'; '.join(reasons)}"
