"""Personnel and pay area: ``staff``, ``relations``, ``payroll``.

``staff`` and ``relations`` come from ``ctx`` (built in core). ``payroll`` is long here (one row
per month, person and item); the writers emit 2023 as a WIDE sheet (one column per pay item,
zero = no payment) and 2024 as a long CSV. The baseline uses the standard columns of a 公务员
工资表: 职务工资, 级别工资, 津贴补贴 (the summary column), 规范津贴补贴, 岗位津贴, 车改补贴,
提租补贴, 年终一次性奖金 (December); people retired before the period are paid 离退休费 and
退休补贴 every month, the one retiring in June 2024 from July.

Baseline (must not be flagged): everyone paid is on the roster, paid into their own account,
under their own ID, up to and including the month they leave; one row per month, person and item.

Planted: H01 (2: a ghost not on the roster; a transferred person paid after leaving), H02 (2:
one bank account paid under two names; one item paid twice in a month), H03 (3: 过节费, 购物卡, 加班费 paid to everyone in one
month), H04 (1: an item in no family, 专项工作补助, paid to a few people in three months of 2024);
near-misses: namesakes with different ID numbers and accounts, a person retiring in the
middle of the last month paid, an approved item (防暑降温费) paid to everyone in July, retirees'
离退休费. With ``ctx.clean`` nothing is planted.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xuncha_audit.synth.core import SynthContext, key_of

ITEMS = ["职务工资", "级别工资", "津贴补贴", "规范津贴补贴", "岗位津贴", "车改补贴", "提租补贴"]
PENSION = {"离退休费": 1.9, "退休补贴": 0.35}
BASE = {"正处级": (2600, 3300), "副处级": (2100, 2900), "三级调研员": (2000, 2800),
        "正科级": (1600, 2300), "副科级": (1400, 1900), "一级科员": (1100, 1600)}
MONTHS = pd.date_range("2023-01-01", "2024-12-01", freq="MS")


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    rng = ctx.sub_rng("payroll")
    staff = ctx.staff
    paid = staff[staff["status"].isin(["在职", "借调"]) | staff["leave_date"].map(
        lambda d: d is not None and d >= dt.date(2023, 1, 1))]
    # month x person grid (vectorised)
    n_p, n_m = len(paid), len(MONTHS)
    grid = pd.DataFrame({
        "month": np.tile(MONTHS.date, n_p),
        "person_id": np.repeat(paid["person_id"].to_numpy(), n_m),
        "name": np.repeat(paid["name"].to_numpy(), n_m),
        "id_number": np.repeat(paid["id_number"].to_numpy(), n_m),
        "bank_account": np.repeat(paid["bank_account"].to_numpy(), n_m),
        "ladder": np.repeat(paid["ladder"].to_numpy(), n_m),
        "leave": np.repeat(paid["leave_date"].to_numpy(), n_m),
    })
    last_ok = grid["leave"].map(lambda d: pd.Timestamp(d) if d is not None else pd.Timestamp.max)
    grid = grid[pd.to_datetime(grid["month"]) <= last_ok].drop(columns="leave")
    base_lo = grid["ladder"].map(lambda r: BASE[r][0]).to_numpy(float)
    base_hi = grid["ladder"].map(lambda r: BASE[r][1]).to_numpy(float)
    person_base = rng.uniform(0, 1, size=len(grid))
    # amounts stay constant within a person and year (like real payroll), so draw per person
    level = base_lo + (base_hi - base_lo) * pd.Series(person_base).groupby(
        grid["person_id"].to_numpy()).transform("first").to_numpy()
    frames = []
    factors = dict(zip(ITEMS, (1.0, 1.15, 0.55, 1.45, 0.2, 0.3, 0.05), strict=True))
    for item, f in factors.items():
        amt = np.round(level * f + np.where(pd.to_datetime(grid["month"]).dt.year == 2024, 35, 0), 2)
        frames.append(grid.assign(item=item, amount=amt))
    dec = grid[pd.to_datetime(grid["month"]).dt.month == 12]
    frames.append(dec.assign(item="年终一次性奖金", amount=np.round(level[(pd.to_datetime(grid["month"]).dt.month == 12).to_numpy()] * 2.1, 2)))
    pay = pd.concat(frames, ignore_index=True).drop(columns="ladder")
    pensions = _pensions(ctx, staff, rng)

    if ctx.clean:
        payroll = pd.concat([pay, pensions], ignore_index=True)
        payroll = payroll.sort_values(["month", "person_id"], kind="stable").reset_index(drop=True)
        return {"staff": staff.drop(columns=["ladder", "gender"]), "relations": ctx.relations.copy(),
                "payroll": payroll, "payroll_deductions": deductions(ctx, payroll)}

    PK = lambda r: ("payroll", key_of("payroll", r))  # noqa: E731
    active = grid[grid["person_id"].isin(staff.loc[staff["status"] == "在职", "person_id"])]
    # ---- H03 unapproved items paid to everyone in one month ------------------------------------
    extra = []
    for item, month, amount, note in (("过节费", dt.date(2024, 9, 1), 1500.0, "中秋节向全体人员发放过节费"),
                                      ("购物卡", dt.date(2024, 1, 1), 1000.0, "春节前向全体人员发放购物卡"),
                                      ("加班费", dt.date(2023, 12, 1), 800.0, "年底向全体人员平均发放加班费")):
        rows = active[active["month"] == month].drop(columns="ladder").assign(item=item, amount=amount)
        extra.append(rows)
        ctx.plant("H03", [PK(r) for r in rows.to_dict("records")], note)

    # near-miss: an approved item (防暑降温费) paid to everyone in July
    rows = active[active["month"] == dt.date(2024, 7, 1)].drop(columns="ladder").assign(
        item="防暑降温费", amount=300.0)
    extra.append(rows)
    ctx.near_miss("H03", "payroll", key_of("payroll", rows.iloc[0].to_dict()),
                  "防暑降温费在批准的津补贴清单内，普遍发放不属违规")

    # ---- H01 ghost and paid-after-leaving ----------------------------------------------------------
    ghost_name = ctx.unique_names(1)[0]
    ghost_id = ctx.id_numbers([dt.date(1990, 4, 12)], ["男"])[0]
    ghost_acc = ctx.bank_accounts(1)[0]
    g_rows = []
    for m in MONTHS[14:20].date:
        for item, amt in (("职务工资", 1320.0), ("级别工资", 1518.0), ("规范津贴补贴", 1914.0)):
            g_rows.append({"month": m, "person_id": "ZJ9901", "name": ghost_name, "id_number": ghost_id,
                           "bank_account": ghost_acc, "item": item, "amount": amt})
    g = pd.DataFrame(g_rows)
    extra.append(g)
    ctx.plant("H01", [PK(r) for r in g_rows], f"{ghost_name}不在人员花名册中，仍连续6个月领取工资")
    tid = ctx.shared["transferred"]
    t = staff[staff["person_id"] == tid].iloc[0]
    t_rows = pay[(pay["person_id"] == tid) & (pd.to_datetime(pay["month"]) == pd.Timestamp("2023-08-01"))]
    after = []
    for m in (dt.date(2023, 9, 1), dt.date(2023, 10, 1), dt.date(2023, 11, 1)):
        after.append(t_rows.assign(month=m))
    after_df = pd.concat(after, ignore_index=True)
    extra.append(after_df)
    ctx.plant("H01", [PK(r) for r in after_df.to_dict("records")],
              f"{t['name']}已于2023年8月31日调出，9-11月仍发放工资")

    # ---- H02 one account paid under two names ---------------------------------------------------
    a, b = staff[staff["status"] == "在职"].iloc[[20, 21]].itertuples(index=False)
    mask = (pay["person_id"] == b.person_id) & (pd.to_datetime(pay["month"]) >= pd.Timestamp("2024-03-01")) \
        & (pd.to_datetime(pay["month"]) <= pd.Timestamp("2024-08-01"))
    pay.loc[mask, "bank_account"] = a.bank_account
    ev = [PK(r) for r in pay[mask].to_dict("records")]
    ev += [PK(r) for r in pay[(pay["person_id"] == a.person_id) & (pd.to_datetime(pay["month"]) == pd.Timestamp("2024-03-01"))].to_dict("records")]
    ctx.plant("H02", ev, f"{b.name}的工资2024年3-8月打入{a.name}的工资卡，同一账号对应两人")

    # ---- H02 one item paid twice in a month (the table keeps repeated keys, numbered #2) --------
    c = staff[staff["status"] == "在职"].iloc[30]
    orig = pay[(pay["person_id"] == c["person_id"]) & (pay["item"] == "岗位津贴")
               & (pd.to_datetime(pay["month"]) == pd.Timestamp("2024-05-01"))]
    extra.append(orig.copy())
    k = key_of("payroll", orig.iloc[0].to_dict())
    ctx.plant("H02", [("payroll", k), ("payroll", k + "#2")], f"{c['name']}2024年5月岗位津贴重复发放两次")

    # ---- H04 an item in no family (low, to verify), paid to a few people in three months --------
    few = active[active["person_id"].isin(active["person_id"].drop_duplicates().iloc[5:9])]
    rows = few[few["month"].isin([dt.date(2024, 3, 1), dt.date(2024, 6, 1), dt.date(2024, 9, 1)])]
    rows = rows.drop(columns="ladder").assign(item="专项工作补助", amount=600.0)
    extra.append(rows)
    ctx.plant("H04", [PK(r) for r in rows.to_dict("records")], "工资表出现清单外项目「专项工作补助」，2024年3、6、9月发放")

    # ---- near-misses -------------------------------------------------------------------------------
    p1, p2 = ctx.shared["namesakes"]
    for pid in (p1, p2):
        r = pay[(pay["person_id"] == pid)].iloc[0]
        ctx.near_miss("H02", "payroll", key_of("payroll", r.to_dict()),
                      "两名同名人员身份证号、工资卡号均不同，不是重复发放")
    rid = ctx.shared["retiring"]
    r = pay[(pay["person_id"] == rid) & (pd.to_datetime(pay["month"]) == pd.Timestamp("2024-06-01"))].iloc[0]
    ctx.near_miss("H01", "payroll", key_of("payroll", r.to_dict()), "2024年6月15日退休，发放6月工资不属吃空饷")
    r = pensions.iloc[0]
    ctx.near_miss("H01", "payroll", key_of("payroll", r.to_dict()), "退休人员按月领取离退休费，不属吃空饷")

    payroll = pd.concat([pay, pensions, *extra], ignore_index=True)
    payroll = payroll.sort_values(["month", "person_id"], kind="stable").reset_index(drop=True)
    staff_out = staff.drop(columns=["ladder", "gender"])
    return {"staff": staff_out, "relations": ctx.relations.copy(), "payroll": payroll,
            "payroll_deductions": deductions(ctx, payroll)}


# 代扣/扣款 withheld every month, as shares of the base pay (职务工资 + 级别工资) of that month:
# social insurance, occupational annuity and housing fund at their statutory personal rates.
DEDUCTION_RATES = {"养老保险": 0.08, "医疗保险": 0.02, "职业年金": 0.04, "失业保险": 0.005,
                   "住房公积金": 0.12}
DEDUCTIONS = [*DEDUCTION_RATES, "个人所得税"]


def deductions(ctx: SynthContext, payroll: pd.DataFrame) -> pd.DataFrame:
    """``payroll_deductions``: the deductions of every person-month paid a base salary
    (retirees' 离退休费 carry none). Drawn from their own stream, so the other tables do not
    change when deductions change."""
    rng = ctx.sub_rng("payroll-deductions")
    first = payroll.drop_duplicates(["month", "person_id", "item"])
    base = first[first["item"].isin(["职务工资", "级别工资"])].groupby(
        ["month", "person_id", "name", "id_number"], sort=True, as_index=False)["amount"].sum()
    frames = [base.assign(item=item, amount=np.round(base["amount"] * rate, 2))
              for item, rate in DEDUCTION_RATES.items()]
    tax = np.round(base["amount"] * rng.uniform(0.02, 0.05, len(base)), 2)
    frames.append(base.assign(item="个人所得税", amount=tax))
    out = pd.concat(frames, ignore_index=True)
    out["item"] = pd.Categorical(out["item"], DEDUCTIONS, ordered=True)
    out = out.sort_values(["month", "person_id", "item"], kind="stable").reset_index(drop=True)
    out["item"] = out["item"].astype(str)
    return out[["month", "person_id", "id_number", "name", "item", "amount"]]


def _pensions(ctx: SynthContext, staff: pd.DataFrame, rng) -> pd.DataFrame:
    """离退休费 and 退休补贴 for everyone retired before a month of the period, from the month
    after retirement (a 统发 payroll pays retirees too)."""
    rows = []
    retired = staff[(staff["status"] == "退休") & staff["leave_date"].notna()]
    for _, p in retired.iterrows():
        base = float(np.round(rng.uniform(3200, 5200), 0))
        for m in MONTHS.date:
            if m <= p["leave_date"]:
                continue
            for item, f in PENSION.items():
                rows.append({"month": m, "person_id": p["person_id"], "name": p["name"],
                             "id_number": p["id_number"], "bank_account": p["bank_account"],
                             "item": item, "amount": round(base * f / 1.9, 2)})
    return pd.DataFrame(rows, columns=["month", "person_id", "name", "id_number", "bank_account", "item",
                                       "amount"])
