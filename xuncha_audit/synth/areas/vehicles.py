"""Vehicles area: ``vehicles``, ``vehicle_quota``, ``vehicle_costs``, ``vehicle_trips``.

Baseline (must not be flagged): active vehicles per category within quota (a disposed vehicle
does not count); prices and displacements under the caps (一般公务用车 <= 18万/1.8L, 机要通信
<= 12万/1.6L, 执法执勤 <= 18万/1.8L); running costs only for registered plates, on workdays,
before any disposal; refuelling 25-60 L, at most once a day, never for an electric vehicle
(which only charges); trips (派车单) on workdays; every vehicle owned by the unit itself.

Planted: V01 (1), V02 (2), V03 (3), V04 (2), V05 (3), V06 (2); near-misses: exactly 70 L, a
rest-day refuel with a dispatch record, costs of a disposed vehicle before disposal, a
vehicle exactly at the 机要通信 cap, a disposed vehicle not counted against the quota; issue 12:
a subordinate named with the bureau's prefix (…局机关服务中心, V06), the bureau's own car written
with a province prefix (not V06), a car marked 已处置 without a disposal date (V03) and one 待处置
(not V03), a battery-electric car over the new-energy cap (V02) and a plug-in hybrid within it.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pandas as pd

from xuncha_audit.synth.core import SynthContext, key_of

MODELS = {
    "一般公务用车": [("大众帕萨特1.4T", 1.4, 169_800), ("丰田卡罗拉1.5L", 1.5, 118_000),
               ("比亚迪秦PLUS DM-i", 1.5, 109_800)],
    "机要通信用车": [("大众朗逸1.5L", 1.5, 99_900), ("吉利帝豪1.5L", 1.5, 79_800)],
    "执法执勤用车": [("五菱宏光1.5L", 1.5, 62_800), ("长安CS75 1.5T", 1.5, 112_900),
               ("长安逸动1.6L", 1.6, 89_900)],
    "应急保障用车": [("五菱征程1.5L", 1.5, 78_000)],
}
EV_MODELS = [("比亚迪秦PLUS EV", None, 139_800), ("吉利几何A", None, 119_700)]
QUOTA = {"一般公务用车": 2, "机要通信用车": 1, "执法执勤用车": 4, "应急保障用车": 1}


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    rng = ctx.sub_rng("vehicles")
    unit = ctx.unit
    n_extra = max(0, ctx.size["vehicles"] - 8)
    quota = dict(QUOTA)
    quota["执法执勤用车"] += n_extra
    used_plates: set[str] = set()

    def plate(ev: bool = False) -> str:
        while True:
            letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
            if ev:
                p = f"湘A{rng.choice(['D', 'F'])}{int(rng.integers(10000, 99999))}"
            else:
                p = f"湘A{letters[int(rng.integers(0, len(letters)))]}{int(rng.integers(1000, 9999))}"
            if p not in used_plates:
                used_plates.add(p)
                return p

    vehicles = []

    def vehicle(category: str, model: tuple, status: str = "在用", bought: dt.date | None = None,
                ev: bool = False, owner: str | None = None, disposed: dt.date | None = None,
                price: float | None = None, disp: float | None = None) -> str:
        p = plate(ev)
        vehicles.append({
            "plate_no": p, "model": model[0], "category": category,
            "displacement_l": disp if disp is not None else model[1],
            "purchase_price": price if price is not None else float(model[2]),
            "purchase_date": bought or dt.date(int(rng.integers(2016, 2022)), int(rng.integers(1, 13)), 15),
            "owner_unit": owner or unit, "user_unit": unit, "status": status,
            "disposal_date": disposed, "energy": "纯电动" if ev else "汽油",
            "tank_l": 66.0 if model[0].startswith("大众帕萨特") else None,
        })
        return p

    general = [vehicle("一般公务用车", MODELS["一般公务用车"][0]),
               vehicle("一般公务用车", EV_MODELS[0], ev=True, bought=dt.date(2022, 5, 20))]
    confidential = vehicle("机要通信用车", ("大众朗逸1.6L", 1.6, 120_000), price=120_000.0, disp=1.6,
                           bought=dt.date(2021, 3, 2))
    ctx.near_miss("V02", "vehicles", key_of("vehicles", {"plate_no": confidential}),
                  "机要通信用车购置价恰为12万元、排量1.6L，未超标准")
    law = [vehicle("执法执勤用车", MODELS["执法执勤用车"][i % 3]) for i in range(3 + n_extra)]
    emergency = vehicle("应急保障用车", MODELS["应急保障用车"][0])
    disposed = vehicle("执法执勤用车", MODELS["执法执勤用车"][0], status="已处置",
                       bought=dt.date(2013, 6, 1), disposed=dt.date(2024, 5, 20))
    ctx.near_miss("V01", "vehicles", key_of("vehicles", {"plate_no": disposed}),
                  "已处置车辆不计入执法执勤用车编制（在用数等于编制数）")
    fleet = [*general, confidential, *law, emergency]

    # ---- V01 / V02: a third 一般公务用车, over quota and over standard -----------------------
    over = vehicle("一般公务用车", ("奥迪A6L 2.0T", 2.0, 0), price=386_000.0, bought=dt.date(2016, 5, 10))
    ctx.plant("V02", [("vehicles", key_of("vehicles", {"plate_no": over}))],
              "2016年购置一般公务用车价格38.6万元、排量2.0L，超过当时18万元/1.8L标准（中办发〔2011〕2号）")
    ctx.plant("V01", [("vehicles", key_of("vehicles", {"plate_no": p})) for p in [*general, over]]
              + [("vehicle_quota", key_of("vehicle_quota", {"category": "一般公务用车"}))],
              "一般公务用车在用3辆，超过编制2辆")
    fleet.append(over)

    # ---- V06: a vehicle owned by a subordinate unit ------------------------------------------
    sub = vehicle("执法执勤用车", MODELS["执法执勤用车"][2], owner="某市建设工程质量安全监督站")
    vehicles[-1]["user_unit"] = unit

    drivers = ctx.unique_names(3)
    users = ctx.staff_by(None)["name"].tolist()
    costs, trips = [], []
    cost_seq = [0]
    trip_seq = [0]

    def cost(p: str, day: dt.date, ctype: str, amount: float, liters: float | None = None,
             paid_by: str | None = None, planted: bool = True) -> str:
        cost_seq[0] += 1
        no = f"CF{day:%Y%m}{cost_seq[0]:04d}"
        costs.append({"cost_no": no, "plate_no": p, "date": day, "cost_type": ctype,
                      "amount": round(amount, 2), "liters": liters,
                      "fuel_card": f"100011{zlib.crc32(p.encode()) % 10**10:010d}" if ctype == "加油" else None,
                      "paid_by": paid_by or unit,
                      "voucher_no": f"记-{day:%Y%m}-{int(rng.integers(1, 400)):05d}",
                      "_planted": planted})
        return no

    def trip(p: str, day: dt.date, purpose: str) -> str:
        trip_seq[0] += 1
        no = f"PC{day:%Y%m}{trip_seq[0]:04d}"
        trips.append({"trip_no": no, "plate_no": p, "date": day, "driver": drivers[trip_seq[0] % 3],
                      "user": users[int(rng.integers(0, len(users)))], "purpose": purpose,
                      "km": round(float(rng.uniform(8, 160)), 1)})
        return no

    purposes = ["工地安全检查", "送达执法文书", "参加市政府会议", "保障房项目巡查", "机要文件交换",
                "质量监督抽检", "应急抢险值守", "城市更新项目调研"]
    ev_plates = {general[1]}
    for p in [*fleet, sub]:
        # workdays only; one refuel on a day at most; electric vehicles only charge
        fuel_days = sorted(set(ctx.random_workdays(int(rng.integers(18, 30)), rng=rng)))
        for d in fuel_days:
            if p in ev_plates:
                cost(p, d, "充电", float(rng.uniform(40, 120)), planted=False)
            else:
                liters = round(float(rng.uniform(25, 60)), 2)
                cost(p, d, "加油", liters * float(rng.uniform(7.4, 8.3)), liters, planted=False)
        for d in ctx.random_workdays(int(rng.integers(2, 6)), rng=rng):
            cost(p, d, str(rng.choice(["维修", "保养", "洗车", "停车", "过路过桥"])), float(rng.uniform(30, 2600)),
                 planted=False)
        cost(p, dt.date(2023, 3, 1), "保险", float(rng.uniform(3200, 5200)), planted=False)
        cost(p, dt.date(2024, 3, 1), "保险", float(rng.uniform(3200, 5200)), planted=False)
        for d in sorted(set(ctx.random_workdays(int(rng.integers(20, 40)), rng=rng))):
            trip(p, d, str(rng.choice(purposes)))
    # the disposed vehicle: costs before disposal only (near-miss)
    c = cost(disposed, dt.date(2024, 3, 12), "加油", 48.0 * 7.9, 48.0)
    ctx.near_miss("V03", "vehicle_costs", key_of("vehicle_costs", {"cost_no": c}), "车辆处置前发生的加油费")
    cost(disposed, dt.date(2024, 4, 9), "维修", 1860.0)

    CK = lambda n: ("vehicle_costs", key_of("vehicle_costs", {"cost_no": n}))  # noqa: E731
    # ---- V03 private car costs -----------------------------------------------------------------
    ghost = plate()
    a = cost(ghost, dt.date(2023, 11, 14), "加油", 52.0 * 7.8, 52.0)
    b = cost(ghost, dt.date(2024, 2, 27), "维修", 3680.0)
    c = cost(ghost, dt.date(2024, 3, 5), "保险", 4820.0)
    ctx.plant("V03", [CK(a), CK(b), CK(c)], f"{ghost}不在公务用车台账中，却由单位支付油费、维修费和保险费")
    a = cost(disposed, dt.date(2024, 7, 16), "加油", 50.0 * 7.7, 50.0)
    b = cost(disposed, dt.date(2024, 9, 10), "保险", 3980.0)
    ctx.plant("V03", [CK(a), CK(b), ("vehicles", key_of("vehicles", {"plate_no": disposed}))],
              "车辆已于2024年5月20日处置，之后仍报销加油费和保险费")

    # ---- V04 private use -------------------------------------------------------------------------
    car = law[0]
    a = cost(car, dt.date(2024, 10, 3), "加油", 45.0 * 7.6, 45.0)
    b = cost(car, dt.date(2024, 10, 4), "过路过桥", 185.0)
    ctx.plant("V04", [CK(a)], "国庆假期加油，当天无派车记录")
    ctx.plant("V04", [CK(b)], "国庆假期过路费，当天无派车记录")
    car2 = law[1]
    d = dt.date(2023, 7, 15)  # Saturday
    trip(car2, d, "防汛应急值守")
    c = cost(car2, d, "加油", 40.0 * 7.9, 40.0)
    ctx.near_miss("V04", "vehicle_costs", key_of("vehicle_costs", {"cost_no": c}), "周六加油，当天有派车记录")

    # ---- V05 fuel anomalies -----------------------------------------------------------------------
    a = cost(law[2], dt.date(2024, 5, 22), "加油", 86.0 * 7.7, 86.0)
    ctx.plant("V05", [CK(a)], "一次加油86升，超过油箱容积")
    d = dt.date(2023, 12, 6)
    a = cost(emergency, d, "加油", 42.0 * 7.8, 42.0)
    b = cost(emergency, d, "加油", 38.5 * 7.8, 38.5)
    ctx.plant("V05", [CK(a), CK(b)], "同一车辆同一天加油两次")
    a = cost(general[1], dt.date(2024, 8, 14), "加油", 45.0 * 7.8, 45.0)
    ctx.plant("V05", [CK(a)], "纯电动车发生加油费")
    a = cost(law[0], dt.date(2023, 4, 19), "加油", 70.0 * 7.7, 70.0)
    ctx.near_miss("V05", "vehicle_costs", key_of("vehicle_costs", {"cost_no": a}), "加油恰为70升，未超")

    # ---- issue 12 (appended after every other draw, so the rows above stay as they were) -------------
    # V06: a subordinate named with the bureau's prefix is another unit, not the bureau itself
    pfx = vehicle("执法执勤用车", MODELS["执法执勤用车"][1], owner=f"{unit}机关服务中心",
                  bought=dt.date(2019, 8, 6))
    pfx_costs = [cost(pfx, d, "加油", 44.0 * 7.8, 44.0) for d in (dt.date(2024, 4, 10), dt.date(2024, 6, 12),
                                                                 dt.date(2024, 9, 11))]
    ctx.plant("V06", [("vehicles", key_of("vehicles", {"plate_no": pfx}))] + [CK(n) for n in pfx_costs],
              f"产权属{unit}机关服务中心（以本局名称为前缀的下属单位）的车辆，由本单位支付油费")
    # near-miss: the bureau's own car with the province written before its name
    prov = vehicle("应急保障用车", MODELS["应急保障用车"][0], owner=f"湖南省{unit}", bought=dt.date(2020, 4, 1))
    quota["应急保障用车"] += 1
    cost(prov, dt.date(2024, 5, 15), "加油", 41.0 * 7.8, 41.0)
    ctx.near_miss("V06", "vehicles", key_of("vehicles", {"plate_no": prov}), "产权单位写作「湖南省」+本局名称，仍是本单位车辆")
    # V03: marked 已处置 without a disposal date (bought 2015, judged by the 2011 caps: within them)
    und = vehicle("执法执勤用车", MODELS["执法执勤用车"][2], status="已处置", bought=dt.date(2015, 9, 1))
    a = cost(und, dt.date(2024, 2, 21), "加油", 46.0 * 7.8, 46.0)
    b = cost(und, dt.date(2024, 4, 17), "维修", 2240.0)
    ctx.plant("V03", [CK(a), CK(b), ("vehicles", key_of("vehicles", {"plate_no": und}))],
              "车辆台账记为已处置但没有处置日期，仍报销加油费和维修费")
    pend = vehicle("执法执勤用车", MODELS["执法执勤用车"][0], status="待处置", bought=dt.date(2015, 3, 1))
    c = cost(pend, dt.date(2024, 3, 20), "加油", 39.0 * 7.8, 39.0)
    ctx.near_miss("V03", "vehicle_costs", key_of("vehicle_costs", {"cost_no": c}), "待处置（尚未处置）车辆的加油费")
    # V02: the new-energy cap (18万, any category) matches; a plug-in hybrid within it is no finding
    nev = vehicle("机要通信用车", ("比亚迪汉EV", None, 215_000), ev=True, bought=dt.date(2020, 6, 18))
    ctx.plant("V02", [("vehicles", key_of("vehicles", {"plate_no": nev}))],
              "2020年购置纯电动机要通信用车21.5万元，超过新能源轿车18万元标准")
    phev = vehicle("机要通信用车", ("比亚迪秦PLUS DM-i", 1.5, 170_000), bought=dt.date(2021, 9, 9))
    vehicles[-1]["energy"] = "插电式混合动力"
    ctx.near_miss("V02", "vehicles", key_of("vehicles", {"plate_no": phev}),
                  "插电式混合动力机要通信用车17万元，高于12万元但在新能源轿车18万元标准内")
    quota["机要通信用车"] += 2

    # drop baseline refuels that fall on the day of a planted cost of the same vehicle
    cdf = pd.DataFrame(costs)
    planted_days = set(zip(cdf.loc[cdf["_planted"], "plate_no"], cdf.loc[cdf["_planted"], "date"],
                           strict=True))
    clash = [(p, d) in planted_days for p, d in zip(cdf["plate_no"], cdf["date"], strict=True)]
    costs = cdf[~(np.array(clash) & ~cdf["_planted"])].drop(columns="_planted").to_dict("records")

    # ---- V06 subordinate vehicle -------------------------------------------------------------------
    sub_costs = [c["cost_no"] for c in costs if c["plate_no"] == sub]
    ctx.plant("V06", [("vehicles", key_of("vehicles", {"plate_no": sub}))] + [CK(n) for n in sub_costs],
              "产权属下属单位某市建设工程质量安全监督站的车辆，由本单位支付运行费用并使用")

    quota_df = pd.DataFrame({"category": list(quota), "quota": list(quota.values())})
    costs_df = pd.DataFrame(costs).sort_values(["date", "cost_no"], kind="stable").reset_index(drop=True)
    trips_df = pd.DataFrame(trips).sort_values(["date", "trip_no"], kind="stable").reset_index(drop=True)
    ctx.shared["plates"] = [v["plate_no"] for v in vehicles]
    return {"vehicles": pd.DataFrame(vehicles), "vehicle_quota": quota_df,
            "vehicle_costs": costs_df, "vehicle_trips": trips_df}
