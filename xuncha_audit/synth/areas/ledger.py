"""Ledger area: ``ledger`` (序时账), generated vectorised and streamable in chunks.

``iter_chunks(ctx)`` yields the baseline in voucher-date order (chunks of ~125k lines, each from
its own seeded stream), then the planted vouchers; ``generate(ctx)`` concatenates them (fine up
to a few hundred thousand lines; the CLI streams bigger scales). Planted rows and the answer key
are fixed before streaming (``plants(ctx)``), independent of the chunk size.

Baseline (must not be flagged): vouchers of 1-3 expense debit lines and one credit line
(零余额账户用款额度 or 银行存款) dated on official workdays, spread evenly over the months;
debit amounts log-uniform over whole decades per account (e.g. 办公费 100-10,000, 工资
10,000-1,000,000) so first digits follow Benford's law and multiples of 1,000 are rare; summaries free of sensitive, vague or hospitality words outside the
hospitality account; counterparties are companies (no canteen/union/association/individuals);
no cash withdrawals.

Planted (dedicated accounts/people so the evidence is known at any scale): L01 (6), L02 (4),
L03 (1 counterparty with 520 vouchers of 4,500-4,999), L04 (1 person: round thousands), L05 (3),
L06 (1 account: 专用设备购置 with ~45% of 2024 spend in December), L07 (2), L08 (3);
near-misses: 酒店/烟台/酒精 in summaries, petty cash of 8,500 and a 3,200 personal loan (L02), an adjusted working Saturday, equal quarterly
installments 91 days apart. Baseline in every mode: the office rent, the same amount paid to the
landlord on the 15th (or the next workday) of every month (L07 near-misses). With ``ctx.clean``
only the rent is written: no plant, no near-miss.

Evidence keys: every line of a planted voucher (debit and credit lines carry the same summary),
except L08 which cites the debit line booked under the wrong account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd

from xuncha_audit.synth.core import DEPARTMENTS, SynthContext, key_of

COLUMNS = ["voucher_date", "voucher_no", "line_no", "summary", "account_code", "account_name",
           "debit", "credit", "counterparty", "department", "person", "preparer", "approver"]

# (code, name, weight, uses vendor counterparty, uses person, log10 amount range). Every range
# spans whole decades, so each account's amounts are exactly Benford-distributed.
ACCOUNTS = [
    ("5001010101", "业务活动费用-工资福利费用-基本工资", 0.05, False, False, (4, 6)),
    ("5001020101", "业务活动费用-商品和服务费用-办公费", 0.16, True, False, (2, 4)),
    ("5001020201", "业务活动费用-商品和服务费用-印刷费", 0.05, True, False, (2, 5)),
    ("5001020601", "业务活动费用-商品和服务费用-水电费", 0.05, True, False, (3, 5)),
    ("5001020701", "业务活动费用-商品和服务费用-邮电费", 0.04, True, False, (2, 4)),
    ("5001020901", "业务活动费用-商品和服务费用-物业管理费", 0.04, True, False, (4, 5)),
    ("5001021101", "业务活动费用-商品和服务费用-差旅费", 0.18, False, True, (2, 4)),
    ("5001021301", "业务活动费用-商品和服务费用-维修（护）费", 0.07, True, False, (2, 5)),
    ("5001021501", "业务活动费用-商品和服务费用-会议费", 0.05, True, False, (3, 5)),
    ("5001021601", "业务活动费用-商品和服务费用-培训费", 0.05, True, False, (3, 5)),
    ("5001021701", "业务活动费用-商品和服务费用-公务接待费", 0.04, True, False, (2, 4)),
    ("5001022601", "业务活动费用-商品和服务费用-劳务费", 0.04, False, True, (2, 4)),
    ("5001022701", "业务活动费用-商品和服务费用-委托业务费", 0.06, True, False, (3, 6)),
    ("5001023101", "业务活动费用-商品和服务费用-公务用车运行维护费", 0.07, True, False, (2, 4)),
    ("5001021801", "业务活动费用-商品和服务费用-专用材料费", 0.05, True, False, (3, 5)),
]
CREDITS = [("1011", "零余额账户用款额度"), ("1002", "银行存款")]
RENT_ACCOUNT = ("5001021401", "业务活动费用-商品和服务费用-租赁费")
LANDLORD = "长沙某置业有限公司"
PLANT_ACCOUNTS = {
    "benford": ("5001022801", "业务活动费用-商品和服务费用-专家咨询费"),
    "rush": ("5001030201", "业务活动费用-资本性支出-专用设备购置"),
}

_ITEMS = ["打印纸", "硒鼓", "文件盒", "档案袋", "签字笔", "笔记本", "装订耗材", "电脑配件", "墨盒", "文件柜配件"]
_DOCS = ["政策汇编", "工作简报", "执法文书", "宣传手册", "档案封面", "会议材料", "年度报告"]
_CITIES = ["北京", "上海", "广州", "武汉", "南京", "杭州", "成都", "西安", "郑州", "南宁"]
_MEETINGS = ["全市住房保障工作会议", "建筑施工安全生产工作会", "城市更新推进会", "物业管理工作会", "年度工作总结会"]
_TRAININGS = ["建筑市场监管业务", "工程质量监督人员", "财务人员", "城建档案管理", "安全生产执法"]
_GUESTS = ["省住建厅检查组", "某县住建局考察组", "市纪委监委调研组", "省质监总站督查组"]
_REPAIRS = ["办公楼屋面", "空调", "电梯", "消防设施", "机房", "门禁系统"]
_LABOUR = ["临时聘用人员", "专家评审", "档案整理", "数据录入"]
_DELEGATE = ["工程造价审核", "规划编制", "检测", "测绘", "信息系统运维"]
_MATERIAL = ["检测试剂", "执法记录仪配件", "应急物资", "测量工具", "安全帽和反光背心"]


def _summary_pool(ctx: SynthContext, code: str, plates: list[str]) -> list[str]:
    m = [f"{i}月" for i in range(1, 13)]
    if code.endswith("010101"):
        return [f"发放{x}工资" for x in m]
    name = {a[0]: a[1] for a in ACCOUNTS}[code].rsplit("-", 1)[-1]
    pools = {
        "办公费": [f"购买{x}" for x in _ITEMS] + [f"支付{x}办公用品费" for x in m],
        "印刷费": [f"印制{x}" for x in _DOCS],
        "水电费": [f"缴纳{x}水费" for x in m] + [f"缴纳{x}电费" for x in m],
        "邮电费": [f"缴纳{x}电话费" for x in m] + ["邮寄费", "宽带服务费", "机要邮件寄送费"],
        "物业管理费": [f"支付{x}物业管理费" for x in ("第一季度", "第二季度", "第三季度", "第四季度")],
        "差旅费": [f"报销赴{c}出差差旅费" for c in _CITIES],
        "维修（护）费": [f"{x}维修费" for x in _REPAIRS],
        "会议费": [f"召开{x}会务费" for x in _MEETINGS],
        "培训费": [f"{x}培训费" for x in _TRAININGS],
        "公务接待费": [f"接待{x}工作餐费" for x in _GUESTS],
        "劳务费": [f"支付{x}劳务费" for x in _LABOUR],
        "委托业务费": [f"支付{x}服务费" for x in _DELEGATE],
        "公务用车运行维护费": [f"{p}燃油费" for p in plates[:6]] + [f"{p}维修保养费" for p in plates[:6]]
        + ["公务用车保险费", "公务用车过路过桥费"],
        "专用材料费": [f"购买{x}" for x in _MATERIAL],
    }
    return pools[name]


class _Pools:
    def __init__(self, ctx: SynthContext) -> None:
        plates = ctx.shared.get("plates") or ["湘A00001"]
        self.codes = np.array([a[0] for a in ACCOUNTS])
        self.names = np.array([a[1] for a in ACCOUNTS])
        w = np.array([a[2] for a in ACCOUNTS])
        self.weights = w / w.sum()
        self.uses_vendor = np.array([a[3] for a in ACCOUNTS])
        self.uses_person = np.array([a[4] for a in ACCOUNTS])
        self.lo = np.array([a[5][0] for a in ACCOUNTS], dtype=float)
        self.hi = np.array([a[5][1] for a in ACCOUNTS], dtype=float)
        pools = [_summary_pool(ctx, c, plates) for c in self.codes]
        self.summ_offsets = np.cumsum([0] + [len(p) for p in pools])
        self.summ_sizes = np.array([len(p) for p in pools])
        self.summaries = np.array([s for p in pools for s in p], dtype=object)
        self.vendors = ctx.vendors["vendor"].to_numpy(dtype=object)
        staff = ctx.staff_by(None)
        excluded = set(ctx.shared.get("ledger_reserved_people", ()))
        self.people = np.array([n for n in staff["name"] if n not in excluded], dtype=object)
        fin = staff[staff["department"] == "计划财务科"]["name"].tolist() or staff["name"].tolist()
        self.preparers = np.array(fin[:2] if len(fin) >= 2 else fin * 2, dtype=object)
        self.approver = fin[-1]
        self.depts = np.array(DEPARTMENTS, dtype=object)


def _voucher_calendar(ctx: SynthContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates (sorted), within-month sequence numbers and debit-line counts of every voucher.

    Drawn once for the whole ledger, so voucher numbers and keys do not depend on the chunk
    size (amounts, accounts and summaries come from per-chunk streams).
    """
    n_v = round(ctx.size["ledger_lines"] / 2.5)
    rng = ctx.sub_rng("ledger-calendar")
    wd = np.array(ctx.workdays, dtype="datetime64[D]")
    dates = np.sort(wd[rng.integers(0, len(wd), size=n_v)])
    months = dates.astype("datetime64[M]")
    first = np.searchsorted(months, months, side="left")
    seq = np.arange(n_v) - first + 1
    k = rng.choice(np.array([1, 2, 3], dtype=np.int8), size=n_v, p=[0.6, 0.3, 0.1]).astype(np.int64)
    return dates, seq, k


def iter_chunks(ctx: SynthContext, chunk_vouchers: int = 50_000,
                include_plants: bool = True) -> Iterator[pd.DataFrame]:
    """Baseline ledger lines in chunks (then the planted lines). Vectorised, no row loops."""
    prepare(ctx)
    pools = _Pools(ctx)
    dates, seq, kall = _voucher_calendar(ctx)
    for ci, start in enumerate(range(0, len(dates), chunk_vouchers)):
        d = dates[start:start + chunk_vouchers]
        s = seq[start:start + chunk_vouchers]
        rng = ctx.sub_rng(f"ledger-chunk-{ci}")
        nv = len(d)
        k = kall[start:start + chunk_vouchers]
        nd = int(k.sum())
        v_of_line = np.repeat(np.arange(nv), k)
        starts = np.cumsum(k) - k
        line_in_v = np.arange(nd) - np.repeat(starts, k) + 1
        acc = rng.choice(len(pools.codes), size=nd, p=pools.weights)
        amount = np.round(10 ** (pools.lo[acc] + (pools.hi[acc] - pools.lo[acc]) * rng.random(nd)), 2)
        summ_idx = pools.summ_offsets[acc] + (rng.random(nd) * pools.summ_sizes[acc]).astype(int)
        summary = pools.summaries[summ_idx]
        vend = np.where(pools.uses_vendor[acc],
                        pools.vendors[rng.integers(0, len(pools.vendors), size=nd)], None)
        pers = np.where(pools.uses_person[acc],
                        pools.people[rng.integers(0, len(pools.people), size=nd)], None)
        dept = pools.depts[rng.integers(0, len(pools.depts), size=nd)]
        prep = pools.preparers[rng.integers(0, len(pools.preparers), size=nv)]
        # credit line per voucher: the sum of its debit lines
        credit_amt = np.round(np.add.reduceat(amount, starts), 2)
        cidx = rng.choice(2, size=nv, p=[0.8, 0.2])
        first_line = starts
        ym = ((d.astype("datetime64[Y]").astype(np.int64) + 1970) * 100
              + d.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(str)
        vno_str = np.char.add(np.char.add(np.char.add("记-", ym), "-"),
                              np.char.zfill(s.astype(str), 5)).astype(object)
        vdate = d.astype("datetime64[D]")
        debit_df = pd.DataFrame({
            "voucher_date": vdate[v_of_line], "voucher_no": vno_str[v_of_line],
            "line_no": line_in_v, "summary": summary, "account_code": pools.codes[acc],
            "account_name": pools.names[acc], "debit": amount, "credit": np.nan,
            "counterparty": vend, "department": dept, "person": pers,
            "preparer": prep[v_of_line], "approver": pools.approver,
            "_order": v_of_line * 4 + line_in_v,
        })
        credit_df = pd.DataFrame({
            "voucher_date": vdate, "voucher_no": vno_str, "line_no": k + 1,
            "summary": summary[first_line], "account_code": np.array([c[0] for c in CREDITS])[cidx],
            "account_name": np.array([c[1] for c in CREDITS])[cidx], "debit": np.nan,
            "credit": credit_amt, "counterparty": vend[first_line], "department": dept[first_line],
            "person": pers[first_line], "preparer": prep, "approver": pools.approver,
            "_order": np.arange(nv) * 4 + k + 1,
        })
        out = pd.concat([debit_df, credit_df], ignore_index=True).sort_values("_order", kind="stable")
        yield out.drop(columns="_order").reset_index(drop=True)
    if include_plants:
        yield plants(ctx)


def _vno(d: dt.date, n: int) -> str:
    return f"记-{d:%Y%m}-{90000 + n:05d}"


def plants(ctx: SynthContext) -> pd.DataFrame:
    """Planted vouchers (computed once per context, recording the answer key the first time)."""
    if "ledger_plants" in ctx.shared:
        return ctx.shared["ledger_plants"]
    rng = ctx.sub_rng("ledger-plants")
    pools = _Pools(ctx)
    rows: list[dict] = []
    counter = [0]
    prep, appr = pools.preparers[0], pools.approver

    def voucher(day: dt.date, summary: str, debit: tuple[str, str], amount: float,
                counterparty: str | None = None, person: str | None = None,
                credit: tuple[str, str] = CREDITS[0], dept: str = "办公室") -> list[str]:
        counter[0] += 1
        vno = _vno(day, counter[0])
        base = {"voucher_date": day, "voucher_no": vno, "summary": summary,
                "counterparty": counterparty, "department": dept, "person": person,
                "preparer": prep, "approver": appr}
        rows.append({**base, "line_no": 1, "account_code": debit[0], "account_name": debit[1],
                     "debit": round(amount, 2), "credit": np.nan})
        rows.append({**base, "line_no": 2, "account_code": credit[0], "account_name": credit[1],
                     "debit": np.nan, "credit": round(amount, 2)})
        return [key_of("ledger", {"voucher_no": vno, "line_no": i}) for i in (1, 2)]

    acc = {a[1].rsplit("-", 1)[-1]: (a[0], a[1]) for a in ACCOUNTS}
    L = lambda ks: [("ledger", k) for k in ks]  # noqa: E731
    wd = lambda y, m, d: ctx.next_workday(dt.date(y, m, d))  # noqa: E731

    # ---- fixed monthly rent (baseline): the same amount on the 15th of every month -----------
    rent_keys = []
    for y in (2023, 2024):
        for m in range(1, 13):
            rent_keys.append(voucher(wd(y, m, 15), f"支付{y}年{m}月办公用房租金", RENT_ACCOUNT, 36_800.0,
                                     counterparty=LANDLORD, dept="办公室")[0])
    if ctx.clean:
        return _finish(ctx, rows)
    for k in rent_keys:
        ctx.near_miss("L07", "ledger", k, "按月固定支付办公用房租金，金额相同、每月一次，不属重复付款")

    # ---- L01 sensitive keywords ------------------------------------------------------------
    for day, summ, a, amt in [
        (wd(2024, 1, 30), "购买春节慰问购物卡", "办公费", 20_000.0),
        (wd(2023, 9, 20), "购买中秋月饼礼品", "办公费", 8_640.0),
        (wd(2024, 5, 15), "购买茅台酒招待客人", "公务接待费", 7_560.0),
        (wd(2023, 6, 13), "组织职工赴云南旅游费用", "劳务费", 46_800.0),
        (wd(2024, 8, 20), "某会所餐费", "会议费", 6_380.0),
        (wd(2023, 12, 19), "购买香烟用于检查接待", "公务接待费", 3_150.0),
    ]:
        ks = voucher(day, summ, acc[a], amt, counterparty=str(rng.choice(pools.vendors)))
        ctx.plant("L01", L(ks), f"摘要「{summ}」含八项规定敏感词")
        if a == "办公费":  # gifts booked as office expenses (a club meal under 会议费 is L01 only:
            # plain meal words are accepted under meeting/training accounts)
            ctx.plant("L08", [("ledger", ks[0])], f"礼品支出「{summ}」记入{a}")
    for day, summ, a in [(wd(2024, 4, 16), "报销出差住宿费（某酒店）", "差旅费"),
                         (wd(2023, 8, 8), "报销赴烟台出差差旅费", "差旅费"),
                         (wd(2023, 2, 14), "购买酒精消毒液", "专用材料费")]:
        ks = voucher(day, summ, acc[a], float(rng.uniform(300, 2800)))
        ctx.near_miss("L01", "ledger", ks[0], f"摘要「{summ}」含酒店/烟台/酒精，不属敏感词")

    # ---- L02 slush fund ---------------------------------------------------------------------
    other_recv = ("1218", "其他应收款")
    for day, summ, cp, amt, credit in [
        (wd(2023, 12, 26), "往来款", "机关工会委员会", 300_000.0, CREDITS[1]),
        (wd(2024, 6, 26), "暂付款", "局机关食堂", 180_000.0, CREDITS[1]),
        (wd(2024, 11, 12), "代管资金", "某市建筑业协会", 500_000.0, CREDITS[1]),
    ]:
        ks = voucher(day, summ, other_recv, amt, counterparty=cp, credit=credit, dept="计划财务科")
        ctx.plant("L02", L(ks), f"以「{summ}」名义向{cp}转出{amt / 10000:g}万元")
    ks = voucher(wd(2024, 1, 22), "提取现金", ("1001", "库存现金"), 200_000.0, credit=CREDITS[1],
                 dept="计划财务科")
    ctx.plant("L02", L(ks), "一次提取现金20万元")

    ks = voucher(wd(2023, 3, 7), "提取备用金", ("1001", "库存现金"), 8_500.0, credit=CREDITS[1],
                 dept="计划财务科")
    ctx.near_miss("L02", "ledger", ks[0], "提取备用金8500元，低于大额提现标准")
    person = ctx.staff_by("一级科员").iloc[1]["name"]
    ks = voucher(wd(2024, 3, 19), "借款", other_recv, 3_200.0, person=person, dept="办公室")
    ctx.near_miss("L02", "ledger", ks[0], "个人小额出差借款3200元，低于个人借款报告下限")

    # ---- L03 Benford: a dedicated counterparty whose amounts all start with 4 -------------------
    # The check judges entities with >= 1,000 amounts (Nigrini): 520 vouchers give the
    # counterparty 1,040 lines; the accounts (专家咨询费 / 其他应付款) stay below 1,000 lines.
    ben = PLANT_ACCOUNTS["benford"]
    ev = []
    for day in sorted(ctx.random_workdays(520, rng=rng)):
        ev += voucher(day, "支付专家评审咨询费", ben, float(rng.uniform(4500, 4999.99)),
                      counterparty="长沙某咨询服务部", credit=("2307", "其他应付款"))
    ctx.plant("L03", L(ev), "长沙某咨询服务部520笔咨询费金额均为4500-4999元（卡5000元审批线），首位数字偏离本福特分布")

    # ---- L04 round amounts: a dedicated person --------------------------------------------------
    person = ctx.shared["ledger_reserved_people"][0]
    ev = []
    for day in sorted(ctx.random_workdays(40, rng=rng)):
        k = int(np.floor(10 ** rng.uniform(0, 1.3)))
        ev += voucher(day, "报销差旅费", acc["差旅费"], float(max(1, k) * 1000), person=person)
    ctx.plant("L04", L(ev), f"{person}名下40笔报销均为1000元的整数倍")

    # ---- L05 rest-day postings ---------------------------------------------------------------------
    for day in (dt.date(2024, 10, 3), dt.date(2023, 7, 16), dt.date(2024, 2, 12)):
        ks = voucher(day, "支付" + str(rng.choice(_DELEGATE)) + "服务费", acc["委托业务费"],
                     float(rng.uniform(2000, 30000)), counterparty=str(rng.choice(pools.vendors)))
        ctx.plant("L05", L(ks), f"凭证日期{day}为休息日或法定节假日")
    adj = next(d for d in ctx.adjusted_workdays if d.year == 2023)
    ks = voucher(adj, "支付检测服务费", acc["委托业务费"], 12_345.6,
                 counterparty=str(rng.choice(pools.vendors)))
    ctx.near_miss("L05", "ledger", ks[0], f"{adj}为调休上班日，不属休息日记账")

    # ---- L06 December rush: a dedicated account -----------------------------------------------------
    rush = PLANT_ACCOUNTS["rush"]
    ev = []
    for y in (2023, 2024):
        for m in range(1, 13):
            for _ in range(2):
                day = ctx.random_workdays(1, dt.date(y, m, 1), dt.date(y, m, 28), rng=rng)[0]
                ks = voucher(day, "购置检测设备", rush, float(10 ** rng.uniform(np.log10(5000), np.log10(50000))),
                             counterparty=str(rng.choice(pools.vendors)))
                if y == 2024 and m == 12:
                    ev += ks
    for _ in range(6):
        day = ctx.random_workdays(1, dt.date(2024, 12, 1), dt.date(2024, 12, 31), rng=rng)[0]
        ev += voucher(day, "购置执法检测设备", rush, float(10 ** rng.uniform(np.log10(20000), np.log10(200000))),
                      counterparty=str(rng.choice(pools.vendors)))
    ctx.plant("L06", L(ev), "专用设备购置2024年12月支出约占全年45%，远高于月均")

    # ---- L07 duplicate payments --------------------------------------------------------------------
    for d1, gap, amt in ((dt.date(2024, 3, 12), 12, 38_650.0), (dt.date(2023, 10, 17), 8, 12_480.0)):
        cp = str(rng.choice(pools.vendors))
        k1 = voucher(ctx.next_workday(d1), "支付维修费", acc["维修（护）费"], amt, counterparty=cp)
        k2 = voucher(ctx.next_workday(d1 + dt.timedelta(days=gap)), "支付维修费", acc["维修（护）费"], amt,
                     counterparty=cp)
        ctx.plant("L07", L(k1 + k2), f"同一单位{cp}相隔{gap}天两次支付相同金额{amt:,.2f}元")
    cp = str(rng.choice(pools.vendors))
    for q in (dt.date(2023, 1, 16), dt.date(2023, 4, 17), dt.date(2023, 7, 17), dt.date(2023, 10, 16)):
        ks = voucher(q, "支付季度物业管理费（合同分期）", acc["物业管理费"], 97_500.0, counterparty=cp)
        ctx.near_miss("L07", "ledger", ks[1], "同一合同按季度分期付款，金额相同但相隔约91天")

    # ---- L08 account misuse -------------------------------------------------------------------------
    for day, summ, a in [(wd(2024, 4, 23), "接待省厅检查组用餐", "会议费"),
                         (wd(2023, 11, 21), "招待来访客人餐费", "培训费"),
                         (wd(2024, 9, 10), "业务招待费", "印刷费")]:
        ks = voucher(day, summ, acc[a], float(rng.uniform(1200, 5800)),
                     counterparty=str(rng.choice(pools.vendors)))
        ctx.plant("L08", [("ledger", ks[0])], f"招待类支出「{summ}」记入{a}")

    return _finish(ctx, rows)


def _finish(ctx: SynthContext, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["voucher_date"] = pd.to_datetime(df["voucher_date"])
    df = df.sort_values(["voucher_date", "voucher_no", "line_no"], kind="stable").reset_index(drop=True)
    ctx.shared["ledger_plants"] = df
    return df


def reserve_people(ctx: SynthContext) -> None:
    """Keep the L04 person out of the baseline person pool (call before streaming)."""
    if "ledger_reserved_people" not in ctx.shared:
        clerks = ctx.staff_by("一级科员")
        ctx.shared["ledger_reserved_people"] = [clerks.iloc[len(clerks) // 2]["name"]]


def prepare(ctx: SynthContext) -> None:
    """Fix the planted rows and answer key before any streaming."""
    reserve_people(ctx)
    plants(ctx)


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    prepare(ctx)
    return {"ledger": pd.concat(list(iter_chunks(ctx)), ignore_index=True)}
