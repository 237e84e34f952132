"""``python -m xuncha_audit.synth --out DIR --seed N --scale sample|small|1m|10m [--units N]
[--unit-layout folders|column] [--clean] [--layout u8|k3|kis|eas|u8-detail|yonyou-gov|audit-table|gbt24589]
[--payroll-layout fiscal]
[--procurement-layout ccgp]``."""

from __future__ import annotations

import argparse
import sys
import time

from xuncha_audit.synth import generate
from xuncha_audit.synth.core import SCALES
from xuncha_audit.synth.layouts import FAMILIES


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m xuncha_audit.synth",
                                 description="生成虚构单位的样例导出数据（含埋设疑点与答案）")
    ap.add_argument("--out", required=True, help="输出目录")
    ap.add_argument("--seed", type=int, default=20241, help="随机种子（相同种子生成完全相同的文件）")
    ap.add_argument("--scale", choices=list(SCALES), default="sample", help="数据规模")
    ap.add_argument("--units", type=int, default=1, help="单位个数（>1 时每个单位一个子目录）")
    ap.add_argument("--unit-layout", choices=["folders", "column"], default="folders",
                    help="多个单位时：folders=每个单位一个子目录；column=所有单位共用文件、以「单位」列区分")
    ap.add_argument("--clean", action="store_true",
                    help="生成不含任何埋设疑点的“干净”单位（近似但合规的记录保留），用于检验检查不误报")
    # choices are checked by generate() (LayoutChoice), so an unknown one gets a Chinese message
    for flag, family in (("--layout", "ledger"), ("--payroll-layout", "payroll"),
                         ("--procurement-layout", "procurement")):
        _f, what, known = FAMILIES[family]
        ap.add_argument(flag, default=None, metavar="|".join(known),
                        help=f"{what}按真实系统的导出版式写出："
                        + "；".join(f"{k}={desc}" for k, (_n, desc) in known.items()))
    a = ap.parse_args(argv)
    if a.units < 1:
        ap.error("--units 必须 >= 1")
    t = time.perf_counter()
    try:
        s = generate(a.out, seed=a.seed, scale=a.scale, units=a.units, unit_layout=a.unit_layout,
                     clean=a.clean, layout=a.layout, payroll_layout=a.payroll_layout,
                     procurement_layout=a.procurement_layout)
    except Exception as e:  # user-facing message, then re-raise for the traceback
        zh = getattr(e, "zh", None)
        if zh:
            print(f"错误：{zh}", file=sys.stderr)
            return 2
        raise
    print(f"已生成 {s['files']} 个文件、{s['rows']:,} 行数据，埋设疑点 {s['planted_findings']} 条"
          f"（{len(s['checks'])} 项检查），应隔离 {s['quarantine_rows']} 行；用时 {time.perf_counter() - t:.1f} 秒"
          f" → {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
