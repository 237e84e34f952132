"""Query helpers for the notebooks: DataFrames for the figures in :mod:`xuncha_audit.viz.areas`.

Every helper takes a DuckDB connection (open it with :func:`connect`, read-only, so a
notebook never blocks ``xuncha-audit run``) and a :class:`Scope` (unit, level, period), and
runs one set-based query with bound parameters. Missing tables give empty frames, so the
notebooks run on any run database, including one with no findings.

Columns ``finding_ids`` (a list) and ``finding_id`` tie the figures' points to the
``findings``/``evidence`` tables; :func:`evidence_for` fetches the evidence rows.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from xuncha_audit.db import of


@dataclass(frozen=True)
class Scope:
    """Which part of the database a notebook looks at (None = everything)."""

    unit: str | None = None
    level: str | None = None
    period_start: dt.date | str | None = None
    period_end: dt.date | str | None = None


def connect(db_path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open a run database read-only (close it with ``con.close()`` at the end of the notebook)."""
    path = Path(db_path)
    if not path.exists():
        from xuncha_audit.errors import XunchaError

        raise XunchaError(f"找不到数据库文件：{path}（先运行 xuncha-audit run 或 make demo）",
                          f"database not found: {path}", file=str(path))
    return duckdb.connect(str(path), read_only=True)


def _date(v) -> dt.date | None:
    if v is None or v == "":
        return None
    return pd.Timestamp(v).date()


def _where(scope: Scope, unit_col: str | None = "unit", start_col: str | None = None,
           end_col: str | None = None) -> tuple[str, dict]:
    """SQL conditions (joined with AND, starting with TRUE) and their parameters."""
    conds, params = ["TRUE"], {}
    if unit_col and scope.unit:
        conds.append(f"{unit_col} = $unit")
        params["unit"] = scope.unit
    if unit_col and scope.level:
        conds.append(f"{unit_col} IN (SELECT unit FROM _units WHERE level = $level)")
        params["level"] = scope.level
    end_col = end_col or start_col
    if start_col and _date(scope.period_start):
        conds.append(f"{end_col} >= $p_start")
        params["p_start"] = _date(scope.period_start)
    if start_col and _date(scope.period_end):
        conds.append(f"{start_col} <= $p_end")
        params["p_end"] = _date(scope.period_end)
    return " AND ".join(conds), params


def _df(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return of(con).fetch_df(sql, params or {})


def _need(con, *tables: str) -> bool:
    be = of(con)
    return all(be.exists(t, temporary=False) for t in tables)


# ---------------------------------------------------------------- overview


FINDING_COLUMNS = ["finding_id", "check_id", "check_name", "severity", "area", "unit", "route",
                   "rule", "title", "amount", "entity_type", "entity_key", "period_start",
                   "period_end", "persons", "details", "status"]


def findings(con, scope: Scope = Scope(), area: str | None = None,
             check_id: str | None = None) -> pd.DataFrame:
    """The findings in scope (optionally one area or check), highest amount first."""
    if not _need(con, "findings"):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    where, params = _where(scope, "unit", "period_start", "period_end")
    if area:
        where += " AND area = $area"
        params["area"] = area
    if check_id:
        where += " AND check_id = $check_id"
        params["check_id"] = check_id
    cols = ", ".join(FINDING_COLUMNS)
    return _df(con, f"SELECT {cols} FROM findings WHERE {where} "
                    "ORDER BY amount DESC NULLS LAST, finding_id", params)


def evidence_for(con, finding_ids: Iterable[str], limit: int = 200) -> pd.DataFrame:
    """Evidence rows (finding, cited table, record key, record JSON) of the given findings."""
    ids = [str(i) for i in finding_ids if i is not None and str(i)]
    cols = ["finding_id", "check_id", "title", "source_table", "record_key", "record"]
    if not ids or not _need(con, "evidence", "findings"):
        return pd.DataFrame(columns=cols)
    return _df(con, """
        SELECT e.finding_id, e.check_id, f.title, e.source_table, e.record_key, e.record
        FROM evidence e JOIN findings f USING (finding_id)
        WHERE list_contains($ids, e.finding_id)
        ORDER BY list_position($ids, e.finding_id), e.source_table, e.record_key
        LIMIT $limit""", {"ids": ids, "limit": int(limit)})


# Evidence table headers in Chinese (the record's own fields get their contract labels).
EVIDENCE_HEADERS = {"finding_id": "疑点编号", "check_id": "检查", "title": "疑点描述",
                    "source_table": "来源表", "record_key": "记录编号"}


def evidence_table(con, finding_ids: Iterable[str], limit: int = 200) -> pd.DataFrame:
    """:func:`evidence_for` for reading: Chinese headers, the source table's Chinese name,
    and the record JSON flattened into one column per field, labelled with the contract's
    Chinese column names (fields of several tables side by side; empty where a record lacks one)."""
    import json

    from xuncha_audit.findings.labels import column_labels, table_titles

    ev = evidence_for(con, finding_ids, limit=limit)
    base = ev.drop(columns=["record"])
    if ev.empty:
        return base.rename(columns=EVIDENCE_HEADERS)

    def parse(text):
        try:
            v = json.loads(text) if isinstance(text, str) else {}
        except ValueError:
            return {"记录内容": text}
        return v if isinstance(v, dict) else {"记录内容": text}

    records = [parse(t) for t in ev["record"]]
    labels = column_labels()
    names: dict[str, str] = {}
    for table, rec in zip(ev["source_table"], records, strict=True):
        for key in rec:
            if key not in names:
                names[key] = labels.get(table, {}).get(key, key)
    fields = pd.DataFrame.from_records(records, columns=list(names)).rename(columns=names)
    fields = fields.loc[:, ~fields.columns.duplicated()].astype(object)
    fields = fields.where(fields.notna(), "")
    titles = table_titles()
    base = base.assign(source_table=base["source_table"].map(lambda t: titles.get(t, t)))
    out = pd.concat([base.reset_index(drop=True).rename(columns=EVIDENCE_HEADERS), fields], axis=1)
    return out.loc[:, ~out.columns.duplicated()]


def load_log(con, scope: Scope = Scope()) -> pd.DataFrame:
    """``_load_log`` rows in scope (per input file and sheet)."""
    cols = ["file", "sheet", "table_name", "unit", "rows_read", "rows_loaded",
            "rows_quarantined", "status", "message_zh"]
    if not _need(con, "_load_log"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit")
    return _df(con, f"SELECT {', '.join(cols)} FROM _load_log WHERE {where} ORDER BY file, sheet",
               params)


def quarantine_summary(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Quarantined rows per table and reason."""
    cols = ["table_name", "column_name", "reason_zh", "rows"]
    if not _need(con, "_quarantine"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit")
    return _df(con, f"""SELECT table_name, column_name, reason_zh, count(*) AS rows
        FROM _quarantine WHERE {where} GROUP BY ALL ORDER BY rows DESC, table_name""", params)


def check_runs(con) -> pd.DataFrame:
    """Status of each check in the last run (skipped/error checks are data-quality signals)."""
    cols = ["check_id", "status", "rows", "findings", "error"]
    if not _need(con, "_check_runs"):
        return pd.DataFrame(columns=cols)
    return _df(con, f"SELECT {', '.join(cols)} FROM _check_runs ORDER BY check_id")


def profiles(con, scope: Scope = Scope()) -> pd.DataFrame:
    """People and vendors with their findings and risk score (``findings.profiles``)."""
    from xuncha_audit.findings.profiles import build_profiles

    df = build_profiles(con)
    if scope.unit and not df.empty:
        df = df[df["unit"].isna() | (df["unit"] == scope.unit)]
    return df


# ---------------------------------------------------------------- procurement


def _ids_by_key(table: str, checks: tuple[str, ...]) -> str:
    """Subquery: record_key -> list of finding ids of ``checks`` citing a record of ``table``."""
    check_list = ", ".join(f"'{c}'" for c in checks)  # constants of this module, not user input
    return f"""(SELECT unit, record_key, list(DISTINCT finding_id) AS finding_ids
               FROM evidence WHERE source_table = '{table}' AND check_id IN ({check_list})
               GROUP BY ALL)"""


def split_tender_groups(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Contracts cited by P01 (split tenders): one row per (finding, contract), with the
    finding's threshold and the running total of the group by signing date."""
    cols = ["finding_id", "rule", "subject", "threshold", "contract_no", "contract_name", "vendor",
            "category", "amount", "sign_date", "cum_amount", "record_key"]
    if not _need(con, "findings", "evidence", "contracts"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "f.unit", "c.sign_date")
    return _df(con, f"""
        SELECT f.finding_id, f.rule,
               json_extract_string(f.details, '$.subject') AS subject,
               CAST(json_extract(f.details, '$.threshold') AS DOUBLE) AS threshold,
               c.contract_no, c.contract_name, c.vendor, c.category,
               CAST(c.amount AS DOUBLE) AS amount, c.sign_date,
               sum(CAST(c.amount AS DOUBLE)) OVER (PARTITION BY f.finding_id
                   ORDER BY c.sign_date, c.contract_no ROWS UNBOUNDED PRECEDING) AS cum_amount,
               c._key AS record_key
        FROM findings f
        JOIN evidence e ON e.finding_id = f.finding_id AND e.source_table = 'contracts'
        JOIN contracts c ON c._key = e.record_key AND c.unit = e.unit
        WHERE f.check_id = 'P01' AND {where}
        ORDER BY f.amount DESC NULLS LAST, f.finding_id, c.sign_date""", params)


def contracts_vs_threshold(con, scope: Scope = Scope(), kind: str = "open_tender") -> pd.DataFrame:
    """Every contract with the threshold of ``kind`` in force for its unit, category and date,
    ``ratio`` = amount / threshold, and the P02/P03 findings citing it."""
    cols = ["record_key", "contract_no", "vendor", "category", "procurement_method", "amount",
            "sign_date", "threshold", "ratio", "finding_ids"]
    if not _need(con, "contracts", "std_procurement_thresholds"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "c.unit", "c.sign_date")
    params["kind"] = kind
    has_ev = _need(con, "evidence")
    ev_join = (f"LEFT JOIN {_ids_by_key('contracts', ('P02', 'P03'))} ev "
               "ON ev.record_key = c._key AND ev.unit = c.unit") if has_ev else ""
    ev_col = "ev.finding_ids" if has_ev else "CAST(NULL AS VARCHAR[])"
    units = "_units" if _need(con, "_units") else "(SELECT NULL AS unit, NULL AS level, NULL AS region)"
    return _df(con, f"""
        WITH thr AS (
            SELECT c._key, c.unit, max(t.threshold) AS threshold
            FROM contracts c
            LEFT JOIN {units} u ON u.unit = c.unit
            JOIN std_procurement_thresholds t
              ON t.kind = $kind AND t.category = coalesce(c.category, '货物')
             AND t.scope = CASE WHEN u.level = '中央' THEN '中央' ELSE '地方' END
             AND (t.region = '*' OR t.region = u.region)
             AND (t.level = '*' OR t.level = u.level)
             AND c.sign_date >= t.effective_from
             AND (t.effective_to IS NULL OR c.sign_date <= t.effective_to)
            GROUP BY ALL
        )
        SELECT c._key AS record_key, c.contract_no, c.vendor, c.category, c.procurement_method,
               CAST(c.amount AS DOUBLE) AS amount, c.sign_date,
               CAST(thr.threshold AS DOUBLE) AS threshold,
               CAST(c.amount AS DOUBLE) / nullif(thr.threshold, 0) AS ratio,
               {ev_col} AS finding_ids
        FROM contracts c LEFT JOIN thr ON thr._key = c._key AND thr.unit = c.unit
        {ev_join}
        WHERE {where}
        ORDER BY ratio DESC NULLS LAST""", params)


CONTACT_FIELDS = {
    "contact_phone": "联系电话", "contact_person": "联系人", "address": "地址",
    "bank_account": "银行账号", "bid_ip": "投标IP", "doc_fingerprint": "文件机器码",
}


def bidder_links(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Pairs of distinct bidders sharing a contact value (phone, contact person, address,
    account, IP, file fingerprint), with the projects and the P04 findings citing their bids."""
    cols = ["bidder_a", "bidder_b", "field", "field_zh", "projects", "n_projects", "finding_ids"]
    if not _need(con, "bids"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit")
    unpivot = " UNION ALL ".join(
        f"SELECT unit, project_code, _key, bidder_norm AS bidder, '{f}' AS field, "
        f"CAST({f} AS VARCHAR) AS value FROM bids WHERE {f} IS NOT NULL AND {where}"
        for f in CONTACT_FIELDS)
    labels = ", ".join(f"('{k}', '{v}')" for k, v in CONTACT_FIELDS.items())
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('bids', ('P04',))} ea ON ea.record_key = a._key AND ea.unit = a.unit "
          f"LEFT JOIN {_ids_by_key('bids', ('P04',))} eb ON eb.record_key = b._key AND eb.unit = b.unit"
          ) if has_ev else ""
    ids = ("list_distinct(flatten(list(list_intersect(coalesce(ea.finding_ids, []), "
           "coalesce(eb.finding_ids, [])))))") if has_ev else "CAST([] AS VARCHAR[])"
    return _df(con, f"""
        WITH v AS ({unpivot})
        SELECT a.bidder AS bidder_a, b.bidder AS bidder_b, a.field, l.zh AS field_zh,
               list_distinct(list(a.project_code)) AS projects,
               count(DISTINCT a.project_code) AS n_projects, {ids} AS finding_ids
        FROM v a JOIN v b ON a.unit = b.unit AND a.field = b.field AND a.value = b.value
                          AND a.bidder < b.bidder
        JOIN (VALUES {labels}) l(field, zh) ON l.field = a.field
        {ev}
        GROUP BY a.bidder, b.bidder, a.field, l.zh
        ORDER BY n_projects DESC, bidder_a, bidder_b, field""", params)


def vendor_concentration(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Per vendor: contracts, amount, share of the unit's contract amount, non-competitive
    amount, and the findings about the vendor (entity_key = the vendor's matching name)."""
    cols = ["unit", "vendor", "vendor_norm", "n_contracts", "amount", "share",
            "noncompetitive_amount", "finding_ids"]
    if not _need(con, "contracts"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "c.unit", "c.sign_date")
    has_f = _need(con, "findings")
    f_join = ("LEFT JOIN (SELECT unit, entity_key, list(DISTINCT finding_id) AS finding_ids "
              "FROM findings WHERE entity_type = 'vendor' GROUP BY ALL) f "
              "ON f.unit = g.unit AND f.entity_key = g.vendor_norm") if has_f else ""
    return _df(con, f"""
        WITH g AS (
            SELECT c.unit, any_value(c.vendor) AS vendor, c.vendor_norm,
                   count(*) AS n_contracts, sum(CAST(c.amount AS DOUBLE)) AS amount,
                   sum(CASE WHEN c.procurement_method IN ('公开招标', '邀请招标', '竞争性谈判', '竞争性磋商', '询价')
                            THEN 0 ELSE CAST(c.amount AS DOUBLE) END) AS noncompetitive_amount
            FROM contracts c WHERE {where} GROUP BY c.unit, c.vendor_norm
        )
        SELECT g.unit, g.vendor, g.vendor_norm, g.n_contracts, g.amount,
               g.amount / nullif(sum(g.amount) OVER (PARTITION BY g.unit), 0) AS share,
               g.noncompetitive_amount, {'f.finding_ids' if has_f else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM g {f_join}
        ORDER BY g.amount DESC""", params)


# ---------------------------------------------------------------- reimbursement


def lodging_nights(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Travel claims with the lodging cost per night, the traveller's tier, the destination's
    city and the cap per night in force (destination resolved through ``std_places``; the
    cap of the season containing the departure day), and R01 findings."""
    cols = ["record_key", "claim_no", "person", "rank_norm", "tier", "destination", "city",
            "depart_date", "nights", "lodging_amount", "per_night", "cap", "finding_ids"]
    if not _need(con, "travel_claims", "std_lodging_caps", "std_rank_ladder", "std_places"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "t.unit", "t.depart_date", "t.return_date")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('travel_claims', ('R01',))} ev "
          "ON ev.record_key = c.record_key AND ev.unit = c.unit") if has_ev else ""
    return _df(con, f"""
        WITH c AS (
            SELECT t.unit, t._key AS record_key, t.claim_no, t.person, t.rank_norm,
                   coalesce(r.travel_tier, '其他') AS tier, t.destination,
                   coalesce(p.city, t.destination) AS city, p.region,
                   t.depart_date,
                   coalesce(t.nights, datediff('day', t.depart_date, t.return_date)) AS nights,
                   CAST(t.lodging_amount AS DOUBLE) AS lodging_amount,
                   month(t.depart_date) * 100 + day(t.depart_date) AS md
            FROM travel_claims t
            LEFT JOIN std_rank_ladder r ON r.rank_norm = t.rank_norm
            LEFT JOIN (SELECT name, any_value(city) AS city, any_value(region) AS region
                       FROM std_places GROUP BY name) p ON p.name = t.destination
            WHERE {where} AND t.lodging_amount IS NOT NULL
        ),
        caps AS (
            SELECT c.record_key, c.unit,
                   max(CAST(l.cap AS DOUBLE)) FILTER (WHERE l.city = c.city) AS city_cap,
                   max(CAST(l.cap AS DOUBLE)) FILTER (WHERE l.city = '其他') AS other_cap
            FROM c JOIN std_lodging_caps l
              ON l.region = c.region AND l.tier = c.tier AND l.city IN (c.city, '其他')
             AND c.md BETWEEN l.start_md AND l.end_md
             AND c.depart_date >= l.effective_from
             AND (l.effective_to IS NULL OR c.depart_date <= l.effective_to)
            GROUP BY ALL
        )
        SELECT c.record_key, c.claim_no, c.person, c.rank_norm, c.tier, c.destination, c.city,
               c.depart_date, c.nights, c.lodging_amount,
               c.lodging_amount / nullif(c.nights, 0) AS per_night,
               coalesce(caps.city_cap, caps.other_cap) AS cap,
               {'ev.finding_ids' if has_ev else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM c LEFT JOIN caps ON caps.record_key = c.record_key AND caps.unit = c.unit
        {ev}
        ORDER BY c.city, c.tier, c.depart_date""", params)


def hospitality(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Hospitality records with guests, companions, cost per head and meal, the cap per head
    (``std_hospitality_caps``, region ``*`` unless the unit's region has one) and R04/R06 findings."""
    cols = ["record_key", "record_no", "date", "guest_unit", "guests", "companions", "meals",
            "amount", "per_head", "cap", "handler", "finding_ids"]
    if not _need(con, "hospitality"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "h.unit", "h.date")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('hospitality', ('R04', 'R05', 'R06'))} ev "
          "ON ev.record_key = h._key AND ev.unit = h.unit") if has_ev else ""
    has_cap = _need(con, "std_hospitality_caps")
    units = "_units" if _need(con, "_units") else "(SELECT NULL AS unit, NULL AS region)"
    cap = (f"""(SELECT CAST(hc.per_head_cap AS DOUBLE) FROM std_hospitality_caps hc
               WHERE hc.region IN ('*', (SELECT region FROM {units} u WHERE u.unit = h.unit))
               ORDER BY (hc.region = '*') LIMIT 1)""" if has_cap else "CAST(NULL AS DOUBLE)")
    return _df(con, f"""
        SELECT h._key AS record_key, h.record_no, h.date, h.guest_unit, h.guests, h.companions,
               coalesce(h.meals, 1) AS meals, CAST(h.amount AS DOUBLE) AS amount,
               CAST(h.amount AS DOUBLE) / nullif((coalesce(h.guests, 0) + coalesce(h.companions, 0))
                   * coalesce(h.meals, 1), 0) AS per_head,
               {cap} AS cap, h.handler,
               {'ev.finding_ids' if has_ev else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM hospitality h {ev}
        WHERE {where}
        ORDER BY h.date""", params)


def duplicate_invoices(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Evidence records of R05 (duplicate reimbursement): one row per (finding, record) with
    the invoice number, date and amount read from the cited record."""
    cols = ["finding_id", "rule", "title", "amount", "source_table", "record_key",
            "invoice_no", "record_date", "record_amount"]
    if not _need(con, "findings", "evidence"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "f.unit", "f.period_start", "f.period_end")
    return _df(con, f"""
        SELECT f.finding_id, f.rule, f.title, CAST(f.amount AS DOUBLE) AS amount,
               e.source_table, e.record_key,
               json_extract_string(e.record, '$.invoice_no') AS invoice_no,
               coalesce(json_extract_string(e.record, '$.date'),
                        json_extract_string(e.record, '$.depart_date'),
                        json_extract_string(e.record, '$.start_date')) AS record_date,
               coalesce(TRY_CAST(json_extract(e.record, '$.amount') AS DOUBLE),
                        TRY_CAST(json_extract(e.record, '$.lodging_amount') AS DOUBLE)) AS record_amount
        FROM findings f JOIN evidence e USING (finding_id)
        WHERE f.check_id = 'R05' AND {where}
        ORDER BY f.amount DESC NULLS LAST, f.finding_id, e.record_key""", params)


# ---------------------------------------------------------------- vehicles and offices


def fleet_vs_quota(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Vehicles in use per category against the approved quota, with V01 findings."""
    cols = ["unit", "category", "in_use", "quota", "plates", "finding_ids"]
    if not _need(con, "vehicles", "vehicle_quota"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit")
    has_f = _need(con, "findings")
    f_join = ("LEFT JOIN (SELECT unit, json_extract_string(details, '$.category') AS category, "
              "list(DISTINCT finding_id) AS finding_ids FROM findings WHERE check_id = 'V01' "
              "GROUP BY ALL) f ON f.unit = k.unit AND f.category = k.category") if has_f else ""
    return _df(con, f"""
        WITH v AS (SELECT unit, category, count(*) AS in_use, list(plate_no) AS plates
                   FROM vehicles WHERE coalesce(status, '在用') = '在用' AND {where} GROUP BY ALL),
             q AS (SELECT unit, category, quota FROM vehicle_quota WHERE {where}),
             k AS (SELECT unit, category FROM v UNION SELECT unit, category FROM q)
        SELECT k.unit, k.category, coalesce(v.in_use, 0) AS in_use, q.quota, v.plates,
               {'f.finding_ids' if has_f else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM k LEFT JOIN v USING (unit, category) LEFT JOIN q USING (unit, category) {f_join}
        ORDER BY k.unit, k.category""", params)


def vehicle_cost_calendar(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Vehicle running costs per day with the official calendar (rest day, holiday name) and
    the V03/V04/V05 findings citing that day's cost records."""
    cols = ["date", "amount", "n_records", "is_rest_day", "holiday_name", "finding_ids"]
    if not _need(con, "vehicle_costs", "std_calendar"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "c.unit", "c.date")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('vehicle_costs', ('V03', 'V04', 'V05'))} ev "
          "ON ev.record_key = c._key AND ev.unit = c.unit") if has_ev else ""
    ids = ("list_distinct(flatten(list(coalesce(ev.finding_ids, []))))" if has_ev
           else "CAST([] AS VARCHAR[])")
    return _df(con, f"""
        SELECT c.date, sum(CAST(c.amount AS DOUBLE)) AS amount, count(*) AS n_records,
               coalesce(any_value(k.is_rest_day), false) AS is_rest_day,
               any_value(k.holiday_name) AS holiday_name, {ids} AS finding_ids
        FROM vehicle_costs c LEFT JOIN std_calendar k ON k.date = c.date {ev}
        WHERE {where}
        GROUP BY c.date ORDER BY c.date""", params)


def office_area(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Office rooms with area per occupant, the highest rank among the occupants (from the
    staff roster) and the standard for that rank at the unit's level, with O01/O02 findings."""
    cols = ["record_key", "building", "room_no", "area_m2", "n_occupants", "per_person",
            "occupants", "rank_norm", "standard", "finding_ids"]
    if not _need(con, "offices", "staff", "std_office_area", "std_rank_ladder"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "o.unit")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('offices', ('O01', 'O02'))} ev "
          "ON ev.record_key = r.record_key AND ev.unit = r.unit") if has_ev else ""
    units = "_units" if _need(con, "_units") else "(SELECT NULL AS unit, NULL AS level)"
    return _df(con, f"""
        WITH occ AS (
            SELECT o.unit, o._key AS record_key, o.building, o.room_no,
                   CAST(o.area_m2 AS DOUBLE) AS area_m2, o.occupants,
                   unnest(string_split(coalesce(o.occupants, ''), '、')) AS person
            FROM offices o
            WHERE {where} AND coalesce(o.use, '办公') = '办公'
        ),
        r AS (
            SELECT occ.unit, occ.record_key, any_value(occ.building) AS building,
                   any_value(occ.room_no) AS room_no, any_value(occ.area_m2) AS area_m2,
                   any_value(occ.occupants) AS occupants,
                   count(DISTINCT nullif(occ.person, '')) AS n_occupants,
                   arg_min(s.rank_norm, l.ordinal) AS rank_norm
            FROM occ
            LEFT JOIN staff s ON s.unit = occ.unit AND s.name = occ.person
            LEFT JOIN std_rank_ladder l ON l.rank_norm = s.rank_norm
            GROUP BY occ.unit, occ.record_key
        )
        SELECT r.record_key, r.building, r.room_no, r.area_m2, r.n_occupants,
               r.area_m2 / nullif(r.n_occupants, 0) AS per_person, r.occupants, r.rank_norm,
               (SELECT max(CAST(a.area_m2 AS DOUBLE)) FROM std_office_area a
                 WHERE a.rank_norm = r.rank_norm AND a.effective_to IS NULL
                   AND a.level = (SELECT level FROM {units} u WHERE u.unit = r.unit)) AS standard,
               {'ev.finding_ids' if has_ev else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM r {ev}
        ORDER BY per_person DESC NULLS LAST""", params)


# ---------------------------------------------------------------- payroll


def payroll_reconciliation(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Per month: people paid (distinct names), of whom matched to an active roster entry,
    paid but not on the roster, paid after leaving; the roster's active headcount; and the
    H01/H02 findings whose evidence falls in that month."""
    cols = ["month", "paid_people", "on_roster", "not_on_roster", "after_leave", "roster_active",
            "amount", "amount_flagged", "finding_ids"]
    if not _need(con, "payroll", "staff"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "p.unit", "p.month")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('payroll', ('H01', 'H02'))} ev "
          "ON ev.record_key = p._key AND ev.unit = p.unit") if has_ev else ""
    ev_ids = "coalesce(ev.finding_ids, [])" if has_ev else "CAST([] AS VARCHAR[])"
    return _df(con, f"""
        WITH staff1 AS (
            SELECT unit, name, min(hire_date) AS hire_date,
                   CASE WHEN bool_or(leave_date IS NULL) THEN NULL ELSE max(leave_date) END AS leave_date
            FROM staff GROUP BY unit, name
        ),
        pay AS (
            SELECT p.unit, p.month, p.name, CAST(p.amount AS DOUBLE) AS amount,
                   s.name IS NOT NULL AS on_roster,
                   s.leave_date IS NOT NULL AND s.leave_date < p.month AS after_leave,
                   {ev_ids} AS finding_ids
            FROM payroll p LEFT JOIN staff1 s ON s.unit = p.unit AND s.name = p.name {ev}
            WHERE {where}
        ),
        months AS (SELECT DISTINCT unit, month FROM pay)
        SELECT m.month,
               count(DISTINCT pay.name) AS paid_people,
               count(DISTINCT pay.name) FILTER (WHERE pay.on_roster AND NOT pay.after_leave) AS on_roster,
               count(DISTINCT pay.name) FILTER (WHERE NOT pay.on_roster) AS not_on_roster,
               count(DISTINCT pay.name) FILTER (WHERE pay.after_leave) AS after_leave,
               (SELECT count(*) FROM staff1 s WHERE s.unit = m.unit
                  AND (s.hire_date IS NULL OR s.hire_date <= last_day(m.month))
                  AND (s.leave_date IS NULL OR s.leave_date >= m.month)) AS roster_active,
               sum(pay.amount) AS amount,
               coalesce(sum(pay.amount) FILTER (WHERE len(pay.finding_ids) > 0), 0) AS amount_flagged,
               list_distinct(flatten(list(pay.finding_ids))) AS finding_ids
        FROM months m JOIN pay ON pay.unit = m.unit AND pay.month = m.month
        GROUP BY m.unit, m.month ORDER BY m.month""", params)


# ---------------------------------------------------------------- ledger


def benford(con, scope: Scope = Scope(), test: str = "first_two", entity_type: str | None = None,
            entity_key: str | None = None) -> pd.DataFrame:
    """Rows of the L03 helper table ``benford_distribution`` (digit, count, n, observed,
    expected) for one test and optionally one entity."""
    cols = ["unit", "test", "entity_type", "entity_key", "digit", "count", "n", "observed", "expected"]
    if not _need(con, "benford_distribution"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit")
    where += " AND test = $test"
    params["test"] = test
    if entity_type:
        where += " AND entity_type = $etype"
        params["etype"] = entity_type
    if entity_key:
        where += " AND entity_key = $ekey"
        params["ekey"] = entity_key
    return _df(con, f"SELECT {', '.join(cols)} FROM benford_distribution WHERE {where} "
                    "ORDER BY unit, entity_type, entity_key, digit", params)


def benford_flagged(con, scope: Scope = Scope()) -> pd.DataFrame:
    """L03 findings with the entity they are about (to plot that entity's distribution)."""
    f = findings(con, scope, check_id="L03")
    return f[["finding_id", "unit", "entity_type", "entity_key", "title", "rule"]]


def round_amounts(con, scope: Scope = Scope(), multiple: int = 1000,
                  min_amount: float = 1000) -> pd.DataFrame:
    """Per person and per counterparty in the ledger: number of amounts of at least
    ``min_amount`` and the share that are whole multiples of ``multiple``, with L04 findings."""
    cols = ["entity_type", "entity_key", "n", "n_round", "share", "finding_ids"]
    if not _need(con, "ledger"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit", "voucher_date")
    params.update({"mult": multiple, "min_amount": min_amount})
    has_f = _need(con, "findings")
    f_join = ("LEFT JOIN (SELECT unit, entity_key, list(DISTINCT finding_id) AS finding_ids "
              "FROM findings WHERE check_id = 'L04' GROUP BY ALL) f "
              "ON f.unit = g.unit AND f.entity_key = g.entity_key") if has_f else ""
    return _df(con, f"""
        WITH a AS (
            SELECT unit, person, counterparty_norm,
                   greatest(abs(coalesce(debit, 0)), abs(coalesce(credit, 0))) AS amt
            FROM ledger WHERE {where}
        ),
        e AS (
            SELECT unit, 'person' AS entity_type, person AS entity_key, amt FROM a WHERE person IS NOT NULL
            UNION ALL
            SELECT unit, 'vendor', counterparty_norm, amt FROM a WHERE counterparty_norm IS NOT NULL
        ),
        g AS (
            SELECT unit, entity_type, entity_key, count(*) AS n,
                   count(*) FILTER (WHERE amt % $mult = 0) AS n_round
            FROM e WHERE amt >= $min_amount GROUP BY ALL
        )
        SELECT g.entity_type, g.entity_key, g.n, g.n_round, g.n_round / g.n AS share,
               {'f.finding_ids' if has_f else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM g {f_join} ORDER BY share DESC, n DESC""", params)


def rest_day_postings(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Ledger vouchers per month: all, those dated on an official rest day, their amount, and
    the L05 findings."""
    cols = ["month", "vouchers", "rest_day_vouchers", "rest_day_amount", "holidays", "finding_ids"]
    if not _need(con, "ledger", "std_calendar"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "l.unit", "l.voucher_date")
    has_ev = _need(con, "evidence")
    ev = (f"LEFT JOIN {_ids_by_key('ledger', ('L05',))} ev "
          "ON ev.record_key = l._key AND ev.unit = l.unit") if has_ev else ""
    ids = ("list_distinct(flatten(list(coalesce(ev.finding_ids, []))))" if has_ev
           else "CAST([] AS VARCHAR[])")
    return _df(con, f"""
        SELECT date_trunc('month', l.voucher_date) AS month,
               count(DISTINCT l.voucher_id) AS vouchers,
               count(DISTINCT l.voucher_id) FILTER (WHERE k.is_rest_day) AS rest_day_vouchers,
               coalesce(sum(CAST(coalesce(l.debit, 0) AS DOUBLE)) FILTER (WHERE k.is_rest_day), 0) AS rest_day_amount,
               list_distinct(list(k.holiday_name) FILTER (WHERE k.is_rest_day AND k.holiday_name IS NOT NULL)) AS holidays,
               {ids} AS finding_ids
        FROM ledger l LEFT JOIN std_calendar k ON k.date = l.voucher_date {ev}
        WHERE {where}
        GROUP BY ALL ORDER BY month""", params)


def december_shares(con, scope: Scope = Scope(), min_year_amount: float = 10000) -> pd.DataFrame:
    """Expense accounts per year: the year's debit total, December's amount and share (an even
    year gives 1/12 ≈ 8.3%), with the L06 findings."""
    cols = ["account", "year", "year_amount", "december", "dec_share", "finding_ids"]
    if not _need(con, "ledger"):
        return pd.DataFrame(columns=cols)
    where, params = _where(scope, "unit", "voucher_date")
    params["min_amount"] = min_year_amount
    has_f = _need(con, "findings")
    f_join = ("LEFT JOIN (SELECT unit, entity_key, json_extract_string(details, '$.year') AS year, "
              "list(DISTINCT finding_id) AS finding_ids FROM findings WHERE check_id = 'L06' "
              "GROUP BY ALL) f ON f.unit = g.unit AND f.year = g.year "
              "AND (f.entity_key = g.account OR f.entity_key = g.account_code)") if has_f else ""
    return _df(con, f"""
        WITH g AS (
            SELECT unit, account_code,
                   trim(coalesce(account_code, '') || ' ' || coalesce(any_value(account_name), '')) AS account,
                   CAST(year(voucher_date) AS VARCHAR) AS year,
                   sum(CAST(coalesce(debit, 0) AS DOUBLE)) AS year_amount,
                   sum(CAST(coalesce(debit, 0) AS DOUBLE)) FILTER (WHERE month(voucher_date) = 12) AS december
            FROM ledger WHERE {where} AND account_code IS NOT NULL
            GROUP BY unit, account_code, year(voucher_date)
        )
        SELECT g.account, g.year, g.year_amount, coalesce(g.december, 0) AS december,
               coalesce(g.december, 0) / g.year_amount AS dec_share,
               {'f.finding_ids' if has_f else 'CAST(NULL AS VARCHAR[])'} AS finding_ids
        FROM g {f_join}
        WHERE g.year_amount >= $min_amount
        ORDER BY dec_share DESC""", params)


# ---------------------------------------------------------------- profiles


def person_findings(con, name: str, scope: Scope = Scope()) -> pd.DataFrame:
    """Findings naming one person: in ``persons``, as the entity, or in a cited record's
    person fields (claimant, handler, occupant, payee, ledger person)."""
    if not name or not _need(con, "findings"):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    where, params = _where(scope, "f.unit", "f.period_start", "f.period_end")
    params["name"] = name
    has_ev = _need(con, "evidence")
    # The person fields of cited records are the ones profiles use (one list: PERSON_FIELDS).
    from xuncha_audit.findings.profiles import PERSON_FIELDS

    conds = sorted({
        f"list_contains(string_split(coalesce(json_extract_string(record, '$.{field}'), ''), '、'), $name)"
        if is_list else f"json_extract_string(record, '$.{field}') = $name"
        for _, field, _, is_list in PERSON_FIELDS
    })
    ev = (f"OR f.finding_id IN (SELECT finding_id FROM evidence WHERE {' OR '.join(conds)})"
          if has_ev else "")
    cols = ", ".join(f"f.{c}" for c in FINDING_COLUMNS)
    return _df(con, f"""
        SELECT {cols} FROM findings f
        WHERE {where} AND (list_contains(string_split(coalesce(f.persons, ''), '、'), $name)
              OR (f.entity_type = 'person' AND f.entity_key = $name) {ev})
        ORDER BY f.area, f.check_id, f.amount DESC NULLS LAST""", params)


def relation_edges(con, scope: Scope = Scope()) -> pd.DataFrame:
    """Edges of the staff–relative–vendor graph: staff to relative (relation), and relative or
    staff member to vendor (legal representative, shareholder, employer), with P05 findings.
    Columns: source, source_kind, target, target_kind, label, finding_ids."""
    cols = ["source", "source_kind", "target", "target_kind", "label", "finding_ids"]
    if not _need(con, "relations", "vendors", "staff"):
        return pd.DataFrame(columns=cols)
    where_r, params = _where(scope, "r.unit")
    has_f = _need(con, "findings")
    p05 = ("(SELECT unit, entity_key, list(DISTINCT finding_id) AS finding_ids FROM findings "
           "WHERE check_id = 'P05' GROUP BY ALL)") if has_f else \
          "(SELECT NULL AS unit, NULL AS entity_key, CAST([] AS VARCHAR[]) AS finding_ids)"
    return _df(con, f"""
        WITH rel AS (
            SELECT r.unit, coalesce(r.name, s.name) AS staff_name, r.relative_name, r.relation,
                   r.relative_employer_norm
            FROM relations r LEFT JOIN staff s ON s.unit = r.unit AND s.person_id = r.person_id
            WHERE {where_r}
        ),
        ven AS (
            SELECT v.vendor, v.vendor_norm, v.legal_rep,
                   unnest(string_split(coalesce(v.shareholders, ''), '、')) AS shareholder
            FROM vendors v
        ),
        people AS (  -- relatives and staff, each with the staff member they lead to
            SELECT unit, relative_name AS person, staff_name, relation FROM rel
            UNION ALL
            SELECT DISTINCT unit, staff_name, staff_name, '本人' FROM rel WHERE staff_name IS NOT NULL
        ),
        links AS (
            SELECT DISTINCT p.unit, p.person, p.staff_name, ven.vendor, ven.vendor_norm,
                   CASE WHEN ven.legal_rep = p.person THEN '法定代表人' ELSE '股东' END AS label
            FROM people p JOIN ven ON p.person IN (ven.legal_rep, ven.shareholder)
            UNION
            SELECT rel.unit, rel.relative_name, rel.staff_name, ven.vendor, ven.vendor_norm, '任职'
            FROM rel JOIN (SELECT DISTINCT vendor, vendor_norm FROM ven) ven
              ON ven.vendor_norm = rel.relative_employer_norm
        ),
        linked_people AS (SELECT DISTINCT unit, person, staff_name FROM links)
        SELECT DISTINCT rel.staff_name AS source, '本单位人员' AS source_kind,
               rel.relative_name AS target, '亲属' AS target_kind, rel.relation AS label,
               CAST([] AS VARCHAR[]) AS finding_ids
        FROM rel JOIN linked_people lp ON lp.unit = rel.unit AND lp.person = rel.relative_name
             AND lp.staff_name IS NOT DISTINCT FROM rel.staff_name
        UNION ALL
        SELECT links.person,
               CASE WHEN links.person = links.staff_name THEN '本单位人员' ELSE '亲属' END,
               links.vendor, '供应商', links.label, coalesce(p05.finding_ids, [])
        FROM links LEFT JOIN {p05} p05 ON p05.unit = links.unit AND p05.entity_key = links.vendor_norm
        ORDER BY 1, 3""", params)


def default_person(profiles_df: pd.DataFrame) -> str:
    """The person with the highest risk score ('' when the profiles hold no person)."""
    if profiles_df.empty:
        return ""
    people = profiles_df[profiles_df["subject_type"] == "person"]
    return str(people.sort_values("risk_score", ascending=False)["name"].iloc[0]) if len(people) else ""


def benford_flagged_distributions(con, scope: Scope = Scope()) -> list[tuple[str, str, pd.DataFrame]]:
    """For each L03 finding: (label, finding id, the flagged entity's digit distribution) —
    the first-two-digits test for the whole unit, the first-digit test for an account,
    person or vendor."""
    out = []
    kinds = {"unit": "全单位", "account": "科目", "person": "个人", "vendor": "往来单位"}
    flagged = benford_flagged(con, scope)
    for fid, etype, ekey in flagged[["finding_id", "entity_type", "entity_key"]].itertuples(index=False):
        test = "first_two" if etype == "unit" else "first"
        dist = benford(con, scope, test, etype, ekey)
        out.append((f"{kinds.get(etype, etype)}「{ekey}」", fid, dist))
    return out
