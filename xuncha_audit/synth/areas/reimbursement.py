"""Reimbursement area: ``travel_claims``, ``hospitality``, ``meetings``.

Baseline (must not be flagged): every staff member of the bureau is in the 其他人员 travel tier
(市级 bureau, 正处 and below); trips go Mon-Fri to provincial capitals with lodging at 60-100%
of the 其他人员 cap (财行〔2016〕71号), meal 100/day and local transport 80/day over calendar days,
二等座 or 经济舱, all trip days workdays (so no rest-day or tourism pattern), trips of one person
never overlap, invoices unique across the three tables. Hospitality on workdays, with official
letters, companions within limits, 45-95 yuan per head per meal, 家常菜. Meetings and trainings
(三类/四类) 1-2 days, 280-520 yuan per person-day, in 长沙, on workdays.

Planted: R01 (7: incl. a district destination, a city not in the lodging table, a trip over a
season boundary), R02 (2), R03 (3), R04 (5 sub-rules), R05 (3), R06 (2), R07 (2), R08 (2);
near-misses at exact caps, seasonal caps and a season boundary, adjusted workdays, back-to-back trips,
30 guests with 10 companions, one 8-digit invoice number under two invoice codes.

Invoices: an 8-digit (paper or old electronic) number carries its 12-digit 发票代码 in invoice_code
(one number per record; a record with several numbers leaves the code empty); 20-digit 全电
numbers have none. With ``ctx.clean`` nothing is planted (and no near-miss is written).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xuncha_audit.synth.core import SynthContext, key_of


def invoice_code(numbers: str, code: str | None = None) -> str | None:
    """The 发票代码 of a record's invoice cell: a 12-digit code for one 8-digit number (derived
    from the number, so the same invoice claimed twice carries the same code), else None."""
    parts = [x for x in str(numbers).split("、") if x]
    if len(parts) != 1 or len(parts[0]) != 8:
        return None
    return code or f"0430{21 + int(parts[0]) % 3:02d}{int(parts[0]) % 10_000:04d}11"

# 其他人员 lodging caps (财行〔2016〕71号) for destinations used by the baseline.
CAPS = {"北京": 500, "上海": 500, "广州": 450, "深圳": 450, "杭州": 400, "南京": 380, "武汉": 350,
        "成都": 370, "西安": 350, "郑州": 380, "福州": 380, "贵阳": 370, "南宁": 350, "合肥": 350,
        "石家庄": 350, "济南": 380, "太原": 350, "南昌": 350}
GUEST_UNITS = ["省住房和城乡建设厅", "某县住房和城乡建设局", "某区住房和城乡建设局", "省建设工程质量安全监督总站",
               "某市住房和城乡建设局调研组", "市纪委监委驻局纪检监察组", "某市城市管理局", "省住房保障服务中心",
               "某县自然资源局", "某市住房公积金管理中心"]
REASONS = ["参加全省住房保障工作会议", "参加建筑市场监管业务培训", "汇报城市更新项目进展", "参加全国工程质量安全工作会",
           "对接保障性住房专项资金", "参加城建档案管理培训", "参加房地产市场形势分析会", "报送年度统计数据"]
VENUES = ["局机关食堂", "某宾馆餐厅", "某大厦职工餐厅", "某酒楼", "某饭店", "某宾馆中餐厅"]


class _Reim:
    def __init__(self, ctx: SynthContext) -> None:
        self.ctx = ctx
        self.rng = ctx.sub_rng("reimbursement")
        self.claims: list[dict] = []
        self.hosp: list[dict] = []
        self.meet: list[dict] = []
        self._c = 0
        self._h = 0
        self._m = 0

    def claim(self, person: pd.Series, dest: str, depart: dt.date, ret: dt.date, rate: float,
              cls: str = "高铁二等座", reason: str | None = None, meal: float | None = None,
              local: float | None = None, invoice: str | None = None, nights: int | None = None) -> str:
        self._c += 1
        days = (ret - depart).days + 1
        nights = days - 1 if nights is None else nights
        no = f"CL{depart:%Y%m}{self._c:04d}"
        transport = round(float(self.rng.uniform(350, 1600)) * (2.2 if "飞机" in cls else 1), 2)
        self.claims.append({
            "claim_no": no, "person": person["name"], "rank": person["rank"], "destination": dest,
            "depart_date": depart, "return_date": ret, "nights": nights,
            "lodging_amount": round(rate * nights, 2),
            "meal_allowance": float(days * (120 if dest in ("拉萨", "西宁", "乌鲁木齐") else 100)) if meal is None else meal,
            "local_transport_allowance": float(days * 80) if local is None else local,
            "transport_amount": transport, "transport_class": cls,
            "reason": reason or str(self.rng.choice(REASONS)),
            "invoice_no": invoice or "、".join(self.ctx.invoice_numbers(int(self.rng.integers(1, 3)))),
            "voucher_no": f"记-{ret:%Y%m}-{int(self.rng.integers(1, 400)):05d}",
        })
        self.claims[-1]["invoice_code"] = invoice_code(self.claims[-1]["invoice_no"])
        return no

    def hospitality(self, day: dt.date, guests: int, companions: int, per_head: float,
                    letter: bool = True, items: str = "工作餐（家常菜）", venue: str | None = None,
                    handler: str | None = None, invoice: str | None = None, meals: int = 1,
                    code: str | None = None) -> str:
        self._h += 1
        no = f"JD{day:%Y}{self._h:04d}"
        self.hosp.append({
            "record_no": no, "date": day, "guest_unit": str(self.rng.choice(GUEST_UNITS)),
            "guests": guests, "companions": companions,
            "amount": round(per_head * (guests + companions) * meals, 2), "meals": meals,
            "venue": venue or str(self.rng.choice(VENUES)), "has_official_letter": letter,
            "items": items, "handler": handler or self.ctx.choice(self.office_names),
            "invoice_no": invoice or self.ctx.invoice_numbers(1)[0],
            "voucher_no": f"记-{day:%Y%m}-{int(self.rng.integers(1, 400)):05d}",
        })
        self.hosp[-1]["invoice_code"] = invoice_code(self.hosp[-1]["invoice_no"], code)
        return no

    def meeting(self, kind: str, cls: str, start: dt.date, days: int, attendees: int,
                per_pd: float, name: str, venue: str = "局机关会议室", reason: str | None = None,
                end: dt.date | None = None) -> str:
        self._m += 1
        no = f"HY{start:%Y}{self._m:03d}"
        self.meet.append({
            "record_no": no, "name": name, "kind": kind, "class": cls, "start_date": start,
            "end_date": end or start + dt.timedelta(days=days - 1), "days": days,
            "attendees": attendees, "amount": round(per_pd * attendees * days, 2), "venue": venue,
            "reason": reason or name, "handler": self.ctx.choice(self.office_names),
            "invoice_no": self.ctx.invoice_numbers(1)[0],
            "voucher_no": f"记-{start:%Y%m}-{int(self.rng.integers(1, 400)):05d}",
        })
        self.meet[-1]["invoice_code"] = invoice_code(self.meet[-1]["invoice_no"])
        return no


def _weekday_trip_starts(ctx: SynthContext) -> list[dt.date]:
    """Mondays-Wednesdays from which a trip of up to 3 days stays on workdays."""
    return [d for d in ctx.workdays if d.weekday() <= 2 and d.year in (2023, 2024)]


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    r = _Reim(ctx)
    rng = r.rng
    staff = ctx.staff_by(None)
    r.office_names = staff.loc[staff["department"] == "办公室", "name"].tolist()
    starts = _weekday_trip_starts(ctx)
    cities = list(CAPS)

    # ---- baseline trips: per person, trips in distinct 3-week slots -------------------------
    slot_starts = starts[::10]
    for _, p in staff.iterrows():
        k = int(rng.integers(1, 5))
        slots = rng.choice(len(slot_starts) - 1, size=k, replace=False)
        for s in sorted(slots):
            depart = slot_starts[int(s)]
            length = int(rng.integers(1, 4))  # days
            ret = depart + dt.timedelta(days=length - 1)
            if not ctx.all_workdays(depart, ret):
                continue
            dest = str(rng.choice(cities))
            rate = float(np.floor(CAPS[dest] * rng.uniform(0.6, 1.0)))
            cls = "飞机经济舱" if rng.random() < 0.3 else ("高铁二等座" if rng.random() < 0.85 else "火车硬卧")
            r.claim(p, dest, depart, ret, rate, cls)

    # ---- baseline hospitality and meetings --------------------------------------------------
    n_h = max(30, len(staff) // 2)
    for d in ctx.random_workdays(n_h, rng=rng):
        g = int(rng.integers(2, 9))
        r.hospitality(d, g, int(rng.integers(1, 4)), float(rng.uniform(45, 95)))
    names = ["全市住房保障工作会议", "建筑施工安全生产工作会", "城市更新工作推进会", "房地产市场监管培训班",
             "工程质量监督人员业务培训", "住建系统财务人员培训", "物业管理条例宣贯会", "城建档案业务培训"]
    for d in ctx.random_workdays(max(12, len(staff) // 6), rng=rng):
        kind = "培训" if rng.random() < 0.4 else "会议"
        days = int(rng.integers(1, 3))
        if not ctx.all_workdays(d, d + dt.timedelta(days=days - 1)):
            days = 1
        r.meeting(kind, str(rng.choice(["三类", "四类"])), d, days, int(rng.integers(20, 50)),
                  float(rng.uniform(280, 520)), f"{d.year}年{rng.choice(names)}")

    if not ctx.clean:
        _plant(ctx, r, staff)
    return {"travel_claims": pd.DataFrame(r.claims), "hospitality": pd.DataFrame(r.hosp),
            "meetings": pd.DataFrame(r.meet)}


def _plant(ctx: SynthContext, r: _Reim, staff: pd.DataFrame) -> None:
    C = lambda n: ("travel_claims", key_of("travel_claims", {"claim_no": n}))  # noqa: E731
    H = lambda n: ("hospitality", key_of("hospitality", {"record_no": n}))  # noqa: E731
    M = lambda n: ("meetings", key_of("meetings", {"record_no": n}))  # noqa: E731
    clerks = ctx.staff_by("一级科员")
    # Clerks 30.. are reserved for plants (baseline trips of theirs are removed to avoid overlaps).
    reserved = clerks.iloc[-18:]
    zk = ctx.staff_by("正科级").iloc[0]
    # Four more clerks for the R01 destination/season plants (their baseline trips are removed too).
    extra = clerks.iloc[-22:-18]
    taken = {*reserved["name"], zk["name"], *extra["name"]}
    r.claims = [c for c in r.claims if c["person"] not in taken]
    p = [reserved.iloc[i] for i in range(len(reserved))]
    q = [extra.iloc[i] for i in range(len(extra))]

    # ---- R01 lodging over cap ----------------------------------------------------------------
    n = r.claim(p[0], "北京", dt.date(2024, 4, 15), dt.date(2024, 4, 17), 680)
    ctx.plant("R01", [C(n)], "北京住宿每晚680元，超过其他人员标准500元")
    n = r.claim(p[1], "上海", dt.date(2023, 11, 6), dt.date(2023, 11, 9), 600)
    ctx.plant("R01", [C(n)], "上海住宿每晚600元，超过500元标准")
    n = r.claim(p[2], "三亚", dt.date(2024, 1, 9), dt.date(2024, 1, 12), 550, reason="参加全国保障性住房建设工作会")
    ctx.plant("R01", [C(n)], "三亚旺季（10-4月）住宿每晚550元，超过480元旺季标准")
    n = r.claim(p[3], "杭州", dt.date(2023, 5, 9), dt.date(2023, 5, 11), 465)
    ctx.plant("R01", [C(n)], "杭州住宿每晚465元，超过400元标准")
    n = r.claim(p[4], "广州", dt.date(2024, 6, 11), dt.date(2024, 6, 13), 450)
    ctx.near_miss("R01", "travel_claims", key_of("travel_claims", {"claim_no": n}), "广州住宿每晚恰为450元标准")
    n = r.claim(p[5], "青岛", dt.date(2023, 8, 8), dt.date(2023, 8, 10), 440, reason="参加城市更新经验交流会")
    ctx.near_miss("R01", "travel_claims", key_of("travel_claims", {"claim_no": n}),
                  "青岛8月旺季标准450元，每晚440元未超（淡季标准350元）")
    n = r.claim(p[6], "拉萨", dt.date(2024, 7, 9), dt.date(2024, 7, 11), 520, reason="参加援藏项目对接")
    ctx.near_miss("R02", "travel_claims", key_of("travel_claims", {"claim_no": n}), "西藏伙食补助每天120元，未超")
    ctx.near_miss("R01", "travel_claims", key_of("travel_claims", {"claim_no": n}), "拉萨旺季（6-9月）标准530元，每晚520元未超")

    # A district resolves to its city; a city missing from the lodging table falls back to the
    # region's 其他 row; a trip over a season boundary is judged night by night.
    n = r.claim(q[0], "武汉市武昌区", dt.date(2024, 9, 10), dt.date(2024, 9, 12), 420)
    ctx.plant("R01", [C(n)], "目的地武汉市武昌区按武汉标准（其他人员350元），住宿每晚420元")
    n = r.claim(q[1], "宜昌", dt.date(2023, 9, 5), dt.date(2023, 9, 7), 360)
    ctx.plant("R01", [C(n)], "宜昌不在住宿费标准表中，按湖北「其他」标准320元，住宿每晚360元")
    n = r.claim(q[2], "青岛", dt.date(2023, 6, 29), dt.date(2023, 7, 3), 425)
    ctx.plant("R01", [C(n)], "跨淡旺季：6月29、30日淡季380元，7月1、2日旺季450元，合计1,660元，报销1,700元"
              "（按返回时的旺季标准计1,800元则不超）")
    n = r.claim(q[3], "青岛", dt.date(2024, 6, 28), dt.date(2024, 7, 2), 397.5)
    ctx.near_miss("R01", "travel_claims", key_of("travel_claims", {"claim_no": n}),
                  "跨淡旺季逐晚合计380×3+450=1,590元，报销恰为1,590元（按出发时的淡季标准计1,520元会误报）")

    # ---- R02 allowances ----------------------------------------------------------------------
    n = r.claim(p[7], "武汉", dt.date(2024, 3, 11), dt.date(2024, 3, 14), 320, meal=600.0)
    ctx.plant("R02", [C(n)], "出差4天，伙食补助600元，超过4×100元")
    n = r.claim(p[8], "南京", dt.date(2023, 9, 12), dt.date(2023, 9, 14), 350, local=400.0)
    ctx.plant("R02", [C(n)], "出差3天，市内交通费400元，超过3×80元")

    # ---- R03 travel class ----------------------------------------------------------------------
    n = r.claim(p[9], "成都", dt.date(2024, 5, 14), dt.date(2024, 5, 16), 330, cls="飞机公务舱")
    ctx.plant("R03", [C(n)], "一级科员乘坐飞机公务舱")
    n = r.claim(p[10], "武汉", dt.date(2023, 10, 17), dt.date(2023, 10, 18), 300, cls="高铁商务座")
    ctx.plant("R03", [C(n)], "一级科员乘坐高铁商务座")
    n = r.claim(zk, "广州", dt.date(2024, 12, 10), dt.date(2024, 12, 12), 420, cls="高铁一等座")
    ctx.plant("R03", [C(n)], "正科级（其他人员）乘坐高铁一等座")

    # ---- R05 duplicates ------------------------------------------------------------------------
    inv = ctx.invoice_numbers(1)[0]
    n1 = r.claim(p[11], "郑州", dt.date(2023, 6, 6), dt.date(2023, 6, 8), 340, invoice=inv)
    n2 = r.claim(p[11], "郑州", dt.date(2023, 7, 11), dt.date(2023, 7, 13), 340, invoice=inv)
    ctx.plant("R05", [C(n1), C(n2)], "同一发票号码在两张差旅报销单中重复报销")
    inv = ctx.invoice_numbers(1)[0]
    n1 = r.claim(p[12], "合肥", dt.date(2024, 9, 3), dt.date(2024, 9, 5), 330, invoice=inv)
    h1 = r.hospitality(dt.date(2024, 9, 10), 4, 2, 70, invoice=inv)
    ctx.plant("R05", [C(n1), H(h1)], "同一发票号码既在差旅费又在接待费中报销")
    n1 = r.claim(p[13], "西安", dt.date(2024, 10, 15), dt.date(2024, 10, 18), 330)
    n2 = r.claim(p[13], "贵阳", dt.date(2024, 10, 17), dt.date(2024, 10, 18), 340)
    ctx.plant("R05", [C(n1), C(n2)], "同一人两次出差日期重叠")
    n1 = r.claim(p[14], "南昌", dt.date(2023, 3, 14), dt.date(2023, 3, 15), 330)
    n2 = r.claim(p[14], "福州", dt.date(2023, 3, 16), dt.date(2023, 3, 17), 360)
    ctx.near_miss("R05", "travel_claims", key_of("travel_claims", {"claim_no": n2}), "前一次出差返回次日再出发，不重叠")
    # the same 8-digit number under two codes: two issuers' invoices, not a duplicate
    for day, code in ((dt.date(2023, 5, 17), "043002100111"), (dt.date(2024, 5, 15), "044001900211")):
        h = r.hospitality(day, 3, 2, 70, invoice="99000017", code=code)
        ctx.near_miss("R05", "hospitality", key_of("hospitality", {"record_no": h}),
                      "发票号码99000017相同但发票代码不同，是两张发票")

    # ---- R06 holiday spend / R08 disguised tourism --------------------------------------------
    n = r.claim(p[15], "桂林", dt.date(2024, 10, 1), dt.date(2024, 10, 4), 300, reason="参加项目对接会")
    ctx.plant("R06", [C(n)], "国庆假期赴旅游城市桂林出差，3晚均在法定假日")
    h = r.hospitality(dt.date(2024, 10, 3), 5, 3, 80)
    ctx.plant("R06", [H(h)], "国庆假期（10月3日）发生公务接待")
    h = r.hospitality(dt.date(2023, 6, 18), 4, 2, 75)
    ctx.plant("R06", [H(h)], "周日发生公务接待")
    adj = [d for d in ctx.adjusted_workdays if d.year == 2024]
    h = r.hospitality(adj[-1], 4, 2, 75)
    ctx.near_miss("R06", "hospitality", key_of("hospitality", {"record_no": h}), "调休上班的周末发生接待，属工作日")
    n = r.claim(p[16], "三亚", dt.date(2023, 12, 13), dt.date(2023, 12, 18), 400, reason="赴三亚考察学习保障房建设经验")
    ctx.plant("R08", [C(n)], "以考察学习为由赴旅游城市三亚，跨周末")
    n = r.claim(p[17], "杭州", dt.date(2023, 4, 11), dt.date(2023, 4, 13), 380, reason="赴杭州考察未来社区建设")
    ctx.near_miss("R08", "travel_claims", key_of("travel_claims", {"claim_no": n}), "考察且去旅游城市，但全部在工作日")
    m = r.meeting("会议", "四类", dt.date(2024, 5, 9), 4, 25, 480, "2024年住建系统交流学习会",
                  venue="张家界某山庄", reason="赴张家界交流学习")
    ctx.plant("R08", [M(m)], "以交流学习为名在张家界召开会议，跨周末")
    ctx.plant("R07", [M(m)], "四类会议会期4天，超过2天上限")

    # ---- R04 hospitality -----------------------------------------------------------------------
    h = r.hospitality(dt.date(2024, 3, 21), 4, 2, 380)
    ctx.plant("R04", [H(h)], "人均消费380元，超过接待标准")
    h = r.hospitality(dt.date(2023, 8, 23), 4, 7, 70)
    ctx.plant("R04", [H(h)], "接待对象4人，陪餐7人，超过3人上限")
    h = r.hospitality(dt.date(2024, 7, 16), 6, 3, 85, letter=False)
    ctx.plant("R04", [H(h)], "无公函接待")
    h = r.hospitality(dt.date(2023, 12, 27), 5, 3, 90, items="茅台酒2瓶、中华香烟2条、家常菜")
    ctx.plant("R04", [H(h)], "消费明细含茅台酒、香烟等禁止项目")
    h = r.hospitality(dt.date(2024, 11, 20), 6, 3, 88, venue="某私人会所")
    ctx.plant("R04", [H(h)], "在私人会所接待")
    h = r.hospitality(dt.date(2023, 10, 25), 10, 3, 80)
    ctx.near_miss("R04", "hospitality", key_of("hospitality", {"record_no": h}), "接待10人，陪餐恰为3人")
    h = r.hospitality(dt.date(2024, 4, 24), 15, 5, 80)
    ctx.near_miss("R04", "hospitality", key_of("hospitality", {"record_no": h}), "接待15人，陪餐5人=15/3，未超")
    h = r.hospitality(dt.date(2023, 11, 22), 30, 10, 60)
    ctx.near_miss("R04", "hospitality", key_of("hospitality", {"record_no": h}), "接待30人，陪餐10人恰为三分之一，未超")

    # ---- R07 meetings ---------------------------------------------------------------------------
    m = r.meeting("培训", "三类", dt.date(2023, 11, 14), 2, 40, 780, "2023年城建监察执法骨干培训班")
    ctx.plant("R07", [M(m)], "三类培训每人每天780元，超过550元综合定额")
    m = r.meeting("会议", "三类", dt.date(2024, 6, 19), 1, 60, 550, "2024年全市物业管理工作会议")
    ctx.near_miss("R07", "meetings", key_of("meetings", {"record_no": m}), "每人每天恰为550元")
