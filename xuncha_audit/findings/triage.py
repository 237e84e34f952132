"""Triage store: auditors' status, note and route per finding, kept across reruns.

The store is one JSON file (default ``<out>/triage.json``; an array of objects, one per
finding id ever seen). It lives next to the outputs, survives reruns and database reloads,
can be backed up or put under version control, and is rewritten atomically (temp file +
``os.replace``) under a lock (``triage.json.lock``).

Per finding: ``status`` (待核实 | 已核实 | 已排除 | 已移交 | 已整改), ``note``, ``route`` (an
override of the check's default route, NULL = default), ``presence`` (present | gone), the
last ``mark`` (新增 | 未变 | 内容变化 | 重现 | 已消失), first/last run seen, a masked snapshot
of the finding (so gone findings can still be listed) and ``history``: every change of
status/note/route/mark with time and source. Nothing is ever deleted from the store.

Identity across reruns: a finding's id is a hash of its evidence, so when its evidence
changes (one of four split contracts disappears) the engine computes a new id. Before the
merge, a new id is matched to a stored finding of the same check, unit and entity whose id
is absent from this run and whose evidence overlaps (``evidence_keys``; the best overlap
wins, one to one); the run's finding then takes the stored id (in ``findings`` and
``evidence``), keeps its status and note, is marked 内容变化, and the computed id is kept in
``aliases`` (so the next identical run maps it directly). Only checks that judged this run
(``judged_checks``) can make stored findings 已消失.

All merging is set-based in DuckDB: the store is read with ``read_json`` into a temp table,
joined with ``findings``, and written back with ``COPY ... (FORMAT JSON, ARRAY true)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from xuncha_audit.db import is_pattern, of, quote
from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.atomic import atomic_write, pending_file
from xuncha_audit.findings.labels import (
    DEFAULT_STATUS,
    MARK_BACK,
    MARK_CHANGED,
    MARK_GONE,
    MARK_NEW,
    MARK_UNCHANGED,
    ROUTES,
    STATUSES,
    route_code,
)
from xuncha_audit.findings.masking import mask_sql, mask_text
from xuncha_audit.locks import run_lock

STORE_NAME = "triage.json"
HISTORY_TYPE = 'STRUCT("at" VARCHAR, "source" VARCHAR, "field" VARCHAR, "old" VARCHAR, "new" VARCHAR)[]'
STORE_COLUMNS: dict[str, str] = {
    "finding_id": "VARCHAR",
    "check_id": "VARCHAR",
    "check_name": "VARCHAR",
    "severity": "VARCHAR",
    "area": "VARCHAR",
    "unit": "VARCHAR",
    "title": "VARCHAR",
    "amount": "DOUBLE",
    "entity_type": "VARCHAR",
    "entity_key": "VARCHAR",
    "persons": "VARCHAR",
    "period_start": "VARCHAR",
    "period_end": "VARCHAR",
    "default_route": "VARCHAR",
    "route": "VARCHAR",
    "status": "VARCHAR",
    "note": "VARCHAR",
    "presence": "VARCHAR",
    "mark": "VARCHAR",
    "content_hash": "VARCHAR",
    "first_seen_run": "VARCHAR",
    "last_seen_run": "VARCHAR",
    "gone_since_run": "VARCHAR",
    "first_seen_at": "VARCHAR",
    "last_seen_at": "VARCHAR",
    "updated_at": "VARCHAR",
    "history": HISTORY_TYPE,
    "evidence_keys": "VARCHAR[]",
    "aliases": "VARCHAR[]",
}
_T = "_triage_store"
# After apply_triage(save=False): what the exports need of the merged store (the numbering's
# first-seen order), and where the merged store waits on disk for save_triage.
SEEN_TABLE = "_triage_seen"
_PENDING = "_triage_pending"
# evidence_keys kept per finding in the store (for matching a finding whose evidence
# changed); a finding citing more (23,000 payroll lines) keeps the first ones, sorted.
MAX_EVIDENCE_KEYS = 2000


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _struct_cols() -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in STORE_COLUMNS.items()) + "}"


class TriageStore:
    """The triage file. ``load_into(con)`` / ``save_from(con)`` move it in and out of DuckDB."""

    def __init__(self, path: str | os.PathLike) -> None:
        p = Path(path)
        # A folder (existing, or any path not ending in .json) holds triage.json.
        self.path = p / STORE_NAME if p.is_dir() or p.suffix.lower() != ".json" else p

    def __repr__(self) -> str:
        return f"TriageStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def load_into(self, con: duckdb.DuckDBPyConnection, table: str = _T) -> None:
        be = of(con)
        cols = ", ".join(f'"{k}" {v}' for k, v in STORE_COLUMNS.items())
        be.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" ({cols})')
        if not self.exists():
            return
        copy = None
        try:
            src = self.path
            if is_pattern(src):  # a folder named like 巡察[2024]: read from a plain name
                fd, copy = tempfile.mkstemp(suffix=".json")
                os.close(fd)
                shutil.copyfile(src, copy)
                src = copy
            be.execute(
                f'INSERT INTO "{table}" SELECT * FROM read_json($p, format=\'array\', '
                f"columns={_struct_cols()})",
                {"p": str(src)},
            )
        except duckdb.Error as exc:
            raise XunchaError(
                "核实记录文件无法读取（可能已损坏或被手工改坏），请从备份恢复",
                f"cannot read the triage store: {exc}",
                file=str(self.path),
            ) from exc
        finally:
            if copy is not None:
                os.unlink(copy)

    def save_from(self, con: duckdb.DuckDBPyConnection, table: str = _T,
                  path: str | os.PathLike | None = None) -> None:
        """Write ``table`` as the store: to the store's file, or to ``path``."""
        with atomic_write(path or self.path) as tmp:
            of(con).copy_to(f"SELECT * FROM {quote(table)} ORDER BY finding_id", tmp,
                            "FORMAT JSON, ARRAY true")

    def frame(self):
        """The store as a DataFrame (for inspection and tests)."""
        con = duckdb.connect()
        try:
            self.load_into(con)
            return of(con).fetch_df(f'SELECT * FROM "{_T}" ORDER BY finding_id')
        finally:
            con.close()


def _as_store(store) -> TriageStore:
    return store if isinstance(store, TriageStore) else TriageStore(store)


MARKS_TABLE = "_finding_marks"


def _ensure_finding_columns(con) -> None:
    """The engine's ``findings`` keeps its schema (it inserts positionally); marks and the
    check's default route live in ``_finding_marks(finding_id, run_id, default_route, mark)``."""
    be = of(con)
    for col in ("status", "note"):
        be.execute(f'ALTER TABLE findings ADD COLUMN IF NOT EXISTS "{col}" VARCHAR')
    be.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKS_TABLE} (finding_id VARCHAR, run_id VARCHAR, "
        "default_route VARCHAR, mark VARCHAR)"
    )


def triage_applied(con) -> bool:
    """True when every finding of the database has a mark for its run."""
    be = of(con)
    if not be.exists(MARKS_TABLE):
        return False
    return not be.scalar(
        f"""SELECT count(*) FROM findings f LEFT JOIN {MARKS_TABLE} m USING (finding_id)
            WHERE m.finding_id IS NULL OR m.run_id IS DISTINCT FROM f.run_id"""
    )


def _current_run_id(con) -> str:
    be = of(con)
    rid = be.scalar("SELECT max(run_id) FROM findings")
    if rid is None:
        try:
            rid = be.fetch_one(
                "SELECT run_id FROM _run ORDER BY started_at DESC NULLS LAST LIMIT 1"
            )
            rid = rid[0] if rid else None
        except duckdb.Error:
            rid = None
    return rid or dt.datetime.now().strftime("%Y%m%dT%H%M%S")


def _hist(field: str, old: str, new: str, source: str = "$source") -> str:
    return (
        f"{{'at': $now, 'source': {source}, 'field': '{field}', "
        f"'old': CAST({old} AS VARCHAR), 'new': CAST({new} AS VARCHAR)}}"
    )


def _match_identities(con, rid: str) -> dict[str, str]:
    """Give this run's findings whose evidence changed the id the store knows them by.

    Returns {computed id: stored id} for the findings renamed (in ``findings`` and
    ``evidence``)."""
    be = of(con)
    be.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ev_cur AS
        SELECT finding_id,
               list_slice(list_sort(list(DISTINCT source_table || ':' || record_key)), 1, {MAX_EVIDENCE_KEYS}) AS keys
        FROM evidence WHERE finding_id IN (SELECT finding_id FROM findings) GROUP BY finding_id"""
    )
    pairs = be.fetch_all(
        f"""
        WITH cur AS (
            SELECT f.finding_id, any_value(f.check_id) AS check_id, any_value(f.unit) AS unit,
                   any_value(f.entity_type) AS entity_type,
                   any_value({mask_sql("f.entity_key")}) AS entity_key
            FROM findings f WHERE f.finding_id NOT IN (SELECT finding_id FROM "{_T}")
            GROUP BY f.finding_id),
        old AS (
            SELECT * FROM "{_T}" s WHERE s.finding_id NOT IN (SELECT finding_id FROM findings))
        SELECT c.finding_id AS new_id, o.finding_id AS old_id,
               CASE WHEN list_contains(coalesce(o.aliases, []), c.finding_id) THEN 1000000000
                    ELSE len(list_intersect(coalesce(o.evidence_keys, []), coalesce(e.keys, []))) END AS overlap,
               len(list_distinct(list_concat(coalesce(o.evidence_keys, []), coalesce(e.keys, [])))) AS union_n
        FROM cur c JOIN old o ON o.check_id = c.check_id AND o.unit IS NOT DISTINCT FROM c.unit
             AND o.entity_type IS NOT DISTINCT FROM c.entity_type
             AND o.entity_key IS NOT DISTINCT FROM c.entity_key
        LEFT JOIN _ev_cur e ON e.finding_id = c.finding_id
        WHERE list_contains(coalesce(o.aliases, []), c.finding_id)
           OR len(list_intersect(coalesce(o.evidence_keys, []), coalesce(e.keys, []))) > 0
        ORDER BY overlap DESC, union_n ASC, new_id, old_id
        """
    )
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for new_id, old_id, _overlap, _n in pairs:  # greedy, best overlap first: one to one
        if new_id in renames or old_id in taken:
            continue
        renames[new_id] = old_id
        taken.add(old_id)
    if renames:
        be.execute("CREATE OR REPLACE TEMP TABLE _id_renames (new_id VARCHAR, old_id VARCHAR)")
        be.execute_many("INSERT INTO _id_renames VALUES (?, ?)", sorted(renames.items()))
        for table in ("findings", "evidence", "_ev_cur"):
            be.execute(f"UPDATE {table} t SET finding_id = r.old_id FROM _id_renames r "
                       "WHERE t.finding_id = r.new_id")
        if be.exists(MARKS_TABLE):
            be.execute(f"DELETE FROM {MARKS_TABLE} WHERE finding_id IN (SELECT new_id FROM _id_renames)")
    else:
        be.execute("CREATE OR REPLACE TEMP TABLE _id_renames (new_id VARCHAR, old_id VARCHAR)")
    return renames


def apply_triage(con: duckdb.DuckDBPyConnection, store, *, run_id: str | None = None,
                 save: bool = True, judged_checks: list[str] | None = None,
                 lock_held: bool = False) -> dict:
    """Merge the triage store into the run's ``findings`` and update the store.

    - ``findings.status/note`` come from the store (待核实 for a finding never triaged);
      ``findings.route`` = the store's override or the check's default (kept in
      ``_finding_marks.default_route``); ``_finding_marks.mark`` = 新增 / 未变 / 内容变化 /
      重现. The engine's ``findings`` schema is not changed.
    - Findings of the store absent from this run are marked 已消失 in the store (their
      status and note stay) and listed in the table ``findings_gone``.
    - Applying twice for the same run id is idempotent.

    - A finding whose evidence changed keeps the id the store knows it by (see the module
      docstring); it is marked 内容变化 and its status and note are carried over.
    - ``judged_checks``: the checks whose absent findings are really gone (ran, or could
      not run because their input was removed); stored findings of other checks (not
      selected, failed, skipped) are left as they were. None = every check.
    - ``save=False`` does not replace the store's file: the merged store is written next to
      it (a pending file, see ``atomic.pending_file``) and ``save_triage(con, store)`` puts it
      in place after the exports. It waits on disk, not in DuckDB, while the exports run
      (at 165,000 findings it held ~0.5 GB of memory through them); the exports get only
      ``_triage_seen`` (id, check, first seen) for the short numbers.
    - ``lock_held``: the caller holds the store's lock (``run_lock(store.path)``) already.

    Returns counts per mark, the run id and the renamed ids.
    """
    be = of(con)
    st = _as_store(store)
    _ensure_finding_columns(con)
    rid = run_id or _current_run_id(con)
    now = _now()
    with contextlib.nullcontext() if lock_held else run_lock(st.path):
        _drop_pending(con)
        st.load_into(con)
        renames = _match_identities(con, rid)
        # The check's default route: the engine's value, unless this run was already applied
        # (then findings.route may hold an override and the default is in _finding_marks).
        be.execute(
            f"""CREATE OR REPLACE TEMP TABLE _f_cur AS
            SELECT f.*, CASE WHEN m.finding_id IS NOT NULL AND m.run_id IS NOT DISTINCT FROM f.run_id
                             THEN m.default_route ELSE f.route END AS default_route
            FROM findings f LEFT JOIN {MARKS_TABLE} m USING (finding_id)"""
        )
        cur = f"""
            SELECT finding_id, any_value(check_id) AS check_id, any_value(check_name) AS check_name,
                any_value(severity) AS severity, any_value(area) AS area, any_value(unit) AS unit,
                any_value({mask_sql("title")}) AS title, any_value(CAST(amount AS DOUBLE)) AS amount,
                any_value(entity_type) AS entity_type, any_value({mask_sql("entity_key")}) AS entity_key,
                any_value(persons) AS persons,
                any_value(CAST(period_start AS VARCHAR)) AS period_start,
                any_value(CAST(period_end AS VARCHAR)) AS period_end,
                any_value(default_route) AS default_route,
                md5(coalesce(any_value(title), '') || '|' || coalesce(CAST(any_value(amount) AS VARCHAR), '')) AS content_hash
            FROM _f_cur GROUP BY finding_id
        """
        mark_expr = f"""CASE
            WHEN s.finding_id IS NULL THEN '{MARK_NEW}'
            WHEN s.last_seen_run = $rid AND s.presence = 'present' THEN s.mark
            WHEN s.presence = 'gone' THEN '{MARK_BACK}'
            WHEN s.content_hash IS DISTINCT FROM c.content_hash THEN '{MARK_CHANGED}'
            WHEN s.evidence_keys IS NOT NULL AND e.keys IS NOT NULL
                 AND s.evidence_keys IS DISTINCT FROM e.keys THEN '{MARK_CHANGED}'
            ELSE '{MARK_UNCHANGED}' END"""
        judged = sorted(set(judged_checks)) if judged_checks is not None else None
        params = {"rid": rid, "now": now, "source": f"run:{rid}"}
        gone_params = {"all_judged": judged is None, "judged": judged or []}
        be.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _triage_new AS
            WITH c AS ({cur}),
            present AS (
                SELECT c.*, s.finding_id AS s_id, s.route AS s_route, s.status AS s_status,
                       s.note AS s_note, s.mark AS s_mark, s.presence AS s_presence,
                       s.first_seen_run AS s_first_run, s.first_seen_at AS s_first_at,
                       s.last_seen_run AS s_last_run, s.updated_at AS s_updated,
                       s.gone_since_run AS s_gone, s.history AS s_history,
                       s.aliases AS s_aliases, e.keys AS ev_keys, r.new_id AS renamed_from,
                       {mark_expr} AS new_mark
                FROM c LEFT JOIN "{_T}" s USING (finding_id)
                LEFT JOIN _ev_cur e USING (finding_id)
                LEFT JOIN _id_renames r ON r.old_id = c.finding_id
            )
            SELECT finding_id, check_id, check_name, severity, area, unit, title, amount,
                entity_type, entity_key, persons, period_start, period_end, default_route,
                s_route AS route, coalesce(s_status, '{DEFAULT_STATUS}') AS status, s_note AS note,
                'present' AS presence, new_mark AS mark, content_hash,
                coalesce(s_first_run, $rid) AS first_seen_run, $rid AS last_seen_run,
                CASE WHEN new_mark = '{MARK_BACK}' THEN NULL ELSE s_gone END AS gone_since_run,
                coalesce(s_first_at, $now) AS first_seen_at, $now AS last_seen_at,
                coalesce(s_updated, $now) AS updated_at,
                CASE WHEN s_id IS NOT NULL AND s_last_run = $rid AND s_presence = 'present'
                     THEN s_history
                     WHEN new_mark = '{MARK_UNCHANGED}' THEN s_history
                     WHEN renamed_from IS NOT NULL
                     THEN list_concat(coalesce(s_history, []::{HISTORY_TYPE}),
                                      [{_hist("evidence", "len(s_ev_old)", "len(ev_keys)")},
                                       {_hist("mark", "s_mark", "new_mark")}])
                     ELSE list_append(coalesce(s_history, []::{HISTORY_TYPE}),
                                      {_hist("mark", "s_mark", "new_mark")}) END AS history,
                ev_keys AS evidence_keys,
                CASE WHEN renamed_from IS NULL THEN s_aliases
                     ELSE list_distinct(list_append(coalesce(s_aliases, []::VARCHAR[]), renamed_from)) END
                     AS aliases
            FROM (SELECT p.*, s.evidence_keys AS s_ev_old FROM present p
                  LEFT JOIN "{_T}" s ON s.finding_id = p.finding_id)
            UNION ALL BY NAME
            SELECT s.* REPLACE (
                CASE WHEN s.presence = 'present' AND j THEN '{MARK_GONE}' ELSE s.mark END AS mark,
                CASE WHEN j THEN 'gone' ELSE s.presence END AS presence,
                CASE WHEN s.presence = 'present' AND j THEN $rid ELSE s.gone_since_run END AS gone_since_run,
                CASE WHEN s.presence = 'present' AND j
                     THEN list_append(s.history, {_hist("mark", "s.mark", f"'{MARK_GONE}'")})
                     ELSE s.history END AS history)
            FROM (SELECT *, ($all_judged OR list_contains($judged, check_id)) AS j FROM "{_T}") s
            WHERE s.finding_id NOT IN (SELECT finding_id FROM findings)
            """,
            {**params, **gone_params},
        )
        cols = ", ".join(f'"{k}"' for k in STORE_COLUMNS)
        be.execute(f'CREATE OR REPLACE TEMP TABLE "{_T}" AS SELECT {cols} FROM _triage_new')
        be.execute("DROP TABLE _triage_new")
        be.execute(
            f"""
            UPDATE findings f SET status = s.status, note = s.note,
                route = coalesce(s.route, s.default_route)
            FROM "{_T}" s WHERE s.finding_id = f.finding_id
            """
        )
        be.execute(f"DELETE FROM {MARKS_TABLE}")
        be.execute(
            f"""INSERT INTO {MARKS_TABLE}
            SELECT DISTINCT c.finding_id, c.run_id, s.default_route, s.mark
            FROM _f_cur c JOIN "{_T}" s USING (finding_id)"""
        )
        be.execute("DROP TABLE _f_cur")
        be.execute(
            f"""CREATE OR REPLACE TABLE findings_gone AS
            SELECT finding_id, check_id, check_name, severity, area, unit,
                coalesce(route, default_route) AS route, title, amount, entity_type, entity_key,
                persons, period_start, period_end, status, note, mark,
                last_seen_run, gone_since_run
            FROM "{_T}" WHERE presence = 'gone' ORDER BY check_id, finding_id"""
        )
        counts = dict(
            be.fetch_all(
                f'SELECT mark, count(*) FROM "{_T}" WHERE last_seen_run = $rid OR '
                f"(presence = 'gone' AND gone_since_run = $rid) GROUP BY mark ORDER BY mark",
                {"rid": rid},
            )
        )
        be.execute("DROP TABLE IF EXISTS _ev_cur")
        be.execute("DROP TABLE IF EXISTS _id_renames")
        if save:
            st.save_from(con)
        else:
            pending = pending_file(st.path)
            st.save_from(con, path=pending)
            be.execute(f'CREATE TEMP TABLE {SEEN_TABLE} AS SELECT finding_id, check_id, '
                       f'first_seen_at, first_seen_run FROM "{_T}"')
            be.execute(f"CREATE TEMP TABLE {_PENDING} AS SELECT $p AS path", {"p": str(pending)})
        be.execute(f'DROP TABLE "{_T}"')
    return {"run_id": rid, "marks": counts, "store": str(st.path), "renamed": renames}


def _drop_pending(con) -> None:
    """Forget a merged store not saved (its pending file too)."""
    be = of(con)
    if be.exists(_PENDING, temporary=True):
        for (path,) in be.fetch_all(f"SELECT path FROM {_PENDING}"):
            Path(path).unlink(missing_ok=True)
    be.execute(f"DROP TABLE IF EXISTS {_PENDING}")
    be.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")


def save_triage(con: duckdb.DuckDBPyConnection, store, *, lock_held: bool = False) -> None:
    """Put the store merged by ``apply_triage(..., save=False)`` in place (atomically)."""
    be = of(con)
    st = _as_store(store)
    rows = be.fetch_all(f"SELECT path FROM {_PENDING}") if be.exists(_PENDING, temporary=True) else []
    if not rows or not Path(rows[0][0]).exists():
        raise XunchaError("没有待保存的核实记录（请先调用 apply_triage）", "no merged triage store to save")
    with contextlib.nullcontext() if lock_held else run_lock(st.path):
        st.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(rows[0][0], st.path)  # os.replace on one file system: atomic
    be.execute(f"DROP TABLE {_PENDING}")
    be.execute(f"DROP TABLE {SEEN_TABLE}")


def _check_status(status: str | None, **where) -> None:
    if status is not None and status not in STATUSES:
        raise XunchaError(
            f"核实状态「{status}」无效，只能是：{'、'.join(STATUSES)}",
            f"unknown triage status {status!r}",
            **where,
        )


def _check_route(route: str | None, **where) -> str | None:
    if route is None:
        return None
    code = route_code(route)
    if code is None:
        names = "、".join(list(ROUTES) + list(ROUTES.values()))
        raise XunchaError(
            f"移送去向「{route}」无效，只能是：{names}", f"unknown route {route!r}", **where
        )
    return code


def _apply_updates(con, st: TriageStore, source: str) -> int:
    """Apply the temp table ``_triage_upd(finding_id, status, note, route)`` to the store.

    NULL = leave unchanged. Each changed field gets a history entry. Returns changed rows.
    """
    be = of(con)
    now = _now()
    missing = be.scalar(
        f'SELECT list(finding_id) FROM _triage_upd WHERE finding_id NOT IN (SELECT finding_id FROM "{_T}")'
    )
    if missing:
        raise XunchaError(
            f"核实记录中没有这些疑点编号：{'、'.join(missing[:10])}"
            f"{' 等' if len(missing) > 10 else ''}（请先运行一次检查，或检查 --store 路径）",
            f"finding ids not in the triage store: {missing[:10]}",
            file=str(st.path),
        )
    changed = be.scalar(
        f"""
        SELECT count(*) FROM _triage_upd u JOIN "{_T}" s USING (finding_id)
        WHERE (u.status IS NOT NULL AND u.status IS DISTINCT FROM s.status)
           OR (u.note IS NOT NULL AND u.note IS DISTINCT FROM s.note)
           OR (u.route IS NOT NULL AND nullif(u.route, '') IS DISTINCT FROM s.route)
        """
    )
    hist = []
    for field in ("status", "note", "route"):
        new = "nullif(u.route, '')" if field == "route" else f"u.{field}"
        hist.append(
            f"CASE WHEN u.{field} IS NOT NULL AND {new} IS DISTINCT FROM s.{field} "
            f"THEN [{_hist(field, 's.' + field, new)}] ELSE [] END"
        )
    be.execute(
        f"""
        UPDATE "{_T}" s SET
            history = list_concat(coalesce(s.history, []::{HISTORY_TYPE}), {", ".join(hist)}),
            status = coalesce(u.status, s.status),
            note = coalesce(u.note, s.note),
            route = CASE WHEN u.route IS NULL THEN s.route ELSE nullif(u.route, '') END,
            updated_at = $now
        FROM _triage_upd u
        WHERE u.finding_id = s.finding_id AND (
            (u.status IS NOT NULL AND u.status IS DISTINCT FROM s.status)
            OR (u.note IS NOT NULL AND u.note IS DISTINCT FROM s.note)
            OR (u.route IS NOT NULL AND nullif(u.route, '') IS DISTINCT FROM s.route))
        """,
        {"now": now, "source": source},
    )
    return changed


def set_triage(store, finding_id: str, *, status: str | None = None, note: str | None = None,
               route: str | None = None, source: str = "cli") -> dict:
    """Set status / note / route of one finding in the store (None = unchanged).

    ``route`` accepts a code (纪检监察/组织人事/反馈) or a display name; "默认" resets it.
    """
    st = _as_store(store)
    _check_status(status, column="--status")
    rcode = "" if route in ("默认", "default") else _check_route(route, column="--route")
    note = mask_text(note)  # stored masked (ID numbers, cards, phones in any written form)
    if not st.exists():
        raise XunchaError(
            "核实记录文件不存在（先运行一次检查生成疑点，或检查 --store 路径）",
            "triage store not found", file=str(st.path),
        )
    con = duckdb.connect()
    try:
        with run_lock(st.path):
            st.load_into(con)
            of(con).execute(
                "CREATE TEMP TABLE _triage_upd AS SELECT $id AS finding_id, "
                "CAST($status AS VARCHAR) AS status, CAST($note AS VARCHAR) AS note, "
                "CAST($route AS VARCHAR) AS route",
                {"id": finding_id, "status": status, "note": note, "route": rcode},
            )
            n = _apply_updates(con, st, source)
            st.save_from(con)
            row = of(con).fetch_one(
                f'SELECT status, note, route FROM "{_T}" WHERE finding_id = $id', {"id": finding_id}
            )
    finally:
        con.close()
    return {"changed": n, "status": row[0], "note": row[1], "route": row[2]}


# Workbook columns the auditors edit (headers written by the workbook export).
H_ID, H_KIND, H_STATUS, H_NOTE, H_ROUTE = "疑点编号", "行类型", "核实状态", "核实情况备注", "移送去向"
KIND_FINDING = "疑点"
# Hidden columns with the values as exported (so unchanged cells are not updates).
H_ORIG_STATUS, H_ORIG_ROUTE, H_ORIG_NOTE = "导出时状态", "导出时去向", "导出时备注"


def read_workbook_triage(xlsx_path: str | os.PathLike):
    """Rows (sheet, row, finding_id, status, note, route) the workbook's check sheets carry.

    A sheet takes part when its first row has 疑点编号 and 核实状态. Rows whose 行类型 is not
    疑点 (evidence rows) are skipped. Unknown statuses/routes raise ``XunchaError`` naming the
    sheet, row and column.
    """
    import fastexcel
    import pandas as pd

    path = Path(xlsx_path)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine raises several kinds
        raise XunchaError("无法打开工作簿", f"cannot open workbook: {exc}", file=str(path)) from exc
    want = [H_ID, H_KIND, H_STATUS, H_NOTE, H_ROUTE, H_ORIG_STATUS, H_ORIG_NOTE, H_ORIG_ROUTE]
    frames = []
    for name in reader.sheet_names:
        try:
            cols = [c.name for c in reader.load_sheet(name, n_rows=0).available_columns()]
        except Exception:  # an empty sheet
            continue
        if H_ID not in cols or H_STATUS not in cols:
            continue
        present = [h for h in want if h in cols]
        sheet = reader.load_sheet(name, use_columns=present, dtypes="string",
                                  skip_rows=0, dtype_coercion="coerce")
        df = sheet.to_pandas().reindex(columns=want).astype(object)
        df["sheet"] = name
        df["row"] = range(2, len(df) + 2)  # header is row 1 of the sheet
        frames.append(df)
    if not frames:
        raise XunchaError(
            "工作簿中没有含「疑点编号」「核实状态」列的工作表", "no triage sheets found", file=str(path)
        )
    df = pd.concat(frames, ignore_index=True)
    df = df[df[H_ID].notna() & (df[H_KIND].isna() | (df[H_KIND] == KIND_FINDING))].copy()
    for h in (H_ID, H_STATUS, H_NOTE, H_ROUTE, H_ORIG_STATUS, H_ORIG_NOTE, H_ORIG_ROUTE):
        df[h] = df[h].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                          else str(v).strip() or None).astype(object)
    bad = df[df[H_STATUS].notna() & ~df[H_STATUS].isin(STATUSES)]
    if len(bad):
        first = bad.iloc[0]
        raise XunchaError(
            f"核实状态「{first[H_STATUS]}」无效，只能是：{'、'.join(STATUSES)}"
            f"（共 {len(bad)} 行有误）",
            f"unknown triage status {first[H_STATUS]!r} ({len(bad)} bad rows)",
            file=str(path), sheet=first["sheet"], row=int(first["row"]), column=H_STATUS,
        )
    valid_routes = set(ROUTES) | set(ROUTES.values())
    bad = df[df[H_ROUTE].notna() & ~df[H_ROUTE].isin(valid_routes)]
    if len(bad):
        first = bad.iloc[0]
        _check_route(first[H_ROUTE], file=str(path), sheet=first["sheet"],
                     row=int(first["row"]), column=H_ROUTE)
    if df.duplicated(H_ID).any():
        df = _merge_listings(df, path)
    return df


def _merge_listings(df, path: Path):
    """A finding listed on several sheets (its check sheet and 全部疑点): per column, the value
    an auditor changed (differs from the hidden exported value) wins, wherever it was typed;
    two different changes of one finding are an error naming the second place."""
    base = df.drop_duplicates(H_ID).set_index(H_ID, drop=False)
    for cur, orig in ((H_STATUS, H_ORIG_STATUS), (H_NOTE, H_ORIG_NOTE), (H_ROUTE, H_ORIG_ROUTE)):
        same = df[cur].eq(df[orig]) & df[orig].notna()
        edited = df[df[cur].notna() & ~same]
        if edited.empty:
            continue
        n = edited.groupby(H_ID)[cur].nunique()
        if (n > 1).any():
            fid = n[n > 1].index[0]
            second = edited[edited[H_ID] == fid].iloc[1]
            raise XunchaError(
                f"疑点 {fid} 在工作簿中出现多次，填写的「{cur}」不一致",
                f"finding {fid} appears several times with different {cur}",
                file=str(path), sheet=second["sheet"], row=int(second["row"]), column=cur,
            )
        chosen = edited.drop_duplicates(H_ID).set_index(H_ID)[cur]
        base.loc[chosen.index, cur] = chosen
    return base.reset_index(drop=True)


def import_workbook(xlsx_path: str | os.PathLike, store) -> dict:
    """Read statuses, notes and routes auditors edited in ``findings.xlsx`` into the store.

    Empty cells leave the store unchanged. A note or route equal to what the export showed
    (the masked note, the default route's display name) is not a change. Everything is
    validated before anything is written.
    """
    st = _as_store(store)
    df = read_workbook_triage(xlsx_path)
    # A cell equal to its exported value (hidden 导出时… columns) is not an edit: this keeps
    # triage set after the export from being overwritten by a stale workbook.
    for cur, orig in ((H_STATUS, H_ORIG_STATUS), (H_NOTE, H_ORIG_NOTE), (H_ROUTE, H_ORIG_ROUTE)):
        same = df[cur].eq(df[orig]) & df[orig].notna()
        df[cur] = df[cur].where(~same, None).astype(object)
    df["route_code"] = df[H_ROUTE].map(route_code).astype(object)
    upd = df[[H_ID, H_STATUS, H_NOTE, "route_code"]].copy()
    upd.columns = ["finding_id", "status", "note", "route"]
    upd = upd.astype({"finding_id": "str", "status": "object", "note": "object", "route": "object"})
    # a note is stored masked: an ID number or a card typed into a note never reaches triage.json
    upd["note"] = upd["note"].map(mask_text)
    if not st.exists():
        raise XunchaError("核实记录文件不存在", "triage store not found", file=str(st.path))
    con = duckdb.connect()
    try:
        with run_lock(st.path):
            st.load_into(con)
            with of(con).registered("_upd_df", upd):
                # Unchanged cells are not updates: masked note as exported, route as displayed.
                of(con).execute(
                    f"""
                    CREATE TEMP TABLE _triage_upd AS
                    SELECT u.finding_id,
                        CAST(u.status AS VARCHAR) AS status,
                        CASE WHEN u.note IS NULL OR u.note = s.note OR u.note = {mask_sql("s.note")}
                             THEN NULL ELSE CAST(u.note AS VARCHAR) END AS note,
                        CASE WHEN u.route IS NULL OR u.route = coalesce(s.route, s.default_route)
                             THEN NULL
                             WHEN u.route = s.default_route THEN ''
                             ELSE CAST(u.route AS VARCHAR) END AS route
                    FROM _upd_df u LEFT JOIN "{_T}" s USING (finding_id)
                    """
                )
            n = _apply_updates(con, st, f"import:{Path(xlsx_path).name}")
            st.save_from(con)
    finally:
        con.close()
    return {"rows": len(upd), "changed": n}
