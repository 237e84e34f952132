"""A realistic run database for the findings tests: findings, evidence, bookkeeping tables.

``make_run_db(path, variant)`` writes what the check engine writes. Variant 2 is a rerun on
corrected data: one finding gone (P01 vendor 丙), one new (R03 王五), one with a changed
amount (V02), the others unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

ID_NUMBER = "430102198503071234"
PHONE = "13812345678"
BANK = "6222021234567890123"
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def fid(check_id: str, unit: str, keys: list[str]) -> str:
    return hashlib.sha256(f"{check_id}|{unit}|{','.join(sorted(keys))}".encode()).hexdigest()[:16]


def _findings(variant: int):
    u1, u2 = "市交通运输局", "市林业局"
    out = []  # (check, name, severity, area, unit, route, title, amount, etype, ekey, ps, pe, reg, persons, evidence)

    def add(check, name, sev, area, unit, route, title, amount, etype, ekey, ps, pe, reg, persons, ev):
        out.append(dict(check_id=check, check_name=name, severity=sev, area=area, unit=unit,
                        route=route, title=title, amount=amount, entity_type=etype,
                        entity_key=ekey, period_start=ps, period_end=pe, regulation=reg,
                        persons=persons, evidence=ev))

    reg_p = "《政府采购法》第四十一条"
    add("P01", "拆分规避招标", "high", "procurement", u1, "纪检监察",
        "长沙甲科技在180天内签订3份合同，合计2,100,000.00元，均低于招标限额", 2100000.00,
        "vendor", "长沙甲科技", "2024-01-05", "2024-03-01", reg_p, "张三",
        [("contracts", f"HT-2024-00{i}", {"contract_no": f"HT-2024-00{i}",
          "vendor": "长沙甲科技有限公司", "amount": 700000.00, "sign_date": f"2024-0{i}-05",
          "procurement_method": "询价", "department": "办公室"}) for i in (1, 2, 3)])
    if variant == 1:
        add("P01", "拆分规避招标", "high", "procurement", u1, "纪检监察",
            "=HYPERLINK(\"http://evil.example\",\"点我\")在90天内签订2份合同", 900000.00,
            "vendor", "=HYPERLINK(\"http://evil.example\",\"点我\")", "2024-05-01", "2024-06-01",
            reg_p, None,
            [("contracts", f"HT-2024-01{i}", {"contract_no": f"HT-2024-01{i}",
              "vendor": "=HYPERLINK(\"http://evil.example\",\"点我\")", "amount": 450000.00,
              "sign_date": f"2024-0{4 + i}-01", "procurement_method": "询价"}) for i in (1, 2)])
    add("P05", "投标人联系方式相同", "high", "procurement", u1, "纪检监察",
        f"2家投标人联系电话同为{PHONE}", None, "vendor", "乙建设", "2024-02-01", "2024-02-01",
        "《招标投标法实施条例》第四十条", "李四",
        [("bids", f"ZB-01|{b}", {"project_code": "ZB-01", "bidder": b, "bid_amount": 980000.00,
          "contact_person": "李四", "contact_phone": PHONE, "bank_account": BANK})
         for b in ("乙建设有限公司", "+1工程有限公司")])
    add("R01", "差旅住宿超标准", "medium", "reimbursement", u1, "反馈",
        "张三赴北京出差住宿费超标准1,250.00元", 1250.00, "person", "张三",
        "2024-04-02", "2024-04-05", "《中央和国家机关差旅费管理办法》第九条", "张三",
        [("travel_claims", "CL-0042", {"claim_no": "CL-0042", "person": "张三", "destination": "北京",
          "depart_date": "2024-04-02", "return_date": "2024-04-05", "lodging_amount": 3650.00,
          "reason": "-2+3 调研"})])
    add("R05", "公务接待无公函", "low", "reimbursement", u2, "反馈",
        "@SUM(A1) 接待无公函", 3200.50, "person", "赵六", "2024-06-18", "2024-06-18",
        "《党政机关国内公务接待管理规定》第六条", "赵六、张三",
        [("hospitality", "JD-7", {"record_no": "JD-7", "date": "2024-06-18",
          "guest_unit": "@SUM(A1)", "amount": 3200.50, "handler": "赵六",
          "items": f"身份证{ID_NUMBER}"})])
    amount_v02 = 268000.00 if variant == 1 else 300000.00
    add("V02", "超标准配车", "high", "vehicles", u2, "纪检监察",
        f"湘A12345购置价{amount_v02:,.2f}元超标准", amount_v02, "vehicle", "湘A12345",
        "2023-08-01", "2023-08-01", "《党政机关公务用车管理办法》第十条", "王五",
        [("vehicles", "湘A12345", {"plate_no": "湘A12345", "model": "奥迪A6L",
          "purchase_price": amount_v02 + 180000, "purchase_date": "2023-08-01"})])
    add("H02", "违规提拔", "medium", "payroll", u2, "组织人事",
        "王五任职年限不足即晋升", None, "person", "王五", "2022-01-01", "2022-01-01",
        "《党政领导干部选拔任用工作条例》第九条", "王五",
        [("staff", "S-003", {"person_id": "S-003", "name": "王五", "id_number": ID_NUMBER,
          "rank": "正处级", "position": "局长", "phone": PHONE, "bank_account": BANK})])
    if variant == 2:
        add("R03", "私车公养", "medium", "reimbursement", u1, "反馈",
            "王五报销私车加油费", 860.00, "person", "王五", "2024-07-01", "2024-07-09",
            "《党政机关公务用车管理办法》第二十条", "王五",
            [("ledger", "PZ-88|1", {"voucher_no": "PZ-88", "line_no": 1, "summary": "=1+1 加油费",
              "debit": 860.00, "person": "王五", "counterparty": "中石化长沙分公司"})])
    return out


def make_run_db(path: Path, variant: int = 1, *, with_validation: bool = True) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    run_id = f"run-{variant}"
    con.execute("""CREATE OR REPLACE TABLE findings (finding_id VARCHAR, run_id VARCHAR,
        check_id VARCHAR, check_name VARCHAR, severity VARCHAR, area VARCHAR, unit VARCHAR,
        route VARCHAR, rule VARCHAR, title VARCHAR, amount DECIMAL(18,2), entity_type VARCHAR,
        entity_key VARCHAR, period_start DATE, period_end DATE, regulation VARCHAR,
        persons VARCHAR, details VARCHAR, status VARCHAR, note VARCHAR)""")
    con.execute("""CREATE OR REPLACE TABLE evidence (finding_id VARCHAR, check_id VARCHAR,
        unit VARCHAR, source_table VARCHAR, record_key VARCHAR, record VARCHAR)""")
    for f in _findings(variant):
        keys = [f"{t}:{k}" for t, k, _ in f["evidence"]]
        i = fid(f["check_id"], f["unit"], keys)
        con.execute(
            "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?,?,?,NULL,'待核实',NULL)",
            [i, run_id, f["check_id"], f["check_name"], f["severity"], f["area"], f["unit"],
             f["route"], f["title"], f["amount"], f["entity_type"], f["entity_key"],
             f["period_start"], f["period_end"], f["regulation"], f["persons"]])
        for t, k, rec in f["evidence"]:
            con.execute("INSERT INTO evidence VALUES (?,?,?,?,?,?)",
                        [i, f["check_id"], f["unit"], t, k, json.dumps(rec, ensure_ascii=False)])
    con.execute("""CREATE OR REPLACE TABLE _load_log (file VARCHAR, sheet VARCHAR, table_name VARCHAR,
        unit VARCHAR, encoding VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        status VARCHAR, message_zh VARCHAR, message_en VARCHAR, sha256 VARCHAR, loaded_at TIMESTAMP)""")
    con.execute("""INSERT INTO _load_log VALUES
        ('合同台账.xlsx','Sheet1','contracts','市交通运输局','xlsx',120,118,2,'partial','2 行金额无法解析','2 rows bad amount','ab'||repeat('0',62), TIMESTAMP '2024-09-01 10:00:00'),
        ('人员花名册.csv',NULL,'staff','市林业局','gb18030',40,40,0,'ok',NULL,NULL,'cd'||repeat('1',62), TIMESTAMP '2024-09-01 10:00:01')""")
    con.execute("""CREATE OR REPLACE TABLE _quarantine (file VARCHAR, sheet VARCHAR, row_no BIGINT,
        table_name VARCHAR, unit VARCHAR, column_name VARCHAR, raw_value VARCHAR, reason_zh VARCHAR,
        reason_en VARCHAR, raw_row VARCHAR)""")
    con.execute("INSERT INTO _quarantine VALUES ('合同台账.xlsx','Sheet1',17,'contracts','市交通运输局','amount','=1+2','金额无法解析','bad decimal', ?)",
                [json.dumps({"合同编号": "HT-9", "合同金额": "=1+2", "联系电话": PHONE}, ensure_ascii=False)])
    con.execute("INSERT INTO _quarantine VALUES ('人员花名册.csv',NULL,9,'staff','市林业局','id_number',?,'身份证号校验位错误','bad check digit', ?)",
                [ID_NUMBER, json.dumps({"姓名": "钱七", "身份证号": ID_NUMBER}, ensure_ascii=False)])
    con.execute("CREATE OR REPLACE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    con.execute("INSERT INTO _units VALUES ('市交通运输局','市级','湖南','长沙'), ('市林业局','市级','湖南','长沙')")
    con.execute("CREATE OR REPLACE TABLE _run (run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, version VARCHAR, config_json VARCHAR)")
    con.execute("INSERT INTO _run VALUES (?, TIMESTAMP '2024-09-01 10:00:00', TIMESTAMP '2024-09-01 10:01:00', '0.1.0', '{}')", [run_id])
    con.execute("CREATE OR REPLACE TABLE _check_runs (run_id VARCHAR, check_id VARCHAR, status VARCHAR, seconds DOUBLE, \"rows\" BIGINT, findings BIGINT, error VARCHAR)")
    con.execute("""INSERT INTO _check_runs SELECT ?, check_id, 'ok', 0.05, count(*) * 2, count(*), NULL
                   FROM findings GROUP BY check_id""", [run_id])
    con.execute("INSERT INTO _check_runs VALUES (?, 'O01', 'skipped', 0, 0, 0, '办公用房台账未提供')", [run_id])
    if with_validation:
        con.execute("""CREATE OR REPLACE TABLE _validation (run_at TIMESTAMP, table_name VARCHAR,
            expectation VARCHAR, "column" VARCHAR, severity VARCHAR, success BOOLEAN,
            unexpected_count BIGINT, element_count BIGINT, description_zh VARCHAR, details VARCHAR)""")
        con.execute("""INSERT INTO _validation VALUES
            (TIMESTAMP '2024-09-01 10:00:30','staff','expect_column_values_to_match_regex','id_number','warning',false,1,40,'身份证号格式', ?),
            (TIMESTAMP '2024-09-01 10:00:30','contracts','expect_column_values_to_not_be_null','vendor','error',true,0,118,'供应商不为空',NULL)""",
                    [json.dumps({"partial_unexpected_list": [ID_NUMBER]})])
    con.execute("CREATE OR REPLACE TABLE staff (unit VARCHAR, person_id VARCHAR, name VARCHAR, id_number VARCHAR, rank VARCHAR, rank_norm VARCHAR, position VARCHAR, department VARCHAR)")
    con.execute("""INSERT INTO staff VALUES
        ('市林业局','S-003','王五',?, '正处级','正处级','局长','局领导'),
        ('市交通运输局','S-001','张三',?, '四级主任科员','正科级','科员','办公室'),
        ('市交通运输局','S-009','孙八',NULL,'副局长','副处级','副局长','局领导'),
        ('市林业局','S-004','赵六',NULL,'科员','科员及以下','科员','办公室')""", [ID_NUMBER, ID_NUMBER])
    con.close()
    return path


@pytest.fixture
def run_db(tmp_path) -> Path:
    return make_run_db(tmp_path / "run1.duckdb", 1)
