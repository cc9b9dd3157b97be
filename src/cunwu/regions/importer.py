"""Import the statistical division codes (five CSV files, plain or .xz) into the region tree.

Idempotent: a second run of the same edition changes nothing. A later edition updates names, adds codes,
marks vanished codes inactive (restricted to the imported scope) and never deletes anything. Every row is
validated before anything is written; one bad row and nothing is written.
"""

from __future__ import annotations

import csv
import io
import lzma
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from . import codes

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = [  # file stem, level, parent column
    ("provinces", 1, None),
    ("cities", 2, "provinceCode"),
    ("areas", 3, "cityCode"),
    ("streets", 4, "areaCode"),
    ("villages", 5, "streetCode"),
]
# The source's rule is "ends in 村委会 or 村民委员会" (456,459 rows); 27,628 more rows, mostly in Hunan and
# Jilin, carry the short form "…村" and are village committees too (484,087 rural villages in all).
RURAL_SUFFIXES = ("村委会", "村民委员会", "村")
TABLE = "regions_region"


class ImportRejected(Exception):
    """The files hold bad rows; `problems` names each one (file, line, what is wrong)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems[:50]))


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    unchanged: int = 0
    by_level: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deactivated + self.reactivated


def _open(directory: Path, stem: str) -> tuple[Path, io.TextIOBase]:
    for name in (f"{stem}.csv.xz", f"{stem}.csv"):
        path = directory / name
        if path.exists():
            if name.endswith(".xz"):
                return path, io.TextIOWrapper(lzma.open(path), encoding="utf-8", newline="")
            return path, open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    raise ImportRejected([_("%(dir)s: file %(name)s.csv(.xz) is missing.") % {"dir": directory, "name": stem}])


def _rows(handle, within: str) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a division file; under `within`, the lines outside it are skipped by their first
    field before being parsed (a county's import reads the national villages file in half the time)."""
    if not within:
        yield from enumerate(csv.DictReader(handle), start=2)
        return
    lines = enumerate(handle, start=1)
    header = next(csv.reader([next(lines, (1, ""))[1]]), [])
    for line, text in lines:
        first = text.split(",", 1)[0].strip().strip('"')
        if text.strip() and (first.startswith(within) or within.startswith(first)):
            yield line, dict(zip(header, next(csv.reader([text])), strict=False))


def read_rows(directory: Path, within: str = "") -> Iterator[tuple[str, int, str, str | None, str, int]]:
    """Yield (code, level, name, parent code, file name, line number) for every row under `within`."""
    for stem, level, parent_column in FILES:
        path, handle = _open(directory, stem)
        with handle:
            for line, row in _rows(handle, within):
                code = (row.get("code") or "").strip()
                if within and not (code.startswith(within) or within.startswith(code)):
                    continue
                name = (row.get("name") or "").strip()
                parent = (row.get(parent_column) or "").strip() if parent_column else None
                yield code, level, name, parent, path.name, line


def _is_rural(level: int, name: str) -> bool | None:
    return name.endswith(RURAL_SUFFIXES) if level == 5 else None


def validate(rows, existing_codes: set[str]) -> tuple[dict[str, tuple], list[str]]:
    """Check every row; return the parsed rows by code and the list of problems (empty when all good)."""
    problems: list[str] = []
    parsed: dict[str, tuple] = {}
    where: dict[str, str] = {}
    for code, level, name, parent, fname, line in rows:
        here = f"{fname}:{line}"
        try:
            code_level = codes.level_of(code)
        except codes.InvalidRegionCode as exc:
            problems.append(f"{here}: {exc}")
            continue
        if code_level != level:
            problems.append(
                f"{here}: " + _("code %(code)s has %(n)d digits, which is not a %(level)s code.")
                % {"code": code, "n": len(code), "level": codes.LEVEL_NAMES[level]}
            )
            continue
        if not name or len(name) > 100:
            problems.append(f"{here}: " + _("code %(code)s has no usable name.") % {"code": code})
            continue
        expected_parent = codes.parent_code(code)
        if level > 1 and parent != expected_parent:
            problems.append(
                f"{here}: "
                + _("code %(code)s names parent %(parent)s, but its code says %(expected)s.")
                % {"code": code, "parent": parent or "-", "expected": expected_parent}
            )
            continue
        if code in parsed:
            problems.append(
                f"{here}: " + _("code %(code)s is duplicated (first at %(first)s).") % {"code": code, "first": where[code]}
            )
            continue
        parsed[code] = (code, name, level, expected_parent, _is_rural(level, name))
        where[code] = here
    for code, (_c, _n, _level, parent, _r) in parsed.items():
        if parent is not None and parent not in parsed and parent not in existing_codes:
            problems.append(
                f"{where[code]}: " + _("code %(code)s has parent %(parent)s, which is in neither the files nor the database.")
                % {"code": code, "parent": parent}
            )
    return parsed, problems


def _existing(within: str) -> dict[str, tuple]:
    """(name, is_rural, active) by code for the scope and the ancestors of its root."""
    sql = f"SELECT code, name, is_rural, active FROM {TABLE}"  # noqa: S608 - constant table name
    queries: list[tuple[str, list[str]]] = [(sql, [])]
    if within:
        ancestors = codes.ancestors(within)[:-1]
        queries = [(sql + " WHERE code >= %s AND code < %s", list(codes.code_range(within)))]
        if ancestors:
            queries.append((sql + " WHERE code IN " + _placeholders(ancestors), ancestors))
    found: dict[str, tuple] = {}
    with connection.cursor() as cursor:
        for query, params in queries:
            cursor.execute(query, params)
            for row in cursor.fetchall():
                found[row[0]] = (row[1], None if row[2] is None else bool(row[2]), bool(row[3]))
    return found


def _placeholders(values) -> str:
    return "(" + ",".join(["%s"] * len(values)) + ")"


def _insert(rows: list[tuple], edition: str) -> None:
    columns = "code, name, level, parent_id, is_rural, active, edition"
    if connection.vendor == "postgresql":
        raw = connection.cursor().cursor  # psycopg cursor: COPY is an order of magnitude faster than INSERT
        with raw.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
            for code, name, level, parent, rural in rows:
                copy.write_row((code, name, level, parent, rural, True, edition))
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TABLE} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            [(code, name, level, parent, rural, True, edition) for code, name, level, parent, rural in rows],
        )


def import_regions(
    directory: Path | str | None = None,
    within: str = "",
    edition: str = "2023",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import the division files in `directory` (default: the packaged 2023 edition).

    `within` limits the import to one region's subtree (a province code for `--province`); the ancestors of
    that region are imported too so that the subtree hangs from the real tree.
    """
    directory = Path(directory) if directory else DATA_DIR
    if within:
        codes.level_of(within)
    result = ImportResult()
    existing = _existing(within)

    def counted():
        for row in read_rows(directory, within):
            result.read += 1
            if progress and result.read % 5000 == 0:
                progress(5000)
            yield row

    parsed, problems = validate(counted(), set(existing))
    if progress:
        progress(result.read % 5000)
    if problems:
        raise ImportRejected(problems)
    if within and within not in parsed and within not in existing:
        raise ImportRejected([_("Region %(code)s is not in the files.") % {"code": within}])

    new_rows: list[tuple] = []
    updates: list[tuple] = []
    reactivate: list[tuple] = []
    for code, (c, name, level, parent, rural) in parsed.items():
        result.by_level[level] = result.by_level.get(level, 0) + 1
        old = existing.get(code)
        if old is None:
            new_rows.append((c, name, level, parent, rural))
        elif (old[0], old[1]) != (name, rural):
            updates.append((name, rural, edition, code))
        elif not old[2]:
            reactivate.append((edition, code))
        else:
            result.unchanged += 1
    # Ancestors of the scope that lie outside it are only ever added, never deactivated.
    vanished = [
        (code,) for code, old in existing.items() if code not in parsed and old[2] and code.startswith(within)
    ]

    with transaction.atomic():
        new_rows.sort(key=lambda r: r[2])  # parents before children
        if new_rows:
            _insert(new_rows, edition)
        with connection.cursor() as cursor:
            if updates:
                cursor.executemany(
                    f"UPDATE {TABLE} SET name = %s, is_rural = %s, edition = %s, active = TRUE WHERE code = %s",  # noqa: S608
                    updates,
                )
            if reactivate:
                cursor.executemany(f"UPDATE {TABLE} SET active = TRUE, edition = %s WHERE code = %s", reactivate)  # noqa: S608
            if vanished:
                cursor.executemany(f"UPDATE {TABLE} SET active = FALSE WHERE code = %s", vanished)  # noqa: S608
    result.created = len(new_rows)
    result.updated = len(updates)
    result.reactivated = len(reactivate)
    result.deactivated = len(vanished)
    return result
