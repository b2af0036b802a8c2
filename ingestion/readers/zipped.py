"""CSV files delivered inside a zip: Mailchimp's audience export (docs/formats.md §4, "Mailchimp
audience export"), one CSV per member status — `subscribed_…`, `unsubscribed_…`, `cleaned_…`.

`read_zipped_csv(path, entity)`:

- the delivery is a zip (detected from its bytes; a `.zip` that is not one is rejected) or one of its CSV files
  delivered alone (`subscribed_members_export_2f1c9e7a4b.csv`, unzipped by the user);
- each CSV of the archive (folders, macOS `__MACOSX/` and hidden entries are not files) is read
  by `read_delimited` with the contract's options (encoding, delimiter…): every check of a CSV
  holds for each member, and its rejection names the member (`members.zip: cleaned_….csv, line
  4: 12 fields where the header has 13`);
- the contract's `status_from_name` (the words a member's name may start with) gives the
  `status` column: the first word of the member's name (`cleaned_members_export_….csv` →
  `cleaned`); a CSV whose name starts with none of them is rejected (a status is never guessed);
- the members' headers differ (only the unsubscribed have UNSUB_TIME…): the columns are those of
  every member, in the order first met, then `status` and `member_file` (the CSV's name in the
  archive); a member without a column gives NULL there. `_row_number` is the line in its member
  (`member_file` says which).
- Bounds: at most MAX_ZIP_MEMBERS CSV files, MAX_ZIP_UNZIPPED bytes once unzipped (a zip bomb is
  not an export).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ingestion.contracts import Entity
from ingestion.readers.base import ParsedFile, RejectedFile
from ingestion.readers.delimited import read_delimited

MAX_ZIP_MEMBERS = 100
MAX_ZIP_UNZIPPED = 8 << 30  # 8 GiB: an audience of millions of members, not a zip bomb
STATUS, MEMBER_FILE = "status", "member_file"
ZIP_MAGIC = b"PK\x03\x04"


def _statuses(entity: Entity) -> tuple[str, ...]:
    value = dict(entity.options).get("status_from_name")
    words = tuple(value.split()) if isinstance(value, str) else tuple(value or ())
    if not words:
        raise ValueError(f"{entity.label}: the zipped_csv reader needs `status_from_name` in the contract")
    return words


def status_of(name: str, statuses: tuple[str, ...]) -> str | None:
    """`cleaned_members_export_2f1c.csv` → `cleaned` (the first word of the name, if listed)."""
    first = PurePosixPath(name).name.lower().split("_", 1)[0]
    return first if first in statuses else None


def _csv_members(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = []
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if info.is_dir() or not parts or any(p.startswith((".", "__MACOSX")) for p in parts):
            continue
        if not info.filename.lower().endswith(".csv"):
            raise RejectedFile(path, None, f"{info.filename}: not a CSV file (the archive holds the "
                                           "export's CSV files only)")
        members.append(info)
    if not members:
        raise RejectedFile(path, None, "the archive holds no CSV file")
    if len(members) > MAX_ZIP_MEMBERS:
        raise RejectedFile(path, None, f"{len(members):,} CSV files in the archive, more than {MAX_ZIP_MEMBERS}")
    unzipped = sum(m.file_size for m in members)
    if unzipped > MAX_ZIP_UNZIPPED:
        raise RejectedFile(path, None, f"{unzipped:,} bytes once unzipped, more than {MAX_ZIP_UNZIPPED:,}")
    return members


def _read_member(path: Path, shown: str, inner: Path, entity: Entity) -> ParsedFile:
    try:
        return read_delimited(inner, entity)
    except RejectedFile as exc:
        raise RejectedFile(path, exc.line, f"{shown}: {exc.reason}") from None


def read_zipped_csv(path: Path, entity: Entity) -> ParsedFile:
    statuses = _statuses(entity)
    path = Path(path)
    work = Path(tempfile.mkdtemp(prefix="publics-zip-"))
    try:
        parts = _open_parts(path, entity, statuses, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    columns: list[str] = []
    for _name, _status, parsed in parts:
        columns += [c for c in parsed.columns if c not in columns and c not in (STATUS, MEMBER_FILE)]
    columns += [STATUS, MEMBER_FILE]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            for name, status, parsed in parts:
                where = [columns.index(c) for c in parsed.columns]
                for line, values in _renamed(path, name, parsed.rows):
                    row: list[str | None] = [None] * len(columns)
                    for i, value in zip(where, values, strict=True):
                        row[i] = value
                    row[-2], row[-1] = status, name
                    yield line, row
        finally:
            for _name, _status, parsed in parts:
                parsed.rows.close()
            shutil.rmtree(work, ignore_errors=True)

    encodings = sorted({parsed.encoding for _n, _s, parsed in parts})
    drift = [c for c in columns if c not in entity.columns]
    return ParsedFile(columns=columns, rows=rows(), encoding="/".join(encodings), drift=drift)


def _renamed(path: Path, name: str, rows: Iterator) -> Iterator:
    """A member's rows, its rejections named after the member and the archive."""
    try:
        yield from rows
    except RejectedFile as exc:
        raise RejectedFile(path, exc.line, f"{name}: {exc.reason}") from None


def _open_parts(path: Path, entity: Entity, statuses: tuple[str, ...], work: Path
                ) -> list[tuple[str, str, ParsedFile]]:
    """(member name, status, parsed CSV) of each CSV of the delivery."""
    with open(path, "rb") as fh:
        zipped = fh.read(4) == ZIP_MAGIC
    if not zipped and path.suffix.lower() == ".zip":
        raise RejectedFile(path, None, "not a zip archive (its bytes do not start like one)")
    if not zipped:
        status = status_of(path.name, statuses)
        if status is None:
            raise RejectedFile(path, None, _no_status(path.name, statuses))
        return [(path.name, status, read_delimited(path, entity))]
    parts = []
    try:
        with zipfile.ZipFile(path) as archive:
            for k, info in enumerate(_csv_members(path, archive)):
                status = status_of(info.filename, statuses)
                if status is None:
                    raise RejectedFile(path, None, _no_status(info.filename, statuses))
                inner = work / f"{k:03d}.csv"
                with archive.open(info) as src, open(inner, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                parts.append((info.filename, status, _read_member(path, info.filename, inner, entity)))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise RejectedFile(path, None, f"unreadable zip archive: {exc}") from None
    return parts


def _no_status(name: str, statuses: tuple[str, ...]) -> str:
    return (f"{name}: its name does not say the members' status (it should start with "
            f"{', '.join(s + '_' for s in statuses)})")
