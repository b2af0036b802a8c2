"""The people of the world: individuals and structures behind the contact rows the box office
keeps (duplicates, defects and sensitive comments included), built by `build_people`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from publics_demo.world.draws import cum, pick, random_datetime, ri, scaled
from publics_demo.world.frame import EXPORT_TIME, INDIVIDUALS, STRUCTURES, season_bounds
from publics_demo.world.geography import province_address, province_rng
from publics_demo.world.names import (
    EMAIL_DOMAINS,
    EMAIL_TYPOS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LANG_OF_COUNTRY,
    LAST_NAMES,
    PROFESSIONS,
    SENSITIVE_COMMENTS,
    STREETS,
    STRUCTURE_KINDS,
    STRUCTURE_NAMES,
    ZONES,
)
from publics_demo.world.text import ascii_fold, slug


@dataclass
class ContactRecord:
    """One contact row as the box office knows it (a person may have several: duplicates)."""
    number: str = ""
    contact_type: str = "INDIVIDUAL"
    title: str = ""
    firstname: str = ""
    lastname: str = ""
    official_name: str = ""
    birthdate: date | None = None
    email: str = ""
    phone: str = ""
    mobile_phone: str = ""
    line1: str = ""
    zipcode: str = ""
    town: str = ""
    country_code: str = "FR"
    pref_lang: str = "fr"
    profession: str = ""
    opt_in: bool = False
    created: datetime = EXPORT_TIME
    comment: str = ""
    last_update: datetime = EXPORT_TIME
    defects: tuple[str, ...] = ()


@dataclass
class Person:
    """Someone (or some structure) who exists in the world, behind one or more contact rows."""
    index: int
    kind: str  # INDIVIDUAL | STRUCTURE
    segment: str  # prospect | occasional | regular | subscriber | group
    true_birthdate: date | None
    weight: float
    active: tuple[bool, ...]  # per season index
    record: ContactRecord
    duplicates: list[ContactRecord] = field(default_factory=list)
    companion: int | None = None  # index of a person they often come with
    invitee: bool = False  # press, partners: receives invitations
    subscribed: tuple[bool, ...] | None = None  # per season index, set by traits.plant_traits
    subscription_shows: int = 0  # shows in their subscription (traits.plant_traits), 0: drawn 4–6
    reduced_tariff_rate: float = 0.07  # how often they buy at a reduced tariff (traits.plant_traits)

    def subscribes(self, season: int) -> bool:
        """Whether this person buys a subscription for the season of that index."""
        if self.subscribed is not None:
            return self.subscribed[season]
        return self.segment == "subscriber" and self.active[season]

    def age_on(self, day: date) -> int | None:
        b = self.true_birthdate
        if b is None:
            return None
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def number_for(self, rng: random.Random, when: datetime) -> str:
        """The contact number the box office uses for this person at `when` (a duplicate
        account, once it exists, is used about half of the time)."""
        usable = [d for d in self.duplicates if d.created <= when]
        if usable and rng.random() < 0.5:
            return rng.choice(usable).number
        return self.record.number



SEGMENTS = ["prospect", "occasional", "regular", "subscriber"]
SEGMENTS_CUM = cum([0.10, 0.66, 0.20, 0.04])
AGE_BANDS = [(18, 27), (28, 44), (45, 64), (65, 90)]
AGE_BANDS_CUM = cum([0.18, 0.20, 0.32, 0.30])


def build_people(rng: random.Random, scale: float, seasons: tuple[str, ...]) -> list[Person]:
    """Every individual and structure, with their contact rows numbered in creation order."""
    n_ind = scaled(INDIVIDUALS, scale, 60)
    n_struct = scaled(STRUCTURES, scale, 6)
    n_seasons = len(seasons)
    season_starts = [season_bounds(s)[0] for s in seasons]
    zone_names = list(ZONES)
    zone_cum = cum(ZONES[z][0] for z in zone_names)
    towns_rng = province_rng(rng)  # towns by distance from Paris (geography.py)
    emails: set[str] = set()

    def unique_email(local: str, domain: str) -> str:
        local = "".join(c for c in ascii_fold(local).lower() if c.isalnum() or c in ".-_") or "contact"
        candidate = f"{local}@{domain}"
        n = 2
        while candidate in emails:
            candidate = f"{local}{n}@{domain}"
            n += 1
        emails.add(candidate)
        return candidate

    def address(rec: ContactRecord) -> None:
        zone = pick(rng, zone_names, zone_cum)
        postcode, town, country = rng.choice(ZONES[zone][1])  # drawn even when replaced: same draws after
        if zone == "province":
            postcode, town, country = province_address(towns_rng)
        rec.zipcode, rec.town, rec.country_code = postcode, town, country
        rec.pref_lang = LANG_OF_COUNTRY.get(country, "fr")
        rec.line1 = f"{ri(rng, 1, 180)} {rng.choice(STREETS)}"

    def phone(prefix: str) -> str:
        digits = f"{prefix}{ri(rng, 0, 99_999_999):08d}"
        style = rng.random()
        if style < 0.6:
            return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        if style < 0.9:
            return digits
        return "+33 " + digits[1] + " " + " ".join(digits[i:i + 2] for i in range(2, 10, 2))

    def creation_before(first_season: int | None) -> datetime:
        if first_season is None:  # prospect: newsletter sign-up at any time
            return random_datetime(rng, datetime(2016, 1, 1), datetime(2026, 6, 30, 23, 0))
        limit_year = season_starts[first_season].year
        lo = datetime(2012, 1, 1) if first_season == 0 else datetime(limit_year - 1, 5, 1)
        return random_datetime(rng, lo, datetime(limit_year, 4, 30, 20, 0))

    people: list[Person] = []
    first_cum = cum([0.55, 0.22, 0.23, 0.2, 0.2, 0.2][:n_seasons])
    # Individuals ----------------------------------------------------------
    for i in range(n_ind):
        segment = pick(rng, SEGMENTS, SEGMENTS_CUM)
        woman = rng.random() < 0.58
        first = rng.choice(FIRST_NAMES_F if woman else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        age_band = pick(rng, AGE_BANDS, AGE_BANDS_CUM)
        age = ri(rng, *age_band)
        birth = date(2025 - age, ri(rng, 1, 12), ri(rng, 1, 28))
        if segment == "prospect":
            first_season, active = None, (False,) * n_seasons
        else:
            first_season = pick(rng, range(n_seasons), first_cum)
            if segment == "subscriber":
                active = _subscription_seasons(rng, first_season, n_seasons)
            else:
                keep = {"occasional": 0.35, "regular": 0.75}[segment]
                active = tuple(s == first_season or (s > first_season and rng.random() < keep)
                               for s in range(n_seasons))
        rec = ContactRecord(contact_type="INDIVIDUAL", title="MRS" if woman else "MR",
                            firstname=first, lastname=last, birthdate=birth)
        address(rec)
        style = rng.random()
        local = f"{first}.{last}" if style < 0.6 else (f"{first[0]}{last}" if style < 0.8 else f"{last}.{first}{ri(rng, 1, 99)}")
        rec.email = unique_email(local.replace(" ", ""), rng.choice(EMAIL_DOMAINS))
        if rng.random() < 0.55:
            rec.mobile_phone = phone(rng.choice(("06", "07")))
        if rng.random() < 0.30:
            rec.phone = phone(rng.choice(("01", "01", "01", "02", "03", "04", "05", "09")))
        if rng.random() < 0.30:
            rec.profession = "Étudiant" if age < 25 and rng.random() < 0.7 else rng.choice(PROFESSIONS)
        rec.opt_in = rng.random() < (0.8 if segment == "prospect" else 0.45)
        rec.created = creation_before(first_season)
        weight = {"prospect": 0.0, "occasional": 1.0, "regular": 3.5, "subscriber": 2.0}[segment]
        people.append(Person(index=i, kind="INDIVIDUAL", segment=segment, true_birthdate=birth,
                             weight=weight, active=active, record=rec))

    # Structures -------------------------------------------------------------
    kinds = [k[0] for k in STRUCTURE_KINDS]
    kind_weights = [k[1] for k in STRUCTURE_KINDS]
    for j in range(n_struct):
        kind = rng.choices(kinds, weights=kind_weights, k=1)[0]
        name = f"{kind} {rng.choice(STRUCTURE_NAMES)}"
        rec = ContactRecord(contact_type="STRUCTURE", title="", official_name=name)
        address(rec)
        if rec.country_code != "FR":  # groups come from France
            rec.zipcode, rec.town, rec.country_code, rec.pref_lang = "75011", "Paris", "FR", "fr"
        if kind in ("Collège", "Lycée", "École élémentaire"):
            rec.email = unique_email(f"ce.0{ri(rng, 100000, 999999)}{rng.choice('abcdefgh')}", "ac-paris.fr")
            rec.firstname = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)  # the referent teacher
            rec.lastname = rng.choice(LAST_NAMES)
        else:
            rec.email = unique_email(f"contact.{slug(name, '-').lower()}", "asso.example.fr")
        rec.phone = phone("01")
        first_season = rng.randrange(n_seasons)
        rec.created = creation_before(first_season)
        active = tuple(s >= first_season and rng.random() < 0.8 or s == first_season for s in range(n_seasons))
        people.append(Person(index=n_ind + j, kind="STRUCTURE", segment="group", true_birthdate=None,
                             weight=1.0 + rng.random() * 2, active=active, record=rec))

    # Companions and invitees ---------------------------------------------
    individuals = people[:n_ind]
    for p in individuals:
        if p.segment != "prospect" and rng.random() < 0.35:
            p.companion = rng.randrange(n_ind)
        if rng.random() < 0.015 or p.record.profession == "Journaliste":
            p.invitee = True
    if not any(p.invitee for p in individuals):
        individuals[0].invitee = True

    _plant_contact_defects(seasons, rng, individuals)
    _number_contacts(people)
    return people


# Subscribers renew less in their first year than once the habit is taken (arts-sector
# figures: about half of first-year subscribers renew, 80–90 % of long-time ones).
FIRST_YEAR_RENEWAL = 0.55
LONG_TIME_RENEWAL = 0.86
RETURN_AFTER_A_BREAK = 0.12


def _subscription_seasons(rng: random.Random, first_season: int, n_seasons: int) -> tuple[bool, ...]:
    """Seasons a subscriber subscribes. Someone already subscribing in the first season of the
    data may have done so for years before it (a prior streak of 0–8 seasons)."""
    streak = ri(rng, 0, 8) if first_season == 0 else 0
    flags: list[bool] = []
    for s in range(n_seasons):
        if s < first_season:
            on = False
        elif s == first_season:
            on = True
        elif flags[-1]:
            on = rng.random() < (FIRST_YEAR_RENEWAL if streak == 1 else LONG_TIME_RENEWAL)
        else:
            on = rng.random() < RETURN_AFTER_A_BREAK
        streak = streak + 1 if on else 0
        flags.append(on)
    return tuple(flags)


def _plant_contact_defects(seasons: tuple[str, ...], rng: random.Random, individuals: list[Person]) -> None:
    n = len(individuals)
    for p in individuals:
        r = p.record
        if rng.random() < 0.25:
            r.birthdate = None
            r.defects += ("missing_birthdate",)
        if rng.random() < 0.08:
            r.email = ""
            r.defects += ("missing_email",)
        if rng.random() < 0.03:
            r.zipcode = ""
            r.defects += ("missing_zipcode",)
        elif r.country_code == "FR" and r.zipcode.startswith("0") and rng.random() < 0.15:
            r.zipcode = r.zipcode[1:]  # went through a spreadsheet
            r.defects += ("zipcode_lost_leading_zero",)
    # Sensitive free text typed at the box office.
    for k, idx in enumerate(rng.sample(range(n), min(n, max(3, n // 1000)))):
        individuals[idx].record.comment = SENSITIVE_COMMENTS[k % len(SENSITIVE_COMMENTS)]
        individuals[idx].record.defects += ("sensitive_comment",)
    # Duplicates: the same person created again (web account, box office…), e-mail in another case.
    buyers = [p for p in individuals if p.segment != "prospect" and p.record.email]
    n_dup = min(len(buyers), max(3, n // 250))
    for k, p in enumerate(rng.sample(buyers, n_dup)):
        copies = 2 if k == 0 else 1  # one person even has three accounts
        for _ in range(copies):
            src = p.record
            dup = ContactRecord(**{f: getattr(src, f) for f in src.__dataclass_fields__})
            dup.defects = tuple(d for d in src.defects if d != "sensitive_comment") + ("duplicate",)
            dup.comment = ""
            local, _, domain = src.email.partition("@")
            taken = {src.email} | {d.email for d in p.duplicates}
            variants = [f"{local.title()}@{domain}", src.email.upper(), f"{local.capitalize()}@{domain.upper()}",
                        f"{local}@{domain.upper()}", f"{local.upper()}@{domain}"]
            start = ri(rng, 0, len(variants) - 1)
            dup.email = next(v for v in variants[start:] + variants[:start] if v not in taken)
            typo = f"{local}@{EMAIL_TYPOS.get(domain, 'x' + domain)}"
            if rng.random() < 0.2 and typo not in taken:
                dup.email = typo  # the domain mistyped at the box office
                dup.defects += ("duplicate_email_typo",)
            if rng.random() < 0.5:
                dup.firstname = ascii_fold(dup.firstname)  # typed without accents
                dup.lastname = dup.lastname.upper()
            if rng.random() < 0.5:
                dup.mobile_phone = dup.phone = ""
            if rng.random() < 0.3 and dup.birthdate is not None:
                dup.birthdate = None
                dup.defects += ("missing_birthdate",)
            first_active = p.active.index(True)
            s_start = season_bounds(seasons[first_active])[0]
            lo = max(src.created, datetime(s_start.year, 5, 2))
            dup.created = random_datetime(rng, lo, datetime(2026, 5, 31, 20, 0))
            p.duplicates.append(dup)


def _number_contacts(people: list[Person]) -> None:
    """Contact numbers are given in creation order, as the ticketing system does."""
    rows = [(p.record.created, p.index, 0, p.record) for p in people]
    rows += [(d.created, p.index, k + 1, d) for p in people for k, d in enumerate(p.duplicates)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    for n, (_, _, _, rec) in enumerate(rows):
        rec.number = str(1_000_001 + n)

