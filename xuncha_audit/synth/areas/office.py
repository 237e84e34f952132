"""Office-space area: ``offices``.

Standards at 市级 (发改投资〔2014〕2674号): 正局(处) 24 m², 副局(处) 18 m², below 9 m² per person.
Ladder used here: 正处级 -> 24, 副处级 and 三级调研员 -> 18, everyone else -> 9.

Baseline (must not be flagged): leaders alone in rooms at 85-98% of their standard; section staff
2-4 to a room at 6.5-8.9 m² each; meeting rooms and archives (use != 办公) without occupants;
every active person in exactly one room; retired, transferred and seconded staff in none.

Planted: O01 (4: one occupant not in the roster above every standard), O02 (2); near-misses:
two occupants not in the roster (8.5 m², within the lowest standard; 16 m², a data-quality note), a 副处级 alone in exactly 18.0 m², a room shared by a
副处级 and clerks within the 副处 standard, meeting rooms larger than any standard.
"""

from __future__ import annotations

import pandas as pd

from xuncha_audit.synth.core import SynthContext, key_of

STD = {"正处级": 24.0, "副处级": 18.0, "三级调研员": 18.0}


def generate(ctx: SynthContext) -> dict[str, pd.DataFrame]:
    rng = ctx.sub_rng("office")
    staff = ctx.staff_by(None)
    rooms: list[dict] = []
    per_floor: dict[int, int] = {}

    def room(floor: int, occupants: list[str], area: float, use: str = "办公",
             building: str = "主办公楼") -> str:
        per_floor[floor] = per_floor.get(floor, 0) + 1
        no = f"{floor}{per_floor[floor]:02d}"
        rooms.append({"building": building, "room_no": no, "area_m2": round(area, 1),
                      "occupants": "、".join(occupants), "use": use})
        return no

    R = lambda no: ("offices", key_of("offices", {"room_no": no}))  # noqa: E731
    leaders = staff[staff["ladder"].isin(list(STD))]
    others = staff[~staff["ladder"].isin(list(STD))]

    plant_o01 = leaders[leaders["ladder"] == "副处级"].iloc[0]["name"]
    exact_18 = leaders[leaders["ladder"] == "副处级"].iloc[1]["name"]
    for _, p in leaders.iterrows():
        if p["name"] == plant_o01:
            no = room(5, [p["name"]], 26.5)
            ctx.plant("O01", [R(no)], f"副处级{p['name']}独用26.5㎡，超过18㎡标准")
        elif p["name"] == exact_18:
            no = room(5, [p["name"]], 18.0)
            ctx.near_miss("O01", "offices", key_of("offices", {"room_no": no}), "副处级独用恰为18㎡")
        else:
            room(5, [p["name"]], STD[p["ladder"]] * float(rng.uniform(0.85, 0.98)))

    # section staff: by department, 2-4 per room
    plant_zk = others[others["ladder"] == "正科级"].iloc[0]["name"]
    multi = others[others["ladder"] == "一级科员"].iloc[2]["name"]
    multi2 = others[others["ladder"] == "副科级"].iloc[1]["name"]
    clerks = others[others["ladder"] == "一级科员"]["name"].tolist()
    big = clerks[-2:]
    floor = 2
    for _dept, g in others.groupby("department", sort=False):
        names = [n for n in g["name"] if n != plant_zk and n not in big]
        i = 0
        while i < len(names):
            k = min(len(names) - i, int(rng.integers(2, 5)))
            occ = names[i:i + k]
            room(floor, occ, len(occ) * float(rng.uniform(6.5, 8.9)))
            i += k
        floor = 2 + (floor - 1) % 3
    no = room(4, [plant_zk], 15.6)
    ctx.plant("O01", [R(no)], f"正科级{plant_zk}独用15.6㎡，超过9㎡标准")
    no = room(3, big, 2 * 12.4)
    ctx.plant("O01", [R(no)], "两名科员共用24.8㎡，人均12.4㎡，超过9㎡标准")

    # O02 multiple offices
    no1 = next(r["room_no"] for r in rooms if multi in r["occupants"].split("、"))
    no2 = room(6, [multi], 8.5, building="附属楼")
    ctx.plant("O02", [R(no1), R(no2)], f"{multi}同时在两处办公用房登记为使用人")
    no1 = next(r["room_no"] for r in rooms if multi2 in r["occupants"].split("、"))
    no2 = room(6, [multi2, clerks[0]], 15.0, building="附属楼")
    ctx.plant("O02", [R(no1), R(no2)], f"{multi2}同时占用两处办公用房")
    # clerks[0] now also in two rooms -> part of the same story, record as its own finding
    no0 = next(r["room_no"] for r in rooms if clerks[0] in r["occupants"].split("、")
               and r["room_no"] != no2)
    ctx.plant("O02", [R(no0), R(no2)], f"{clerks[0]}同时在两处办公用房登记为使用人")

    # issue 12: occupants not in the roster (borrowed or hired staff). Judged only where the answer does
    # not depend on the rank; otherwise a data-quality note, never a finding. Fixed names (no draw from
    # the shared stream, so later areas are unaffected).
    outsiders = [n for n in ("欧阳明远", "司马文静", "上官雨桐") if n not in ctx._used_names]
    ctx._used_names.update(outsiders)
    if len(outsiders) == 3:
        no = room(8, [outsiders[0]], 48.0)
        ctx.plant("O01", [R(no)], f"{outsiders[0]}不在花名册中，独用48㎡，超过市级各职级最高标准42㎡")
        no = room(8, [outsiders[1]], 8.5)
        ctx.near_miss("O01", "offices", key_of("offices", {"room_no": no}), "使用人不在花名册中，但8.5㎡不超过最低标准9㎡")
        no = room(8, [outsiders[2]], 16.0)
        ctx.near_miss("O01", "offices", key_of("offices", {"room_no": no}),
                      "使用人不在花名册中，16㎡是否超标取决于职级：数据质量说明，不是疑点")

    for use, area in (("会议", 86.0), ("会议", 42.0), ("档案", 60.0), ("接待", 30.0)):
        no = room(7, [], area, use=use)
        if use == "会议" and area > 50:
            ctx.near_miss("O01", "offices", key_of("offices", {"room_no": no}), "会议室无使用人，不按人均计算")
    return {"offices": pd.DataFrame(rooms)}
