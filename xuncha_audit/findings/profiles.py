"""Profiles 画像: per person and per vendor, every finding where they appear.

A subject *appears* in a finding through:

- ``findings.persons`` (the check's people in a role: claimant, handler, occupant ...),
- ``findings.entity_key`` when ``entity_type`` is person or vendor,
- the cited evidence records' person and company fields (:data:`PERSON_FIELDS`,
  :data:`VENDOR_FIELDS`, e.g. ``travel_claims.person`` 报销人, ``hospitality.handler``
  经办人, ``offices.occupants`` 使用人, ``contracts.vendor`` 供应商) — where the check filled
  ``persons`` itself, evidence only adds the roles of those people; otherwise evidence people
  (and vendors) count only in findings citing at most
  :data:`MAX_EVIDENCE_SUBJECTS` distinct people (vendors) — clerical roles (制单人, 审核人 of
  vouchers) are not used,
- a ``finding_persons(finding_id, name, role)`` table, when the engine writes one.

People are keyed by (unit, name): two 张三 in different units are two people. Vendors are
keyed by the matching form of the name (``xa_company_norm``), across units.

Risk score (documented in docs/findings.md)::

    score = Σ severity weight over the subject's distinct findings (high 3, medium 2, low 1)
          + ln(1 + amount / 10,000)    # amount: sum of the findings' amounts at risk, yuan
          + 0.5 × (number of distinct checks − 1)

Amounts are per finding: a finding naming two people counts fully for each.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from xuncha_audit.db import of
from xuncha_audit.findings.labels import AREA_ZH
from xuncha_audit.findings.views import columns_of

# (table, field, role label, is a '、' list)
PERSON_FIELDS: tuple[tuple[str, str, str, bool], ...] = (
    ("travel_claims", "person", "报销人", False),
    ("ledger", "person", "经办人/往来个人", False),
    ("hospitality", "handler", "经办人", False),
    ("meetings", "handler", "经办人", False),
    ("vehicle_trips", "driver", "驾驶员", False),
    ("vehicle_trips", "user", "用车人", False),
    ("offices", "occupants", "使用人", True),
    ("staff", "name", "本人", False),
    ("payroll", "name", "领款人", False),
    ("relations", "name", "干部本人", False),
    ("relations", "relative_name", "亲属", False),
    ("bids", "contact_person", "投标联系人", False),
    ("vendors", "legal_rep", "法定代表人", False),
    ("vendors", "shareholders", "股东", True),
)
VENDOR_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contracts", "vendor", "供应商"),
    ("bids", "bidder", "投标人"),
    ("ledger", "counterparty", "往来单位"),
    ("vendors", "vendor", "供应商"),
    ("relations", "relative_employer", "亲属任职单位"),
)
SEVERITY_WEIGHT = {"high": 3, "medium": 2, "low": 1}
# Evidence-derived subjects count only in findings citing at most this many of them.
MAX_EVIDENCE_SUBJECTS = 10
LEADER_RANKS = ("正部级", "副部级", "正厅级", "副厅级", "正处级")
LEADER_POSITION_RE = "局长|书记|主任|处长|厅长|部长|院长|主席|行长|董事长|总经理|校长|所长|站长|队长"

PROFILE_COLUMNS = {
    "subject_type_zh": "类型",
    "name": "名称",
    "unit": "所在单位",
    "position": "职务",
    "rank": "职级",
    "is_leader": "领导干部",
    "roles": "角色",
    "findings": "疑点数",
    "high": "高风险",
    "medium": "中风险",
    "low": "低风险",
    "amount": "涉及金额（元）",
    "checks": "涉及检查",
    "areas": "涉及领域",
    "first_date": "最早日期",
    "last_date": "最晚日期",
    "risk_score": "风险评分",
    "finding_ids": "疑点编号",
}


def _mentions_sql(con) -> str:
    """SQL of (finding_id, subject_type, raw_name, role) for every appearance."""
    be = of(con)
    parts = [
        """SELECT finding_id, 'person' AS subject_type, trim(p) AS raw_name, '涉及人员' AS role,
               false AS from_evidence
           FROM (SELECT finding_id, unnest(string_split(persons, '、')) AS p FROM findings
                 WHERE persons IS NOT NULL)""",
        """SELECT finding_id, entity_type, entity_key, '疑点对象', false FROM findings
           WHERE entity_type IN ('person', 'vendor') AND entity_key IS NOT NULL""",
    ]
    if be.exists("evidence"):
        parts += [_evidence_mentions_sql(table, fields) for table, fields in _evidence_fields().items()]
    if be.exists("finding_persons") and {"finding_id", "name", "role"} <= set(
        columns_of(con, "finding_persons")
    ):
        parts.append("SELECT finding_id, 'person', name, role, false FROM finding_persons")
    return "\nUNION ALL\n".join(parts)


def _evidence_fields() -> dict[str, list[tuple[str, str, str, bool]]]:
    """(subject type, field, role, is a list) of :data:`PERSON_FIELDS` and
    :data:`VENDOR_FIELDS` per evidence table, in their order."""
    out: dict[str, list[tuple[str, str, str, bool]]] = {}
    for table, field, role, is_list in PERSON_FIELDS:
        out.setdefault(table, []).append(("person", field, role, is_list))
    for table, field, role in VENDOR_FIELDS:
        out.setdefault(table, []).append(("vendor", field, role, False))
    return out


def _evidence_mentions_sql(table: str, fields: list[tuple[str, str, str, bool]]) -> str:
    """The mentions in one table's evidence records: each record parsed once for all its
    fields (a parse per field read the ledger's records twice: 297,560 at 4M lines). A list
    field (使用人, 股东) gives one mention per name, trimmed; an empty list none."""
    paths = ", ".join(f"'$.{field}'" for _, field, _, _ in fields)
    items = []
    for i, (subject, _, role, is_list) in enumerate(fields, start=1):
        names = (f"list_transform(string_split_regex(v[{i}], '[、,，;；/]'), lambda p: trim(p))"
                 if is_list else f"[v[{i}]]")
        items.append(f"{{'t': '{subject}', 'r': '{role}', 'names': {names}}}")
    return f"""SELECT finding_id, s.t, unnest(s.names), s.r, true FROM (
            SELECT finding_id, unnest([{", ".join(items)}]) AS s FROM (
                SELECT finding_id, CASE WHEN json_valid(record) THEN json_extract_string(record, [{paths}]) END AS v
                FROM evidence WHERE source_table = '{table}'))"""


def _staff_sql(con) -> str | None:
    if not of(con).exists("staff"):
        return None
    cols = set(columns_of(con, "staff"))
    if "name" not in cols:
        return None

    def c(name: str) -> str:
        return f'"{name}"' if name in cols else "NULL"

    rank = "rank_norm" if "rank_norm" in cols else "rank"
    return f"""
        SELECT {c("unit")} AS unit, name, min({c("position")}) AS position,
            min({c(rank)}) AS rank, min({c("department")}) AS department,
            bool_or(coalesce({c(rank)} IN {LEADER_RANKS}, false)
                    OR coalesce(regexp_matches({c("position")}, '{LEADER_POSITION_RE}'), false))
                AS is_leader
        FROM staff WHERE name IS NOT NULL GROUP BY ALL
    """


def build_profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per person (unit, name) and per vendor with the findings they appear in.

    Sorted by risk score (highest first). Columns: see :data:`PROFILE_COLUMNS` plus
    ``subject_type`` (person | vendor), ``department``.
    """
    be = of(con)
    from xuncha_audit.ingest.derive import company_norm_sql, install_macros

    install_macros(con)
    if not be.exists("findings"):
        return pd.DataFrame(columns=["subject_type", *PROFILE_COLUMNS, "department"])
    staff = _staff_sql(con)
    staff_join = (
        f"LEFT JOIN ({staff}) st ON st.name = a.name AND st.unit IS NOT DISTINCT FROM a.unit"
        if staff
        else ""
    )
    staff_cols = (
        "st.position, st.rank, st.department, coalesce(st.is_leader, false) AS is_leader"
        if staff
        else "NULL AS position, NULL AS rank, NULL AS department, false AS is_leader"
    )
    area_case = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in AREA_ZH.items())
    weights = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_WEIGHT.items())
    sql = f"""
    WITH m0 AS ({_mentions_sql(con)}),
    -- Evidence fields count only where the check did not name the people itself (persons)
    -- and the finding cites at most MAX_EVIDENCE_SUBJECTS of that kind: a finding citing
    -- every payee of the unit is about the unit, not about each of them.
    ev_n AS (SELECT finding_id, subject_type, count(DISTINCT raw_name) AS n FROM m0
             WHERE from_evidence GROUP BY ALL),
    m AS (
        SELECT m0.* FROM m0
        LEFT JOIN ev_n USING (finding_id, subject_type)
        LEFT JOIN (SELECT finding_id, flatten(list(string_split(persons, '、'))) AS named
                   FROM findings WHERE persons IS NOT NULL GROUP BY finding_id) nf
            USING (finding_id)
        WHERE NOT m0.from_evidence
           -- named by the check: evidence only adds the role (报销人, 经办人 ...)
           OR (m0.subject_type = 'person' AND nf.named IS NOT NULL
               AND list_contains(nf.named, trim(m0.raw_name)))
           OR (ev_n.n <= {MAX_EVIDENCE_SUBJECTS}
               AND NOT (m0.subject_type = 'person' AND nf.named IS NOT NULL))
    ),
    m1 AS (SELECT finding_id, subject_type, role, raw_name FROM m
           WHERE raw_name IS NOT NULL AND trim(raw_name) <> ''),
    -- each written name normalised once (a few hundred names, not a row per mention)
    keys AS (
        SELECT subject_type, raw_name,
            CASE WHEN subject_type = 'vendor' THEN {company_norm_sql("raw_name")}
                 ELSE xa_norm_name(raw_name) END AS skey
        FROM (SELECT DISTINCT subject_type, raw_name FROM m1)
    ),
    m2 AS (SELECT m1.finding_id, m1.subject_type, m1.role, k.skey, m1.raw_name
           FROM m1 JOIN keys k USING (subject_type, raw_name)),
    f AS (SELECT finding_id, any_value(check_id) AS check_id, any_value(check_name) AS check_name,
                 CASE any_value(area) {area_case} ELSE any_value(area) END AS area,
                 any_value(unit) AS unit, any_value(severity) AS severity,
                 -- a decimal: summed below exactly, the same on every run (a sum of doubles
                 -- depends on the order DuckDB's threads add them in)
                 any_value(CAST(amount AS DECIMAL(18,2))) AS amount,
                 min(period_start) AS period_start, max(period_end) AS period_end
          FROM findings GROUP BY finding_id),
    -- a subject's name as written most often; between names written as often (湖南某工程 and
    -- 湖南某工程有限公司 share a key), the longer, then the first in order: the same name on
    -- every run (mode() leaves ties to chance). A person's unit is the finding's, so a
    -- (subject, finding) is (subject_type, skey, finding_id).
    per_name AS (SELECT finding_id, subject_type, skey, raw_name, count(*) AS _nf,
                        list_distinct(list(role)) AS roles
                 FROM m2 GROUP BY finding_id, subject_type, skey, raw_name),
    per_subject AS (
        SELECT finding_id, subject_type, skey, list_distinct(flatten(list(roles))) AS roles,
            first(raw_name ORDER BY _nf DESC, length(raw_name) DESC, raw_name) AS raw_name
        FROM per_name GROUP BY finding_id, subject_type, skey
    ),
    per_finding AS (   -- one row per (subject, finding)
        SELECT p.subject_type, p.skey, CASE WHEN p.subject_type = 'person' THEN f.unit END AS person_unit,
            p.finding_id, f.check_id, f.check_name, f.area, f.unit, f.severity, f.amount,
            f.period_start, f.period_end, p.roles, p.raw_name
        FROM per_subject p JOIN f USING (finding_id)
    ),
    pf AS (SELECT *, count(*) OVER (PARTITION BY subject_type, skey, person_unit, raw_name) AS _na
           FROM per_finding),
    a AS (
        SELECT subject_type, skey, person_unit AS unit,
            CASE WHEN subject_type = 'vendor'
                 THEN first(raw_name ORDER BY _na DESC, length(raw_name) DESC, raw_name) ELSE skey END AS name,
            count(*) AS findings,
            count(*) FILTER (WHERE severity = 'high') AS high,
            count(*) FILTER (WHERE severity = 'medium') AS medium,
            count(*) FILTER (WHERE severity = 'low') AS low,
            coalesce(sum(amount), 0) AS amount,
            sum(CASE severity {weights} ELSE 0 END) AS sev_points,
            count(DISTINCT check_id) AS n_checks,
            array_to_string(list_sort(list(DISTINCT check_id || ' ' || check_name)), '、') AS checks,
            array_to_string(list_sort(list(DISTINCT area)), '、') AS areas,
            array_to_string(list_sort(list_distinct(flatten(list(roles)))), '、') AS roles,
            array_to_string(list_sort(list(DISTINCT unit)), '、') AS units,
            min(period_start) AS first_date, max(period_end) AS last_date,
            array_to_string(list_sort(list(finding_id)), '、') AS finding_ids
        FROM pf GROUP BY subject_type, skey, person_unit
    )
    SELECT a.subject_type,
        CASE a.subject_type WHEN 'person' THEN '人员' ELSE '供应商' END AS subject_type_zh,
        a.name, coalesce(a.unit, a.units) AS unit, {staff_cols}, a.roles, a.findings,
        a.high, a.medium, a.low, CAST(a.amount AS DOUBLE) AS amount, a.checks, a.areas,
        a.first_date, a.last_date,
        round(a.sev_points + ln(1 + CAST(a.amount AS DOUBLE) / 10000.0) + 0.5 * (a.n_checks - 1), 2) AS risk_score,
        a.finding_ids
    FROM a {staff_join}
    ORDER BY risk_score DESC, findings DESC, name, unit, subject_type, a.skey
    """
    return be.fetch_df(sql)


def leading_cadres(con: duckdb.DuckDBPyConnection, profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Leading cadres of ``staff`` (rank 正处级 and above, or a leading position) with their
    profile figures (0 findings when they appear in none). Empty when there is no staff table.
    """
    staff = _staff_sql(con)
    cols = ["name", "unit", "position", "rank", "department", "findings", "amount", "risk_score",
            "checks", "areas", "roles", "finding_ids"]
    if staff is None:
        return pd.DataFrame(columns=cols)
    leaders = of(con).fetch_df(f"SELECT * FROM ({staff}) WHERE is_leader ORDER BY unit, name")
    prof = build_profiles(con) if profiles is None else profiles
    prof = prof[prof["subject_type"] == "person"][
        ["name", "unit", "findings", "amount", "risk_score", "checks", "areas", "roles", "finding_ids"]
    ]
    out = leaders.merge(prof, on=["name", "unit"], how="left")
    out["findings"] = out["findings"].fillna(0).astype(int)
    out["amount"] = out["amount"].fillna(0.0)
    out["risk_score"] = out["risk_score"].fillna(0.0)
    return out.sort_values(["risk_score", "name"], ascending=[False, True])[cols].reset_index(drop=True)
