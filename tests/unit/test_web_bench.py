"""The web part of the ingestion benchmark reads each file's bytes as the loader must (gunzipped,
UTF-16 transcoded, without a BOM) and takes the inbox's files of one format only."""

from __future__ import annotations

import codecs
import gzip

from publics_demo import web_bench
from tests.conftest import FIXTURES


def content(path) -> bytes:
    return b"".join(web_bench.utf8_chunks(path))


def test_bytes_as_the_loader_reads_them(tmp_path):
    text = '{"a": "é"}\n{"b": 2}\n'
    plain, gz, bom, utf16 = (tmp_path / n for n in ("p.ndjson", "g.ndjson.gz", "b.ndjson", "u.csv"))
    plain.write_text(text, encoding="utf-8")
    gz.write_bytes(gzip.compress(text.encode()))
    bom.write_bytes(codecs.BOM_UTF8 + text.encode())
    utf16.write_bytes(codecs.BOM_UTF16_LE + (text * 50_000).encode("utf-16-le"))  # several chunks
    assert content(plain) == content(gz) == content(bom) == text.encode()
    assert content(utf16) == (text * 50_000).encode()
    assert web_bench.content_bytes(utf16) == len((text * 50_000).encode())


def test_files_of_one_format():
    ga4 = [p.name for p, _ in web_bench.files_of(FIXTURES / "ga4", "ga4")]
    assert "events_20240315.ndjson" in ga4
    matomo = web_bench.files_of(FIXTURES / "matomo", "matomo_csv")
    assert matomo and all(e.reader == "matomo_csv" for _, e in matomo)
    assert not web_bench.files_of(FIXTURES / "matomo", "ga4")
