"""The command line speaks Chinese: Typer/Click's own errors, help headings, examples."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xuncha_audit.cli import app
from xuncha_audit.cli import messages as cli_messages

runner = CliRunner()


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("No such option: --outx (Possible options: --out, --unit)", "没有这个选项：--outx（是否想用：--out、--unit）"),
        ("No such option: --zzz", "没有这个选项：--zzz"),
        ("Missing option '--out'.", "缺少必填选项 --out"),
        ("Missing argument 'data_dir'.", "缺少必填参数 data_dir"),
        ("Option '--out' requires an argument.", "选项 --out 后面需要一个值"),
        ("Got unexpected extra argument (b)", "多余的参数：b"),
        ("Invalid value for '--size': 'abc' is not a valid integer.", "选项 --size 的值无效：“abc”不是整数"),
        ("Invalid value for '--size': Input should be a valid integer, unable to parse", "选项 --size 的值无效：应为整数"),
        ("Invalid value for 'DATA_DIR': Path 'x' does not exist.", "选项 DATA_DIR 的值无效：路径“x”不存在"),
        ("No such command 'rn'.", "没有这个命令：rn"),
    ],
)
def test_translate_keeps_english_after_chinese(english, chinese):
    out = cli_messages.translate(english)
    assert out.startswith(chinese), out
    assert english in out


def test_our_own_messages_are_left_alone():
    assert cli_messages.translate("未知的数据表：x") == "未知的数据表：x"


def test_usage_errors_are_chinese_and_exit_2():
    res = runner.invoke(app, ["run", "data", "--outx", "o"])
    assert res.exit_code == 2
    assert "没有这个选项" in res.output and "--outx" in res.output
    res = runner.invoke(app, ["run"])
    assert res.exit_code == 2 and "缺少必填参数" in res.output
    res = runner.invoke(app, ["sample", "--db", "x", "--out", "y", "--size", "abc"])
    assert res.exit_code == 2 and "的值无效" in res.output


def test_help_is_chinese_with_examples_and_readable_types():
    res = runner.invoke(app, ["run", "--help"])
    assert res.exit_code == 0
    text = res.output
    assert "选项 Options" in text and "示例 Examples" in text and "xuncha-audit run 数据目录" in text
    for english_type in ("<bool>", "<list[str]>", "<str>", "<path>"):
        assert english_type not in text
    assert "<路径>" in text and "<文本>..." in text


def test_every_command_has_examples():
    assert cli_messages.add_examples(app) == []
