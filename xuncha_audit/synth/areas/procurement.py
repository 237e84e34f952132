"""Procurement area: ``contracts``, ``payments``, ``bids``, ``vendors``.

Baseline (must not be flagged):
* tendered projects (公开招标) with 3-6 bidders each: distinct contacts/phones/addresses/accounts/
  IPs/machine codes, losing bids spaced >= 3% apart, no bidder triple meeting 3 times, one winner
  per category-year each, at least four per category-year so no vendor holds half a category;
* small non-tendered contracts (20k-260k): a vendor has at most one per year (2023 in H1, 2024 in
  H2, so > 180 days apart), objects distinct within a department and category;
* no amount in [90%, 100%) of any plausible threshold (30万, 50万, 60万, 100万, 120万, 200万, 400万);
* payments after the sign date, summing to at most the contract amount;
* vendors registered years before, unrelated to staff and relatives.

Thresholds as in the standards data (地方, 市级): open tender 货物/服务 100万, 工程 400万;
procurement limit 30万 (货物/服务), 60万 (工程). Planted P01 groups reach 100万/400万 or 30万.

Planted: P01 (6 groups: same vendor, similar names, procurement limit; issue 12: the statutory
fiscal-year 品目 test across departments and vendors, consecutive numbers signed the same day, a 2015
pair judged by the 2015 standard), P02 (17 contracts + 1 unit-level bunching group), P03 (3 + 1 exactly at
the threshold), P04 (5 sub-rules), P05 (3), P06 (1 + incidental), P07 (2), P08 (1); near-misses for
P01 (outside the window, sum just below, one contract tendered, the same item in two fiscal years,
30 monthly direct purchases, government procurement methods above the limit, 2015 below the 2015
standard), P02, P03, P04 (similar addresses
and phones), P05 (no contract; a name one character off), P06, P07, P08 (120 days; exactly 90 days).
``_near_misses`` draws only from the procurement stream, so the later areas are unaffected.
Incidental P06 findings caused by other plants (e.g. the P01 split group is also 5
non-competitive contracts in a year) are recorded by ``_incidental_p06``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xuncha_audit.synth.core import DEPARTMENTS, SynthContext, key_of

OPEN_TENDER = {"货物": 2_000_000, "服务": 2_000_000, "工程": 4_000_000}
BANDS = [300_000, 500_000, 600_000, 1_000_000, 1_200_000, 2_000_000, 4_000_000]
NON_COMPETITIVE = ("单一来源", "直接采购", "自行采购")

OBJECTS = {
    "货物": ["办公电脑", "复印机", "档案密集架", "执法记录仪", "无人机", "会议室音视频设备", "空调设备",
           "办公家具", "服务器", "网络交换机", "打印机耗材", "应急物资", "检测仪器", "测量设备",
           "显示大屏", "UPS电源", "安防监控设备", "公文柜", "扫描仪", "移动执法终端"],
    "服务": ["物业管理服务", "信息系统运维服务", "工程造价咨询服务", "法律顾问服务", "财务审计服务",
           "地形测绘服务", "档案数字化服务", "宣传品印制服务", "业务软件开发", "网络安全等级保护测评",
           "保洁服务", "安保服务", "课题研究", "专项规划编制", "数据治理服务", "政务新媒体运营"],
    "工程": ["老旧小区改造工程", "办公楼维修工程", "市政道路提质改造工程", "排水管网改造工程",
           "公厕改造工程", "保障性住房配套工程", "农村危房改造工程", "人行道改造工程", "绿化提质工程",
           "屋面防水工程", "消防设施改造工程", "停车场建设工程"],
}
TENDER_SITES = ["芙蓉片区", "天心片区", "岳麓片区", "开福片区", "雨花片区", "高新片区", "经开片区",
                "城南片区", "城北片区", "滨江片区", "湘江新区", "东城片区"]


def _in_band(x: float) -> bool:
    return any(0.9 * t <= x < t for t in BANDS)


def _fix_band(x: float) -> float:
    while _in_band(x):
        x *= 0.87
    return round(x, 2)


def _date_in(ctx: SynthContext, start: dt.date, end: dt.date, rng) -> dt.date:
    return ctx.random_workdays(1, start, end, rng=rng)[0]


class _Builder:
    def __init__(self, ctx: SynthContext) -> None:
        self.ctx = ctx
        self.rng = ctx.sub_rng("procurement")
        self.contracts: list[dict] = []
        self.payments: list[dict] = []
        self.bids: list[dict] = []
        self.vendors = ctx.vendors.copy()
        self.vendors["contact"] = ctx.unique_names(len(self.vendors))
        self.vendors["fingerprint"] = [
            "-".join(f"{int(x):02X}" for x in self.rng.integers(0, 256, size=6))
            for _ in range(len(self.vendors))
        ]
        self._seq: dict[int, int] = {}
        self._proj: dict[int, int] = {}
        self._pay = 0
        self._by_name: dict | None = None

    # -- helpers -------------------------------------------------------------
    def vendor(self, name: str) -> dict:
        if self._by_name is None:
            self._by_name = {r["vendor"]: r for r in self.vendors.to_dict("records")}
        return self._by_name[name]

    def add_vendors(self, n: int, **over) -> list[str]:
        v = self.ctx.make_vendors(n)
        v["contact"] = self.ctx.unique_names(n)
        v["fingerprint"] = ["-".join(f"{int(x):02X}" for x in self.rng.integers(0, 256, size=6))
                            for _ in range(n)]
        for k, val in over.items():
            v[k] = val
        self.vendors = pd.concat([self.vendors, v], ignore_index=True)
        self._by_name = None
        return v["vendor"].tolist()

    def contract_no(self, year: int) -> str:
        self._seq[year] = self._seq.get(year, 0) + 1
        return f"HT-{year}-{self._seq[year]:03d}"

    def project_code(self, year: int) -> str:
        self._proj[year] = self._proj.get(year, 0) + 1
        return f"ZJCG{year}-{self._proj[year]:03d}"

    def contract(self, vendor: str, amount: float, sign: dt.date, method: str, category: str,
                 name: str, department: str, project_code: str | None = None,
                 pay: bool = True) -> str:
        v = self.vendor(vendor)
        no = self.contract_no(sign.year)
        self.contracts.append({
            "contract_no": no, "contract_name": name, "vendor": vendor,
            "vendor_id": v["vendor_id"] if self.rng.random() < 0.85 else None,
            "amount": round(float(amount), 2), "sign_date": sign, "procurement_method": method,
            "category": category, "department": department, "project_code": project_code,
        })
        if pay:
            self.pay_contract(no, amount, sign)
        return no

    def payment(self, contract_no: str, amount: float, day: dt.date) -> str:
        self._pay += 1
        no = f"FK{day:%Y%m}{self._pay:04d}"
        self.payments.append({"payment_no": no, "contract_no": contract_no, "pay_date": day,
                              "amount": round(float(amount), 2),
                              "voucher_no": f"记-{day:%Y%m}-{int(self.rng.integers(1, 400)):05d}"})
        return no

    def pay_contract(self, contract_no: str, amount: float, sign: dt.date) -> list[str]:
        plans = [[1.0], [0.3, 0.7], [0.3, 0.65], [0.4, 0.55, 0.05]]
        plan = plans[int(self.rng.integers(0, len(plans)))]
        day = sign
        out = []
        for frac in plan:
            day = self.ctx.next_workday(day + dt.timedelta(days=int(self.rng.integers(15, 120))))
            if day > dt.date(2024, 12, 31):
                break
            out.append(self.payment(contract_no, round(amount * frac, 2), day))
        return out

    def bid_rows(self, project: str, bidders: list[str], amounts: list[float], winner: int,
                 **over_by_index) -> None:
        for i, (b, a) in enumerate(zip(bidders, amounts, strict=True)):
            v = self.vendor(b)
            row = {
                "project_code": project, "bidder": b, "bidder_id": v["vendor_id"],
                "bid_amount": round(float(a), 2), "is_winner": i == winner,
                "contact_person": v["contact"], "contact_phone": v["phone"],
                "address": v["address"], "bank_account": v["bank_account"],
                "bid_ip": "222.{}.{}.{}".format(*(int(x) for x in self.rng.integers(1, 255, 3))),
                "doc_fingerprint": v["fingerprint"],
            }
            row.update(over_by_index.get(f"b{i}", {}))
            self.bids.append(row)

    def spread_ratios(self, k: int) -> list[float]:
        return list(1.02 + np.cumsum(self.rng.uniform(0.03, 0.07, size=k)))


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    b = _Builder(ctx)
    rng = b.rng
    cats = ["货物", "服务", "工程"]
    by_cat = {c: b.vendors.loc[b.vendors["trade"] == c, "vendor"].tolist() for c in cats}
    depts = DEPARTMENTS[2:]

    # ---- baseline tendered projects ------------------------------------------------------
    per_cell = max(4, ctx.size["projects"] // 6)
    triples: dict[frozenset, int] = {}
    used_names: set[str] = set()
    for year in (2023, 2024):
        for cat in cats:
            pool = by_cat[cat]
            winners = list(rng.choice(pool, size=min(per_cell, len(pool)), replace=False))
            for w in winners:
                for _ in range(50):
                    k = int(rng.integers(3, 7))
                    others = [x for x in pool if x != w]
                    losers = list(rng.choice(others, size=min(k - 1, len(others)), replace=False))
                    group = [w, *losers]
                    combos = _triples(group)
                    if all(triples.get(t, 0) < 2 for t in combos):
                        for t in combos:
                            triples[t] = triples.get(t, 0) + 1
                        break
                lo, hi = (2.05e6, 3.6e6) if cat != "工程" else (4.1e6, 7.9e6)
                amount = _fix_band(float(rng.uniform(lo, hi)))
                sign = _date_in(ctx, dt.date(year, 2, 1), dt.date(year, 11, 30), rng)
                proj = b.project_code(year)
                name = f"{year}年{rng.choice(TENDER_SITES)}{rng.choice(OBJECTS[cat])}项目"
                while name in used_names:
                    name = f"{year}年{rng.choice(TENDER_SITES)}{rng.choice(OBJECTS[cat])}项目"
                used_names.add(name)
                b.contract(w, amount, sign, "公开招标", cat, name, str(rng.choice(depts)), proj)
                ratios = b.spread_ratios(len(group) - 1)
                b.bid_rows(proj, group, [amount] + [amount * r for r in ratios], 0)

    # ---- baseline small contracts (non-tendered) ------------------------------------------
    used_obj: set[tuple] = set()
    methods = ["询价", "竞争性谈判", "竞争性磋商", "直接采购", "自行采购", "单一来源", "框架协议"]
    mp = np.array([0.2, 0.12, 0.18, 0.22, 0.16, 0.04, 0.08])
    base_vendors = b.vendors["vendor"].tolist()
    for year, (s, e) in ((2023, (dt.date(2023, 1, 5), dt.date(2023, 6, 30))),
                         (2024, (dt.date(2024, 7, 1), dt.date(2024, 12, 20)))):
        for vname in base_vendors:
            if rng.random() < 0.3:
                continue
            cat = b.vendor(vname)["trade"]
            for _ in range(20):
                dept = str(rng.choice(depts))
                obj = str(rng.choice(OBJECTS[cat]))
                if (dept, cat, obj) not in used_obj:
                    used_obj.add((dept, cat, obj))
                    break
            amount = float(ctx.lognormal_amounts(1, 20_000, 260_000, rng=rng)[0])
            method = str(rng.choice(methods, p=mp / mp.sum()))
            sign = _date_in(ctx, s, e, rng)
            suffix = "采购" if cat == "货物" else ("项目" if cat == "服务" else "")
            b.contract(vname, amount, sign, method, cat, f"{year}年{dept}{obj}{suffix}", dept)

    _plant(ctx, b, by_cat, depts)
    _near_misses(ctx, b)

    contracts = pd.DataFrame(b.contracts)
    payments = pd.DataFrame(b.payments)
    _incidental_p06(ctx, contracts)
    vendors = b.vendors.drop(columns=["trade", "contact", "fingerprint"])
    return {"contracts": contracts, "payments": payments, "bids": pd.DataFrame(b.bids),
            "vendors": vendors}


def _triples(group: list[str]) -> list[frozenset]:
    from itertools import combinations

    return [frozenset(c) for c in combinations(group, 3)]


def _plant(ctx: SynthContext, b: _Builder, by_cat: dict, depts: list[str]) -> None:
    rng = b.rng
    K = lambda no: ("contracts", key_of("contracts", {"contract_no": no}))  # noqa: E731

    # ---- P01 split tenders ------------------------------------------------------------------
    [va] = b.add_vendors(1, trade="货物")
    nos = []
    for amt, d in zip([520_000, 610_000, 645_000, 685_000],
                      [dt.date(2024, 3, 4), dt.date(2024, 4, 16), dt.date(2024, 5, 28),
                       dt.date(2024, 7, 9)], strict=True):
        nos.append(b.contract(va, amt + float(rng.integers(0, 900)), d, str(rng.choice(["询价", "竞争性磋商"])),
                              "货物", f"2024年执法装备采购（{len(nos) + 1}）", "工程质量安全监管科"))
    ctx.plant("P01", [K(n) for n in nos], "同一供应商150天内4份货物合同，均低于200万元公开招标限额，合计约246万元")

    vend = b.add_vendors(3, trade="工程")
    nos = []
    for i, (amt, d) in enumerate(zip([1_320_000, 1_450_000, 1_380_000],
                                     [dt.date(2023, 5, 8), dt.date(2023, 6, 12), dt.date(2023, 8, 1)],
                                     strict=True)):
        nos.append(b.contract(vend[i], amt, d, "竞争性磋商", "工程",
                              f"局机关办公楼外墙维修工程（{'一二三'[i]}期）", "办公室"))
    ctx.plant("P01", [K(n) for n in nos], "同一部门同类工程名称近似，3份合同85天内签订，合计415万元，达到400万元招标限额")

    [vc] = b.add_vendors(1, trade="服务")
    nos = []
    for amt, d in zip([108_000, 126_000, 97_000, 131_000, 115_000],
                      [dt.date(2024, 2, 19), dt.date(2024, 3, 12), dt.date(2024, 4, 8),
                       dt.date(2024, 5, 7), dt.date(2024, 6, 3)], strict=True):
        nos.append(b.contract(vc, amt, d, "直接采购", "服务", f"住房保障数据核查服务（第{len(nos) + 1}批）",
                              "住房保障科"))
    ctx.plant("P01", [K(n) for n in nos], "同一供应商5份服务合同，单笔低于30万元采购限额，合计57.7万元")

    # near-miss: three contracts just outside the 180-day window
    [vn] = b.add_vendors(1, trade="货物")
    for amt, d in zip([650_000, 700_000, 720_000],
                      [dt.date(2023, 1, 9), dt.date(2023, 7, 10), dt.date(2024, 1, 8)], strict=True):
        obj = {2023: {1: "检测耗材", 7: "实验仪器配件"}, 2024: {1: "标准试块"}}[d.year][d.month]
        no = b.contract(vn, amt, d, "询价", "货物", f"{d.year}年{d.month}月{obj}采购", "科技与标准定额科")
        ctx.near_miss("P01", "contracts", key_of("contracts", {"contract_no": no}),
                      "同一供应商3份不同品目的合同相隔182天以上，任意180天窗口内合计低于公开招标数额标准")

    # ---- P02 threshold bunching --------------------------------------------------------------
    for amt, cat, meth, dept, obj in [
        (960_000, "货物", "询价", "行政审批科", "政务服务大厅自助终端"),
        (935_000, "货物", "竞争性谈判", "城市建设科", "城市体检监测设备"),
        (985_000, "服务", "竞争性磋商", "房地产市场监管科", "房屋网签备案系统运维"),
        (918_000, "服务", "竞争性磋商", "村镇建设科", "农房信息采集服务"),
        (3_880_000, "工程", "竞争性磋商", "住房保障科", "公租房小区消防整改工程"),
        (288_000, "服务", "直接采购", "法规科", "行政执法案卷评查服务"),
    ]:
        [v] = b.add_vendors(1, trade=cat)
        d = _date_in(ctx, dt.date(2023, 3, 1), dt.date(2024, 10, 31), rng)
        no = b.contract(v, amt, d, meth, cat, f"{d.year}年{obj}", dept)
        ctx.plant("P02", [K(no)], f"合同金额{amt / 10000:g}万元，处于限额标准的90%-100%区间")
    # statistical bunching: 11 more service contracts just under the 30万 procurement limit (none
    # just above) from different vendors and departments -> one unit-level finding as well
    objs = ["直饮水设备维保服务", "档案寄存服务", "办公区绿植租摆服务", "公文流转系统升级服务", "舆情监测服务",
            "安全生产第三方巡查服务", "房屋安全鉴定服务", "政务新媒体内容制作", "节能改造可行性研究",
            "工程资料扫描服务", "住房租赁价格监测服务"]
    for i, obj in enumerate(objs):
        [v] = b.add_vendors(1, trade="服务")
        d = _date_in(ctx, dt.date(2023, 2, 1) + dt.timedelta(days=61 * i),
                     dt.date(2023, 3, 20) + dt.timedelta(days=61 * i), rng)
        amt = float(271_000 + int(rng.integers(0, 28_000)))
        no = b.contract(v, amt, d, str(rng.choice(["竞争性磋商", "询价", "直接采购"])), "服务",
                        f"{d.year}年{obj}", depts[i % len(depts)])
        ctx.plant("P02", [K(no)], f"服务合同{amt / 10000:g}万元，处于30万元采购限额的90%-100%区间")
    band = [c["contract_no"] for c in b.contracts
            if c["category"] == "服务" and 270_000 <= c["amount"] < 300_000]
    ctx.plant("P02", [K(n) for n in band],
              f"2023-2024年{len(band)}份服务合同落在30万元限额下方90%-100%区间，上方100%-110%区间为0份（扎堆）")
    [v] = b.add_vendors(1, trade="货物")
    no = b.contract(v, 1_000_000, dt.date(2024, 4, 10), "公开招标", "货物", "2024年城建档案数字化设备", "办公室")
    ctx.near_miss("P02", "contracts", key_of("contracts", {"contract_no": no}), "金额恰为100万元且公开招标，不在[90%,100%)区间")
    ctx.near_miss("P03", "contracts", key_of("contracts", {"contract_no": no}), "达到公开招标限额且已公开招标")
    [v] = b.add_vendors(1, trade="服务")
    no = b.contract(v, 880_000, dt.date(2023, 9, 19), "竞争性磋商", "服务", "2023年白蚁防治服务", "住房保障科")
    ctx.near_miss("P02", "contracts", key_of("contracts", {"contract_no": no}), "金额为限额的88%，在90%区间之外")

    # ---- P03 tender required -----------------------------------------------------------------
    for amt, cat, meth, obj, d in [
        (4_800_000, "货物", "竞争性谈判", "智慧工地监管平台硬件", dt.date(2024, 6, 18)),
        (6_200_000, "工程", "单一来源", "棚户区改造配套道路工程", dt.date(2023, 9, 12)),
        (2_600_000, "服务", "邀请招标", "城市更新专项规划编制", dt.date(2024, 8, 21)),
    ]:
        [v] = b.add_vendors(1, trade=cat)
        no = b.contract(v, amt, d, meth, cat, f"{d.year}年{obj}", "城市建设科")
        ctx.plant("P03", [K(no)], f"{amt / 10000:g}万元{cat}合同达到公开招标限额，采购方式为{meth}")

    # ---- P04 collusive bidding ---------------------------------------------------------------
    def project(cat: str, n: int, d: dt.date, new: bool = True) -> tuple[str, list[str], float, str]:
        bidders = b.add_vendors(n, trade=cat) if new else []
        proj = b.project_code(d.year)
        amount = _fix_band(float(rng.uniform(2.1e6, 3.3e6)))
        no = b.contract(bidders[0], amount, d, "公开招标", cat, f"{d.year}年{rng.choice(TENDER_SITES)}"
                        f"{rng.choice(OBJECTS[cat])}项目", str(rng.choice(depts)), proj)
        return proj, bidders, amount, no

    BK = lambda p, v: ("bids", key_of("bids", {"project_code": p, "bidder": v}))  # noqa: E731
    proj, bs, amt, _ = project("服务", 4, dt.date(2023, 10, 17))
    shared_phone = b.vendor(bs[1])["phone"]
    b.bid_rows(proj, bs, [amt] + [amt * r for r in b.spread_ratios(3)], 0,
               b3={"contact_phone": shared_phone})
    ctx.plant("P04", [BK(proj, bs[1]), BK(proj, bs[3])], "同一项目两家投标人联系电话相同", )

    proj, bs, amt, _ = project("货物", 4, dt.date(2024, 5, 14))
    v1 = b.vendor(bs[1])
    b.bid_rows(proj, bs, [amt] + [amt * r for r in b.spread_ratios(3)], 0,
               b2={"bid_ip": "222.247.61.18", "doc_fingerprint": v1["fingerprint"]},
               b1={"bid_ip": "222.247.61.18"})
    ctx.plant("P04", [BK(proj, bs[1]), BK(proj, bs[2])], "同一项目两家投标人投标IP和文件制作机器码相同")

    proj, bs, amt, _ = project("工程", 4, dt.date(2024, 9, 3))
    b.bid_rows(proj, bs, [amt, amt * 1.0502, amt * 1.0497, amt * 1.0509], 0)
    ctx.plant("P04", [BK(proj, x) for x in bs], "落标报价与中标价之比均约为1.05（相差不足1%）")

    proj, bs, amt, _ = project("货物", 4, dt.date(2023, 6, 20))
    same = round(amt * 1.083, 2)
    b.bid_rows(proj, bs, [amt, same, same, amt * 1.16], 0)
    ctx.plant("P04", [BK(proj, bs[1]), BK(proj, bs[2])], "两家投标人报价完全相同")

    ring = b.add_vendors(3, trade="服务")
    ev = []
    for i, d in enumerate([dt.date(2023, 4, 11), dt.date(2023, 11, 7), dt.date(2024, 6, 25)]):
        order = ring[i:] + ring[:i]
        proj = b.project_code(d.year)
        amount = _fix_band(float(rng.uniform(2.1e6, 3.3e6)))
        b.contract(order[0], amount, d, "公开招标", "服务",
                   f"{d.year}年{TENDER_SITES[i]}{OBJECTS['服务'][i + 3]}项目", "城市建设科", proj)
        b.bid_rows(proj, order, [amount] + [amount * r for r in b.spread_ratios(2)], 0)
        ev += [BK(proj, x) for x in order]
    ctx.plant("P04", ev, "同一组3家投标人在3个项目中轮流中标")

    # ---- P05 related party -------------------------------------------------------------------
    VK = lambda v: ("vendors", key_of("vendors", {"vendor_id": b.vendor(v)["vendor_id"]}))  # noqa: E731
    rel = ctx.relations
    deputy = ctx.staff_by("副处级").iloc[1]
    r = rel[rel["person_id"] == deputy["person_id"]].iloc[0]
    [v] = b.add_vendors(1, trade="服务", legal_rep=r["relative_name"],
                        shareholders=f"{r['relative_name']}、{ctx.unique_names(1)[0]}")
    no = b.contract(v, 86_500, dt.date(2024, 3, 20), "直接采购", "服务", "2024年住房租赁市场调研服务", "房地产市场监管科")
    ctx.plant("P05", [VK(v), ("relations", key_of("relations", {"person_id": r["person_id"],
                                                                "relative_name": r["relative_name"]})),
                      K(no)], f"供应商法定代表人{r['relative_name']}系{deputy['name']}（{deputy['position']}）的{r['relation']}")
    chief = ctx.staff_by("正科级").iloc[2]
    [v] = b.add_vendors(1, trade="货物", shareholders=f"{ctx.unique_names(1)[0]}、{chief['name']}")
    no = b.contract(v, 138_000, dt.date(2023, 4, 12), "询价", "货物", "2023年质量检测试块养护设备采购", "工程质量安全监管科")
    ctx.plant("P05", [VK(v), ("staff", key_of("staff", {"person_id": chief["person_id"]})), K(no)],
              f"供应商股东{chief['name']}为本单位{chief['department']}工作人员")
    clerk = ctx.staff_by("一级科员").iloc[5]
    [v] = b.add_vendors(1, trade="服务", phone=clerk["phone"])
    no = b.contract(v, 64_800, dt.date(2024, 10, 15), "自行采购", "服务", "2024年会议保障服务", "办公室")
    ctx.plant("P05", [VK(v), ("staff", key_of("staff", {"person_id": clerk["person_id"]})), K(no)],
              f"供应商联系电话与工作人员{clerk['name']}手机号相同")
    r2 = rel[rel["person_id"] == ctx.staff_by("正处级").iloc[0]["person_id"]].iloc[0]
    [v] = b.add_vendors(1, trade="服务", legal_rep=r2["relative_name"])
    ctx.near_miss("P05", "vendors", key_of("vendors", {"vendor_id": b.vendor(v)["vendor_id"]}),
                  "法定代表人为局长亲属，但该供应商未获得任何合同或付款")

    # ---- P06 vendor concentration ------------------------------------------------------------
    [v] = b.add_vendors(1, trade="服务")
    nos = []
    for i, d in enumerate([dt.date(2024, 1, 15), dt.date(2024, 4, 24), dt.date(2024, 8, 2),
                           dt.date(2024, 11, 12)]):
        nos.append(b.contract(v, 62_000 + 4_300 * i, d, "单一来源", "服务",
                              ["城建档案整理服务", "公文印刷服务", "办公楼绿化养护", "年度会务服务"][i], "办公室"))
    ctx.plant("P06", [K(n) for n in nos], "同一供应商2024年获得4份单一来源合同")

    [v] = b.add_vendors(1, trade="服务")
    for d, amt, obj in ((dt.date(2023, 2, 14), 45_600, "信访接待场所保洁服务"), (dt.date(2023, 9, 5), 52_300, "节日安全巡查服务")):
        no = b.contract(v, amt, d, "单一来源", "服务", f"2023年{obj}", "办公室")
        ctx.near_miss("P06", "contracts", key_of("contracts", {"contract_no": no}),
                      "同一供应商一年内2份单一来源合同，少于3份")

    # ---- P07 payment anomalies ---------------------------------------------------------------
    PK = lambda p: ("payments", key_of("payments", {"payment_no": p}))  # noqa: E731
    [v] = b.add_vendors(1, trade="服务")
    no = b.contract(v, 800_000, dt.date(2023, 7, 3), "竞争性磋商", "服务", "2023年建筑市场信用评价服务", "建筑市场监管科", pay=False)
    p1 = b.payment(no, 500_000, dt.date(2023, 8, 15))
    p2 = b.payment(no, 320_000, dt.date(2023, 12, 12))
    ctx.plant("P07", [K(no), PK(p1), PK(p2)], "付款合计82万元，超过合同金额80万元2.5%")
    [v] = b.add_vendors(1, trade="货物")
    no = b.contract(v, 236_000, dt.date(2024, 5, 20), "询价", "货物", "2024年执法车辆车载终端采购", "法规科", pay=False)
    p1 = b.payment(no, 70_800, dt.date(2024, 5, 6))
    p2 = b.payment(no, 165_200, dt.date(2024, 7, 1))
    ctx.plant("P07", [K(no), PK(p1)], "付款日期早于合同签订日期（先付后签）")
    [v] = b.add_vendors(1, trade="服务")
    no = b.contract(v, 450_000 - 60_000, dt.date(2023, 3, 8), "竞争性磋商", "服务", "2023年物业管理服务", "办公室", pay=False)
    for frac, d in ((0.4, dt.date(2023, 4, 10)), (0.3, dt.date(2023, 7, 10)), (0.3, dt.date(2023, 10, 10))):
        p = b.payment(no, 390_000 * frac, d)
        ctx.near_miss("P07", "payments", key_of("payments", {"payment_no": p}),
                      "同一合同分期付款（付款单号不同），合计等于合同金额")
    [v] = b.add_vendors(1, trade="服务")
    no = b.contract(v, 250_000, dt.date(2024, 2, 26), "竞争性磋商", "服务", "2024年工程造价复核服务", "计划财务科", pay=False)
    b.payment(no, 150_000, dt.date(2024, 4, 1))
    p = b.payment(no, 101_000, dt.date(2024, 9, 2))
    ctx.near_miss("P07", "payments", key_of("payments", {"payment_no": p}), "付款合计超出合同金额0.4%，在0.5%容差内")

    # ---- P08 new vendor ----------------------------------------------------------------------
    sign = dt.date(2024, 8, 28)
    [v] = b.add_vendors(1, trade="服务", registered_date=sign - dt.timedelta(days=40))
    no = b.contract(v, 178_000, sign, "竞争性磋商", "服务", "2024年城市燃气安全排查服务", "城市建设科")
    ctx.plant("P08", [K(no), VK(v)], "供应商成立40天即签订合同")
    sign = dt.date(2023, 11, 7)
    [v] = b.add_vendors(1, trade="货物", registered_date=sign - dt.timedelta(days=120))
    no = b.contract(v, 95_000, sign, "询价", "货物", "2023年扬尘监测设备采购", "城市建设科")
    ctx.near_miss("P08", "contracts", key_of("contracts", {"contract_no": no}), "供应商成立120天后签约，超过90天")


def _near_misses(ctx: SynthContext, b: _Builder) -> None:
    """Near-misses a careless rule gets wrong, plus a P03 plant exactly at the threshold.

    Drawn from the procurement stream only: the shared ``ctx.rng`` is swapped out so the
    areas generated after procurement draw exactly the same numbers as before.
    """
    shared_rng = ctx.rng
    ctx.rng = b.rng
    try:
        _near_misses_inner(ctx, b)
    finally:
        ctx.rng = shared_rng


def _near_misses_inner(ctx: SynthContext, b: _Builder) -> None:
    K = lambda no: ("contracts", key_of("contracts", {"contract_no": no}))  # noqa: E731

    # P01: same vendor, two contracts 55 days apart summing 1,000 yuan below the 100万 threshold
    [v] = b.add_vendors(1, trade="货物")
    for amt, d, obj in ((610_000, dt.date(2024, 2, 27), "政务服务中心导视标识制作"),
                        (389_000, dt.date(2024, 4, 22), "政务服务中心休息区座椅采购")):
        no = b.contract(v, amt, d, "询价", "货物", f"{d.year}年{obj}", "行政审批科")
        ctx.near_miss("P01", *K(no), "同一供应商两份合同合计99.9万元，略低于100万元公开招标数额标准")

    # P01: three contracts of one vendor reach 100万 only together with the one that was tendered
    [v] = b.add_vendors(1, trade="服务")
    proj = b.project_code(2023)
    for amt, d, meth, obj, pc in ((430_000, dt.date(2023, 3, 14), "竞争性磋商", "城建档案整理服务", None),
                                  (400_000, dt.date(2023, 5, 9), "公开招标", "城建档案数字化加工服务", proj),
                                  (340_000, dt.date(2023, 7, 4), "竞争性磋商", "城建档案库房管理服务", None)):
        no = b.contract(v, amt, d, meth, "服务", f"{d.year}年{obj}", "办公室", pc)
        ctx.near_miss("P01", *K(no), "三份合同合计117万元，但其中一份已公开招标，其余两份合计77万元")

    # P03: exactly at the 100万 open-tender threshold counts (planted)
    [v] = b.add_vendors(1, trade="服务")
    no = b.contract(v, 1_000_000, dt.date(2024, 3, 26), "竞争性磋商", "服务", "2024年历史建筑测绘建档服务",
                    "城市建设科")
    ctx.plant("P03", [K(no)], "服务合同金额恰为100万元公开招标数额标准，采购方式为竞争性磋商")

    # P04: two bidders with similar but different addresses and phones
    bs = b.add_vendors(4, trade="货物")
    proj = b.project_code(2024)
    amount = _fix_band(float(b.rng.uniform(2.1e6, 3.3e6)))
    b.contract(bs[0], amount, dt.date(2024, 10, 15), "公开招标", "货物", "2024年城市生命线监测终端采购项目",
               "城市建设科", proj)
    v1 = b.vendor(bs[1])
    near_addr = v1["address"].replace("号", "0号", 1) if "号" in v1["address"] else v1["address"] + "附1"
    near_phone = v1["phone"][:-1] + str((int(v1["phone"][-1]) + 1) % 10)
    b.bid_rows(proj, bs, [amount] + [amount * r for r in b.spread_ratios(3)], 0,
               b2={"address": near_addr, "contact_phone": near_phone})
    for x in bs[1:3]:
        ctx.near_miss("P04", "bids", key_of("bids", {"project_code": proj, "bidder": x}),
                      "两家投标人地址、电话相近但不相同")

    # P05: legal representative's name differs from a relative's by one character
    rel = ctx.relations
    r = rel.iloc[len(rel) // 2]
    near = r["relative_name"] + "芳" if len(r["relative_name"]) == 2 else r["relative_name"][:2] + "芳"
    if near not in ctx._used_names and near != r["relative_name"]:
        ctx._used_names.add(near)
        [v] = b.add_vendors(1, trade="服务", legal_rep=near, shareholders=near)
        no = b.contract(v, 58_000, dt.date(2024, 9, 10), "自行采购", "服务", "2024年干部培训场地服务", "人事科")
        ctx.near_miss("P05", "vendors", key_of("vendors", {"vendor_id": b.vendor(v)["vendor_id"]}),
                      f"法定代表人{near}与{r['name']}的亲属{r['relative_name']}姓名相近但不相同")

    # P08: registered exactly 90 days before signing (the rule is fewer than 90)
    sign = dt.date(2024, 6, 12)
    [v] = b.add_vendors(1, trade="货物", registered_date=sign - dt.timedelta(days=90))
    no = b.contract(v, 128_000, sign, "询价", "货物", "2024年防汛应急照明设备采购", "住房保障科")
    ctx.near_miss("P08", *K(no), "供应商成立恰好90天后签约，不足90天才报")

    _issue12_plants(ctx, b)


def _issue12_plants(ctx: SynthContext, b: _Builder) -> None:
    """P01 semantics of issue 12 (statutory fiscal-year 品目 grouping, span cap, government
    procurement methods, supporting signals) and records from 2015 judged by the 2015 standard.
    Appended after every other procurement draw, so the rows above stay as they were."""
    K = lambda no: ("contracts", key_of("contracts", {"contract_no": no}))  # noqa: E731
    old_reg = {"registered_date": dt.date(2010, 3, 1)}

    # statutory test (实施条例第二十八条): the same 品目 in one fiscal year, two departments, two vendors,
    # 248 days apart (no window grouping would join them)
    va, vb = b.add_vendors(2, trade="服务")
    a = b.contract(va, 530_000, dt.date(2024, 1, 15), "询价", "服务", "2024年办公区物业保洁服务（上半年）", "办公室")
    c = b.contract(vb, 510_000, dt.date(2024, 9, 19), "竞争性磋商", "服务", "2024年办公区物业保洁服务（下半年）",
                   "住房保障科")
    ctx.plant("P01", [K(a), K(c)], "同一财政年度内两个部门分两次向两家供应商采购同一品目（物业保洁服务），合计104万元")
    # near-miss: the same item in two fiscal years, two departments and vendors
    va, vb = b.add_vendors(2, trade="服务")
    for v, amt, d, dept in ((va, 530_000, dt.date(2023, 10, 10), "办公室"),
                            (vb, 510_000, dt.date(2024, 2, 20), "住房保障科")):
        no = b.contract(v, amt, d, "询价", "服务", f"办公区绿化养护服务（{d.year}年度）", dept)
        ctx.near_miss("P01", *K(no), "同一品目分属两个财政年度、两个部门和两家供应商，不适用法定口径")
    # span cap near-miss: 30 monthly 38,000 direct purchases (at most 228,000 within 180 days of a
    # group's first contract, 456,000 a year)
    [v] = b.add_vendors(1, trade="服务")
    y, m = 2022, 7
    for _ in range(30):
        d = dt.date(y, m, 5)
        while d.weekday() >= 5:  # the first weekday from the 5th (2022 lies outside the sample calendar)
            d += dt.timedelta(days=1)
        no = b.contract(v, 38_000, d, "直接采购", "服务", f"机关食堂食材配送服务（{y}年{m}月）", "办公室", pay=False)
        ctx.near_miss("P01", *K(no), "每月一份3.8万元的直接采购合同，30个月合计114万元，但180天内不超过6份（22.8万元）")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    # government procurement methods do not dodge the procurement limit (330,000 > 300,000)
    [v] = b.add_vendors(1, trade="服务")
    for amt, d, meth, obj in ((120_000, dt.date(2024, 3, 6), "询价", "政务公开专栏维护服务"),
                              (110_000, dt.date(2024, 4, 10), "竞争性磋商", "信用信息归集服务"),
                              (100_000, dt.date(2024, 5, 15), "单一来源", "既有业务系统接口改造")):
        no = b.contract(v, amt, d, meth, "服务", f"2024年{obj}", "行政审批科")
        ctx.near_miss("P01", *K(no), "询价、竞争性磋商、单一来源本身是政府采购方式，合计超过30万元限额不算规避")
    # supporting signals: consecutive contract numbers signed the same day
    [v] = b.add_vendors(1, trade="货物")
    nos = [b.contract(v, amt, dt.date(2024, 11, 18), "询价", "货物", f"2024年{obj}采购", "工程质量安全监管科")
           for amt, obj in ((430_000, "执法记录仪"), (380_000, "移动执法终端"), (320_000, "执法无人机"))]
    ctx.plant("P01", [K(n) for n in nos], "同一供应商同日签订3份编号相连的货物合同，合计113万元")
    # 2015 records: the standard in force then (公开招标 120万元, 待核实), not today's 100万元
    va, vb = b.add_vendors(2, trade="服务", **old_reg)
    a = b.contract(va, 680_000, dt.date(2015, 4, 10), "询价", "服务", "2015年城建档案数字化加工服务（一期）", "办公室")
    c = b.contract(vb, 590_000, dt.date(2015, 10, 15), "竞争性磋商", "服务", "2015年城建档案数字化加工服务（二期）",
                   "城市建设科")
    ctx.plant("P01", [K(a), K(c)], "2015年同一品目两次采购合计127万元，达到当时120万元公开招标数额标准（待核实）")
    [v] = b.add_vendors(1, trade="货物", **old_reg)
    for amt, d, obj in ((620_000, dt.date(2015, 5, 12), "档案密集架"), (530_000, dt.date(2015, 7, 8), "公文柜")):
        no = b.contract(v, amt, d, "询价", "货物", f"2015年{obj}采购", "办公室")
        ctx.near_miss("P01", *K(no), "2015年同一供应商两份合同合计115万元，低于当时120万元标准（按现行100万元才会报）")


def _incidental_p06(ctx: SynthContext, contracts: pd.DataFrame) -> None:
    """Record as P06 what other plants cause: a vendor holding > 50% of a category's yearly spend,
    or winning >= 3 non-competitive contracts in a year (e.g. the P01 split group)."""
    c = contracts.assign(year=pd.to_datetime(contracts["sign_date"]).dt.year)
    planted = {k for p in ctx.answer_key if p.check_code == "P06" for k in [p.key]}
    K = lambda nos: [("contracts", key_of("contracts", {"contract_no": n})) for n in nos]  # noqa: E731
    tot = c.groupby(["category", "year"])["amount"].transform("sum")
    share = c.groupby(["category", "year", "vendor"])["amount"].transform("sum") / tot
    # a share needs a category-year with several contracts from several vendors (P06)
    several = ((c.groupby(["category", "year"])["amount"].transform("size") >= 2)
               & (c.groupby(["category", "year"])["vendor"].transform("nunique") >= 2))
    for _, g in c[(share > 0.5) & several].groupby(["category", "year", "vendor"]):
        if not set(g["contract_no"]) & planted:
            ctx.plant("P06", K(g["contract_no"]), "供应商占该类别年度采购额一半以上（由其他埋点引起）")
    nc = c[c["procurement_method"].isin(NON_COMPETITIVE)]
    for _, g in nc.groupby(["year", "vendor"]):
        if len(g) >= 3 and not set(g["contract_no"]) & planted:
            ctx.plant("P06", K(g["contract_no"]), f"同一供应商一年内{len(g)}份非竞争性合同（由其他埋点引起）")
