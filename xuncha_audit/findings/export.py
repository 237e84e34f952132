"""Write every output of a run under ``--out`` (see docs/findings.md).

``export_all(con, out_dir, mask=True, store=None, run_info=None)`` writes findings and
evidence (Parquet + CSV with BOM), ``findings.xlsx``, ``report.html`` and ``manifest.json``.
Everything is written into a staging folder inside ``out_dir`` first and moved into place
only when all files are complete, so a killed run leaves the previous outputs intact.
Personal data is masked in every output unless ``mask=False``. Text cells starting with
``= + - @``, tab or CR are neutralised in CSV (prefixed with ``'``) and written as text in
the workbook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from xuncha_audit.db import of, quote
from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.atomic import staged_outputs
from xuncha_audit.findings.masking import mask_frame, mask_sql
from xuncha_audit.findings.numbers import create_numbers
from xuncha_audit.findings.profiles import build_profiles, leading_cadres
from xuncha_audit.findings.report import write_report
from xuncha_audit.findings.triage import TriageStore, apply_triage, triage_applied
from xuncha_audit.findings.views import columns_of, create_views
from xuncha_audit.findings.workbook import carry_over_workbook, write_workbook

#: the characters that make Excel/WPS read a CSV cell as a formula when they begin it
FORMULA_START = "=+-@\t\r"
FINDINGS_EXPORT_COLUMNS = (
    "finding_id", "run_id", "check_id", "check_name", "severity", "area", "unit", "route", "mark",
    "title", "amount", "entity_type", "entity_key", "period_start", "period_end", "persons",
    "regulation", "rule", "status", "note",
)


@dataclass
class ExportContext:
    """What every output writer may use: the run database with its ``_x_*`` views (masked as
    asked), the profiles, the manifest being built and the summary shown on the first page."""

    con: object
    mask: bool
    profiles: pd.DataFrame
    cadres: pd.DataFrame
    info: dict
    manifest: dict
    findings_columns: list[str]
    evidence_columns: list[str]
    running: list = field(default_factory=list)  # steps finishing in threads (Background)

    def finish_later(self, step: Callable[[], None]) -> None:
        """Run ``step`` (one that needs no database: the workbook's zip) in a thread while
        the other files are written; :meth:`wait` before the files are hashed or moved."""
        self.running.append(Background(step))

    def wait(self, *, raise_error: bool = True) -> None:
        """Wait for every step given to :meth:`finish_later`; the first failure is raised
        (not when the export is already failing: its own error is the one to see)."""
        running, self.running = self.running, []
        errors = [e for e in (b.join() for b in running) if e is not None]
        if errors and raise_error:
            raise errors[0]

    def findings_select(self) -> str:
        return f"SELECT {', '.join(quote(c) for c in self.findings_columns)} FROM _x_findings"

    def evidence_select(self) -> str:
        return f"SELECT {', '.join(quote(c) for c in self.evidence_columns)} FROM _x_evidence"


class Background:
    """A step running in a thread; :meth:`join` waits and returns its exception, if any."""

    def __init__(self, step: Callable[[], None]):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(step,), name="xuncha-export", daemon=True)
        self.thread.start()

    def _run(self, step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException as exc:  # raised in the export's thread by join
            self.error = exc

    def join(self) -> BaseException | None:
        self.thread.join()
        return self.error


@dataclass(frozen=True)
class Output:
    """One file of the output folder: ``write(ctx, path)`` writes it and may return entries
    for the manifest (the workbook its sheet names, the report its sections)."""

    name: str
    title_zh: str
    write: Callable[[ExportContext, Path], dict | None]


# The writers, in the order they run; manifest.json is written last, from what they wrote.
WRITERS: list[Output] = []
MANIFEST = "manifest.json"


def register_output(output: Output) -> Output:
    """Add a writer to every export (a team's own format, say); its name is a file name of
    the output folder, written atomically with the others and listed in the manifest."""
    if output.name in {w.name for w in WRITERS} | {MANIFEST}:
        raise XunchaError(f"输出文件 {output.name} 已有写出程序", f"output {output.name!r} registered twice")
    if Path(output.name).name != output.name:
        raise XunchaError(f"输出文件名不能含路径：{output.name}", f"output name {output.name!r} has a path")
    WRITERS.append(output)
    return output


def neutralise_sql(expr: str) -> str:
    """CSV-safe text: a value Excel would read as a formula gets a leading apostrophe."""
    # the first character's code point, not a regular expression: 297,560 evidence rows of
    # six text columns 0.35-0.72 s -> 0.31-0.38 s
    codes = ", ".join(str(ord(ch)) for ch in FORMULA_START)
    return f"CASE WHEN ord({expr}) IN ({codes}) THEN '''' || {expr} ELSE {expr} END"


def _csv_select(con, view: str, columns: list[str]) -> str:
    types = dict(of(con).fetch_all(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {view})"))
    sel = []
    for c in columns:
        q = quote(c)
        sel.append(f"{neutralise_sql(q)} AS {q}" if types.get(c) == "VARCHAR" else q)
    return f"SELECT {', '.join(sel)} FROM {view}"


BOM = "\ufeff"


def write_csv(con, sql: str, path: Path) -> None:
    """CSV in UTF-8 with BOM (so Excel/WPS open it), via DuckDB COPY. The BOM is written as
    the start of the first column's header (no second pass over a file of hundreds of MB);
    a first header that CSV would quote goes the long way: the file copied behind a BOM."""
    be = of(con)
    first = be.fetch_all(f"DESCRIBE {sql}")[0][0]
    if not any(ch in first for ch in ',"\r\n'):
        renamed = f'SELECT {quote(first)} AS {quote(BOM + first)}, * EXCLUDE ({quote(first)}) FROM ({sql})'
        be.copy_to(renamed, path, "FORMAT CSV, HEADER true")
        return
    raw = path.with_name(path.name + ".raw")
    be.copy_to(sql, raw, "FORMAT CSV, HEADER true")
    with path.open("wb") as out, raw.open("rb") as src:
        out.write(BOM.encode("utf-8"))
        shutil.copyfileobj(src, out, 1 << 20)
    raw.unlink()


def write_parquet(con, sql: str, path: Path) -> None:
    of(con).copy_to(sql, path, "FORMAT PARQUET")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _jsonable(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))


def build_manifest(con, *, run_info: dict | None, mask: bool) -> dict:
    be = of(con)
    from xuncha_audit import __version__

    run_info = dict(run_info or {})
    m: dict = {
        "tool": "xuncha-audit",
        "version": __version__,
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "masked": mask,
    }
    if be.exists("_run"):
        m["run"] = _jsonable(be.fetch_df(
            "SELECT run_id, started_at, finished_at, version FROM _run "
            "ORDER BY started_at DESC NULLS LAST LIMIT 1"))
        m["run"] = m["run"][0] if m["run"] else None
    if be.exists("_load_log"):
        m["inputs"] = _jsonable(be.fetch_df(
            "SELECT file, sheet, table_name, unit, encoding, rows_read, rows_loaded, "
            "rows_quarantined, status, sha256 FROM _load_log ORDER BY file, sheet"))
    if be.exists("_units"):
        m["units"] = _jsonable(be.fetch_df("SELECT * FROM _units ORDER BY unit"))
    m["standards"] = run_info.pop("standards", None)
    m["config"] = run_info.pop("config", None)
    if run_info:
        m["run_info"] = run_info
    if be.exists("_check_runs"):
        run_filter = ""
        params: dict = {}
        rid = m.get("run", {}) and m["run"].get("run_id") if m.get("run") else None
        if rid and be.scalar("SELECT count(*) FROM _check_runs WHERE run_id = $r",
                             {"r": rid}):
            run_filter, params = "WHERE run_id = $r", {"r": rid}
        note = ", note" if "note" in columns_of(con, "_check_runs") else ""
        m["checks"] = _jsonable(be.fetch_df(
            f'SELECT check_id, status, seconds, "rows", findings, error{note} FROM _check_runs '
            f"{run_filter} ORDER BY check_id", params))
        m.update(coverage_sections(con, rid, mask=mask))  # 未执行 per unit, notes
    counts = be.fetch_one("""SELECT count(*), coalesce(sum(amount), 0) FROM _x_findings""")
    m["counts"] = {
        "findings": counts[0],
        "amount": float(counts[1]),
        "evidence": be.scalar("SELECT count(*) FROM _x_evidence"),
        "gone": be.scalar("SELECT count(*) FROM _x_gone"),
        **_amount_dedup(con),
        "by_severity": dict(be.fetch_all(
            "SELECT severity, count(*) FROM _x_findings GROUP BY 1 ORDER BY 1")),
        "by_route": dict(be.fetch_all(
            "SELECT route, count(*) FROM _x_findings GROUP BY 1 ORDER BY 1")),
        "by_mark": dict(be.fetch_all(
            "SELECT coalesce(mark, '未比对'), count(*) FROM _x_findings GROUP BY 1 ORDER BY 1")),
    }
    return m


def _amount_dedup(con) -> dict:
    """The headline amount with each evidence record counted once (findings/amounts.py)."""
    from xuncha_audit.findings.amounts import compute_headline, headline

    h = headline(con) or compute_headline(con, "_x_findings", "_x_evidence")
    return {"amount_dedup": h["amount_dedup"], "amount_dedup_label": h["label_zh"],
                                 "records_cited_twice": h["records_cited_twice"]}


UNITS_NAMED = 10  # more units than this are summed up in the headings, not all named


def units_text(units: list[str]) -> str:
    """The inspected units as a heading names them: all of them up to :data:`UNITS_NAMED`,
    else the first three and the count (a province's thousand names made the report's
    heading 15,000 characters long; every unit is in the manifest and the 数据质量 sheet)."""
    if len(units) <= UNITS_NAMED:
        return "、".join(units)
    return "、".join(units[:3]) + f"等 {len(units):,} 个单位"


def _summary_info(manifest: dict, mask: bool, store) -> dict:
    run = manifest.get("run") or {}
    c = manifest["counts"]
    return {
        "生成时间": manifest["generated_at"],
        "运行编号": run.get("run_id") or "",
        "版本": manifest["version"],
        "被巡察单位": units_text([u.get("unit", "") for u in manifest.get("units", []) or []]),
        "疑点总数": c["findings"],
        "涉及金额（元）": round(c["amount"], 2),
        **({"涉及金额（按证据记录去重，元）": round(c["amount_dedup"], 2)} if "amount_dedup" in c else {}),
        "证据记录数": c["evidence"],
        "已消失疑点": c["gone"],
        "个人信息": "已脱敏（身份证号、银行账号、手机号）" if mask else "未脱敏（--no-mask），注意保密",
        "核实记录文件": str(TriageStore(store).path if not isinstance(store, TriageStore)
                           else store.path) if store else "未使用",
    }


def export_all(con: duckdb.DuckDBPyConnection, out_dir: str | os.PathLike, *, mask: bool = True,
               store=None, run_info: dict | None = None, carry_over: bool = True) -> dict:
    """Write all outputs under ``out_dir``; return ``{"files": {name: path}, "counts": ...}``.

    ``carry_over``: first read the triage typed in the existing ``findings.xlsx`` into the
    store and back it up (``run`` does this itself before triage, and passes False).

    ``store``: a triage store (path of ``triage.json`` / its folder, or a ``TriageStore``);
    when given and triage has not been applied to this run yet, ``apply_triage`` runs first.
    ``run_info``: ``{"standards": ..., "config": ..., anything else}`` for the manifest.
    """
    if not of(con).exists("findings"):
        raise XunchaError("数据库中没有疑点表（findings），请先运行检查",
                          "no findings table in the database")
    carried = carry_over_workbook(out_dir, store) if carry_over else None  # old workbook's edits -> store
    if store is not None and (not triage_applied(con) or (carried and carried["changed"])):
        apply_triage(con, store)
    create_views(con, mask=mask)
    create_numbers(con, store)
    profiles = build_profiles(con)
    cadres = leading_cadres(con, profiles)
    if mask:
        profiles = mask_frame(profiles)
        cadres = mask_frame(cadres)
    manifest = build_manifest(con, run_info=run_info, mask=mask)
    info = _summary_info(manifest, mask, store)
    ctx = ExportContext(con=con, mask=mask, profiles=profiles, cadres=cadres, info=info, manifest=manifest,
                        findings_columns=list(FINDINGS_EXPORT_COLUMNS),
                        evidence_columns=columns_of_view(con, "_x_evidence"))
    with staged_outputs(out_dir) as st:
        extras: dict = {}
        try:
            for output in WRITERS:
                extras.update(output.write(ctx, st.path(output.name)) or {})
        except BaseException:
            ctx.wait(raise_error=False)  # no thread left writing into the staging folder
            raise
        ctx.wait()  # the workbook's zip, written meanwhile (an error of its own raised here)
        manifest["outputs"] = {
            w.name: {"bytes": st.path(w.name).stat().st_size, "sha256": sha256_file(st.path(w.name))}
            for w in WRITERS
        }
        manifest.update(extras)
        st.path(MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        staged = list(st.names)
    out = Path(out_dir)
    return {"files": {n: out / n for n in staged}, "counts": manifest["counts"],
            "sheets": manifest.get("workbook_sheets"), "sections": manifest.get("report_sections"),
            "carried": carried}


def columns_of_view(con, view: str) -> list[str]:
    return [r[0] for r in of(con).fetch_all(f"DESCRIBE SELECT * FROM {view}")]


def coverage_sections(con, run_id: str | None, *, mask: bool = True) -> dict:
    """For the manifest: per unit the tables supplied, the checks not run for a unit (with
    the reason) and the data-quality notes of the run."""
    be = of(con)
    have = {t for t in ("_unit_tables", "_check_coverage", "_check_notes") if be.exists(t)}
    rows = be.fetch_records
    out: dict = {}
    if "_unit_tables" in have:
        supplied: dict[str, list[str]] = {}
        for r in rows("SELECT unit, table_name FROM _unit_tables WHERE supplied ORDER BY unit, table_name"):
            supplied.setdefault(r["unit"], []).append(r["table_name"])
        out["unit_tables"] = supplied
    if "_check_coverage" in have and run_id:
        out["not_run"] = rows(
            "SELECT check_id, unit, status, reason_zh FROM _check_coverage "
            "WHERE run_id = ? AND status <> 'ok' ORDER BY check_id, unit", [run_id])
    if "_check_notes" in have and run_id:
        ex = mask_sql("examples") if mask else "examples"
        out["notes"] = rows(
            f"SELECT check_id, unit, reason_zh, n, entity_type, {ex} AS examples FROM _check_notes "
            "WHERE run_id = ? ORDER BY check_id, unit, reason_zh", [run_id])
    return out


# --------------------------------------------------------------------------- the writers
# Each calls the module's function by name when it runs (a benchmark or a test may wrap it).

# The workbook first: its zip (no database work) is written in a thread while the others are.
register_output(Output("findings.xlsx", "疑点工作簿（Excel，可填写核实情况）", lambda ctx, path: {
    "workbook_sheets": write_workbook(ctx.con, path, profiles=ctx.profiles, info=ctx.info, mask=ctx.mask,
                                      finish=ctx.finish_later)}))
register_output(Output("findings.parquet", "疑点清单（Parquet）",
                       lambda ctx, path: write_parquet(ctx.con, ctx.findings_select(), path)))
register_output(Output("findings.csv", "疑点清单（CSV，UTF-8 BOM）", lambda ctx, path: write_csv(
    ctx.con, _csv_select(ctx.con, "_x_findings", ctx.findings_columns), path)))
register_output(Output("evidence.parquet", "证据（Parquet）",
                       lambda ctx, path: write_parquet(ctx.con, ctx.evidence_select(), path)))
register_output(Output("evidence.csv", "证据（CSV，UTF-8 BOM）", lambda ctx, path: write_csv(
    ctx.con, _csv_select(ctx.con, "_x_evidence", ctx.evidence_columns), path)))
register_output(Output("report.html", "HTML 报告", lambda ctx, path: {
    "report_sections": write_report(ctx.con, path, profiles=ctx.profiles, cadres=ctx.cadres, info=ctx.info,
                                    manifest_preview=ctx.manifest)}))

OUTPUTS = (*(w.name for w in WRITERS), MANIFEST)  # the built-in files, manifest.json last
