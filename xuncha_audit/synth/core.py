"""Core of the sample-data generator: the fictional bureau, its people and the answer key.

``SynthContext`` holds everything the area modules share:

* ``ctx.rng``: a seeded ``numpy.random.Generator``; every random draw goes through it (or through
  ``ctx.sub_rng(tag)`` for independent streams), so the same seed gives the same data.
* the bureau: ``ctx.unit`` (name), ``ctx.level`` (市级), ``ctx.region`` (湖南), ``ctx.city`` (长沙),
  ``ctx.departments``, ``ctx.staff`` (DataFrame in the canonical ``staff`` columns plus helper
  columns ``ladder`` and ``gender``), ``ctx.relations`` (canonical ``relations`` columns),
  ``ctx.vendors`` (canonical ``vendors`` columns). All people and companies are fictional:
  ID numbers use the fictional area code 4399xx (no real prefecture 99 exists) with valid
  GB 11643 check digits; unified social credit codes use area 4399xx with valid GB 11714 and
  GB 32100 check digits.
* calendar helpers built on chinese_calendar: ``ctx.days`` (all dates of the period),
  ``ctx.is_workday_arr``, ``ctx.workdays``, ``ctx.restdays``, ``ctx.is_workday(d)``,
  ``ctx.adjusted_workdays`` (调休上班 weekend days), ``ctx.holidays`` (statutory holidays).
* answer key: ``ctx.plant(code, evidence=[(table, key), ...], note_zh=...)`` records one
  expected finding (a finding group); ``ctx.near_miss(code, table, key, note_zh)`` records a
  record that must NOT be flagged. Keys are exactly what ingestion's ``_key`` will be: the
  contract key columns (tables.yaml) cast to text and joined with ``|``; use ``key_of`` /
  ``keys_of`` to build them from canonical values.
* ``ctx.new_ids(prefix, n)``, ``ctx.invoice_numbers(n)``: unique identifiers.

Area modules (``xuncha_audit/synth/areas/<area>.py``) expose ``generate(ctx) -> dict[str,
DataFrame]`` returning canonical frames (contract column names, typed Python/pandas values:
dates as ``datetime.date``/Timestamp, amounts as float rounded to cents). The writers turn them
into export files. Areas run in ``AREA_ORDER``; later areas may use what earlier ones stored on
``ctx.shared`` (e.g. the vehicles area stores plates for the ledger).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from xuncha_audit.contract import load_contract

PERIOD_START = dt.date(2023, 1, 1)
PERIOD_END = dt.date(2024, 12, 31)

# Row counts per scale. Only the ledger grows to millions; the registers grow mildly.
SCALES: dict[str, dict[str, int]] = {
    "sample": {"staff": 80, "vendors": 48, "ledger_lines": 6000, "projects": 14, "vehicles": 8},
    "small": {"staff": 150, "vendors": 90, "ledger_lines": 100_000, "projects": 30, "vehicles": 14},
    "1m": {"staff": 300, "vendors": 180, "ledger_lines": 1_000_000, "projects": 60, "vehicles": 24},
    "10m": {"staff": 600, "vendors": 300, "ledger_lines": 10_000_000, "projects": 120,
            "vehicles": 40},
}

BUREAU_KINDS = [
    "住房和城乡建设局", "交通运输局", "水利局", "自然资源和规划局", "农业农村局", "生态环境局",
    "城市管理局", "市场监督管理局", "文化旅游广电局", "卫生健康委员会", "教育局", "民政局",
    "人力资源和社会保障局", "商务局", "应急管理局", "林业局", "统计局", "审计局",
]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌晶宇浩凯健俊帆"
    "琳雪梅海波鑫林飞峰龙婷瑶倩颖欣佳怡宁亮成东晨阳思远博立新春燕红霞丹凤慧琴云莉宏斌振"
)

DEPARTMENTS = [
    "办公室", "人事科", "计划财务科", "法规科", "建筑市场监管科", "城市建设科", "房地产市场监管科",
    "住房保障科", "村镇建设科", "科技与标准定额科", "工程质量安全监管科", "行政审批科",
]

# Fictional area codes: Hunan (43) prefecture 99 does not exist.
FICTIONAL_AREAS = ["439901", "439902", "439903", "439905", "439921", "439922"]

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of an ID number."""
    s = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[s % 11]


def valid_id_number(idn: str) -> bool:
    return (
        isinstance(idn, str) and len(idn) == 18 and idn[:17].isdigit()
        and id_check_digit(idn[:17]) == idn[17].upper()
    )


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w
            for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    c = 11 - s % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def uscc_check_digit(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a unified social credit code."""
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    c = 31 - s % 31
    return USCC_CHARS[0 if c == 31 else c]


def valid_uscc(code: str) -> bool:
    return (
        isinstance(code, str) and len(code) == 18 and all(c in USCC_CHARS for c in code)
        and uscc_check_digit(code[:17]) == code[17]
    )


def _fmt_key_value(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (np.integer,)):
        return str(int(v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def key_of(table: str, row: dict) -> str:
    """The ``_key`` ingestion will give a record of ``table`` with canonical values ``row``."""
    t = load_contract().table(table)
    cols = t.key if all(row.get(k) not in (None, "") for k in t.key) else t.key_fallback
    return "|".join(_fmt_key_value(row.get(k)) for k in cols)


def keys_of(table: str, df: pd.DataFrame) -> pd.Series:
    """Vectorised ``key_of`` for a canonical frame."""
    t = load_contract().table(table)
    parts = []
    for k in t.key:
        col = df[k]
        if pd.api.types.is_datetime64_any_dtype(col):
            parts.append(col.dt.strftime("%Y-%m-%d"))
        elif col.dtype == object and len(col) and isinstance(col.iloc[0], dt.date):
            parts.append(col.map(_fmt_key_value))
        else:
            parts.append(col.map(_fmt_key_value))
    out = parts[0].astype(str)
    for p in parts[1:]:
        out = out + "|" + p.astype(str)
    if getattr(t, "duplicates", None) == "keep":
        # ingestion numbers repeated keys #2, #3 ... in file order
        n = out.groupby(out).cumcount() + 1
        out = out.where(n == 1, out + "#" + n.astype(str))
    return out


@dataclass
class Plant:
    check_code: str
    unit: str
    finding_group: str
    table: str
    key: str
    note: str


@dataclass
class SynthContext:
    """Shared state of one unit's generation. See the module docstring."""

    seed: int
    scale: str = "sample"
    unit_index: int = 0
    unit: str = "某市住房和城乡建设局"
    level: str = "市级"
    region: str = "湖南"
    city: str = "长沙"
    clean: bool = False   # a clean bureau: no planted red flags (near-misses kept), see synth.generate
    answer_key: list[Plant] = field(default_factory=list)
    near_misses: list[dict] = field(default_factory=list)
    shared: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, self.unit_index])
        self.size = SCALES[self.scale]
        self._group_counter: dict[str, int] = {}
        self._id_counters: dict[str, int] = {}
        self._used_names: set[str] = set()
        self._invoice_counter = 0
        self._build_calendar()
        self._build_people()
        self._build_vendors()

    # ------------------------------------------------------------------ randomness
    def sub_rng(self, tag: str) -> np.random.Generator:
        """An independent, deterministic random stream for ``tag`` (e.g. one ledger chunk)."""
        digest = hashlib.sha256(tag.encode("utf-8")).digest()
        words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
        return np.random.default_rng([self.seed, self.unit_index, *words])

    def choice(self, seq, size=None, p=None):
        idx = self.rng.choice(len(seq), size=size, p=p)
        if size is None:
            return seq[int(idx)]
        return [seq[int(i)] for i in idx]

    # ------------------------------------------------------------------ calendar
    def _build_calendar(self) -> None:
        import chinese_calendar as cc

        days = pd.date_range(PERIOD_START, PERIOD_END, freq="D")
        self.days = np.array([d.date() for d in days])
        work = np.array([cc.is_workday(d) for d in self.days])
        hol = np.array([cc.is_holiday(d) and d.weekday() < 5 for d in self.days])
        self.is_workday_arr = work
        self.workdays = self.days[work]
        self.restdays = self.days[~work]
        self.holidays = self.days[hol]  # statutory holidays falling on weekdays
        self.adjusted_workdays = np.array(
            [d for d, w in zip(self.days, work, strict=True) if w and d.weekday() >= 5]
        )
        self._work_set = set(self.workdays.tolist())

    def is_workday(self, d: dt.date) -> bool:
        return d in self._work_set

    def all_workdays(self, start: dt.date, end: dt.date) -> bool:
        d = start
        while d <= end:
            if d not in self._work_set:
                return False
            d += dt.timedelta(days=1)
        return True

    def random_workdays(self, n: int, start: dt.date | None = None, end: dt.date | None = None,
                        rng: np.random.Generator | None = None) -> np.ndarray:
        rng = rng or self.rng
        pool = self.workdays
        if start or end:
            pool = pool[(pool >= (start or PERIOD_START)) & (pool <= (end or PERIOD_END))]
        return pool[rng.integers(0, len(pool), size=n)]

    def next_workday(self, d: dt.date) -> dt.date:
        """First workday on or after ``d`` (weekday rule beyond the generated period)."""
        while d not in self._work_set:
            if d > PERIOD_END or d < PERIOD_START:
                while d.weekday() >= 5:
                    d += dt.timedelta(days=1)
                return d
            d += dt.timedelta(days=1)
        return d

    # ------------------------------------------------------------------ ids
    def new_ids(self, prefix: str, n: int, width: int = 4) -> list[str]:
        start = self._id_counters.get(prefix, 0)
        self._id_counters[prefix] = start + n
        return [f"{prefix}{i:0{width}d}" for i in range(start + 1, start + n + 1)]

    def invoice_numbers(self, n: int) -> list[str]:
        """Unique 8-digit (paper) or 20-digit (全电) invoice numbers."""
        start = self._invoice_counter
        self._invoice_counter += n
        seq = np.arange(start + 1, start + n + 1, dtype=np.int64)
        scrambled = (seq * 7919 + 13_370_000 + self.unit_index * 1_000_003) % 100_000_000
        kinds = self.rng.random(n) < 0.4
        out = []
        for s, k in zip(scrambled, kinds, strict=True):
            out.append(f"2443{int(s) % 10**8:08d}{int(s) * 37 % 10**8:08d}" if k else f"{int(s):08d}")
        return out

    # ------------------------------------------------------------------ people
    def unique_names(self, n: int, surname: str | None = None) -> list[str]:
        """n fictional names not used before in this unit (no accidental namesakes)."""
        out: list[str] = []
        while len(out) < n:
            k = (n - len(out)) * 2 + 8
            sur = [surname] * k if surname else self.choice(SURNAMES, k)
            two = self.rng.random(k) < 0.72
            g1 = self.choice(GIVEN_CHARS, k)
            g2 = self.choice(GIVEN_CHARS, k)
            for s, t, a, b in zip(sur, two, g1, g2, strict=True):
                name = s + a + (b if t and b != a else "")
                if name not in self._used_names:
                    self._used_names.add(name)
                    out.append(name)
                    if len(out) == n:
                        break
        return out

    def id_numbers(self, birth_dates, genders) -> list[str]:
        """Fictional ID numbers (area 4399xx) with valid GB 11643 check digits."""
        out = []
        areas = self.choice(FICTIONAL_AREAS, len(birth_dates))
        seqs = self.rng.integers(0, 50, size=len(birth_dates))
        for a, b, g, s in zip(areas, birth_dates, genders, seqs, strict=True):
            seq = int(s) * 2 + (1 if g == "男" else 0)  # odd = male
            body = f"{a}{b:%Y%m%d}{seq:03d}"
            out.append(body + id_check_digit(body))
        return out

    def phones(self, n: int) -> list[str]:
        pref = self.choice(["135", "136", "137", "138", "139", "150", "151", "152", "158",
                            "159", "173", "177", "180", "181", "186", "187", "188", "199"], n)
        base = self.rng.choice(10**8, size=n, replace=False)
        used = self.shared.setdefault("_phones", set())
        out = []
        for p, b in zip(pref, base, strict=True):
            ph = f"{p}{int(b):08d}"
            while ph in used:
                b = (int(b) + 7777) % 10**8
                ph = f"{p}{int(b):08d}"
            used.add(ph)
            out.append(ph)
        return out

    def bank_accounts(self, n: int, personal: bool = True) -> list[str]:
        used = self.shared.setdefault("_accounts", set())
        out = []
        heads = ["6217", "6228", "6222", "6230", "6214"] if personal else ["4300", "4305", "1901"]
        for _ in range(n):
            while True:
                h = self.choice(heads)
                tail = "".join(str(x) for x in self.rng.integers(0, 10, size=15 if personal else 16))
                acc = h + tail
                if acc not in used:
                    used.add(acc)
                    out.append(acc)
                    break
        return out

    def _build_people(self) -> None:
        n = self.size["staff"]
        rng = self.rng
        # Ladder: 1 局长 (正处), 4 副局长 (副处), a few 调研员, 科长 (正科), 副科长, 科员.
        n_zk = max(6, n // 8)
        n_fk = max(6, n // 8)
        n_dy = max(2, n // 30)
        ladders = (["正处级"] + ["副处级"] * 4 + ["三级调研员"] * n_dy + ["正科级"] * n_zk
                   + ["副科级"] * n_fk)
        ladders += ["一级科员"] * (n - len(ladders))
        ladders = ladders[:n]
        positions = []
        for lad in ladders:
            positions.append({"正处级": "局长", "副处级": "副局长", "三级调研员": "",
                              "正科级": "科长", "副科级": "副科长"}.get(lad, "科员"))
        names = self.unique_names(n)
        genders = self.choice(["男", "女"], n)
        years = rng.integers(1966, 1999, size=n)
        births = [dt.date(int(y), int(m), int(d)) for y, m, d in
                  zip(years, rng.integers(1, 13, n), rng.integers(1, 29, n), strict=True)]
        depts = []
        for i, pos in enumerate(positions):
            if pos in ("局长", "副局长"):
                depts.append("局领导")
            else:
                depts.append(DEPARTMENTS[i % len(DEPARTMENTS)])
        # Rank shown in the roster as real rosters write it: mostly the short forms (正处, 副处,
        # 正科, 副科), some full forms, some 2019 职务职级 titles, some with 干部.
        rank_display = []
        for lad in ladders:
            alt = {"正科级": ["正科", "正科", "正科级", "一级主任科员", "正科级干部"],
                   "副科级": ["副科", "副科", "副科级", "四级主任科员", "副科级干部"],
                   "一级科员": ["科员", "一级科员", "一级科员"], "三级调研员": ["三级调研员", "三级调研员（副处）"],
                   "正处级": ["正处"], "副处级": ["副处", "副处", "副处级", "副县级"]}[lad]
            rank_display.append(self.choice(alt))
        staff = pd.DataFrame({
            "person_id": self.new_ids("ZJ", n, 4),
            "name": names,
            "id_number": self.id_numbers(births, genders),
            "rank": rank_display,
            "position": positions,
            "department": depts,
            "sub_unit": None,
            "status": "在职",
            "hire_date": [dt.date(max(1988, b.year + 22 + int(k)), int(m), 1) for b, k, m in
                          zip(births, rng.integers(0, 6, n), rng.integers(1, 13, n), strict=True)],
            "leave_date": None,
            "phone": self.phones(n),
            "bank_account": self.bank_accounts(n),
            "ladder": ladders,
            "gender": genders,
        })
        # A few already retired before the period: a 统发 payroll pays them 离退休费 every month.
        old = staff.index[staff["ladder"].isin(["一级科员", "副科级"])][-3:]
        staff.loc[old, "status"] = "退休"
        staff.loc[old, "leave_date"] = [dt.date(2022, 3, 31), dt.date(2021, 11, 30),
                                        dt.date(2022, 8, 31)]
        # Status changes inside the period (used by payroll planting and near-misses):
        # one transferred out (调出) in 2023, one retiring mid-2024, one seconded out (借调) who
        # shares the name of an active colleague (namesakes with different ID numbers).
        clerks = staff.index[(staff["ladder"] == "一级科员") & (staff["status"] == "在职")]
        i_out, i_ret, i_sec, i_twin = clerks[-4], clerks[-5], clerks[-6], clerks[3]
        staff.loc[i_out, ["status", "leave_date"]] = ["调出", dt.date(2023, 8, 31)]
        staff.loc[i_ret, ["status", "leave_date"]] = ["退休", dt.date(2024, 6, 15)]
        staff.loc[i_sec, ["status", "name"]] = ["借调", staff.loc[i_twin, "name"]]
        self.shared["transferred"] = staff.loc[i_out, "person_id"]
        self.shared["retiring"] = staff.loc[i_ret, "person_id"]
        self.shared["namesakes"] = (staff.loc[i_twin, "person_id"], staff.loc[i_sec, "person_id"])
        self.staff = staff
        self.shared["leaders"] = staff.loc[staff["position"].isin(["局长", "副局长"]), "name"].tolist()

        # Relatives: 1-3 per staff member, surnames mostly inherited.
        rows = []
        rel_kinds = ["配偶", "父亲", "母亲", "儿子", "女儿", "兄弟", "姐妹"]
        employers = ["某市第一中学", "某市人民医院", "某县农业农村局", "某市自来水公司", "个体经营",
                     "某区财政局", "某市第二小学", "退休", "某银行某市分行", "某大学"]
        counts = rng.integers(1, 4, size=n)
        for (_, s), k in zip(staff.iterrows(), counts, strict=True):
            kinds = list(rng.choice(rel_kinds, size=int(k), replace=False))
            for kind in kinds:
                sur = s["name"][0] if kind in ("父亲", "儿子", "女儿", "兄弟", "姐妹") else None
                rname = self.unique_names(1, surname=sur)[0]
                by = s.get("id_number")[6:10]
                off = {"配偶": 0, "父亲": -27, "母亲": -25, "儿子": 27, "女儿": 28,
                       "兄弟": 3, "姐妹": -2}[kind]
                b = dt.date(int(by) + off, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
                g = "女" if kind in ("母亲", "女儿", "姐妹") else (
                    "男" if kind != "配偶" else ("女" if s["gender"] == "男" else "男"))
                rows.append({
                    "person_id": s["person_id"], "id_number": s["id_number"], "name": s["name"],
                    "relative_name": rname, "relation": kind,
                    "relative_id_number": self.id_numbers([b], [g])[0],
                    "relative_employer": self.choice(employers),
                })
        self.relations = pd.DataFrame(rows)

    # ------------------------------------------------------------------ vendors
    VENDOR_WORDS: ClassVar[list] = ["恒信", "宏达", "华建", "博远", "中联", "天成", "鑫源", "瑞丰", "湘江", "麓山",
                    "星城", "嘉禾", "金鹏", "远航", "东方", "正和", "卓越", "诚达", "汇通", "精工",
                    "昌盛", "鼎立", "盛世", "云帆", "新锐", "广厦", "同创", "安泰", "立信", "宏图",
                    "润泽", "长盛", "方圆", "益民", "康达", "明辉", "顺达", "永兴", "德润", "智远"]
    VENDOR_TRADES: ClassVar[list] = [("科技", "货物"), ("信息技术", "服务"), ("建设工程", "工程"), ("建筑装饰工程", "工程"),
                     ("办公设备", "货物"), ("物业管理", "服务"), ("工程咨询", "服务"), ("测绘", "服务"),
                     ("印务", "服务"), ("电子设备", "货物"), ("市政工程", "工程"), ("家具", "货物"),
                     ("软件", "服务"), ("环境工程", "工程"), ("造价咨询", "服务"), ("机电设备", "货物")]
    DISTRICTS: ClassVar[list] = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
    ROADS: ClassVar[list] = ["五一大道", "芙蓉中路", "韶山北路", "人民东路", "麓山南路", "湘江中路", "劳动西路",
             "东二环", "万家丽路", "车站北路", "桐梓坡路", "金星中路"]

    def uscc(self, n: int) -> list[str]:
        out = []
        used = self.shared.setdefault("_uscc", set())
        while len(out) < n:
            body8 = "".join(str(x) for x in self.rng.integers(0, 10, size=8))
            mid = body8 + org_code_check(body8)
            first17 = "91" + self.choice(FICTIONAL_AREAS) + mid
            code = first17 + uscc_check_digit(first17)
            if code not in used:
                used.add(code)
                out.append(code)
        return out

    def addresses(self, n: int) -> list[str]:
        used = self.shared.setdefault("_addresses", set())
        out = []
        while len(out) < n:
            a = (f"长沙市{self.choice(self.DISTRICTS)}{self.choice(self.ROADS)}"
                 f"{int(self.rng.integers(1, 900))}号")
            if self.rng.random() < 0.5:
                a += f"{int(self.rng.integers(1, 30))}栋{int(self.rng.integers(101, 2800))}室"
            if a not in used:
                used.add(a)
                out.append(a)
        return out

    def make_vendors(self, n: int, registered_before: dt.date = dt.date(2020, 6, 30)) -> pd.DataFrame:
        """n fictional vendors unrelated to any staff member or relative."""
        used = self.shared.setdefault("_vendor_names", set())
        names, trades = [], []
        while len(names) < n:
            w = self.choice(self.VENDOR_WORDS)
            tr, cat = self.choice(self.VENDOR_TRADES)
            suffix = self.choice(["有限公司", "有限责任公司", "有限公司", "股份有限公司"])
            prefix = self.choice(["长沙", "湖南", "长沙市"])
            nm = f"{prefix}{w}{tr}{suffix}"
            core = w + tr
            if core in used:
                continue
            used.add(core)
            names.append(nm)
            trades.append(cat)
        reps = self.unique_names(n)
        holders = []
        for r in reps:
            k = int(self.rng.integers(0, 3))
            holders.append("、".join([r, *self.unique_names(k)]))
        reg = [registered_before - dt.timedelta(days=int(x))
               for x in self.rng.integers(0, 5000, size=n)]
        return pd.DataFrame({
            "vendor": names, "vendor_id": self.uscc(n), "legal_rep": reps,
            "shareholders": holders, "phone": self.phones(n), "address": self.addresses(n),
            "bank_account": self.bank_accounts(n, personal=False), "registered_date": reg,
            "trade": trades,
        })

    def _build_vendors(self) -> None:
        self.vendors = self.make_vendors(self.size["vendors"])

    # ------------------------------------------------------------------ answer key
    def plant(self, check_code: str, evidence: list[tuple[str, str]], note_zh: str = "",
              group: str | None = None) -> str:
        """Record one planted finding citing ``evidence`` [(table, key), ...]; returns its group id.

        Areas written for the clean mode do not call this when ``self.clean``; the others' planted
        rows are removed afterwards by ``synth.remove_planted`` using these records."""
        if group is None:
            n = self._group_counter.get(check_code, 0) + 1
            self._group_counter[check_code] = n
            group = f"{check_code}-{n:03d}"
        for table, key in evidence:
            load_contract().table(table)
            self.answer_key.append(Plant(check_code, self.unit, group, table, str(key), note_zh))
        return group

    def near_miss(self, check_code: str, table: str, key: str, note_zh: str) -> None:
        """Record a record that looks suspicious but must NOT be flagged by ``check_code``."""
        load_contract().table(table)
        self.near_misses.append({"check_code": check_code, "unit": self.unit, "table": table,
                                 "key": str(key), "note": note_zh})

    def answer_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.answer_key],
                            columns=["check_code", "unit", "finding_group", "table", "key", "note"])

    def near_miss_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.near_misses, columns=["check_code", "unit", "table", "key", "note"])

    # ------------------------------------------------------------------ helpers
    def staff_by(self, ladder: str | None = None, status: str = "在职") -> pd.DataFrame:
        s = self.staff[self.staff["status"] == status] if status else self.staff
        if ladder:
            s = s[s["ladder"] == ladder]
        return s

    def lognormal_amounts(self, n: int, lo: float, hi: float,
                          rng: np.random.Generator | None = None) -> np.ndarray:
        """Log-uniform amounts in [lo, hi) with cents (Benford-like when hi/lo is a power of 10)."""
        rng = rng or self.rng
        return np.round(10 ** rng.uniform(np.log10(lo), np.log10(hi), size=n), 2)


def unit_names(n: int) -> list[str]:
    """Names of ``n`` fictional bureaus (one per sub-folder when --units N > 1)."""
    out = []
    for i in range(n):
        kind = BUREAU_KINDS[i % len(BUREAU_KINDS)]
        rnd = i // len(BUREAU_KINDS)
        prefix = "某市" if rnd == 0 else f"某市第{rnd + 1}片区"
        out.append(prefix + kind)
    return out
