"""xuncha_audit.synth: a realistic FICTIONAL bureau's exports with planted red flags.

Usage::

    python -m xuncha_audit.synth --out DIR --seed 20241 --scale sample [--units N] [--clean]
        [--layout u8|k3|kis|eas|u8-detail|yonyou-gov|audit-table|gbt24589]
        [--payroll-layout fiscal] [--procurement-layout ccgp]

Modules:

* ``core``: ``SynthContext`` (seeded RNG, the bureau, staff, relatives, vendors, calendar,
  ``plant``/``near_miss`` answer-key recording, ``key_of``/``keys_of``), check-digit helpers.
* ``areas/<area>.py``: ``generate(ctx) -> dict[str, DataFrame]`` of canonical frames with the
  clean baseline and the planted flags of that area's checks (procurement P, reimbursement R,
  vehicles V, office O, payroll H, ledger L). The ledger area also streams (``iter_chunks``).
* ``writers``: export files (alias headers, encodings, formats, styles, broken rows) and the
  answer key under ``<out>/_answer_key/``.
* ``layouts``: the same tables written as real systems export them (the shipped layouts of
  ``ingest/layouts``), one choice per table family, and the answer-key keys those files load with.

``generate_unit(ctx, stream_ledger)`` runs the areas in ``AREA_ORDER`` for one unit;
``generate(out, seed, scale, units, clean=False)`` writes everything and returns a summary dict.

Clean bureau (``clean=True``, ``--clean``): the same bureau written the same way, with no planted
red flag, so a run of it must give no finding from the crisp checks. The payroll,
reimbursement and ledger areas skip their plants themselves (``ctx.clean``); for the other areas
``remove_planted`` drops the records their plants cite, then records left pointing at a removed
one (payments of a removed contract, costs and trips of a removed vehicle). The answer key of a
clean bureau is empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from xuncha_audit.synth.core import SCALES, SynthContext, unit_names

AREA_ORDER = ["payroll", "vehicles", "procurement", "reimbursement", "office", "ledger"]
# Areas that honour ctx.clean themselves; the others' plants are removed after generation.
CLEAN_AWARE = {"payroll", "reimbursement", "ledger"}
# Scales whose ledger is streamed to disk in chunks instead of held in memory.
STREAMED_SCALES = {"1m", "10m"}


def generate_unit(ctx: SynthContext, stream_ledger: bool = False):
    """Canonical frames of every table for one unit (+ a ledger chunk stream when asked)."""
    import importlib

    frames: dict[str, pd.DataFrame] = {}
    streams = {}
    for area in AREA_ORDER:
        mod = importlib.import_module(f"xuncha_audit.synth.areas.{area}")
        if area == "ledger" and stream_ledger:
            mod.prepare(ctx)
            streams["ledger"] = mod.iter_chunks(ctx)
            continue
        n_plants = len(ctx.answer_key)
        out = mod.generate(ctx)
        if ctx.clean and area not in CLEAN_AWARE:
            out = remove_planted(out, ctx.answer_key[n_plants:])
        frames.update(out)
    if ctx.clean:
        ctx.answer_key.clear()
    if "ledger" in frames:
        streams["ledger"] = [frames["ledger"]]
    return frames, streams


def remove_planted(frames: dict[str, pd.DataFrame], plants) -> dict[str, pd.DataFrame]:
    """``frames`` without the records ``plants`` cite, nor records left pointing at them."""
    from xuncha_audit.synth.core import keys_of

    cited: dict[str, set[str]] = {}
    for p in plants:
        cited.setdefault(p.table, set()).add(p.key)
    out = {}
    for t, df in frames.items():
        if t in cited and len(df):
            df = df[~keys_of(t, df).isin(cited[t])].reset_index(drop=True)
        out[t] = df
    if "payments" in out and "contracts" in out and len(out["payments"]):
        out["payments"] = out["payments"][out["payments"]["contract_no"].isin(out["contracts"]["contract_no"])]
    if "vehicles" in out:
        plates = set(out["vehicles"]["plate_no"])
        for t in ("vehicle_costs", "vehicle_trips"):
            if t in out and len(out[t]):
                out[t] = out[t][out[t]["plate_no"].isin(plates)].reset_index(drop=True)
    return out


def _clean_previous(out: Path) -> None:
    """Remove a previous generator output in ``out`` (only files its manifest lists)."""
    man = out / "_answer_key" / "manifest.csv"
    if man.exists():
        for f in sorted(set(pd.read_csv(man)["file"])):
            p = out / f
            if p.is_file():
                p.unlink()
        for d in sorted({(out / f).parent for f in pd.read_csv(man)["file"]}, reverse=True):
            if d != out and d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        shutil.rmtree(out / "_answer_key")
    elif out.exists() and any(p for p in out.iterdir() if not p.name.startswith(".")):
        from xuncha_audit.errors import XunchaError

        raise XunchaError(f"输出目录「{out}」非空且不是样例数据目录，拒绝覆盖",
                          f"output folder {out} is not empty and holds no synth manifest", file=str(out))


def generate(out: str | Path, seed: int = 20241, scale: str = "sample", units: int = 1,
             unit_layout: str = "folders", clean: bool = False, layout: str | None = None,
             payroll_layout: str | None = None, procurement_layout: str | None = None) -> dict:
    """Write ``units`` fictional bureaus' exports and the answer key into ``out``.

    ``unit_layout``: ``folders`` (one sub-folder per unit when units > 1) or ``column`` (one set
    of files for all units, each with a unit column such as 单位/所属单位). ``layout`` (u8, k3,
    kis, eas, u8-detail, yonyou-gov, audit-table, gbt24589), ``payroll_layout`` (fiscal), ``procurement_layout`` (ccgp): those tables are
    written in that real system's export layout (:mod:`xuncha_audit.synth.layouts`,
    docs/layouts.md); unknown choices are errors.
    """
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.synth.layouts import LayoutChoice
    from xuncha_audit.synth.writers import write_answer_key, write_unit

    layouts = LayoutChoice(ledger=layout, payroll=payroll_layout, procurement=procurement_layout)
    if layouts.any and unit_layout == "column" and units > 1:
        raise XunchaError("真实导出版式（--layout、--payroll-layout、--procurement-layout）不能与 "
                          "--unit-layout column 同用", "real layouts with a unit column not supported")

    if scale not in SCALES:
        raise XunchaError(f"未知规模「{scale}」，可选：{'、'.join(SCALES)}", f"unknown scale {scale!r}")
    if unit_layout not in ("folders", "column"):
        raise XunchaError(f"未知的单位布局「{unit_layout}」，可选：folders、column",
                          f"unknown unit layout {unit_layout!r}")
    out = Path(out)
    _clean_previous(out)
    out.mkdir(parents=True, exist_ok=True)
    answers, nears, quarantine, manifest, unit_rows = [], [], [], [], []
    names = unit_names(units)
    stream = scale in STREAMED_SCALES
    combined: list[tuple[SynthContext, dict, dict]] = []
    unit_frames: dict[str, dict[str, pd.DataFrame]] = {}
    for i, name in enumerate(names):
        ctx = SynthContext(seed=seed, scale=scale, unit_index=i, unit=name, clean=clean)
        frames, streams = generate_unit(ctx, stream_ledger=stream)
        answers.append(ctx.answer_frame())
        nears.append(ctx.near_miss_frame())
        one_folder = units == 1 or unit_layout == "column"
        unit_rows.append({"unit": ctx.unit, "level": ctx.level, "region": ctx.region, "city": ctx.city,
                          "folder": "." if one_folder else name})
        if unit_layout == "column" and units > 1:
            combined.append((ctx, frames, streams))
            continue
        if units > 1:
            m, q = write_unit(ctx, frames, out / name, f"{name}/", streams, layouts=layouts)
        else:
            m, q = write_unit(ctx, frames, out, "", streams, layouts=layouts)
        if layouts.any:
            unit_frames[ctx.unit] = {t: frames[t] for t in ("payroll",) if t in frames}
            # a 明细账 layout: the line numbers the loader gives (see layouts.DETAIL_LAYOUTS)
            unit_frames[ctx.unit]["ledger_lines"] = ctx.shared.get("ledger_lines")
        manifest += m
        quarantine += q
    if combined:
        ctx0 = combined[0][0]
        frames = {t: pd.concat([f[t].assign(unit=c.unit) for c, f, _ in combined if t in f],
                               ignore_index=True) for t in combined[0][1]}
        streams = {"ledger": _chain_units([(c.unit, s["ledger"]) for c, _, s in combined])}
        m, q = write_unit(ctx0, frames, out, "", streams, unit_column=True)
        manifest += m
        quarantine += q
    answer = pd.concat(answers, ignore_index=True)
    near = pd.concat(nears, ignore_index=True)
    if layouts.any:  # keys as the layout-written files load (voucher numbers, person keys)
        answer = layouts.answer_key(answer, unit_frames)
        near = layouts.answer_key(near, unit_frames)
    write_answer_key(out, answer, near, quarantine, manifest, unit_rows)
    return {"files": len({m["file"] for m in manifest}), "rows": int(sum(m["data_rows"] for m in manifest)),
            "planted_findings": int(answer.groupby(["unit", "finding_group"]).ngroups) if len(answer) else 0,
            "checks": sorted(answer["check_code"].unique()), "quarantine_rows": len(quarantine)}


def _chain_units(parts):
    """Ledger chunks of several units, each with its unit column."""
    for unit, chunks in parts:
        for c in chunks:
            yield c.assign(unit=unit)
