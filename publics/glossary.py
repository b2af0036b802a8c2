"""The French glossary of KPIs, statuses and segments, generated from the project itself.

Every definition is written once, where the computation lives: the dashboards' KPI library
(`dashboards/kpis.yml`: each ratio with its numerator, denominator, unit and formula), the dbt
docs blocks (`{% docs … %}` in models/**/*.md) and the nomenclature seeds (statuses,
thresholds, channels, tariff categories, age bands, zones). `publics glossary` renders them as `docs/glossaire.md`;
a test fails when that file is out of date, so the glossary can never drift from the code.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from publics import kpis

DOCS_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.DOTALL)
OUTPUT = Path("docs") / "glossaire.md"

# (title, seed, columns shown: (header, column)…), in reading order
SEED_TABLES = (
    ("Statuts du cycle de vie", "lifecycle_statuses", (("Statut", "status_label"), ("Code", "status"), ("Règle", "rule"))),
    ("Seuils des statuts et de conservation", "lifecycle_thresholds",
     (("Seuil", "threshold"), ("Valeur", "value"), ("Signification", "description"))),
    ("Tranches d'âge", "age_bands", (("Tranche", "age_band_label"), ("Âge min.", "min_age"), ("Âge max.", "max_age"))),
    ("Zones géographiques (Île-de-France)", "geo_zones", (("Département", "departement"), ("Zone", "zone_label"))),
    ("Catégories tarifaires", "tariff_categories", (("Code tarif", "tariff_code"), ("Catégorie", "tariff_category_label"))),
    ("Canaux de vente", "secutix_order_originators",
     (("Origine SecuTix", "order_originator"), ("Canal", "sales_channel_label"), ("En ligne", "is_online"))),
    ("Canaux d'acquisition (regroupement GA4)", "channel_groups",
     (("Canal GA4", "channel_group"), ("Libellé", "channel_group_label"), ("Payant", "is_paid"))),
    ("Objectifs de campagne (convention de nommage)", "campaign_objectives",
     (("Objectif", "objective"), ("Libellé", "objective_label"))),
    # The GDPR vocabulary every column's `meta` uses (docs/gdpr/README.md).
    ("RGPD : catégories de données (meta `category`)", "gdpr_data_categories",
     (("Catégorie", "category"), ("Ce qu'elle couvre", "definition"))),
    ("RGPD : finalités (meta `purpose`)", "gdpr_purposes",
     (("Finalité", "label"), ("Code", "purpose_id"), ("Base légale", "legal_basis"), ("Personnes", "persons"),
      ("AIPD requise", "requires_aipd"))),
    ("RGPD : durées de conservation (meta `retention`)", "gdpr_retention_rules",
     (("Règle", "label"), ("Code", "rule_id"), ("Durée (mois)", "retention_months"), ("À compter de", "starts_from"))),
)
SECTIONS = (  # docs blocks by name prefix
    ("Indicateurs (KPI)", lambda name: name.startswith("kpi_")),
    ("Notions", lambda name: not name.startswith("kpi_")),
)


def docs_blocks(root: Path) -> dict[str, str]:
    """Every `{% docs name %}` block of the project: name → text (stripped)."""
    blocks = {}
    for path in sorted((root / "models").rglob("*.md")):
        for name, text in DOCS_BLOCK.findall(path.read_text(encoding="utf-8")):
            if name in blocks:
                raise ValueError(f"docs block {name!r} defined twice ({path})")
            blocks[name] = " ".join(line.strip() for line in text.strip().splitlines())
    return blocks


def _seed_rows(root: Path, seed: str) -> list[dict[str, str]]:
    with open(root / "seeds" / f"{seed}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _cell(value: str) -> str:
    return {"true": "oui", "false": "non"}.get(value, value).replace("|", "\\|")


def _kpi_section(library: dict[str, kpis.Kpi], blocks: dict[str, str]) -> list[str]:
    out = ["## Indicateurs des tableaux de bord", "",
           f"Bibliothèque `{kpis.LIBRARY}` : chaque ratio y est défini une fois, comme un rapport de sommes",
           "(jamais une moyenne de ratios), et les cartes des tableaux de bord l'utilisent (`{kpi:<id>}`) ;",
           "`{dataset}` est le jeu de données du tableau de bord ; `{numerator:<id>}` et `{denominator:<id>}`",
           "sont ses deux sommes : une carte qui montre une part montre sa base (le dénominateur) à côté.",
           "", "Unités (`publics.kpis.UNITS`) : "
           + " ; ".join(f"`{u.id}` {u.label}" for u in kpis.UNITS.values()) + ".", ""]
    for k in library.values():
        if k.doc and k.doc not in blocks:
            raise ValueError(f"{kpis.LIBRARY}, KPI {k.id}: no docs block {k.doc!r} in models/**/*.md")
        definition = f"{blocks[k.doc]} *(`{k.doc}`)*" if k.doc else k.definition
        out += [f"### {k.label} (`{k.id}`)", "", definition or "", "",
                f"- Numérateur : {k.numerator} — en {kpis.UNITS[k.numerator_unit].label} (`{{numerator:{k.id}}}`)",
                (f"- Dénominateur : {k.denominator} — en {kpis.UNITS[k.denominator_unit].label} "
                f"(`{{denominator:{k.id}}}`)"),
                f"- Unité : {k.unit_label} (`{k.unit}`)", f"- Formule : `{k.formula}`"]
        if k.sources:
            out.append(f"- Sources : {', '.join(k.sources)} — hors de leur fenêtre de mesure, « non mesuré »")
        if k.history:
            out.append("- Périmètre : dépend de l'historique livré ; la carte dit depuis quelle saison "
                       "les données commencent (« depuis 2023-24, début des données »)")
        out.append("")
    return out


def render(root: Path) -> str:
    blocks = docs_blocks(root)
    library = kpis.load(root / kpis.LIBRARY)
    shown = {k.doc for k in library.values() if k.doc}  # listed with their KPI
    out = ["# Glossaire", "",
           "Généré par `publics glossary` depuis la bibliothèque de KPI des tableaux de bord",
           f"(`{kpis.LIBRARY}`), les blocs de documentation dbt (`models/**/*.md`) et les seeds de",
           "nomenclature : ne pas modifier à la main, modifier la source puis régénérer.", ""]
    out += _kpi_section(library, blocks)
    for title, keep in SECTIONS:
        names = sorted(n for n in blocks if keep(n) and n not in shown)
        if not names:
            continue
        out += [f"## {title}", ""]
        out += [f"- {blocks[n]} *(`{n}`)*" for n in names]
        out.append("")
    for title, seed, columns in SEED_TABLES:
        rows = _seed_rows(root, seed)
        out += [f"## {title}", "", f"Seed `{seed}` (modifiable par l'établissement).", "",
                "| " + " | ".join(h for h, _ in columns) + " |",
                "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_cell(r[c]) for _, c in columns) + " |" for r in rows]
        out.append("")
    return "\n".join(out)


def write(root: Path) -> Path:
    target = root / OUTPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(root), encoding="utf-8")
    return target
