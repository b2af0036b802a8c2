"""French number, date and column formatting for the static pages (CLDR fr conventions), and
the axis ticks of the charts. A figure is formatted by its unit (publics.kpis.UNITS, the
column's unit set when the definition is loaded): money `1 234,50 €`, shares `39,2 %`, counts
`1 234`, ratios `1,54`, days `1,5 j`."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from publics.kpis import UNITS

PARIS = ZoneInfo("Europe/Paris")
THIN = "\u202f"  # narrow no-break space: French thousands separator (CLDR fr)
NBSP = "\u00a0"  # no-break space: before € and % (CLDR fr)
MISSING = "—"

Kind = str  # a unit of publics.kpis.UNITS (eur, share, count, ratio, …), or "number" for none
# the units printed in %: "percent" is the share a pie's slice is of its whole
PERCENT = ("percent", *(u.id for u in UNITS.values() if u.style == "percent"))


# --------------------------------------------------------------------------- numbers


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def format_number(value: object, decimals: int = 2) -> str:
    """French digits: `1234.5` → `1 234,50` (narrow no-break space between thousands, comma
    before the decimals), rounded half up; `—` for a missing or non-numeric value."""
    d = _decimal(value)
    if d is None:
        return MISSING
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no "-0,00"
    return f"{q:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def _is_integral(d: Decimal) -> bool:
    return d == d.to_integral_value()


def format_value(value: object, kind: Kind = "number") -> str:
    """A value as the committee reads it: `1 234,50 €`, `51,8 %`, `8 788`, `1,54`, dates
    `08/05/2023`, times in Paris `23/11/2026 09:55`, `—` when missing."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        local = value.astimezone(PARIS) if value.tzinfo else value
        return local.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    d = _decimal(value) if isinstance(value, (int, float, Decimal)) else None
    if d is None:
        return str(value)
    style = "percent" if kind == "percent" else UNITS[kind].style if kind in UNITS else "number"
    decimals = UNITS[kind].decimals if kind in UNITS else None
    if style == "percent":  # under 1 %, one more decimal: 0.0041 is « 0,41 % », not « 0,4 % »
        places = (1 if decimals is None else decimals) + (1 if 0 < abs(d) < Decimal("0.01") else 0)
        return f"{format_number(d * 100, places)}{NBSP}%"
    if style == "money":
        return f"{format_number(d, 2 if decimals is None else decimals)}{NBSP}€"
    if style == "days":
        return f"{_trim(format_number(d, 1 if decimals is None else decimals))}{NBSP}j"
    if kind == "count":  # whole, else its decimals as few as needed (12,5 new buyers)
        return format_number(d, 0) if _is_integral(d) else _trim(format_number(d, 2))
    return format_number(d, 0 if decimals is None and _is_integral(d) else 2 if decimals is None else decimals)


def parse_number(value: object) -> Decimal | None:
    """A figure given as text (`observed_value` « 0.0041 »), as a number; else `None`."""
    if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value.strip()):
        return None
    return _decimal(value.strip())


def format_compact(value: float, kind: Kind = "number") -> str:
    """A short label for a chart: `396 k€`, `1,23 M`, `51,8 %`, `0,46`."""
    d = _decimal(value)
    if d is None:
        return MISSING
    if kind in PERCENT:
        return f"{format_number(d * 100, 1)}{NBSP}%"
    size = abs(d)
    if size >= 1_000_000:
        text, suffix = _trim(format_number(d / 1_000_000, 2)), f"{NBSP}M"
    elif size >= 10_000:
        text, suffix = format_number(d / 1000, 0), f"{NBSP}k"
    elif size >= 100 or _is_integral(d):
        text, suffix = format_number(d, 0), ""
    else:
        text, suffix = _trim(format_number(d, 2)), ""
    if kind == "eur":
        return f"{text}{suffix}€" if suffix else f"{text}{NBSP}€"
    return text + suffix


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(",") if "," in text else text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [low, high] and zero."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    start, stop = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(start, stop + 1)]


def _axis_formatter(ticks: list[float], kind: Kind) -> Callable[[float], str]:
    """One style for every tick of an axis (all in k, or all in units), as many decimals as the
    step needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    top = max(abs(t) for t in ticks) or 1.0
    if kind in PERCENT:
        decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
        return lambda v: f"{format_number(v * 100, decimals)}{NBSP}%"
    divisor, suffix = (1e6, f"{NBSP}M") if top >= 1e6 else (1e3, f"{NBSP}k") if top >= 1e4 else (1, "")
    decimals = max(0, -math.floor(math.log10(step / divisor) + 1e-9))
    unit = ("€" if suffix else f"{NBSP}€") if kind == "eur" else ""
    return lambda v: f"{format_number(v / divisor, decimals)}{suffix}{unit}"


# --------------------------------------------------------------------------- columns


def column_kind(card: dict, column: str) -> Kind:
    """The column's unit, as the definition gives it (`column_units`, set when it is loaded:
    its KPI's, its name's, or the one the card declares); "number" for none."""
    return (card.get("column_units") or {}).get(column) or "number"


# Column names are ASCII snake case; their words as the committee writes them.
WORDS = {"abonnes": "abonnés", "donnees": "données", "fraicheur": "fraîcheur",
         "annee": "année", "attribuee": "attribuée", "categorie": "catégorie", "cout": "coût",
         "critere": "critère", "decroissance": "décroissance", "defaut": "défaut", "depense": "dépense",
         "detenteur": "détenteur", "echecs": "échecs", "execution": "exécution", "fideles": "fidèles",
         "fidelisation": "fidélisation", "frequence": "fréquence", "gravite": "gravité",
         "lineaire": "linéaire", "observee": "observée", "premiere": "première", "reabonnement":
         "réabonnement", "regie": "régie", "rejetes": "rejetés", "resultat": "résultat",
         "reussie": "réussie", "reussis": "réussis", "strategie": "stratégie", "age": "âge",
         "ctr": "CTR", "cpc": "CPC", "roas": "ROAS", "utm": "UTM", "ttc": "TTC"}


def column_label(card: dict, column: str) -> str:
    """`recette_eur` → `Recette (€)`, `depense_eur` → `Dépense (€)`; a card may name its
    columns itself (`labels: {column: text}`)."""
    if column in card.get("labels", {}):
        return str(card["labels"][column])
    unit = " (€)" if column.endswith("_eur") else ""
    words = [WORDS.get(w, w) for w in (column[:-4] if unit else column).split("_") if w]
    text = " ".join(words)
    return (text[:1].upper() + text[1:] + unit) if text else column


def _number(value: object) -> float | None:
    d = _decimal(value) if isinstance(value, (int, float, Decimal)) else None
    return float(d) if d is not None else None


def _category(value: object) -> str:
    if value is None:
        return "(vide)"
    if isinstance(value, int) or isinstance(value, Decimal) and value.is_finite() and _is_integral(value):
        return str(int(value))  # a year or a code, not a quantity: no thousands separator
    return format_value(value) if isinstance(value, (dt.date, float, Decimal)) else str(value)



def filter_value_text(value: object) -> str:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, dt.date) for v in value):
        return f"du {format_value(value[0])} au {format_value(value[1])}"
    if isinstance(value, (tuple, list)):
        return ", ".join(format_value(v) for v in value)
    return format_value(value)

