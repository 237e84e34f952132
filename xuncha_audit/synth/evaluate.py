"""Score a run's findings against the generator's answer key.

``evaluate(con, answer_dir)`` reads ``answer_key.csv`` and ``near_misses.csv`` from
``answer_dir`` (``<data>/_answer_key``) and the ``findings``/``evidence`` tables of a DuckDB
connection after ``run_checks``, and returns one row per check code:

* ``planted``: planted finding groups; ``detected``: groups with at least one evidence record
  cited by a finding of that check; ``missed_groups``: the groups not detected;
* ``findings``: findings of that check; ``unexpected``: findings citing no planted record of
  that check (false positives, or planting the generator does not know about);
* ``near_miss_hits``: near-miss records of that check that a finding cites (must be 0).

``compare_quarantine(con, answer_dir)`` lists quarantined rows that differ from
``expected_quarantine.csv``. ``python -m xuncha_audit.synth.evaluate DB ANSWER_DIR`` prints both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from xuncha_audit.db import of


def evaluate(con, answer_dir: str | Path) -> pd.DataFrame:
    answer_dir = Path(answer_dir)
    ak = pd.read_csv(answer_dir / "answer_key.csv", dtype=str)
    nm = pd.read_csv(answer_dir / "near_misses.csv", dtype=str)
    ev = of(con).fetch_df(
        "SELECT e.finding_id, e.check_id, e.unit, e.source_table, e.record_key FROM evidence e"
    )
    if ak["unit"].nunique() == 1 and ev["unit"].nunique() <= 1:
        # one unit on both sides: a flat folder loaded without --unit gets a default unit name
        ev["unit"] = ak["unit"].iloc[0]
    ev["rec"] = ev["unit"] + "\x1f" + ev["source_table"] + "\x1f" + ev["record_key"].astype(str)
    ak["rec"] = ak["unit"] + "\x1f" + ak["table"] + "\x1f" + ak["key"]
    nm["rec"] = nm["unit"] + "\x1f" + nm["table"] + "\x1f" + nm["key"]
    rows = []
    for code in sorted(set(ak["check_code"]) | set(ev["check_id"])):
        a = ak[ak["check_code"] == code]
        e = ev[ev["check_id"] == code]
        cited = set(e["rec"])
        groups = a.groupby(["unit", "finding_group"])["rec"].apply(set)
        detected = [g for g, recs in groups.items() if recs & cited]
        missed = [g[1] for g, recs in groups.items() if not recs & cited]
        planted_recs = set(a["rec"])
        by_finding = e.groupby("finding_id")["rec"].apply(set)
        unexpected = [f for f, recs in by_finding.items() if not recs & planted_recs]
        near = set(nm.loc[nm["check_code"] == code, "rec"])
        rows.append({"check": code, "planted": len(groups), "detected": len(detected),
                     "findings": len(by_finding), "unexpected": len(unexpected),
                     "near_miss_hits": len(near & cited), "missed_groups": " ".join(missed)})
    return pd.DataFrame(rows)


def compare_quarantine(con, answer_dir: str | Path) -> pd.DataFrame:
    """Expected vs actual quarantined rows: one row per (file, sheet, row_no) found in only one."""
    exp = pd.read_csv(Path(answer_dir) / "expected_quarantine.csv", dtype=str, keep_default_na=False)
    got = of(con).fetch_df("SELECT DISTINCT file, coalesce(sheet, '') AS sheet, CAST(row_no AS VARCHAR) AS row_no "
                           "FROM _quarantine")
    exp["sheet"] = exp["sheet"].where(~exp["file"].str.lower().str.endswith(".csv"), "")
    m = exp[["file", "sheet", "row_no"]].merge(got, how="outer", indicator=True)
    m = m[m["_merge"] != "both"].rename(columns={"_merge": "where"})
    m["where"] = m["where"].map({"left_only": "expected_only", "right_only": "quarantined_only"})
    return m.reset_index(drop=True)


def unexpected_evidence(con, answer_dir: str | Path, code: str) -> pd.DataFrame:
    """Evidence rows of ``code``'s findings that cite no planted record (for debugging)."""
    ak = pd.read_csv(Path(answer_dir) / "answer_key.csv", dtype=str)
    planted = set(ak.loc[ak["check_code"] == code, "key"])
    ev = of(con).fetch_df("SELECT finding_id, source_table, record_key FROM evidence WHERE check_id = ?",
                          [code])
    hit = ev.groupby("finding_id")["record_key"].apply(lambda s: bool(set(s) & planted))
    return ev[ev["finding_id"].map(hit) == False]  # noqa: E712


def main(argv: list[str] | None = None) -> int:
    import duckdb

    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 2:
        print("用法：python -m xuncha_audit.synth.evaluate DB ANSWER_DIR", file=sys.stderr)
        return 2
    con = duckdb.connect(argv[0], read_only=True)
    df = evaluate(con, argv[1])
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(df.to_string(index=False))
        q = compare_quarantine(con, argv[1])
        print("隔离行与预期一致" if q.empty else q.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
