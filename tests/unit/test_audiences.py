"""The export files of `publics audiences export`, in Brevo's and Mailchimp's contact-import
formats (docstring of publics/audiences.py for where each rule is documented)."""

from __future__ import annotations

import csv

from publics import audiences

CONTACTS = [("anne.dupont@example.fr", "Anne", "Dupont"), ("luc@example.fr", "Luc; dit « Lulu »", None)]


def read(path, delimiter: str) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_brevo_file_has_the_default_attributes_and_semicolons(tmp_path) -> None:
    out = tmp_path / "brevo.csv"
    audiences.write_file(out, audiences.FORMATS["brevo"], CONTACTS, tag="prospects-a-relancer")
    assert out.read_text(encoding="utf-8").splitlines()[0] == "EMAIL;FIRSTNAME;LASTNAME"
    rows = read(out, ";")
    assert rows[1] == ["anne.dupont@example.fr", "Anne", "Dupont"]
    # a value holding the separator is quoted, accents are kept (UTF-8), an unknown name is empty
    assert rows[2] == ["luc@example.fr", "Luc; dit « Lulu »", ""]
    assert len(rows) == 3


def test_mailchimp_file_has_email_address_names_and_the_list_as_tag(tmp_path) -> None:
    out = tmp_path / "mailchimp.csv"
    audiences.write_file(out, audiences.FORMATS["mailchimp"], CONTACTS, tag="abonnes-a-risque")
    rows = read(out, ",")
    assert rows[0] == ["Email Address", "First Name", "Last Name", "Tags"]
    assert rows[1] == ["anne.dupont@example.fr", "Anne", "Dupont", "abonnes-a-risque"]
    assert [r[3] for r in rows[1:]] == ["abonnes-a-risque"] * 2


def test_the_scored_lists_read_deciles_one_and_two_of_their_score() -> None:
    assert "score_kind = 'attrition' and decile <= 2" in audiences.LISTS["abonnes-a-risque"].members
    assert "score_kind = 'abonnement' and decile <= 2" in audiences.LISTS["candidats-abonnement"].members
    assert not audiences.LISTS["prospects-a-relancer"].needs_scores
