"""Malformed deliveries, as a tester would make them: a few hundred seeded variants of the good
fixtures of every source (truncations, flipped bytes, other encodings, huge lines, odd, duplicate,
very long or too many header fields, deep JSON, broken gzip and zip archives), ingested in one run
beside the good files. Whatever the variant, the run ends (in bounded time) without a traceback,
every good file loads, and every variant is either loaded or rejected with a message naming it."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, querier, run_cli

SEED = 20240915
GOOD = {
    "secutix": sorted((FIXTURES / "secutix" / "good").iterdir()),
    "ga4": sorted((FIXTURES / "ga4" / "good").iterdir()),
    "matomo": sorted((FIXTURES / "matomo" / "good").iterdir()),
    "ads": [FIXTURES / "ads" / n for n in ("google_ads_campaigns_2026-03_preamble_total_footer.csv",
                                            "google_ads_campaigns_2026-04_utf16_tab_excel_csv.csv",
                                            "meta_ads_insights_2026-03_utf8_bom_comma.csv",
                                            "meta_ads_insights_2026-04_semicolon_cp1252.csv")],
    "emailing": [FIXTURES / "emailing" / n for n in ("brevo_campaigns_2026-03_semicolon_utf8_bom.csv",
                                                      "mailchimp_email_activity_2026-03.csv",
                                                      "mailchimp_reports_2026-03.csv")],
    "social": [FIXTURES / "social" / n for n in ("reseaux_sociaux_2026-04_semicolon_cp1252.csv",
                                                  "social_insights_2026-03_comma.csv")],
    "spreadsheets": [FIXTURES / "spreadsheets" / n for n in ("budgets_campagnes_2025-26.xlsx",
                                                              "invitations_carmen_2026.xlsx",
                                                              "plan_utm_2025-26.xlsx")],
}


def _plain(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _regzip(data: bytes, original: bytes) -> bytes:
    return gzip.compress(data, mtime=0) if original[:2] == b"\x1f\x8b" else data


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


# Each mutation: (rng, bytes of the file) -> bytes of the variant. Text mutations work on the
# decompressed content (and compress it again); byte mutations on the file as delivered.
def truncate(rng, data):
    return data[: rng.randrange(0, max(1, len(data)))]


def cut_last_value(rng, data):
    plain = _plain(data).rstrip(b"\r\n")
    return _regzip(plain[: max(1, len(plain) - rng.randrange(1, 4))], data)


def flip_bytes(rng, data):
    out = bytearray(data)
    for _ in range(rng.randrange(1, 6)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def bad_utf8_byte_early(rng, data):
    plain = bytearray(_plain(data))
    at = min(len(plain) - 1, rng.randrange(0, 200))
    plain[at:at] = bytes([rng.choice([0x80, 0x9D, 0xC3, 0xFF])])
    return _regzip(bytes(plain), data)


def reencode(rng, data):
    plain = _plain(data)
    try:
        text = plain.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = plain.decode("cp1252", errors="replace")
    codec = rng.choice(["utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32", "utf-8-sig"])
    return _regzip(text.encode(codec, errors="replace"), data)


def huge_line(rng, data):
    lines = _lines(_plain(data))
    at = rng.randrange(1, len(lines) + 1)
    big = b"x" * rng.choice([140_000, 300_000]) + b"\n"
    return _regzip(b"".join(lines[:at] + [big] + lines[at:]), data)


def huge_cell(rng, data):
    lines = _lines(_plain(data))
    if len(lines) < 2:
        return data + b"y" * 200_000
    line = lines[1]
    cut = rng.randrange(0, max(1, len(line) - 2))
    lines[1] = line[:cut] + b"z" * 200_000 + line[cut:]
    return _regzip(b"".join(lines), data)


def blank_lines(rng, data):
    lines = _lines(_plain(data))
    for _ in range(rng.randrange(1, 4)):
        lines.insert(rng.randrange(0, len(lines) + 1), rng.choice([b"\n", b"\r\n", b" \n", b";;;\n"]))
    return _regzip(b"".join(lines), data)


def header_odd(rng, data):
    plain = _plain(data)
    head, sep, rest = plain.partition(b"\n")
    delim = max((b";", b",", b"\t"), key=head.count)
    fields = head.rstrip(b"\r").split(delim)
    kind = rng.choice(["duplicate", "long", "many", "empty", "quotes", "drop"])
    if kind == "duplicate":
        fields.append(rng.choice(fields))
    elif kind == "long":  # distinct names, equal once PostgreSQL truncates them to 63 bytes
        fields += [b"L" * 70 + b"_a", b"L" * 70 + b"_b"]
    elif kind == "many":
        fields += [b"extra_%d" % i for i in range(rng.choice([1_000, 1_700]))]
    elif kind == "empty":
        fields = [b""] * len(fields)
    elif kind == "quotes":
        fields[0] = b'"' + fields[0]
    else:
        fields = fields[:-1]
    return _regzip(delim.join(fields) + b"\r\n" * bool(sep) + rest, data)


def deep_json(rng, data):
    depth = rng.choice([200, 5_000, 100_000])
    nested = b"[" * depth + b"1" + b"]" * depth
    lines = _lines(_plain(data))
    kind = rng.choice(["value", "line"])
    if kind == "value":
        text = b"".join(lines)
        at = text.find(b'"', text.find(b"{"))  # before the first key of the first object
        text = text[:at] + b'"deep": ' + nested + b", " + text[at:]
    else:
        text = b"".join(lines) + b"\n" + nested + b"\n"
    return _regzip(text, data)


def broken_archive(rng, data):
    if data[:2] == b"\x1f\x8b":  # a gzip stream: cut, or a flipped byte in its body or trailer
        out = bytearray(data)
        if rng.random() < 0.5:
            return bytes(out[: rng.randrange(10, len(out))])
        out[rng.randrange(10, len(out))] ^= 0xFF
        return bytes(out)
    if data[:2] == b"PK":  # a zip (xlsx): damaged headers, cut, version, huge sheet
        kind = rng.choice(["version", "cut", "central", "bomb", "method"])
        out = bytearray(data)
        if kind == "version":  # "version needed to extract" of every entry: 9.9
            for marker in (b"PK\x03\x04", b"PK\x01\x02"):
                at = out.find(marker)
                while at >= 0:
                    out[at + (4 if marker == b"PK\x03\x04" else 6)] = 99
                    at = out.find(marker, at + 4)
            return bytes(out)
        if kind == "method":  # an unknown compression method
            at = out.find(b"PK\x03\x04")
            out[at + 8] = 77
            at = out.find(b"PK\x01\x02")
            out[at + 10] = 77
            return bytes(out)
        if kind == "cut":
            return bytes(out[: rng.randrange(30, len(out))])
        if kind == "central":
            at = out.rfind(b"PK\x01\x02")
            out[at + 20: at + 28] = b"\xff" * 8
            return bytes(out)
        return many_rows(data)
    return gzip.compress(data, mtime=0)[: rng.randrange(10, 40)]  # a cut gzip of a text file


def many_rows(data: bytes) -> bytes:
    """The workbook with its first sheet replaced by a million rows (small once compressed)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet"))
    original = source.read(sheet).decode("utf-8")
    header = re.search(r"<row [^>]*>.*?</row>", original, re.DOTALL).group(0)  # its header row, kept
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>v</t></is></c></row>' for r in range(2, 1_000_001))
    xml = original[: original.index("<sheetData>")] + f"<sheetData>{header}{rows}</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == sheet else source.read(item.filename))
    return out.getvalue()


def crlf_swap(rng, data):
    plain = _plain(data)
    swapped = plain.replace(b"\r\n", b"\n") if b"\r\n" in plain else plain.replace(b"\n", b"\r\n")
    return _regzip(swapped.replace(b"\n", b"\r") if rng.random() < 0.3 else swapped, data)


def garbage_tail(rng, data):
    return data + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))


TEXT_MUTATIONS: list[Callable] = [truncate, cut_last_value, flip_bytes, bad_utf8_byte_early, reencode, huge_line,
                                  huge_cell, blank_lines, header_odd, deep_json, broken_archive, crlf_swap, garbage_tail]
XLSX_MUTATIONS: list[Callable] = [truncate, flip_bytes, broken_archive, garbage_tail]
PER_FILE = 14  # variants per good file


def variant_name(path: Path, n: int, mutation: str) -> str:
    stem, dot, suffixes = path.name.partition(".")
    return f"{stem}_fz{n:03d}_{mutation}{dot}{suffixes}"


def make_inbox(folder: Path) -> tuple[list[str], list[str]]:
    rng = random.Random(SEED)
    good, variants, seen = [], [], set()
    for source, paths in GOOD.items():
        for path in paths:
            data = path.read_bytes()
            (folder / source / "good").mkdir(parents=True, exist_ok=True)
            (folder / source / "good" / path.name).write_bytes(data)
            good.append(path.name)
            seen.add(hashlib.sha256(data).digest())
            mutations = XLSX_MUTATIONS if path.suffix == ".xlsx" else TEXT_MUTATIONS
            for _ in range(PER_FILE):
                mutation = rng.choice(mutations)
                out = mutation(rng, data)
                digest = hashlib.sha256(out).digest()
                if digest in seen:
                    continue  # a variant identical to a file already there is a re-delivery
                seen.add(digest)
                name = variant_name(path, len(variants), mutation.__name__)
                (folder / source / "fuzz").mkdir(parents=True, exist_ok=True)
                (folder / source / "fuzz" / name).write_bytes(out)
                variants.append(name)
    return good, variants


def test_malformed_variants_never_crash_never_hang_never_block_the_good_files(fresh_db, tmp_path: Path) -> None:
    inbox, quarantine = tmp_path / "inbox", tmp_path / "quarantine"
    good, variants = make_inbox(inbox)
    assert len(variants) > 250
    env = {"DATABASE_URL": fresh_db.url}
    t0 = time.monotonic()
    result = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env=env, timeout=300)
    seconds = time.monotonic() - t0
    query = querier(fresh_db)
    statuses = dict(query("select file_name, status from raw.load_ledger"))
    errors = dict(query("select file_name, error from raw.load_ledger where status = 'rejected'"))
    counts = {s: sum(v == s for v in statuses.values()) for s in ("loaded", "skipped", "rejected")}
    print(f"\nfuzz: {len(variants)} variants of {len(good)} good files in {seconds:.1f} s: {counts}")
    assert "Traceback" not in result.out, result
    assert result.code == 2, result
    assert seconds < 240, f"the run took {seconds:.0f} s"
    assert [n for n in good if statuses.get(n) != "loaded"] == [], result
    assert [n for n in variants if n not in statuses] == [], result
    assert [n for n, e in errors.items() if n not in (e or "")] == []
    unexpected = [e for e in errors.values() if "unexpected error" in e]
    assert unexpected == [], "\n".join(unexpected)
    assert len(list(quarantine.glob("*.reason.txt"))) == counts["rejected"]

    again = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env=env, timeout=300)
    assert "Traceback" not in again.out and again.code == 2, again
    assert query("select count(*) from raw.load_ledger where status = 'loaded'") == [(counts["loaded"],)]
