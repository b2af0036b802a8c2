"""The register of processing and the data map, generated (`publics gdpr register`).

Read from: every column's GDPR metadata (`publics.gdpr.metadata`, from the dbt manifest — the
contracts' raw columns included, through the dbt sources they render), the contracts (each
source's data-map family), the seeds `gdpr_*` (vocabulary, purposes, retention rules) and the
institution's settings `gdpr/register.yml` (controller, DPO, recipients, processors and their
transfers, security measures).

Written, in French: `docs/gdpr/register.md` (one record per purpose with the fields of the
CNIL's template of the register), `docs/gdpr/data-map.md` (the TMNlab guide's map: data
categories × source families) and both as one static HTML page. A purpose that profiles people
(`requires_aipd` in seeds/gdpr_purposes.csv: scores, segments) flags every model carrying it
as needing an impact assessment (AIPD). A test keeps the committed Markdown current.
"""

from __future__ import annotations

import fnmatch
import html
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingestion import contracts
from publics.dashboards.html.pages import STYLE
from publics.gdpr.metadata import LAYERS, NO_PERSONAL_DATA, Column, Vocabulary, columns

SETTINGS = Path("gdpr") / "register.yml"
REGISTER = Path("docs") / "gdpr" / "register.md"
DATA_MAP = Path("docs") / "gdpr" / "data-map.md"
HTML = "registre.html"
# The data map's source families, in the guide's order (fiche 3.01), plus the social networks.
FAMILIES = {"billetterie": "Billetterie", "crm": "CRM", "site web et analytics": "Site web et analytics",
            "plateforme marketing": "Plateforme marketing", "réseaux sociaux": "Réseaux sociaux",
            "tableurs": "Tableurs"}
GENERATED = ("Généré par `publics gdpr register` depuis les métadonnées RGPD des colonnes (dbt `meta`, "
             "contrats `ingestion/contracts/*.yml`), les seeds `gdpr_*` et `gdpr/register.yml` : "
             "ne pas modifier à la main, modifier la source puis régénérer.")


class SettingsError(ValueError):
    pass


# A document is a list of blocks, rendered as Markdown and as HTML from the same list.
@dataclass(frozen=True)
class Block:
    kind: str  # h1, h2, h3, p, ul, table
    text: str = ""
    items: tuple = ()  # ul: strings; table: rows (tuples of strings)
    header: tuple = ()


def load_settings(root: Path) -> dict:
    path = root / SETTINGS
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key, fields in (("controller", ("name", "address", "contact")), ("dpo", ("name", "contact"))):
        missing = [f for f in fields if not (doc.get(key) or {}).get(f)]
        if missing:
            raise SettingsError(f"{SETTINGS}: {key} lacks {', '.join(missing)}")
    for key in ("recipients", "processors", "security"):
        if not doc.get(key):
            raise SettingsError(f"{SETTINGS}: no {key}")
    return doc


def processor_of(settings: dict, entity_label: str) -> dict | None:
    for p in settings["processors"]:
        if any(fnmatch.fnmatchcase(entity_label, pattern) for pattern in p["entities"]):
            return p
    return None


def _raw_entities() -> dict[str, contracts.Entity]:
    """`<source>.<entity>` (the dbt source relation) → its contract entity."""
    return {f"{e.source}.{e.name}": e for e in contracts.all_entities()}


def family_of(source: str) -> str:
    return {s.name: s.family for s in contracts.all_sources()}.get(source, "")


def aipd_models(cols: list[Column], vocab: Vocabulary) -> dict[str, list[str]]:
    """Model → its columns whose purpose is a profiling (requires an impact assessment)."""
    found: dict[str, list[str]] = defaultdict(list)
    for c in cols:
        if c.layer != "raw" and vocab.requires_aipd(c.purpose or ""):
            found[c.relation].append(c.column)
    return dict(sorted(found.items()))


def _code(items) -> str:
    return ", ".join(f"`{x}`" for x in items)


def _months(rule: dict) -> str:
    months = rule.get("retention_months")
    return f"{months} mois" if months else "sans limite liée au RGPD"


def register_blocks(cols: list[Column], vocab: Vocabulary, settings: dict) -> list[Block]:
    ctl, dpo = settings["controller"], settings["dpo"]
    entities = _raw_entities()
    aipd = aipd_models(cols, vocab)
    out = [Block("h1", "Registre des activités de traitement"), Block("p", GENERATED),
           Block("p", "Champs du modèle de registre de la CNIL (responsable, finalités, catégories de personnes "
                      "et de données, destinataires, transferts hors UE, durées de conservation, mesures de "
                      "sécurité), une fiche par finalité. Les agrégats sans donnée personnelle sont listés à part."),
           Block("h2", "Responsable du traitement et délégué à la protection des données"),
           Block("ul", items=(f"Responsable du traitement : {ctl['name']}, {ctl['address']} — {ctl['contact']}"
                              + (f" (représenté par : {ctl['representative']})" if ctl.get("representative") else ""),
                              f"Délégué à la protection des données (DPO) : {dpo['name']} — {dpo['contact']}"))]
    # The CNIL's model: a common page (organisation, DPO, the list of activities), then one record each.
    personal_purposes = [pid for pid in vocab.purposes if any(c.is_personal and c.purpose == pid for c in cols)]
    out += [Block("h2", "Activités de traitement"),
            Block("ul", items=tuple(f"Activité {i} : {vocab.purposes[pid]['label']} (`{pid}`)"
                                    for i, pid in enumerate(personal_purposes, 1)))]
    if aipd:
        out += [Block("h2", "Analyses d'impact (AIPD) requises"),
                Block("p", "Ces modèles calculent des scores ou des segments par personne (profilage) : une analyse "
                           "d'impact relative à la protection des données (AIPD) est requise avant leur usage, et "
                           "une personne qui s'oppose au profilage (`publics gdpr object --kind profiling`) n'y est "
                           "ni notée ni comptée (modèle `int_gdpr__objections`, macro `gdpr_not_objecting`)."),
                Block("ul", items=tuple(f"AIPD requise : `{model}` ({_code(names)})" for model, names in aipd.items()))]
    by_purpose: dict[str, list[Column]] = defaultdict(list)
    for c in cols:
        by_purpose[c.purpose or ""].append(c)
    without = []
    for purpose_id, purpose in vocab.purposes.items():
        mine = by_purpose.get(purpose_id, [])
        personal = [c for c in mine if c.is_personal]
        if not personal:
            if mine:
                without.append(f"{purpose['label']} (`{purpose_id}`) : {len(mine)} colonnes, aucune donnée personnelle")
            continue
        categories = defaultdict(list)
        for c in personal:
            categories[c.category].append(c)
        sources = sorted({entities[c.relation].source + "/" + entities[c.relation].name
                          for c in personal if c.layer == "raw" and c.relation in entities})
        procs = []
        for label in sources:
            p = processor_of(settings, label)
            line = (f"{p['tool']} ({p['editor']}, {p['country']}) : {p['transfer']}" if p
                    else f"`{label}` : aucun sous-traitant déclaré dans {SETTINGS}")
            if line not in procs:
                procs.append(line)
        layers = {c.layer for c in personal}
        recipients = [f"{r['who']} — {r['reads']}" for r in settings["recipients"]
                      if (r["purposes"] == "all" or purpose_id in r["purposes"]) and layers & set(r["layers"])]
        rules = sorted({c.retention for c in personal if c.retention})
        models = sorted({c.relation for c in personal if c.layer != "raw"})
        flagged = [m for m in models if m in aipd] if vocab.requires_aipd(purpose_id) else []
        out += [Block("h2", f"Traitement : {purpose['label']} (`{purpose_id}`)"),
                Block("ul", items=(
                    f"Finalité : {purpose['description']}",
                    f"Base légale : {purpose['legal_basis']}",
                    f"Catégories de personnes concernées : {purpose['persons']}",
                    "Catégories de données : " + " ; ".join(
                        f"{cat} ({len(cs)} colonne(s), p. ex. {_code(sorted({c.column for c in cs})[:4])})"
                        for cat, cs in sorted(categories.items())),
                    "Sources : " + (_code(sources) if sources else "aucune table `raw` (données dérivées)"),
                    "Modèles : " + _code(models),
                    "Destinataires : " + (" ; ".join(recipients) or "aucun"),
                    "Sous-traitants et transferts hors UE : " + (" ; ".join(procs) or "aucun (données dérivées)"),
                    "Durées de conservation : " + " ; ".join(
                        f"{vocab.retention[r]['label']} ({_months(vocab.retention[r])}, à compter de : "
                        f"{vocab.retention[r]['starts_from']})" for r in rules),
                    "Mesures de sécurité : voir « Mesures de sécurité » ci-dessous",
                    "Analyse d'impact (AIPD) : " + (f"requise ({_code(flagged)})" if flagged
                                                     else "non requise pour cette finalité"),
                ))]
    if without:
        out += [Block("h2", "Agrégats sans donnée personnelle"), Block("ul", items=tuple(without))]
    out += [Block("h2", "Durées de conservation"),
            Block("table", header=("Règle", "Durée", "À compter de", "Personnes", "Référence", "Colonnes"),
                  items=tuple((f"{r['label']} (`{rid}`)", _months(r), r["starts_from"], r["persons"], r["reference"],
                               str(sum(1 for c in cols if c.retention == rid)))
                              for rid, r in vocab.retention.items())),
            Block("h2", "Mesures de sécurité"), Block("ul", items=tuple(settings["security"]))]
    return out


def data_map_blocks(cols: list[Column], vocab: Vocabulary) -> list[Block]:
    raw = [c for c in cols if c.layer == "raw"]
    families = list(FAMILIES)
    cells: dict[tuple[str, str], list[Column]] = defaultdict(list)
    for c in raw:
        cells[(c.category, family_of(c.source))].append(c)
    categories = [k for k in vocab.categories if k != NO_PERSONAL_DATA]
    out = [Block("h1", "Cartographie des données personnelles"), Block("p", GENERATED),
           Block("p", "Tableau du guide TMNlab « Cartographier et organiser mes données » (fiche 3.01) : les "
                      "catégories de données collectées par famille de sources, lues dans les colonnes des tables "
                      "`raw` telles que les contrats les décrivent. Un « X » dit qu'au moins une colonne livrée "
                      "porte la catégorie (leur nombre entre parenthèses)."),
           Block("table", header=("Catégorie", *(FAMILIES[f] for f in families)),
                 items=tuple((cat, *(f"X ({len(cells[(cat, f)])})" if cells.get((cat, f)) else "" for f in families))
                             for cat in categories)),
           Block("h2", "Les colonnes, par famille de sources"),
           Block("table", header=("Famille", "Catégorie", "Colonnes (`source.table.colonne`)"),
                 items=tuple((FAMILIES[f], cat, _code(sorted(f"{c.relation}.{c.column}" for c in cells[(cat, f)])))
                             for f in families for cat in categories if cells.get((cat, f)))),
           Block("h2", "Où vont les données personnelles, par couche"),
           Block("p", "Nombre de colonnes de chaque catégorie dans chaque couche : la minimisation se lit ici "
                      "(une catégorie présente en `raw` qui ne va pas plus loin est une collecte à réexaminer ; "
                      "les identifiants directs ne dépassent pas `restricted`)."),
           Block("table", header=("Catégorie", *LAYERS),
                 items=tuple((cat, *(str(sum(1 for c in cols if c.layer == layer and c.category == cat))
                                     for layer in LAYERS)) for cat in vocab.categories)),
           Block("h2", "Catégories de données"),
           Block("table", header=("Catégorie", "Ce qu'elle couvre", "Source"),
                 items=tuple((k, r["definition"], r["source"]) for k, r in vocab.categories.items()))]
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            out += [b.text, ""]
        elif b.kind == "ul":
            out += [f"- {item}" for item in b.items] + [""]
        elif b.kind == "table":
            out += ["| " + " | ".join(b.header) + " |", "|" + "---|" * len(b.header)]
            out += ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in b.items] + [""]
    return "\n".join(out)


def _inline(text: str) -> str:
    """Escaped text, `code` spans as <code>."""
    parts = html.escape(text, quote=False).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def html_page(documents: list[list[Block]]) -> str:
    body = []
    for blocks in documents:
        body.append("<section>")
        for b in blocks:
            if b.kind in ("h1", "h2", "h3"):
                body.append(f"<{b.kind}>{_inline(b.text)}</{b.kind}>")
            elif b.kind == "p":
                body.append(f"<p>{_inline(b.text)}</p>")
            elif b.kind == "ul":
                body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
            elif b.kind == "table":
                head = "".join(f"<th>{_inline(h)}</th>" for h in b.header)
                rows = "".join("<tr>" + "".join(f"<td>{_inline(x)}</td>" for x in row) + "</tr>" for row in b.items)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        body.append("</section>")
    return ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Registre des traitements et cartographie des données</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def renderings(root: Path, manifest: dict) -> dict[Path, str]:
    """The committed Markdown files (relative to the project root) → their expected text."""
    cols, vocab, settings = columns(manifest), Vocabulary.load(root), load_settings(root)
    return {REGISTER: markdown(register_blocks(cols, vocab, settings)),
            DATA_MAP: markdown(data_map_blocks(cols, vocab))}


def write(root: Path, manifest: dict, html_dir: Path) -> list[Path]:
    """Write the Markdown files and the HTML page; return their paths."""
    cols, vocab, settings = columns(manifest), Vocabulary.load(root), load_settings(root)
    docs = [register_blocks(cols, vocab, settings), data_map_blocks(cols, vocab)]
    written = []
    for path, blocks in zip((REGISTER, DATA_MAP), docs, strict=True):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(markdown(blocks), encoding="utf-8")
        written.append(root / path)
    html_dir.mkdir(parents=True, exist_ok=True)
    (html_dir / HTML).write_text(html_page(docs), encoding="utf-8")
    return [*written, html_dir / HTML]
