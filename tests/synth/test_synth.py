"""Tests of the sample-data generator (xuncha_audit.synth)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from xuncha_audit.contract import load_contract
from xuncha_audit.synth import generate, generate_unit
from xuncha_audit.synth.core import (
    SynthContext,
    id_check_digit,
    keys_of,
    uscc_check_digit,
    valid_id_number,
    valid_uscc,
)
from xuncha_audit.synth.writers import FILE_NAMES

# The catalogue of shared/spec/checks.md; the registry must hold exactly these codes.
ALL_CODES = (
    [f"P0{i}" for i in range(1, 9)] + [f"R0{i}" for i in range(1, 9)] + [f"V0{i}" for i in range(1, 7)]
    + ["O01", "O02", "H01", "H02", "H03", "H04"] + [f"L0{i}" for i in range(1, 9)]
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "a"
    generate(out, seed=7, scale="sample")
    return out


@pytest.fixture(scope="module")
def unit_frames():
    ctx = SynthContext(seed=7, scale="sample")
    frames, _ = generate_unit(ctx)
    return ctx, frames


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_same_seed_gives_identical_files(sample, tmp_path):
    """Byte-identical output from a fresh interpreter with another string-hash seed."""
    import os
    import subprocess
    import sys

    again = tmp_path / "b"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "xuncha_audit.synth", "--out", str(again), "--seed", "7",
                    "--scale", "sample"], check=True, env=env, capture_output=True)
    assert _digest(sample) == _digest(again)


def test_other_seed_differs(unit_frames):
    _, frames = unit_frames
    other = SynthContext(seed=8, scale="sample")
    assert not frames["staff"]["id_number"].equals(other.staff["id_number"])
    assert set(frames["vendors"]["vendor"]) != set(other.vendors["vendor"])


def test_every_check_code_is_planted(sample):
    ak = pd.read_csv(sample / "_answer_key" / "answer_key.csv", dtype=str)
    from xuncha_audit.engine.registry import default_registry

    codes = {c.code for c in default_registry()}
    assert codes == set(ALL_CODES)  # the repository's catalogue, on any clone
    missing = codes - set(ak["check_code"])
    assert not missing, f"no planted finding for {sorted(missing)}"
    assert set(ak.columns) == {"check_code", "unit", "finding_group", "table", "key", "note"}


def test_answer_keys_exist_in_generated_frames(unit_frames):
    ctx, frames = unit_frames
    keys = {t: set(keys_of(t, df)) for t, df in frames.items()}
    for frame, what in ((ctx.answer_frame(), "answer"), (ctx.near_miss_frame(), "near miss")):
        for table, key in zip(frame["table"], frame["key"], strict=True):
            assert key in keys[table], f"{what} key {table}:{key} not generated"


def test_keys_unique_within_tables(unit_frames):
    _, frames = unit_frames
    for t, df in frames.items():
        k = keys_of(t, df)
        assert k.is_unique, f"{t}: duplicate keys {k[k.duplicated()].head().tolist()}"


def test_every_table_generated_with_contract_columns(unit_frames, sample):
    _, frames = unit_frames
    contract = load_contract()
    assert set(frames) == set(contract.tables)
    for t, df in frames.items():
        assert len(df) > 0, t
        assert set(df.columns) <= set(contract.table(t).columns), (t, set(df.columns) - set(contract.table(t).columns))
    man = pd.read_csv(sample / "_answer_key" / "manifest.csv", dtype=str)
    assert set(man["table"]) == set(contract.tables)


def test_formats_and_encodings_vary(sample):
    man = pd.read_csv(sample / "_answer_key" / "manifest.csv", dtype=str, keep_default_na=False)
    assert {"csv", "xlsx", "xls"} <= set(man["format"])
    assert {"utf-8", "utf-8-sig", "gbk", "gb18030"} <= set(man.loc[man["format"] == "csv", "encoding"])
    assert (man["layout"] == "wide").any()
    assert (man["header_row"].astype(int) > 1).any(), "no title block above a header row"
    assert len(set(man["amount_style"])) >= 4 and len(set(man["date_style"])) >= 4
    for _, m in man[man["format"] == "csv"].iterrows():
        raw = (sample / m["file"]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (m["encoding"] == "utf-8-sig")
        raw.decode(m["encoding"])  # really in the stated encoding
        if m["encoding"] in ("gbk", "gb18030"):
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")


def test_headers_use_aliases_not_canonical_names(sample):
    man = pd.read_csv(sample / "_answer_key" / "manifest.csv", dtype=str, keep_default_na=False)
    m = man[(man["format"] == "csv") & (man["table"] == "ledger")].iloc[0]
    header = (sample / m["file"]).read_bytes().decode(m["encoding"]).lstrip("\ufeff").splitlines()[0]
    cols = header.split(",")
    assert "voucher_no" not in cols and all(re.search(r"[\u4e00-\u9fff]", c) for c in cols)


def test_file_names_map_to_one_table():
    contract = load_contract()
    for table, names in FILE_NAMES.items():
        for n in names:
            hits = {t for t, d in contract.tables.items() for alias in d.names if alias in n}
            assert hits == {table}, (n, hits)


def test_expected_quarantine_rows_are_broken(sample):
    q = pd.read_csv(sample / "_answer_key" / "expected_quarantine.csv", dtype=str, keep_default_na=False)
    assert len(q) >= 5
    man = pd.read_csv(sample / "_answer_key" / "manifest.csv", dtype=str, keep_default_na=False)
    for _, r in q[q["file"].str.endswith(".csv")].iterrows():
        enc = man.loc[man["file"] == r["file"], "encoding"].iloc[0]
        text = (sample / r["file"]).read_bytes().decode(enc).lstrip("\ufeff")
        lines = text.split("\r\n")
        header = lines[0].split(",")
        row = next(iter(pd.read_csv(pd.io.common.StringIO(lines[0] + "\n" + lines[int(r["row_no"]) - 1]),
                                    dtype=str).itertuples(index=False)))
        value = row[header.index(r["header"])]
        assert re.search(r"[\u4e00-\u9fff]|-30|13-45|02/30|0230|a", str(value)), (r.to_dict(), value)


def test_check_digits_valid(unit_frames):
    _, frames = unit_frames
    ids = pd.concat([frames["staff"]["id_number"], frames["relations"]["relative_id_number"]])
    assert ids.map(valid_id_number).all()
    assert ids.str[:4].eq("4399").all(), "ID numbers must use the fictional area code 4399xx"
    codes = pd.concat([frames["vendors"]["vendor_id"], frames["bids"]["bidder_id"]]).dropna()
    assert codes.map(valid_uscc).all()


def test_check_digit_algorithms_on_known_values():
    # GB 11643 worked example (GB 11643-1999 appendix): 11010519491231002X
    assert id_check_digit("11010519491231002") == "X"
    # GB 32100 example of a published code structure: 91350100M000100Y43
    assert uscc_check_digit("91350100M000100Y4") == "3"


def test_names_fictional_and_vendors_unrelated_in_baseline(unit_frames):
    ctx, frames = unit_frames
    staff_names = set(frames["staff"]["name"])
    rel_names = set(frames["relations"]["relative_name"])
    ak = ctx.answer_frame()
    p05_vendors = set(ak.loc[(ak["check_code"] == "P05") & (ak["table"] == "vendors"), "key"])
    nm = ctx.near_miss_frame()
    p05_vendors |= set(nm.loc[(nm["check_code"] == "P05") & (nm["table"] == "vendors"), "key"])
    v = frames["vendors"]
    clean = v[~v["vendor_id"].isin(p05_vendors)]
    people = set(clean["legal_rep"]) | {n for s in clean["shareholders"] for n in s.split("、")}
    assert not people & (staff_names | rel_names)
    assert not set(clean["phone"]) & set(frames["staff"]["phone"])


def test_baseline_lodging_under_cap(unit_frames):
    ctx, frames = unit_frames
    from xuncha_audit.synth.areas.reimbursement import CAPS

    tc = frames["travel_claims"]
    planted = set(ctx.answer_frame().query("table == 'travel_claims'")["key"])
    base = tc[~tc["claim_no"].isin(planted) & tc["destination"].isin(list(CAPS))]
    per_night = base["lodging_amount"] / base["nights"].where(base["nights"] > 0)
    caps = base["destination"].map(CAPS)
    assert (per_night.fillna(0) <= caps).all()


def test_ledger_streams_in_chunks_like_generate():
    from xuncha_audit.synth.areas import ledger

    ctx = SynthContext(seed=11, scale="sample")
    whole = ledger.generate(ctx)["ledger"]
    ctx2 = SynthContext(seed=11, scale="sample")
    parts = list(ledger.iter_chunks(ctx2, chunk_vouchers=500))
    assert len(parts) > 3
    again = pd.concat(parts, ignore_index=True)
    assert len(again) == len(whole)
    # keys (voucher numbers, line counts) do not depend on the chunk size
    assert set(keys_of("ledger", again)) == set(keys_of("ledger", whole))
    assert keys_of("ledger", again).is_unique
    # debit equals credit within every voucher
    sums = again.groupby("voucher_no")[["debit", "credit"]].sum().round(2)
    assert (sums["debit"] == sums["credit"]).all()
    # baseline vouchers only on official workdays
    base = again[~again["voucher_no"].str.contains(r"-9\d{4}$")]
    assert pd.to_datetime(base["voucher_date"]).dt.date.map(ctx2.is_workday).all()


def test_sub_streams_are_independent():
    ctx = SynthContext(seed=1, scale="sample")
    draws = {tag: ctx.sub_rng(tag).random(4).tolist()
             for tag in ("ledger-chunk-0", "ledger-chunk-1", "ledger-chunk-10", "ledger-calendar")}
    assert len({tuple(v) for v in draws.values()}) == len(draws)
    assert ctx.sub_rng("ledger-chunk-1").random(4).tolist() == draws["ledger-chunk-1"]


@pytest.mark.slow
def test_units_write_one_folder_each(tmp_path):
    generate(tmp_path / "p", seed=3, scale="sample", units=2)
    units = pd.read_csv(tmp_path / "p" / "_answer_key" / "units.csv")
    assert len(units) == 2
    for f in units["folder"]:
        assert (tmp_path / "p" / f).is_dir()
    ak = pd.read_csv(tmp_path / "p" / "_answer_key" / "answer_key.csv", dtype=str)
    assert set(ak["unit"]) == set(units["unit"])


def test_refuses_to_overwrite_foreign_folder(tmp_path):
    from xuncha_audit.errors import XunchaError

    (tmp_path / "mine.txt").write_text("x")
    with pytest.raises(XunchaError):
        generate(tmp_path, seed=1, scale="sample")


@pytest.mark.slow
def test_committed_sample_loads_as_the_answer_key_says(tmp_path):
    """Load data_samples with the real ingestion: every answer-key record exists under its _key,
    and exactly the expected rows are quarantined."""
    import shutil

    import duckdb

    loader = pytest.importorskip("xuncha_audit.ingest.loader")
    from xuncha_audit.synth.evaluate import compare_quarantine

    src = Path(__file__).resolve().parents[2] / "data_samples"
    if not (src / "_answer_key" / "answer_key.csv").exists():
        pytest.skip("data_samples not generated")
    data = tmp_path / "data"
    shutil.copytree(src, data, ignore=shutil.ignore_patterns("_answer_key"))
    db = tmp_path / "s.duckdb"
    loader.load_folder(data, db, unit="某市住房和城乡建设局", region="湖南", city="长沙")
    con = duckdb.connect(str(db))
    try:
        for name in ("answer_key.csv", "near_misses.csv"):
            ak = pd.read_csv(src / "_answer_key" / name, dtype=str)
            for table, keys in ak.groupby("table")["key"]:
                have = set(con.execute(f'SELECT _key FROM "{table}"').df()["_key"])
                missing = set(keys) - have
                assert not missing, f"{name}: {table} keys not loaded: {sorted(missing)[:5]}"
        diff = compare_quarantine(con, src / "_answer_key")
        assert diff.empty, diff.to_string()
    finally:
        con.close()


@pytest.mark.slow
def test_unit_column_layout_one_set_of_files(tmp_path):
    out = tmp_path / "c"
    generate(out, seed=4, scale="sample", units=2, unit_layout="column")
    units = pd.read_csv(out / "_answer_key" / "units.csv")
    man = pd.read_csv(out / "_answer_key" / "manifest.csv", dtype=str, keep_default_na=False)
    assert (units["folder"] == ".").all()
    assert not any("/" in f for f in man["file"])
    from xuncha_audit.contract import load_contract

    unit_headers = set(load_contract().unit_aliases)
    m = man[(man["format"] == "csv")].iloc[0]
    head = (out / m["file"]).read_bytes().decode(m["encoding"]).lstrip("\ufeff").split("\r\n")
    first = head[0].split(",")[0]
    assert first in unit_headers
    assert {line.split(",")[0] for line in head[1:] if line} == set(units["unit"])
