"""The scores of dashboards 5 and 6 (issue 18): churn risk of subscribers (`attrition`) and
propensity of other attendees to subscribe (`abonnement`).

The features and labels are built in dbt (`marts.fct_person_season_features`, as of each season's
end); this module only learns and scores. For each kind: a gradient-boosting classifier and a
logistic regression are trained on the seasons whose outcome is known except the latest, and
evaluated on that latest one held out (temporal split), beside the baselines (churn: TRG's
tenure rule and recency; conversion: « attended ≥ 2 performances »). The model with the better
held-out AUC is refitted on every known season and scores the season whose outcome is unknown.
Results go to tables this module owns (`scores.audience_scores`, `scores.models`,
`quality.model_evaluations`, `quality.model_calibration`), read by dbt views
(`marts.fct_audience_scores`…): DECISIONLOG « Scores: Python writes its own tables, dbt reads
them through views ». Deterministic: fixed seeds, rows ordered by key.
"""

from __future__ import annotations

import hashlib
import io
import math
import pickle
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from publics.warehouse import ConnInfo, connect

SEED = 20261202
# (feature column, French label shown as a reason on the dashboards)
NUMERIC_FEATURES = {
    "subscribed_seasons": "Saisons d'abonnement",
    "was_subscriber_previous_season": "Abonné la saison précédente",
    "seasons_attended": "Saisons de venue",
    "performances_in_season": "Représentations dans la saison",
    "performances_previous_season": "Représentations la saison précédente",
    "paid_orders_in_season": "Commandes payées dans la saison",
    "subscription_tickets": "Places de l'abonnement",
    "single_tickets_in_season": "Places hors abonnement",
    "online_orders_in_season": "Commandes en ligne",
    "revenue_in_season_eur": "Dépense de la saison",
    "revenue_to_date_eur": "Dépense cumulée",
    "mean_price_in_season_eur": "Prix moyen payé",
    "genres_in_season": "Genres vus dans la saison",
    "genres_to_date": "Genres vus depuis le début",
    "reduced_tariff_share": "Part de tarifs réduits",
    "invitations_received": "Invitations reçues",
    "email_clicks_12m": "Clics dans les e-mails (12 mois)",
    "web_sessions_12m": "Sessions web (12 mois)",
    "days_since_last_purchase": "Jours depuis le dernier achat",
    "days_since_first_purchase": "Ancienneté d'acheteur",
}
CATEGORICAL_FEATURES = {"age_band": "Tranche d'âge", "geo_zone": "Zone géographique"}
LABELS = {**NUMERIC_FEATURES, **CATEGORICAL_FEATURES}
KINDS = {
    # kind: (population, label column, positive when)
    "attrition": ("is_subscriber", "renewed_next_season", False),
    "abonnement": ("not is_subscriber", "became_subscriber_next_season", True),
}


def ensure_tables(info: ConnInfo) -> None:
    """The tables this module writes, created if missing (before every build: dbt's views read them)."""
    with connect(info, autocommit=True) as conn:
        conn.execute(
            """
            create schema if not exists scores;
            create schema if not exists quality;
            create table if not exists scores.audience_scores (
                person_key text not null, season text not null, score_kind text not null,
                probability numeric(6, 5) not null, decile int not null, top_features text not null,
                scored_at timestamptz not null, model_version text not null,
                primary key (person_key, season, score_kind));
            create table if not exists scores.models (
                model_version text primary key, score_kind text not null, trained_at timestamptz not null,
                training_seasons text not null, algorithm text not null, payload bytea not null);
            create table if not exists quality.model_evaluations (
                evaluated_at timestamptz not null, model_version text not null, score_kind text not null,
                model text not null, model_label text not null, is_baseline boolean not null,
                is_chosen boolean not null, training_seasons text not null, test_season text not null,
                persons int not null, positives int not null, roc_auc numeric(6, 4),
                top_decile_lift numeric(8, 4), top_decile_precision numeric(6, 4), brier numeric(8, 6),
                training_seconds numeric(10, 3));
            create table if not exists quality.model_calibration (
                evaluated_at timestamptz not null, model_version text not null, score_kind text not null,
                model text not null, decile int not null, persons int not null,
                mean_predicted numeric(8, 6) not null, observed_rate numeric(8, 6) not null);
            """
        )


# --------------------------------------------------------------------------- data


def read_features(info: ConnInfo):
    import pandas as pd

    with connect(info) as conn:
        cur = conn.execute("select * from marts.fct_person_season_features order by season, person_key")
        names = [c.name for c in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=names)
    for col in NUMERIC_FEATURES:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


class Design:
    """Turns feature rows into the model's matrix: numbers log-scaled (counts and euros are
    skewed), a missing number filled with the training median, categories one-hot."""

    def __init__(self, train):
        self.medians = {c: float(train[c].median()) if train[c].notna().any() else 0.0 for c in NUMERIC_FEATURES}
        self.levels = {c: sorted(str(v) for v in train[c].fillna("inconnu").unique()) for c in CATEGORICAL_FEATURES}
        self.reference_level = {c: str(train[c].fillna("inconnu").astype(str).mode().iloc[0])
                                for c in CATEGORICAL_FEATURES}

    def columns(self) -> list[tuple[str, str]]:
        """(matrix column, feature it comes from)."""
        out = [(c, c) for c in NUMERIC_FEATURES]
        out += [(f"{c}={v}", c) for c in CATEGORICAL_FEATURES for v in self.levels[c]]
        return out

    def matrix(self, rows):
        import numpy as np

        parts = []
        for c in NUMERIC_FEATURES:
            x = rows[c].fillna(self.medians[c]).to_numpy(dtype=float)
            parts.append(np.sign(x) * np.log1p(np.abs(x)))
        for c in CATEGORICAL_FEATURES:
            values = rows[c].fillna("inconnu").astype(str).to_numpy()
            parts += [(values == v).astype(float) for v in self.levels[c]]
        return np.column_stack(parts)


def _models():
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "gradient_boosting": ("Gradient boosting", lambda: GradientBoostingClassifier(
            n_estimators=150, max_depth=2, learning_rate=0.05, subsample=0.8, min_samples_leaf=20,
            random_state=SEED)),
        "logistic_regression": ("Régression logistique", lambda: make_pipeline(
            StandardScaler(), LogisticRegression(C=0.3, max_iter=5000, random_state=SEED))),
    }


def baselines(kind: str, train, test) -> dict[str, tuple[str, list[float]]]:
    """The rules a team would use without a model, as probabilities learnt on the training
    seasons (the rate of each group; recency through a one-variable logistic regression)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    y = _labels(kind, train)

    def group_rate(flag_train, flag_test) -> list[float]:
        rates = {g: float(y[flag_train == g].mean()) if (flag_train == g).any() else float(y.mean())
                 for g in (False, True)}
        # the rule ranks (a hair above for the flagged group) even when the training seasons
        # cannot tell its groups apart (the first season of the data has no previous season)
        return [rates[bool(g)] + (1e-6 if g else 0.0) for g in flag_test]

    if kind == "attrition":
        first_year = lambda f: (~f["was_subscriber_previous_season"].astype(bool)).to_numpy()
        days = lambda f: f["days_since_last_purchase"].fillna(9999).to_numpy(dtype=float).reshape(-1, 1)
        recency = LogisticRegression().fit(np.log1p(days(train)), y)
        return {
            "baseline_tenure": ("Règle d'ancienneté (TRG : abonné de première année)",
                                group_rate(first_year(train), first_year(test))),
            "baseline_recency": ("Récence du dernier achat",
                                 list(recency.predict_proba(np.log1p(days(test)))[:, 1])),
        }
    two = lambda f: (f["performances_in_season"] >= 2).to_numpy()
    return {"baseline_two_performances": ("Venu à 2 représentations ou plus dans la saison",
                                          group_rate(two(train), two(test)))}


def _labels(kind: str, rows):
    _, label, positive = KINDS[kind]
    return (rows[label].astype(bool) == positive).to_numpy(dtype=int)


def population(kind: str, frame):
    return frame[frame["is_subscriber"].astype(bool)] if kind == "attrition" else frame[~frame["is_subscriber"].astype(bool)]


# --------------------------------------------------------------------------- metrics


def top_decile(y, p) -> tuple[float, float]:
    """(precision, lift) in the tenth of persons with the highest score (ties broken by order)."""
    import numpy as np

    n = len(y)
    k = max(1, math.ceil(n / 10))
    order = np.argsort(-np.asarray(p), kind="stable")[:k]
    precision = float(np.asarray(y)[order].mean())
    base = float(np.mean(y))
    return precision, (precision / base if base else float("nan"))


def deciles(p) -> list[int]:
    """Decile of each score, 1 = the highest tenth (ties broken by order, as `ntile`)."""
    import numpy as np

    n = len(p)
    order = np.argsort(-np.asarray(p), kind="stable")
    out = [0] * n
    for rank, i in enumerate(order):
        out[i] = rank * 10 // n + 1
    return out


def calibration(y, p) -> list[tuple[int, int, float, float]]:
    import numpy as np

    d = np.asarray(deciles(p))
    y, p = np.asarray(y), np.asarray(p)
    return [(k, int((d == k).sum()), float(p[d == k].mean()), float(y[d == k].mean()))
            for k in range(1, 11) if (d == k).any()]


@dataclass
class Evaluation:
    model: str
    label: str
    is_baseline: bool
    persons: int
    positives: int
    roc_auc: float | None
    precision: float
    lift: float
    brier: float
    calibration: list
    seconds: float = 0.0
    chosen: bool = False


def evaluate(model: str, label: str, is_baseline: bool, y, p, seconds: float = 0.0) -> Evaluation:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    auc = float(roc_auc_score(y, p)) if 0 < sum(y) < len(y) else None
    precision, lift = top_decile(y, p)
    return Evaluation(model, label, is_baseline, len(y), int(sum(y)), auc, precision, lift,
                      float(brier_score_loss(y, p)), calibration(y, p), seconds)


# --------------------------------------------------------------------------- training and scoring


@dataclass
class KindResult:
    kind: str
    model_version: str = ""
    training_seasons: list[str] = field(default_factory=list)
    test_season: str | None = None
    scored_season: str | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    scored: int = 0
    retrained: bool = False
    train_seconds: float = 0.0
    score_seconds: float = 0.0
    skipped: str | None = None  # why no model was trained (too few outcomes of each kind)


MIN_PER_OUTCOME = 2  # a model is trained only when each outcome (yes and no) was seen this often


def _too_few(y) -> str | None:
    """Why outcomes `y` (0/1) cannot train a classifier, or None when they can."""
    positives = int(sum(y))
    if min(positives, len(y) - positives) < MIN_PER_OUTCOME:
        return (f"{len(y)} known outcome(s), {positives} positive: fewer than {MIN_PER_OUTCOME} of each, "
                "no model trained")
    return None


def _fit(algorithm: str, design: Design, rows, y):
    model = _models()[algorithm][1]()
    model.fit(design.matrix(rows), y)
    return model


def _version(kind: str, seasons: list[str], rows, y) -> str:
    """The model's version: a fingerprint of what it learns from (persons, seasons, outcomes,
    features, seed), so that the same data give the same version and the same model."""
    digest = hashlib.sha256()
    digest.update(f"{kind}|{','.join(seasons)}|{sorted(LABELS)}|{SEED}".encode())
    digest.update(rows[["person_key", "season"]].to_csv(index=False).encode())
    digest.update(bytes(y.astype("int8")))
    return f"{kind}-{seasons[-1]}-{digest.hexdigest()[:10]}"


def top_features(model, design: Design, rows, k: int = 3) -> list[str]:
    """The `k` features that raise each person's score most: the fall of the probability when
    the feature is set to the training reference (median, or the most common category)."""
    import numpy as np

    x = design.matrix(rows)
    base = model.predict_proba(x)[:, 1]
    reference = design.matrix(_reference_row(design, rows))[0]
    cols = design.columns()
    features = list(LABELS)
    effects = np.zeros((len(rows), len(features)))
    for j, feature in enumerate(features):
        idx = [i for i, (_, f) in enumerate(cols) if f == feature]
        moved = x.copy()
        moved[:, idx] = reference[idx]
        effects[:, j] = base - model.predict_proba(moved)[:, 1]
    out = []
    for row in effects:
        order = np.argsort(-row, kind="stable")[:k]
        out.append("; ".join(LABELS[features[j]] for j in order))
    return out


def _reference_row(design: Design, rows):
    ref = rows.iloc[[0]].copy()
    for c in NUMERIC_FEATURES:
        ref[c] = design.medians[c]
    for c in CATEGORICAL_FEATURES:
        ref[c] = design.reference_level[c]
    return ref


def run_kind(info: ConnInfo, kind: str, frame, retrain: bool, now: datetime) -> KindResult:
    result = KindResult(kind)
    rows = population(kind, frame)
    _, label, _ = KINDS[kind]
    known = rows[rows["is_outcome_known"].astype(bool) & rows[label].notna()]
    seasons = sorted(known["season"].unique())
    unknown = sorted(rows.loc[~rows["is_outcome_known"].astype(bool), "season"].unique())
    result.scored_season = unknown[-1] if unknown else None
    if not seasons:
        return result
    result.training_seasons = seasons
    y_all = _labels(kind, known)
    result.skipped = _too_few(y_all)
    if result.skipped is not None:  # a new institution's first season, a small test set
        return result
    version = _version(kind, seasons, known, y_all)  # the known outcomes: a new season or a correction retrains
    stored = None if retrain else _stored_model(info, version)
    if stored is not None:
        model, design = stored
    else:
        result.retrained = True
        t0 = time.monotonic()
        algorithm = "gradient_boosting"
        held_out = known["season"] == seasons[-1]
        if len(seasons) >= 2 and _too_few(_labels(kind, known[~held_out])) is None:  # hold the latest season out
            algorithm = _evaluate_kind(result, kind, known, seasons)
        design = Design(known)
        model = _fit(algorithm, design, known, y_all)
        result.train_seconds = time.monotonic() - t0
        _store(info, kind, version, algorithm, seasons, model, design, result, now)
    result.model_version = version
    if result.scored_season is not None:
        t0 = time.monotonic()
        target = rows[rows["season"] == result.scored_season].sort_values("person_key")
        if len(target):
            p = model.predict_proba(design.matrix(target))[:, 1]
            reasons = top_features(model, design, target)
            _write_scores(info, kind, result.scored_season, target["person_key"].tolist(), p, deciles(p),
                          reasons, version, now)
            result.scored = len(target)
        result.score_seconds = time.monotonic() - t0
    return result


def _evaluate_kind(result: KindResult, kind: str, known, seasons: list[str]) -> str:
    train = known[known["season"].isin(seasons[:-1])]
    test = known[known["season"] == seasons[-1]]
    result.test_season = seasons[-1]
    y_train, y_test = _labels(kind, train), _labels(kind, test)
    design = Design(train)
    for name, (label, _) in _models().items():
        t0 = time.monotonic()
        model = _fit(name, design, train, y_train)
        p = model.predict_proba(design.matrix(test))[:, 1]
        result.evaluations.append(evaluate(name, label, False, y_test, p, time.monotonic() - t0))
    for name, (label, p) in baselines(kind, train, test).items():
        result.evaluations.append(evaluate(name, label, True, y_test, p))
    models = [e for e in result.evaluations if not e.is_baseline]
    best = max(models, key=lambda e: (e.roc_auc or 0.0, e.model == "gradient_boosting"))
    best.chosen = True
    return best.model


def _stored_model(info: ConnInfo, version: str):
    """The fitted model of that version, if it and its evaluation are still in the warehouse."""
    with connect(info) as conn:
        row = conn.execute(
            "select payload from scores.models as m where model_version = %s and (m.training_seasons not like '%%,%%' "
            "or exists (select 1 from quality.model_evaluations as e where e.model_version = m.model_version))",
            (version,)).fetchone()
    return None if row is None else pickle.loads(row[0])


def _store(info, kind, version, algorithm, seasons, model, design, result: KindResult, now) -> None:
    buffer = io.BytesIO()
    pickle.dump((model, design), buffer)
    with connect(info) as conn:
        conn.execute("delete from scores.models where model_version = %s", (version,))
        conn.execute("insert into scores.models values (%s, %s, %s, %s, %s, %s)",
                     (version, kind, now, ",".join(seasons), algorithm, buffer.getvalue()))
        if result.evaluations:
            conn.execute("delete from quality.model_evaluations where model_version = %s", (version,))
            conn.execute("delete from quality.model_calibration where model_version = %s", (version,))
            for e in result.evaluations:
                conn.execute(
                    "insert into quality.model_evaluations values "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (now, version, kind, e.model, e.label, e.is_baseline, e.chosen,
                     ",".join(seasons[:-1]), result.test_season, e.persons, e.positives,
                     _round(e.roc_auc, 4), _round(e.lift, 4), _round(e.precision, 4), _round(e.brier, 6),
                     round(e.seconds, 3)))
                for decile, persons, mean_p, observed in e.calibration:
                    conn.execute("insert into quality.model_calibration values (%s, %s, %s, %s, %s, %s, %s, %s)",
                                 (now, version, kind, e.model, decile, persons, round(mean_p, 6), round(observed, 6)))
        conn.commit()


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


def _write_scores(info, kind, season, keys, p, dec, reasons, version, now) -> None:
    with connect(info) as conn:
        conn.execute("delete from scores.audience_scores where score_kind = %s", (kind,))
        with conn.cursor().copy(
                "copy scores.audience_scores (person_key, season, score_kind, probability, decile, top_features, "
                "scored_at, model_version) from stdin") as copy:
            for key, prob, d, why in zip(keys, p, dec, reasons):
                copy.write_row((key, season, kind, round(float(prob), 5), d, why, now, version))
        conn.commit()


def score(info: ConnInfo, retrain: bool = False, now: datetime | None = None) -> list[KindResult]:
    """Train when a season's outcome became known (or on `retrain`), evaluate, then score."""
    ensure_tables(info)
    frame = read_features(info)
    now = now or datetime.now(UTC)
    return [run_kind(info, kind, frame, retrain, now) for kind in KINDS]


def summary(results: list[KindResult]) -> list[str]:
    lines = []
    for r in results:
        if r.skipped:
            lines.append(f"{r.kind}: {r.skipped}")
            continue
        head = (f"{r.kind}: model {r.model_version or '—'} trained on {', '.join(r.training_seasons) or 'nothing'}"
                + (f" ({r.train_seconds:.1f} s)" if r.retrained else " (stored)")
                + f"; {r.scored} persons of {r.scored_season or '—'} scored ({r.score_seconds:.1f} s)")
        lines.append(head)
        for e in r.evaluations:
            auc = f"{e.roc_auc:.3f}" if e.roc_auc is not None else "—"
            lines.append(f"    held-out {r.test_season} {e.model:<26} AUC {auc}  lift@10% {e.lift:.2f}  "
                         f"precision@10% {e.precision:.2f}  Brier {e.brier:.4f}  "
                         f"({e.positives}/{e.persons}){' ← chosen' if e.chosen else ''}")
    return lines
