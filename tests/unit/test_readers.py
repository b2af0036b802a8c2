"""The delimited reader on hand-written bytes: encodings, separators, headers, line numbers."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile, normalise_header
from ingestion.readers.delimited import read_secutix_csv

ORDERS = next(e for e in contracts.all_entities() if e.label == "secutix/orders")
HEADER = "FILE_NUMBER;ORDER_DATE;FILE_STATE;ORDER_ORIGINATOR;TOTAL_AMOUNT_ITX;LAST_UPDATE"


def write(tmp_path: Path, data: bytes, name: str = "secutix_orders_20260101.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path) -> list[tuple[int, list]]:
    return list(read_secutix_csv(path, ORDERS).rows)


def test_header_normalisation() -> None:
    assert normalise_header("\ufeffNuméro de Contact ") == "numero_de_contact"
    assert normalise_header("TOTAL_AMOUNT_ITX") == "total_amount_itx"
    assert normalise_header("Œuvre / Opéra-Comique") == "oeuvre_opera_comique"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1252", b""), ("utf-8", b""), ("utf-8", codecs.BOM_UTF8)],
)
def test_accents_survive_every_accepted_encoding(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = f"{HEADER}\r\nF1;15/03/2026 20:30:00;SOLDED;Opéra Œuvre;45,50;15/03/2026 20:31:00\r\n"
    path = write(tmp_path, prefix + text.encode(encoding))
    parsed = read_secutix_csv(path, ORDERS)
    assert parsed.columns[0] == "file_number"  # the BOM is not part of the first column name
    (line, values), = list(parsed.rows)
    assert line == 2
    assert values[3] == "Opéra Œuvre"
    assert values[4] == "45,50"


def test_empty_fields_become_nulls_and_quoted_separators_stay(tmp_path: Path) -> None:
    text = f'{HEADER}\r\nF1;;SOLDED;"DESK;2";;15/03/2026 20:31:00\r\n'
    (_line, values), = rows(write(tmp_path, text.encode("cp1252")))
    assert values[1] is None and values[4] is None
    assert values[3] == "DESK;2"


def test_truncated_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    good = "F{i};15/03/2026 20:30:00;SOLDED;DESK;45,50;15/03/2026 20:31:00\r\n"
    text = HEADER + "\r\n" + "".join(good.format(i=i) for i in range(5)) + "F9;15/03/2026\r\n"
    with pytest.raises(RejectedFile) as err:
        rows(write(tmp_path, text.encode("cp1252")))
    assert err.value.line == 7
    assert "2 fields where the header has 6" in err.value.reason
    assert "secutix_orders_20260101.csv, line 7" in str(err.value)


def test_wrong_delimiter(tmp_path: Path) -> None:
    text = HEADER.replace(";", ",") + "\r\nF1,15/03/2026,SOLDED,DESK,45.5,15/03/2026\r\n"
    with pytest.raises(RejectedFile, match="wrong delimiter: expected ';', the header is comma-separated"):
        read_secutix_csv(write(tmp_path, text.encode()), ORDERS)


def test_missing_required_column(tmp_path: Path) -> None:
    text = HEADER.replace("FILE_STATE;", "") + "\r\n"
    with pytest.raises(RejectedFile, match="missing required column\\(s\\): file_state") as err:
        read_secutix_csv(write(tmp_path, text.encode()), ORDERS)
    assert err.value.line == 1


def test_utf16_and_binary_and_empty_files_are_rejected(tmp_path: Path) -> None:
    utf16 = write(tmp_path, (HEADER + "\r\n").encode("utf-16"), "a_orders.csv")
    with pytest.raises(RejectedFile, match="UTF-16"):
        read_secutix_csv(utf16, ORDERS)
    binary = write(tmp_path, HEADER.encode() + b"\r\nF1;\x00\x01\x02garbage\r\n", "b_orders.csv")
    with pytest.raises(RejectedFile, match="binary content") as err:
        read_secutix_csv(binary, ORDERS)
    assert err.value.line == 2
    empty = write(tmp_path, b"", "c_orders.csv")
    with pytest.raises(RejectedFile, match="empty file"):
        read_secutix_csv(empty, ORDERS)


def test_invalid_utf8_after_the_sniffed_head_is_a_clear_rejection(tmp_path: Path) -> None:
    # The first 64 KB are valid UTF-8 (so the file is read as UTF-8), then a cp1252 byte arrives.
    filler = "".join(f"F{i};15/03/2026 20:30:00;SOLDED;Opéra;45,50;15/03/2026 20:31:00\r\n" for i in range(1500))
    data = (HEADER + "\r\n" + filler).encode("utf-8") + "F9;x;SOLDED;Op\xe9ra;1;x\r\n".encode("cp1252")
    assert len(data) > 1 << 16
    with pytest.raises(RejectedFile, match="invalid bytes for utf-8") as err:
        rows(write(tmp_path, data))
    assert err.value.line is not None and err.value.line > 1000


def test_schema_drift_is_reported_not_dropped(tmp_path: Path) -> None:
    text = HEADER + ";NEW_COLUMN\r\nF1;15/03/2026 20:30:00;SOLDED;DESK;45,50;15/03/2026 20:31:00;x\r\n"
    parsed = read_secutix_csv(write(tmp_path, text.encode()), ORDERS)
    assert parsed.drift == ["new_column"]
    assert next(iter(parsed.rows))[1][-1] == "x"


def test_a_cp1252_accent_far_after_an_ascii_head_is_read_as_cp1252(tmp_path: Path) -> None:
    filler = "".join(f"F{i};15/03/2026 20:30:00;SOLDED;DESK;45,50;15/03/2026 20:31:00\r\n" for i in range(3000))
    data = (HEADER + "\r\n" + filler + "F9;15/03/2026 20:30:00;SOLDED;Opéra;1;15/03/2026 20:31:00\r\n").encode("cp1252")
    assert data[: 1 << 16].isascii()
    parsed = read_secutix_csv(write(tmp_path, data), ORDERS)
    assert parsed.encoding == "cp1252"
    assert list(parsed.rows)[-1][1][3] == "Opéra"
