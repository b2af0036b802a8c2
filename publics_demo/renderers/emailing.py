"""The e-mail campaigns of the demo institution, as Mailchimp exports them (contract:
contracts/emailing.yml). The campaigns, their recipients and what they do are simulated in
`world.mailing` (whose clicks bring visits to the website, `world.journeys`).

Files written to `<out>/inbox/emailing/` (UTF-8 without BOM, commas, LF, as Airbyte's
`source-mailchimp` streams written to CSV; timestamps in UTC, ISO 8601 with `+00:00`):

- `mailchimp_reports_<YYYY-MM>.csv` — the `/reports` stream, one row per campaign sent that
  month, nested objects flattened with a dot (`bounces.hard_bounces`, `opens.unique_opens`,
  `clicks.click_rate`…), with the opens without Apple Mail Privacy Protection's proxy opens
  (`opens.proxy_excluded_opens`, `…_unique_opens`, `…_open_rate`, Mailchimp Marketing API);
- `mailchimp_email_activity_<YYYY-MM>.csv` — the `/reports/{campaign_id}/email-activity` stream
  of the campaigns sent that month (activity of the following days included), one row per
  open, click (with the clicked link and its UTM) or bounce; `email_id` is the MD5 of the
  lower-cased address, as Mailchimp computes it.

**Which campaigns.** Every `platform == "mailchimp"` campaign of `campaigns.build_campaigns`,
all seasons: the house used Mailchimp long before it measured its website (`WEB_START`), so
e-mailing history is longer than web history. Only clicks inside the web window become sessions.

**Recipients.** The audience of the campaign (`tous`: everyone; `abonnes`: subscribers;
`occasionnels`: occasional and regular buyers) among the individuals whose contact record has
an e-mail and the newsletter opt-in, created before the send. The list is synchronised from
SecuTix, so a duplicate contact is one more subscriber unless its address is the same up to
case (Mailchimp compares addresses case-insensitively): duplicates whose domain was mistyped
(`gmial.com`…) hard-bounce on their first campaign and are cleaned. A few addresses die over
time: one hard bounce, then cleaned. About `OPEN_RATE` of the delivered open, `CLICK_RATE` of
the recipients click, a few soft bounces. The buyers' journeys (`world.journeys`) add the clicks
they need (a click is a session, a session from an e-mail is a click).

- `members_export_<list id>.zip` — the audience export (Audience → Export Audience), taken at
  `EXPORT_TIME`: `subscribed_members_export_<id>.csv` (every address of the list not cleaned),
  `unsubscribed_members_export_<id>.csv` and `cleaned_members_export_<id>.csv` (the addresses
  removed after their hard bounce, with CLEAN_TIME and the campaign); the columns of
  docs/formats.md §4 "Mailchimp audience export", times in UTC `yyyy-mm-dd HH:MM:SS`. The
  simulation counts unsubscribes per campaign without choosing who: the unsubscribed CSV holds
  its header only, and the truth says so.

- `brevo_export_<YYYY-MM-DD>.csv` — the Brevo contacts export (Contacts → Export) of the box
  office's SMS reminders list, taken at `EXPORT_TIME`: every individual whose own contact record
  has an e-mail, a mobile number and the opt-in (docs/formats.md §4 "Brevo contacts export": a
  French account's attributes `EMAIL;NOM;PRENOM;SMS;ADDED_TIME;MODIFIED_TIME;EMAIL_BLACKLISTED;
  SMS_BLACKLISTED;_listIds`, `;`, UTF-8, ISO times with the Paris offset, SMS as `+33…`). Named
  like Brevo's campaign statistics: the project routes it by its header.

Each campaign's links (`bouton`, `visuel`, `lien-texte`) are tagged once, as typed by the team:
mostly `newsletter / email`, sometimes `Newsletter / Email` or `mailchimp / e-mail`
(`Campaign.tagged`). Deterministic: `world.rng("emailing/…/<campaign key>")` and hashes of the seed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from publics_demo.defects import BrokenFolder
from publics_demo.files import ZIP_TIME, csv_bytes, inbox_files, month_of, read_csv
from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.mailing import MPP_RATE, Activity, Mailing, MailingPlan, Stats
from publics_demo.world.webclock import day_of, local_seconds, utc_offset

FOLDER = "inbox/emailing"
SOURCE = "emailing"
LIST_ID = "5e1a9c03b7"
LIST_NAME = "Opéra Favart — Lettre d'information"

REPORT_COLUMNS = ["id", "campaign_title", "type", "list_id", "list_name", "subject_line", "emails_sent",
                  "abuse_reports", "unsubscribed", "send_time", "bounces.hard_bounces", "bounces.soft_bounces",
                  "bounces.syntax_errors", "opens.opens_total", "opens.unique_opens", "opens.open_rate",
                  "opens.last_open", "opens.proxy_excluded_opens", "opens.proxy_excluded_unique_opens",
                  "opens.proxy_excluded_open_rate", "clicks.clicks_total", "clicks.unique_clicks", "clicks.unique_subscriber_clicks",
                  "clicks.click_rate", "clicks.last_click"]
# The audience export's columns (docs/formats.md §4): merge fields, system columns, per status.
MEMBER_HEAD = ["Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME",
               "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION"]
MEMBER_STATUS_COLUMNS = {"subscribed": ["LAST_CHANGED"],
                         "unsubscribed": ["UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON",
                                          "UNSUB_REASON_OTHER"],
                         "cleaned": ["CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"]}
MEMBER_TAIL = ["LEID", "EUID", "NOTES", "TAGS"]
AUDIENCE_FILE = f"members_export_{LIST_ID}.zip"
BREVO_FILE = f"brevo_export_{EXPORT_TIME:%Y-%m-%d}.csv"
BREVO_COLUMNS = ["EMAIL", "NOM", "PRENOM", "SMS", "ADDED_TIME", "MODIFIED_TIME", "EMAIL_BLACKLISTED", "SMS_BLACKLISTED",
                 "_listIds"]
BREVO_LIST_ID = "4"
ACTIVITY_COLUMNS = ["campaign_id", "list_id", "email_id", "email_address", "action", "type", "timestamp", "url", "ip"]


def utc_text(t: int) -> str:
    """Paris wall-clock seconds → `2026-03-03 09:12:44` in UTC (the audience export's times)."""
    return (datetime(1970, 1, 1) + timedelta(seconds=t - utc_offset(t))).strftime("%Y-%m-%d %H:%M:%S")


def utc_iso(t: int) -> str:
    """Paris wall-clock seconds → `2026-03-03T09:12:44+00:00` (Mailchimp's UTC timestamps)."""
    return (datetime(1970, 1, 1) + timedelta(seconds=t - utc_offset(t))).isoformat() + "+00:00"



def write(out_dir: Path, plan: MailingPlan, sent: Iterable[tuple[Mailing, list[Activity], Stats]]
          ) -> tuple[dict[str, int], dict]:
    """Write the monthly reports and activity files of the campaigns `sent` (in send order:
    `WebWorld.send_mailings()`); return ({file name: data rows}, the e-mailing truth)."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    reports: dict[str, list[list[str]]] = defaultdict(list)
    stats: list[Stats] = []
    files: dict[str, _CsvOut] = {}
    cleaned: dict[str, tuple[int, Mailing]] = {}  # address (lower case) → its hard bounce
    try:
        for m, activity, st in sent:
            month = month_of(day_of(m.sent))
            name = f"mailchimp_email_activity_{month}.csv"
            if name not in files:
                files[name] = _CsvOut(folder / name, ACTIVITY_COLUMNS)
            out, cid = files[name], m.campaign.platform_id
            for a, action, kind, t, link in activity:
                out.row([cid, LIST_ID, a.email_id, a.email, action, kind, utc_iso(t), link.url if link else "",
                         "" if action == "bounce" else a.ip])
                if action == "bounce" and kind == "hard":
                    cleaned.setdefault(a.lower, (t, m))
            reports[month].append(_report_row(m, st))
            stats.append(st)
    finally:
        for out in files.values():
            out.close()
    counts = {name: out.count for name, out in files.items()}
    for month, rows in sorted(reports.items()):
        name = f"mailchimp_reports_{month}.csv"
        out = _CsvOut(folder / name, REPORT_COLUMNS)
        for row in rows:
            out.row(row)
        out.close()
        counts[name] = out.count
    audience = _write_audience(folder / AUDIENCE_FILE, plan, cleaned)
    counts[AUDIENCE_FILE] = sum(audience.values())
    truth = _truth(plan, stats)
    truth["audience_export"] = {
        "file": f"{FOLDER}/{AUDIENCE_FILE}", "members": audience,
        "rule": ("one member per address (case-insensitive) of the list at EXPORT_TIME: cleaned = the addresses "
                 "that hard-bounced (one hard bounce cleans an address), subscribed = the others; the simulation "
                 "chooses no unsubscriber (the reports count unsubscribes without addresses): none unsubscribed")}
    brevo = _write_brevo_contacts(folder / BREVO_FILE, plan)
    counts[BREVO_FILE] = brevo["contacts"]
    truth["brevo_contacts_export"] = {"file": f"{FOLDER}/{BREVO_FILE}", **brevo,
                                      "rule": "individuals whose own record has an e-mail, a mobile number and the "
                                              "opt-in: one contact per address (case-insensitive), each a SecuTix "
                                              "contact's address"}
    return dict(sorted(counts.items())), truth


def paris_iso(t: int) -> str:
    """Paris wall-clock seconds → `2026-03-03T09:12:44.000+01:00` (Brevo's export times, assumed)."""
    off = utc_offset(t) // 3600
    return (datetime(1970, 1, 1) + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S") + f".000+{off:02d}:00"


def _write_brevo_contacts(path: Path, plan: MailingPlan) -> dict[str, int]:
    """The Brevo contacts export (`;`, UTF-8); return its counts."""
    rows, seen = [], set()
    for p in plan.world.people:
        rec = p.record
        lower, mobile = rec.email.strip().lower(), "".join(ch for ch in rec.mobile_phone if ch.isdigit())
        mobile = "0" + mobile[2:] if mobile.startswith("33") else mobile  # "+33 6 12 …" as typed
        if p.kind != "INDIVIDUAL" or not lower or not rec.opt_in or len(mobile) != 10 or lower in seen:
            continue
        seen.add(lower)
        created = local_seconds(rec.created)
        rows.append([rec.email, rec.lastname, rec.firstname, "+33" + mobile[1:], paris_iso(created),
                     paris_iso(created), "false", "false", BREVO_LIST_ID])
    path.write_bytes(csv_bytes([BREVO_COLUMNS, *rows], "utf-8", delimiter=";"))
    return {"contacts": len(rows), "with_sms": len(rows)}


def _write_audience(path: Path, plan: MailingPlan, cleaned: dict[str, tuple[int, Mailing]]) -> dict[str, int]:
    """The audience export zip; return its members by status."""
    people = {p.index: p for p in plan.world.people}
    export = local_seconds(EXPORT_TIME)
    members: dict[str, list[list[str]]] = {status: [] for status in MEMBER_STATUS_COLUMNS}
    seen: set[str] = set()
    for a in plan.addresses:
        if a.lower in seen or a.created > export:
            continue
        seen.add(a.lower)
        rec = people[a.person].record
        head = [a.email, rec.firstname, rec.lastname, str(1 + int(a.email_id[:2], 16) % 5), utc_text(a.created),
                "", "", "", "", "", "", "", "", "", ""]
        tail = [str(40_000_000 + a.person), a.email_id[:10], "", ""]
        if a.lower in cleaned:
            t, m = cleaned[a.lower]
            members["cleaned"].append([*head, utc_text(t), m.campaign.name, m.campaign.platform_id, *tail])
        else:
            members["subscribed"].append([*head, utc_text(a.created), *tail])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for status, rows in members.items():
            entry = zipfile.ZipInfo(f"{status}_members_export_{LIST_ID}.csv", date_time=ZIP_TIME)
            entry.compress_type, entry.create_system, entry.external_attr = zipfile.ZIP_DEFLATED, 0, 0
            header = MEMBER_HEAD + MEMBER_STATUS_COLUMNS[status] + MEMBER_TAIL
            archive.writestr(entry, csv_bytes([header, *rows], "utf-8"))
    path.write_bytes(buffer.getvalue())
    return {status: len(rows) for status, rows in members.items()}


def _truth(plan: MailingPlan, stats: list[Stats]) -> dict:
    campaigns = []
    for m, st in zip(plan.mailings, stats):
        campaigns.append({"key": m.campaign.key, "id": m.campaign.platform_id, "name": m.campaign.name,
                          "sent_at": utc_iso(m.sent), "audience": m.campaign.audience, "emails_sent": st.sent,
                          "hard_bounces": st.hard, "soft_bounces": st.soft, "unique_opens": st.openers,
                          "opens": st.opens, "proxy_openers": st.proxy_openers, "proxy_opens": st.proxy_opens,
                          "machine_only_opens": st.machine_only,
                          "proxy_excluded_unique_opens": st.openers - st.proxy_openers, "unique_clicks": st.clickers, "clicks": st.clicks,
                          "clicks_in_web_window": st.clicks_in_window, "journey_clicks": st.journey_clicks,
                          "links": {link.content: [link.touch.seen_source, link.touch.seen_medium, link.path]
                                    for link in m.links}})
    variants = [c["key"] for c, m in zip(campaigns, plan.mailings) if any(link.touch.variant for link in m.links)]
    typos = [a for a in plan.addresses if a.typo]
    return {
        "platform": "mailchimp", "list_id": LIST_ID,
        "rule": ("recipients = opted-in individuals of the campaign's audience created before the send, one per "
                 "address (case-insensitive); every click inside the web window is one web session"),
        "campaigns": campaigns,
        "totals": {k: sum(getattr(s, k) for s in stats) for k in
                   ("sent", "hard", "soft", "openers", "opens", "clickers", "clicks", "clicks_in_window",
                    "journey_clicks", "proxy_openers", "proxy_opens", "machine_only")},
        "apple_mpp": {"rate": MPP_RATE, "addresses": sum(1 for a in plan.addresses if a.apple_mpp),
                      "rule": ("an address read in Apple Mail with Mail Privacy Protection (MPP_RATE, from its "
                               "hash) is opened by Apple's proxy within MPP_DELAY s of every send it receives; "
                               "proxy_excluded_unique_opens = openers that are not such addresses, as Mailchimp's "
                               "report gives it; machine_only_opens = such addresses that did not really open")},
        "defects": [
            {"file": f"{FOLDER}/mailchimp_email_activity_*.csv", "defect": "mistyped_duplicate_addresses",
             "what": "duplicate contacts whose e-mail domain was mistyped (gmial.com…) are subscribers too: "
                     "they hard-bounce on their first campaign", "count": len(typos)},
            {"file": f"{FOLDER}/mailchimp_email_activity_*.csv", "defect": "utm_variants_in_links",
             "what": "campaigns with links tagged otherwise than newsletter / email (Newsletter / Email, "
                     "mailchimp / e-mail)", "count": len(variants), "campaign_keys": variants},
        ],
    }


def _rate(num: int, den: int) -> str:
    return f"{num / den:.6f}".rstrip("0").rstrip(".") if den else "0"



def _report_row(m: Mailing, st: Stats) -> list[str]:
    delivered = st.sent - st.hard - st.soft
    return [m.campaign.platform_id, m.campaign.name, "regular", LIST_ID, LIST_NAME, m.subject, str(st.sent),
            str(st.abuse), str(st.unsubscribed), utc_iso(m.sent), str(st.hard), str(st.soft), "0", str(st.opens),
            str(st.openers), _rate(st.openers, delivered), utc_iso(st.last_open) if st.last_open else "",
            str(st.opens - st.proxy_opens), str(st.openers - st.proxy_openers),
            _rate(st.openers - st.proxy_openers, delivered), str(st.clicks), str(st.clickers), str(st.clickers), _rate(st.clickers, delivered),
            utc_iso(st.last_click) if st.last_click else ""]


class _CsvOut:
    """A Mailchimp CSV (UTF-8, commas, LF) written row by row; `count` = data rows."""

    def __init__(self, path: Path, header: list[str]):
        self._fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self._w = csv.writer(self._fh, lineterminator="\n")
        self._w.writerow(header)
        self.count = 0

    def row(self, values: list[str]) -> None:
        self._w.writerow(values)
        self.count += 1

    def close(self) -> None:
        self._fh.close()


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged Mailchimp exports in `<out>/broken/emailing/` (run `renderers.web.write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    activity = inbox_files(out_dir, FOLDER, "mailchimp_email_activity_*.csv")[0]
    records = read_csv(activity.read_bytes(), "utf-8")[:500]
    # The export re-saved without the column that identifies the subscriber.
    drop = records[0].index("email_id")
    broken.emit(f"{activity.stem}_sans_email_id.csv", csv_bytes([r[:drop] + r[drop + 1:] for r in records], "utf-8"),
                "missing_column", "missing required column(s): email_id", 1)
    # A download interrupted in the middle of a row (after its timestamp).
    keep = min(len(records) - 1, 30)
    cut = records[keep][: ACTIVITY_COLUMNS.index("timestamp") + 1]
    broken.emit(f"{activity.stem}_tronque.csv", csv_bytes(records[:keep] + [cut], "utf-8")[:-1], "truncated",
                f"{len(cut)} fields where the header has {len(records[0])} (truncated line?)", keep + 1)
    return broken.made

