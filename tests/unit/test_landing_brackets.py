"""The JSON fast path skips the nesting check only when no line has more brackets than a record
may nest: the count per line must hold across the chunks a file is streamed in."""

from __future__ import annotations

from ingestion.landing import _Brackets


def count(*chunks: bytes) -> int:
    brackets = _Brackets()
    for chunk in chunks:
        brackets(chunk)
    return brackets.most


def test_most_brackets_of_one_line():
    assert count(b'{"a": [1, {"b": 2}]}\n{"c": 3}\n') == 3
    assert count(b"") == 0


def test_a_line_cut_across_chunks_counts_whole():
    line = b'{"a": [' + b"[" * 60 + b"]" * 60 + b"]}"
    assert count(line[:30], line[30:50], line[50:] + b"\n{}\n") == 62
    assert count(b"{}\n" + line[:40], line[40:]) == 62  # the last line, without its newline


def test_lines_are_not_added_together():
    assert count(b"[" * 60 + b"\n" + b"[" * 60 + b"\n") == 60
