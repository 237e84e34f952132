"""Test data for the validation tests: small DuckDB files built with create_tables + INSERTs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from xuncha_audit.contract import create_tables

PERIOD = ("2024-01-01", "2024-12-31")

# Good data: every rule passes. Units A and B; vehicles/offices etc. left empty on purpose.
GOOD_SQL = """
INSERT INTO ledger (unit, _key, voucher_date, voucher_no, line_no, summary, debit, credit) VALUES
  ('A', 'V1|1', DATE '2024-03-01', 'V1', 1, '购办公用品', 100.00, NULL),
  ('A', 'V1|2', DATE '2024-03-01', 'V1', 2, '购办公用品', NULL, 100.00),
  ('A', 'V2|1', DATE '2024-04-02', 'V2', 1, '付款', 50.00, NULL),
  ('A', 'V2|2', DATE '2024-04-02', 'V2', 2, '付款', NULL, 20.00),
  ('A', 'V2|3', DATE '2024-04-02', 'V2', 3, '付款', NULL, 30.00),
  ('B', 'V1|1', DATE '2024-05-01', 'V1', 1, '差旅', 10.00, NULL),
  ('B', 'V1|2', DATE '2024-05-01', 'V1', 2, '差旅', NULL, 10.00);
INSERT INTO contracts (unit, _key, contract_no, vendor, amount, sign_date, procurement_method, category) VALUES
  ('A', 'C1', 'C1', '长沙甲科技有限公司', 1000.00, DATE '2024-01-02', '询价', '货物'),
  ('A', 'C2', 'C2', '长沙乙公司', 0.00, DATE '2024-02-01', NULL, '服务'),
  ('B', 'C1', 'C1', '长沙丙公司', 5.00, DATE '2024-02-01', '公开招标', '工程');
INSERT INTO payments (unit, _key, payment_no, contract_no, pay_date, amount) VALUES
  ('A', 'P1', 'P1', 'C1', DATE '2024-01-10', 500.00),
  ('A', 'P2', 'P2', 'c2 ', DATE '2024-03-10', 0.00),
  ('B', 'P1', 'P1', 'C1', DATE '2024-03-10', 5.00);
INSERT INTO vehicles (unit, _key, plate_no, category, status, purchase_price) VALUES
  ('A', '湘A12345', '湘A12345', '一般公务用车', '在用', 180000.00);
INSERT INTO vehicle_costs (unit, _key, cost_no, plate_no, date, cost_type, amount) VALUES
  ('A', 'K1', 'K1', '湘a 12345', DATE '2024-06-01', '加油', 300.00),
  ('B', 'K1', 'K1', '湘B99999', DATE '2024-06-01', '维修', 800.00);
INSERT INTO payroll (unit, _key, month, person_id, name, item, amount) VALUES
  ('A', '2024-01-01|E1|基本工资', DATE '2024-01-01', 'E1', '张三', '基本工资', 5000.00),
  ('A', '2024-02-01|E1|扣款', DATE '2024-02-01', 'E1', '张三', '扣款', -200.00);
INSERT INTO staff (unit, _key, person_id, name, status) VALUES
  ('A', 'E1', 'E1', '张三', '在职');
"""

# Broken data. Every planted problem is asserted, with its count, in test_validate_runner.py.
BROKEN_SQL = """
INSERT INTO ledger (unit, _key, voucher_date, voucher_no, line_no, debit, credit) VALUES
  ('A', 'V1|1', DATE '2024-03-01', 'V1', 1, 100.00, NULL),
  ('A', 'V1|2', DATE '2024-03-01', 'V1', 2, NULL, 90.00),      -- V1 out of balance
  ('A', 'V2|1', DATE '2023-12-31', 'V2', 1, 10.00, NULL),      -- before the period
  ('A', 'V2|2', DATE '2025-01-01', 'V2', 2, NULL, 10.00),      -- after the period
  ('A', 'V3|1', DATE '2024-03-05', 'V3', 1, 5.00, NULL),
  ('A', 'V3|1', DATE '2024-03-05', 'V3', 1, NULL, 5.00),       -- duplicate key V3|1
  ('B', 'V3|1', DATE '2024-03-05', 'V3', 1, 7.00, NULL),       -- same key, other unit: fine
  ('B', 'V3|2', DATE '2024-03-05', 'V3', 2, NULL, 7.00),
  ('B', 'V4|1', DATE '2024-03-06', NULL, 1, 1.00, NULL);       -- voucher_no missing
INSERT INTO contracts (unit, _key, contract_no, vendor, amount, sign_date, procurement_method, category) VALUES
  ('A', 'C1', 'C1', '甲公司', -1.00, DATE '2024-01-05', '比价', '货物'),  -- negative, bad method
  ('A', 'C2', 'C2', '乙公司', 10.00, DATE '2024-01-05', '询价', '杂项'),  -- bad category
  ('A', 'C3', 'C3', '丙公司', 10.00, DATE '2020-01-05', '询价', '其他');  -- bad category, old (info)
INSERT INTO payments (unit, _key, payment_no, contract_no, pay_date, amount) VALUES
  ('A', 'P1', 'P1', 'C1', DATE '2024-01-10', 5.00),
  ('A', 'P2', 'P2', 'C9', DATE '2024-01-10', 5.00),    -- contract C9 does not exist in A
  ('B', 'P1', 'P1', 'C9', DATE '2024-01-10', 5.00);    -- unit B has no contracts: not checked
INSERT INTO vehicles (unit, _key, plate_no, category, status) VALUES
  ('A', '湘A12345', '湘A12345', '豪华用车', '在用');     -- bad category
INSERT INTO vehicle_costs (unit, _key, cost_no, plate_no, date, cost_type, amount) VALUES
  ('A', 'K1', 'K1', '湘a 12345', DATE '2024-06-01', '加油', 300.00),  -- matches after normalising
  ('A', 'K2', 'K2', '湘A00000', DATE '2024-06-01', '加油', 300.00),   -- unknown plate
  ('A', 'K3', 'K3', '湘A00001', DATE '2024-06-01', '宴请', 300.00);   -- unknown plate, bad type
INSERT INTO payroll (unit, _key, month, person_id, name, item, amount) VALUES
  ('A', '2023-12-01|E1|基本工资', DATE '2023-12-01', 'E1', '张三', '基本工资', 5000.00),  -- before period
  ('A', '2024-01-01|E1|基本工资', DATE '2024-01-01', 'E1', '张三', '基本工资', 5000.00);
INSERT INTO staff (unit, _key, person_id, name, status) VALUES
  ('A', 'E1', 'E1', '张三', '在岗'),                   -- bad status
  ('A', 'E2', 'E2', NULL, '在职');                     -- name missing (not all)
INSERT INTO hospitality (unit, _key, record_no, date, amount) VALUES
  ('A', 'H1', 'H1', NULL, 100.00),                    -- every date unparseable -> all NULL
  ('A', 'H2', 'H2', NULL, 200.00);
"""

# Expected failures of the broken database: {expectation id: unexpected count}.
BROKEN_FAILURES = {
    "ledger.voucher_date.in_period": 2,
    "ledger.voucher_balanced": 1,
    "ledger._key.unique_in_unit": 1,
    "ledger.voucher_no.not_null": 1,
    "contracts.amount.min": 1,
    "contracts.procurement_method.in_set": 1,
    "contracts.category.in_set": 2,
    "contracts.sign_date.in_period": 1,
    "payments.contract_exists": 1,
    "vehicles.category.in_set": 1,
    "vehicle_costs.plate_exists": 2,
    "vehicle_costs.cost_type.in_set": 1,
    "payroll.month.in_period": 1,
    "staff.status.in_set": 1,
    "staff.name.not_null": 1,
    "hospitality.date.not_null": 2,
    "hospitality.date.not_all_null": 2,
}


def build_db(path: Path, sql: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        create_tables(con)
        con.execute(sql)
    finally:
        con.close()
    return path
