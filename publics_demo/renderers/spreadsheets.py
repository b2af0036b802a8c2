"""The spreadsheets the demo institution's teams keep, as `.xlsx` workbooks (contract:
contracts/spreadsheets.yml), headers in French as typed by the teams.

Files written to `<out>/inbox/spreadsheets/`:

- `budgets_campagnes_<season>.xlsx` (marketing): the plan of the paid campaigns of
  `campaigns.build_campaigns` for that season (and next season's subscription campaign,
  launched in May, in the last season's workbook) — Saison, Campagne, Canal, Plateforme, Budget (€)
  (= `Campaign.budget_cents`), Début, Fin, Responsable, Commentaire;
- `plan_utm_<season>.xlsx` (marketing): the canonical tagging of every campaign of the season (same grouping),
  paid and e-mails — Campagne, Canal, utm_source, utm_medium, utm_campaign (= the name the
  platforms and links carry), utm_content, utm_term, URL de destination, Responsable;
- `invitations_<show-slug>_<season>.xlsx` (public relations), one per show with invitations:
  one row per invited person and performance — Nom, Prénom, Email, Organisation, Fonction,
  Catégorie, Spectacle, Date de représentation, Nombre de places, Présent, Commentaire, Code postal
  (where the invitation is sent: the contact's, as typed there) — drawn
  from the ADMINISTRATION orders (EXONERE tickets) of `world.simulate_orders` and the invitee's
  contact record, so that invitees can be matched with the ticketing contacts.

As the teams keep them: each budget has a title row above its header, a `TOTAL GÉNÉRAL` row (a
value: openpyxl cannot save a formula's result) and a note « Budget validé en CA du … » below
the table; each invitation list has a title row, a header written by hand (« Adresse mail »,
« Nb places » on two lines, « Date de la représentation ») and the show and the date merged down
the invitees of each performance. The reader drops the total and note rows (reported) and gives
merged values to every row: the truth's counts are the data rows.

Planted defects (listed in the truth): a campaign name typed in capitals in the budget and one
with a typo (differs from the UTM plan), invitation rows without e-mail or with the e-mail
spelled otherwise (capitals, mistyped domain), categories typed in several ways, names in
capitals, and a blank merged row between two performances in some invitation lists.

Workbooks are byte-deterministic (`files.workbook_bytes`): document properties dated `EXPORT_TIME`,
zip entries dated `EXPORT_TIME` too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from publics_demo.defects import BrokenFolder
from publics_demo.files import inbox_files, new_sheet, sheet_rows, workbook_bytes, xlsx_bytes
from publics_demo.truth import truth_header
from publics_demo.world.campaigns import Campaign, build_campaigns, landing_url, show_slug
from publics_demo.world.catalogue import Performance
from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.model import World
from publics_demo.world.names import EMAIL_TYPOS
from publics_demo.world.orders import simulate_orders
from publics_demo.world.people import Person

FOLDER = "inbox/spreadsheets"
SOURCE = "spreadsheets"

BUDGET_HEADER = ["Saison", "Campagne", "Canal", "Plateforme", "Budget (€)", "Début", "Fin", "Responsable",
                 "Commentaire"]
UTM_HEADER = ["Campagne", "Canal", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
              "URL de destination", "Responsable"]
# As the public-relations team writes it (the contract's aliases): « Adresse mail », « Nb places »
# on two lines in its cell, « Date de la représentation ».
INVITATION_HEADER = ["Nom", "Prénom", "Adresse mail", "Organisation", "Fonction", "Catégorie", "Spectacle",
                     "Date de la représentation", "Nb\nplaces", "Présent", "Commentaire", "Code postal"]

# platform → (Canal in the budget, Plateforme, owner)
PLATFORM_LABELS = {"meta": ("Social payant", "Meta (Facebook)", "Claire Morel"),
                   "meta_instagram": ("Social payant", "Meta (Instagram)", "Claire Morel"),
                   "google_ads": ("Search", "Google Ads", "Julien Faure"),
                   "mailchimp": ("Emailing", "Mailchimp", "Sophie Lambert")}
OBJECTIVE_LABELS = {"conquete": "Conquête", "fidelisation": "Fidélisation", "abonnement": "Abonnements",
                    "notoriete": "Notoriété", "relance": "Relance", "newsletter": "Newsletter"}
BUDGET_COMMENTS = ("Enveloppe validée en CODIR", "Visuels fournis par la production", "Reliquat à réaffecter",
                   "Ciblage revu après la première semaine")

# Invitees: category → (weight, organisations, functions, spellings as typed)
CATEGORIES = {
    "presse": (0.15, ("Le Monde", "Télérama", "France Musique", "Diapason", "Opéra Magazine", "Forum Opéra",
                      "ResMusica", "Le Figaro", "La Terrasse", "Radio Classique"),
               ("Critique musical", "Journaliste", "Rédactrice en chef", "Chroniqueur"),
               ("Presse", "presse", "PRESSE")),
    "partenaire": (0.35, ("Banque du Levant", "Groupe Hélios", "Société Mécanique Bréguet", "Maison Lumière",
                          "Air Horizon"),
                   ("Directrice de la communication", "Responsable partenariats", "Directeur général"),
                   ("Partenaire", "partenaires", "Partenaire")),
    "mecene": (0.20, ("Cercle Favart", "Fondation Orphée", "Fondation pour la voix", ""),
               ("Membre du Cercle", "Président de la fondation", "Mécène individuel"),
               ("Mécène", "mécène", "Mecene")),
    "professionnel": (0.30, ("Opéra de Rouen", "Festival des Nuits lyriques", "Agence Harmonia Artists",
                             "Théâtre de Cergy"),
                      ("Directeur artistique", "Agent artistique", "Programmatrice", "Administrateur de production"),
                      ("Professionnel", "Pro", "professionnel")),
}
INVITATION_COMMENTS = ("Placement loge", "Accompagné(e)", "Confirmé par mail", "À rappeler", "Vient avec un photographe")
# Shares of invitation rows whose e-mail is left blank, spelled in other capitals, or mistyped.
EMAIL_MISSING, EMAIL_CASE, EMAIL_TYPO = 0.05, 0.06, 0.04
BLANK_ROW_SHARE = 0.35  # invitation lists with a blank merged row between two performances


# --------------------------------------------------------------------------- budgets and UTM plan

def by_workbook(world: World, plan: list[Campaign]) -> dict[str, list[Campaign]]:
    """Campaigns per season's workbook. Next season's subscription campaign, launched in May
    before next season's workbook is opened, is kept in the current one (its `Saison` says 2026-27)."""
    out: dict[str, list[Campaign]] = defaultdict(list)
    for c in plan:
        out[c.season if c.season in world.seasons else world.seasons[-1]].append(c)
    return dict(sorted(out.items()))


def _typo(name: str, rng) -> str:
    """One letter dropped after the season prefix (`conquete` → `conqute`)."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and i > 8]
    i = letters[int(rng.random() * len(letters))] if letters else len(name) - 1
    return name[:i] + name[i + 1:]


def _write_budgets(world: World, folder: Path, paid: list[Campaign], counts: dict, defects: list) -> None:
    rng = world.rng("spreadsheets/budgets")
    not_data: list[list] = []
    last = by_workbook(world, paid).get(world.seasons[-1], [])
    pool = last if len(last) >= 2 else paid  # the names typed otherwise are in the latest budget
    chosen = rng.sample(range(len(pool)), min(2, len(pool)))
    typed = {}
    if chosen:
        c = pool[chosen[0]]
        typed[c.key] = ("budget_name_case", "_".join(part.capitalize() for part in c.name.split("_")))
    if len(chosen) > 1:
        c = pool[chosen[1]]
        typed[c.key] = ("budget_name_typo", _typo(c.name, rng))
    for season, campaigns in by_workbook(world, paid).items():
        name = f"budgets_campagnes_{season}.xlsx"
        wb, ws = new_sheet("Budget", BUDGET_HEADER, [9, 42, 14, 18, 12, 12, 12, 16, 36])
        ws.insert_rows(1, 2)  # a title above the header, then a blank row, as the team keeps it
        ws["A1"] = f"Budgets des campagnes payantes – saison {season}"
        ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(BUDGET_HEADER))
        total_cents = 0
        for c in campaigns:
            canal, plateforme, owner = PLATFORM_LABELS[c.platform]
            label = c.name
            if c.key in typed:
                defect, label = typed[c.key]
                defects.append({"file": f"{FOLDER}/{name}", "defect": defect, "count": 1, "row": ws.max_row + 1,
                                "what": "campaign name in the budget differs from the UTM plan and the ad platforms",
                                "campaign_key": c.key, "utm_campaign": c.name, "typed": label})
            comment = rng.choice(BUDGET_COMMENTS) if rng.random() < 0.2 else None
            euros = c.budget_cents // 100 if c.budget_cents % 100 == 0 else c.budget_cents / 100
            ws.append([c.season, label, canal, plateforme, euros, c.start, c.end, owner, comment])
            total_cents += c.budget_cents
            row = ws.max_row
            ws.cell(row, 5).number_format = '#,##0 "€"'
            for col in (6, 7):
                ws.cell(row, col).number_format = "dd/mm/yyyy"
        # The total as a value, not `=SUM(…)`: openpyxl cannot save a formula's result (readers/xlsx.py).
        total = total_cents // 100 if total_cents % 100 == 0 else total_cents / 100
        ws.append(["TOTAL GÉNÉRAL", None, None, None, total])
        ws.cell(ws.max_row, 5).number_format = '#,##0 "€"'
        ws.append([])
        ws.append([f"Budget validé en CA du 12/09/{season[:4]}"])  # the board meeting opening the season
        ws.merge_cells(start_row=ws.max_row, end_row=ws.max_row, start_column=1, end_column=len(BUDGET_HEADER))
        not_data.append([f"{FOLDER}/{name}", ws.max_row - 2, ws.max_row])
        (folder / name).write_bytes(workbook_bytes(wb, "Claire Morel"))
        counts[name] = len(campaigns)
    defects.append({"file": f"{FOLDER}/budgets_campagnes_*.xlsx", "defect": "budget_total_and_note_rows",
                    "what": "a title above the header, a TOTAL GÉNÉRAL row and a note below the table (not data: "
                            "dropped and reported)", "count": len(not_data), "where": not_data})


def _write_utm_plans(world: World, folder: Path, plan: list[Campaign], counts: dict) -> None:
    titles = {s.code: s.title for s in world.shows}
    for season, campaigns in by_workbook(world, plan).items():
        name = f"plan_utm_{season}.xlsx"
        wb, ws = new_sheet("Plan UTM", UTM_HEADER, [48, 12, 14, 14, 42, 12, 10, 56, 16])
        for c in campaigns:
            _, plateforme, owner = PLATFORM_LABELS[c.platform]
            subject = titles.get(c.show_code, "") if c.show_code else c.show_slug.capitalize()
            label = f"{OBJECTIVE_LABELS.get(c.objective, c.objective)} – {subject} ({plateforme}, {c.audience})"
            ws.append([label, c.channel, c.utm_source, c.utm_medium, c.name, None, None, landing_url(c), owner])
        (folder / name).write_bytes(workbook_bytes(wb, "Claire Morel"))
        counts[name] = len(campaigns)


# --------------------------------------------------------------------------- invitations

@dataclass
class Invitation:
    """One invited person at one performance (all their EXONERE tickets for it)."""
    person: Person
    performance: Performance
    seats: int = 0
    numbers: set[str] = field(default_factory=set)  # contact numbers the tickets were issued to
    attended: bool = False


def collect_invitations(world: World) -> list[Invitation]:
    """The ADMINISTRATION orders' invitation tickets, per person and performance."""
    owner: dict[str, Person] = {}
    for p in world.people:
        owner[p.record.number] = p
        for d in p.duplicates:
            owner[d.number] = p
    found: dict[tuple[int, int], Invitation] = {}
    for order in simulate_orders(world):
        if order.originator != "ADMINISTRATION":
            continue
        for t in order.tickets:
            if t.tariff != "EXONERE":
                continue
            person = owner[order.buyer]
            inv = found.setdefault((person.index, t.performance.performance_id), Invitation(person, t.performance))
            inv.seats += 1
            inv.numbers.add(order.buyer)
            inv.attended |= t.controlled_at is not None
    return sorted(found.values(), key=lambda i: (i.performance.start, i.performance.performance_id, i.person.index))


def _profiles(world: World, invitations: list[Invitation]) -> dict[int, tuple[str, str, str]]:
    """Each invitee's (category, organisation, function), stable across lists."""
    rng = world.rng("spreadsheets/invitees")
    names = list(CATEGORIES)
    profiles = {}
    for person in sorted({i.person.index: i.person for i in invitations}.values(), key=lambda p: p.index):
        if person.record.profession == "Journaliste":
            category = "presse"
        else:
            category = rng.choices(names, weights=[CATEGORIES[n][0] for n in names])[0]
        _, organisations, functions, _ = CATEGORIES[category]
        profiles[person.index] = (category, rng.choice(organisations), rng.choice(functions))
    return profiles


def _email_as_typed(rng, email: str) -> tuple[str | None, str]:
    """(the e-mail in the list, how it differs from the contact's)."""
    x = rng.random()
    if not email or x < EMAIL_MISSING:
        return None, "missing"
    local, _, domain = email.partition("@")
    if x < EMAIL_MISSING + EMAIL_CASE:
        return f"{local.title()}@{domain}", "case"
    if x < EMAIL_MISSING + EMAIL_CASE + EMAIL_TYPO and domain in EMAIL_TYPOS:
        return f"{local}@{EMAIL_TYPOS[domain]}", "typo"
    return email, "exact"


def _write_invitations(world: World, folder: Path, counts: dict, defects: list) -> dict:
    rng = world.rng("spreadsheets/invitations")
    invitations = collect_invitations(world)
    profiles = _profiles(world, invitations)
    by_show: dict[str, list[Invitation]] = defaultdict(list)
    for inv in invitations:
        by_show[inv.performance.show.code].append(inv)
    shows = sorted({inv.performance.show for inv in invitations}, key=lambda s: (s.season, s.product_id))
    per_person: dict[int, dict] = {}
    where: dict[str, list] = defaultdict(list)
    used: set[str] = set()
    for show in shows:
        name = f"invitations_{show_slug(show.title)}_{show.season}.xlsx"
        n = 2
        while name in used:
            name = f"invitations_{show_slug(show.title)}-{n}_{show.season}.xlsx"
            n += 1
        used.add(name)
        wb, ws = new_sheet("Invités", INVITATION_HEADER, [16, 14, 32, 26, 26, 13, 30, 20, 10, 8, 24, 11])
        ws.insert_rows(1)  # the list's title above the header
        ws["A1"] = f"Liste des invités – {show.title} ({show.season})"
        ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(INVITATION_HEADER))
        block: list[int] = []  # sheet rows of the current performance: show and date merged down them
        rows = sorted(by_show[show.code], key=lambda i: (i.performance.start, i.person.record.lastname,
                                                         i.person.record.firstname, i.person.index))
        blank_after = None
        starts = sorted({i.performance.start for i in rows})
        if len(starts) >= 2 and rng.random() < BLANK_ROW_SHARE:
            blank_after = starts[0]
        previous = None
        for inv in rows:
            if previous is not None and inv.performance.start != previous:
                _merge_down(ws, block, where, name)
                block = []
            if blank_after is not None and previous == blank_after and inv.performance.start != previous:
                blank = ws.max_row + 1
                ws.append([])  # moves the next row down; the merge draws a band across the columns
                ws.merge_cells(start_row=blank, end_row=blank, start_column=1, end_column=len(INVITATION_HEADER))
                where["blank_merged_row"].append([f"{FOLDER}/{name}", blank])
                blank_after = None
            previous = inv.performance.start
            rec = inv.person.record
            category, organisation, function = profiles[inv.person.index]
            spellings = CATEGORIES[category][3]
            email, how = _email_as_typed(rng, rec.email)
            last = rec.lastname.upper() if rng.random() < 0.3 else rec.lastname
            present = ("oui" if inv.attended else "non") if inv.performance.start < EXPORT_TIME else None
            comment = rng.choice(INVITATION_COMMENTS) if rng.random() < 0.15 else None
            ws.append([last, rec.firstname, email, organisation or None, function,
                       spellings[0] if rng.random() < 0.7 else rng.choice(spellings[1:]), show.title,
                       inv.performance.start, inv.seats, present, comment, rec.zipcode or None])
            ws.cell(ws.max_row, 8).number_format = "dd/mm/yyyy hh:mm"
            block.append(ws.max_row)
            if how != "exact":
                where[f"invitation_email_{how}"].append([f"{FOLDER}/{name}", ws.max_row])
            who = per_person.setdefault(inv.person.index, {
                "person": inv.person.index, "contact_number": rec.number, "category": category,
                "ticket_contact_numbers": set(), "rows": 0, "seats": 0, "attended": 0})
            who["ticket_contact_numbers"] |= inv.numbers
            who["rows"] += 1
            who["seats"] += inv.seats
            who["attended"] += inv.attended
        _merge_down(ws, block, where, name)
        (folder / name).write_bytes(workbook_bytes(wb, "Relations publiques"))
        counts[name] = len(rows)
    what = {"blank_merged_row": "an empty row merged across the columns between two performances (skip it)",
            "invitation_email_missing": "e-mail left blank: match the invitee on name",
            "invitation_email_case": "e-mail in other capitals than the contact's (compare lower-cased)",
            "invitation_email_typo": "e-mail domain mistyped (gmial.com…): match the invitee on name",
            "merged_show_and_date": "the show and the performance date merged down the invitees of each "
                                    "performance (the value belongs to every row of the block)"}
    for defect, text in what.items():
        defects.append({"file": f"{FOLDER}/invitations_*.xlsx", "defect": defect, "what": text,
                        "count": len(where[defect]), "where": where[defect]})
    for who in per_person.values():
        who["ticket_contact_numbers"] = sorted(who["ticket_contact_numbers"], key=int)
    return {"rows": len(invitations), "seats": sum(i.seats for i in invitations),
            "people": [per_person[k] for k in sorted(per_person)]}


def _merge_down(ws, block: list[int], where: dict, name: str) -> None:
    """Merge the show (column G) and the date (column H) down a performance's invitees, as the
    team does: Excel keeps the value in the first cell only, the others are emptied."""
    if len(block) < 2:
        return
    for col in (7, 8):
        for row in block[1:]:
            ws.cell(row, col).value = None
        ws.merge_cells(start_row=block[0], end_row=block[-1], start_column=col, end_column=col)
    where["merged_show_and_date"].append([f"{FOLDER}/{name}", block[0], block[-1]])


# --------------------------------------------------------------------------- writing

def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write the teams' workbooks for `world`; return ({file name: data rows}, truth)."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    plan = build_campaigns(world)
    paid = [c for c in plan if c.paid]
    counts: dict[str, int] = {}
    defects: list[dict] = []
    _write_budgets(world, folder, paid, counts, defects)
    _write_utm_plans(world, folder, plan, counts)
    invitations = _write_invitations(world, folder, counts, defects)
    truth = {
        **truth_header(world, SOURCE),
        "campaigns": [{"key": c.key, "utm_campaign": c.name, "season": c.season, "platform": c.platform,
                       "paid": c.paid, "budget_eur": c.budget_cents // 100 if c.paid else None} for c in plan],
        "invitations": invitations,
        "files": dict(sorted(counts.items())),
        "defects": defects,
    }
    return dict(sorted(counts.items())), truth


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the workbooks in `<out>/broken/spreadsheets/` (run `write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    invitations = inbox_files(out_dir, FOLDER, "invitations_*.xlsx")[0]
    rows = sheet_rows(invitations)
    text = "".join(";".join("" if v is None else str(v) for v in row) + "\r\n" for row in rows)
    broken.emit(f"{invitations.stem}_export_csv.xlsx", text.encode("cp1252", "replace"), "not_a_workbook",
                "not an xlsx workbook", None)

    budget = inbox_files(out_dir, FOLDER, "budgets_campagnes_*.xlsx")[0]
    broken.emit(f"{budget.stem}_vide.xlsx", xlsx_bytes({"Budget": []}), "empty_sheet",
                "empty sheet 'Budget': no header row", None)

    plan = inbox_files(out_dir, FOLDER, "plan_utm_*.xlsx")[0]
    season = plan.stem.rsplit("_", 1)[-1]
    # A title above the header is read (the header is found below it); a header that lost its
    # utm_source column is not: the rejection names the rows tried and what the closest lacks.
    plan_rows = sheet_rows(plan)
    titled = [[f"Plan de marquage UTM – saison {season}"], [], [
        "Source" if v == "utm_source" else v for v in plan_rows[0]], *plan_rows[1:]]
    broken.emit(f"{plan.stem}_sans_utm_source.xlsx", xlsx_bytes({"Plan UTM": titled}), "header_without_utm_source",
                "the closest, row 3, has missing required column(s): utm_source", 3)
    return broken.made
