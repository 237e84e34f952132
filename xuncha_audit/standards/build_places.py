"""Dev-time builder of ``data/places.csv`` (std_places) from an administrative-division list.

Not used at run time. The shipped CSV was built once from ``cpca`` 0.5.5's
``resources/adcodes.csv`` (MIT licence, (c) 2018 QinYuan Du; see
``data/LICENSE-cpca-adcodes.txt``)::

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && unzip /tmp/cpca/*.whl -d /tmp/cpca
    python -m xuncha_audit.standards.build_places /tmp/cpca/cpca/resources/adcodes.csv \
        /tmp/cpca/cpca/resources/56_nations.csv

Output columns: name (one row per alias: full name and a short form), full_name, city,
region (the region key used by the standards tables: province short name, or one of the
five 计划单列市 大连/青岛/宁波/厦门/深圳), province, kind (region/city/district/county/area),
adcode, ambiguous (the same name names places in different cities).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).with_name("data") / "places.csv"

MUNICIPALITIES = {"11": "北京", "12": "天津", "31": "上海", "50": "重庆"}
SEPARATE_PLAN = {"2102": "大连", "3702": "青岛", "3302": "宁波", "3502": "厦门", "4403": "深圳"}
PROVINCE_SHORT = {
    "北京市": "北京", "天津市": "天津", "河北省": "河北", "山西省": "山西", "内蒙古自治区": "内蒙古",
    "辽宁省": "辽宁", "吉林省": "吉林", "黑龙江省": "黑龙江", "上海市": "上海", "江苏省": "江苏",
    "浙江省": "浙江", "安徽省": "安徽", "福建省": "福建", "江西省": "江西", "山东省": "山东",
    "河南省": "河南", "湖北省": "湖北", "湖南省": "湖南", "广东省": "广东",
    "广西壮族自治区": "广西", "海南省": "海南", "重庆市": "重庆", "四川省": "四川", "贵州省": "贵州",
    "云南省": "云南", "西藏自治区": "西藏", "陕西省": "陕西", "甘肃省": "甘肃", "青海省": "青海",
    "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆", "台湾省": "台湾",
    "香港特别行政区": "香港", "澳门特别行政区": "澳门",
}
# places the lodging table names that are not administrative divisions
EXTRA = [
    # name, full_name, city, region, province, kind
    ("长白山", "长白山管理区", "长白山", "吉林", "吉林", "area"),
    ("杨凌", "杨凌示范区", "咸阳", "陕西", "陕西", "area"),
    ("两江新区", "重庆两江新区", "重庆", "重庆", "重庆", "area"),
    ("北部新区", "重庆北部新区", "重庆", "重庆", "重庆", "area"),
    ("平潭综合实验区", "平潭综合实验区", "福州", "福建", "福建", "area"),
    ("洋浦", "洋浦经济开发区", "儋州", "海南", "海南", "area"),
]


def _strip_ethnic(name: str, nations: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for n in nations:
            for form in (n, n[:-1] if n.endswith("族") else None):
                if form and len(name) > len(form) + 1 and name.endswith(form):
                    name = name[: -len(form)]
                    changed = True
    return name


def short_name(full: str, nations: list[str], provinces: set[str]) -> str:
    s = full
    for suf in ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "盟", "市", "县", "区", "旗"):
        if s.endswith(suf) and len(s) - len(suf) >= 2:
            s = s[: -len(suf)]
            break
    s = _strip_ethnic(s, nations)
    if s in provinces:  # 吉林市 / 海南藏族自治州 must not read as the province
        s = s + ("州" if "州" in full else "市")
    return s


def build(adcodes: Path, nations_csv: Path) -> list[dict]:
    nations = [ln.strip() for ln in nations_csv.read_text(encoding="utf-8").splitlines() if ln.strip()]
    nations.sort(key=len, reverse=True)
    rows = list(csv.DictReader(adcodes.open(encoding="utf-8")))
    by_code = {r["adcode"][:6]: r["name"] for r in rows}
    provinces = set(PROVINCE_SHORT.values())
    out: list[dict] = []

    def add(full: str, city: str, region: str, province: str, kind: str, code: str) -> None:
        names = {full}
        if kind != "region":
            short = short_name(full, nations, provinces)
            if len(short) >= 2:
                names.add(short)
        else:
            names.add(PROVINCE_SHORT.get(full, full))
        for n in sorted(names):
            out.append(dict(name=n, full_name=full, city=city, region=region, province=province,
                            kind=kind, adcode=code))

    for r in sorted(rows, key=lambda r: r["adcode"]):
        code = r["adcode"][:6]
        full = r["name"]
        pcode, ccode = code[:2], code[:4]
        pfull = by_code.get(pcode + "0000", "")
        province = PROVINCE_SHORT.get(pfull, pfull)
        if province in ("台湾", "香港", "澳门"):
            if code.endswith("0000"):
                add(full, province, province, province, "region", code)
            continue
        if code.endswith("0000"):
            add(full, province, province, province, "region", code)
            continue
        region = SEPARATE_PLAN.get(ccode, province)
        if pcode in MUNICIPALITIES:
            kind = "county" if full.endswith("县") else "district"
            add(full, province, region, province, kind, code)
            continue
        if code.endswith("00"):
            add(full, short_name(full, nations, provinces), region, province, "city", code)
            continue
        if code[2:4] == "90":  # province-administered county-level city / county
            add(full, short_name(full, nations, provinces), region, province, "city", code)
            continue
        cfull = by_code.get(ccode + "00")
        city = short_name(cfull, nations, provinces) if cfull else province
        kind = "district" if full.endswith("区") else "county"
        add(full, city, region, province, kind, code)
    for name, full, city, region, province, kind in EXTRA:
        out.append(dict(name=name, full_name=full, city=city, region=region, province=province,
                        kind=kind, adcode=""))
    return out


def main(argv: list[str]) -> None:
    rows = build(Path(argv[0]), Path(argv[1]))
    top = {r["name"] for r in rows if r["kind"] in ("region", "city")}
    rows = [r for r in rows
            if not (r["kind"] in ("county", "district") and r["name"] != r["full_name"]
                    and r["name"] in top)]
    targets: dict[str, set] = {}
    for r in rows:
        targets.setdefault(r["name"], set()).add((r["city"], r["region"]))
    for r in rows:
        r["ambiguous"] = "true" if len(targets[r["name"]]) > 1 else "false"
    seen = set()
    uniq = []
    for r in rows:
        k = (r["name"], r["full_name"], r["city"], r["adcode"])
        if k not in seen:
            seen.add(k)
            uniq.append(r)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(uniq[0]))
        w.writeheader()
        w.writerows(uniq)
    print(f"{len(uniq)} rows -> {OUT}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
