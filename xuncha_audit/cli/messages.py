"""Chinese for the command line's own words: Typer/Click errors, help headings, examples.

Typer and Click print their usage errors and help headings in English ("Missing option
'--out'", "No such option", "Options"). A member of an inspection team reads Chinese, so
:func:`install` (called once by ``xuncha_audit.cli``) puts Chinese in front of them, keeping the
English after it where it helps. It touches three things only, each tested in
``tests/test_cli_messages.py`` so that a Typer upgrade that moves them fails a test instead of
silently falling back to English:

- the help headings and fixed strings of ``typer.rich_utils`` (module constants);
- ``typer.rich_utils.rich_format_error``: the error panel, with the message translated by
  :func:`translate` (a table of Click/Typer message patterns);
- the type shown next to an option in ``--help`` (``<path>`` -> ``<路径>``; flags show none).

Examples for every command live in :data:`EXAMPLES` (one place) and are attached as the
command's epilog by :func:`add_examples`.
"""

from __future__ import annotations

import re

# (pattern on Click/Typer's English message, Chinese with the English kept after it)
MESSAGES: list[tuple[str, str]] = [
    (r"^No such option: (?P<opt>\S+)(?: \(Possible options: (?P<alts>[^)]*)\))?$",
     "没有这个选项：{opt}{alts_zh}"),
    (r"^No such option '?(?P<opt>[^'.]+)'?\.(?: Did you mean (?P<alts>[^?]*)\?)?$",
     "没有这个选项：{opt}{alts_zh}"),
    (r"^No such command '?(?P<cmd>[^'.]+)'?\.$", "没有这个命令：{cmd}"),
    (r"^Missing option '?(?P<opt>[^'.]+)'?\.(?P<rest>.*)$", "缺少必填选项 {opt}{rest_zh}"),
    (r"^Missing argument '?(?P<arg>[^'.]+)'?\.(?P<rest>.*)$", "缺少必填参数 {arg}{rest_zh}"),
    (r"^Missing parameter:? '?(?P<arg>[^'.]+)'?\.?$", "缺少参数 {arg}"),
    (r"^Option '?(?P<opt>[^' ]+)'? requires an argument\.$", "选项 {opt} 后面需要一个值"),
    (r"^Option '?(?P<opt>[^' ]+)'? requires (?P<n>\d+) arguments\.$", "选项 {opt} 后面需要 {n} 个值"),
    (r"^Option '?(?P<opt>[^' ]+)'? does not take a value\.$", "选项 {opt} 不带值"),
    (r"^Got unexpected extra arguments? \((?P<args>.*)\)$", "多余的参数：{args}"),
    (r"^Invalid value for '?(?P<opt>[^':]+)'?: (?P<why>.*)$", "选项 {opt} 的值无效：{why_zh}"),
    (r"^Invalid value: (?P<why>.*)$", "值无效：{why_zh}"),
    (r"^Missing command\.$", "缺少子命令"),
]
REASONS: list[tuple[str, str]] = [
    (r"^'?(?P<v>[^']*)'? is not a valid integer\.?(?: range)?$", "“{v}”不是整数"),
    (r"^'?(?P<v>[^']*)'? is not a valid float\.?(?: range)?$", "“{v}”不是数值"),
    (r"^'?(?P<v>[^']*)'? is not (?:a valid boolean|one of) .*$", "“{v}”不是可选的值"),
    (r"^(?P<kind>File|Path|Directory) '?(?P<v>[^']*)'? does not exist\.?$", "路径“{v}”不存在"),
    (r"^(?P<kind>File|Path|Directory) '?(?P<v>[^']*)'? is a file\.?$", "“{v}”是文件，这里需要目录"),
    (r"^(?P<kind>File|Path|Directory) '?(?P<v>[^']*)'? is a directory\.?$", "“{v}”是目录，这里需要文件"),
    (r"^(?P<kind>File|Path|Directory) '?(?P<v>[^']*)'? is not readable\.?$", "“{v}”不可读"),
    (r"^(?P<kind>File|Path|Directory) '?(?P<v>[^']*)'? is not writable\.?$", "“{v}”不可写"),
    (r"^'?(?P<v>[^']*)'? is not in the range (?P<r>.*)\.?$", "“{v}”超出范围 {r}"),
    (r"^Input should be a valid integer.*$", "应为整数"),
    (r"^Input should be a valid number.*$", "应为数值"),
    (r"^Input should be a valid boolean.*$", "应为 是/否"),
    (r"^Input should be (?P<v>.*)$", "应为 {v}"),
]

TYPE_NAMES = {
    "path": "路径", "file": "文件", "directory": "目录", "str": "文本", "text": "文本",
    "int": "整数", "integer": "整数", "float": "数值", "bool": None, "boolean": None,
}

HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "参数 Arguments",
    "OPTIONS_PANEL_TITLE": "选项 Options",
    "COMMANDS_PANEL_TITLE": "命令 Commands",
    "ERRORS_PANEL_TITLE": "错误 Error",
    "ABORTED_TEXT": "已中止 Aborted.",
    "RICH_HELP": "查看帮助 Help: [blue]'{command_path} {help_option}'[/]",
    "REQUIRED_LONG_STRING": "[必填 required]",
    "DEFAULT_STRING": "[默认 default: {}]",
    "ENVVAR_STRING": "[环境变量 env var: {}]",
    "DEPRECATED_STRING": "（已弃用 deprecated）",
}

# Examples shown under every command's --help (command path without the program name).
EXAMPLES: dict[str, list[str]] = {
    "run": [
        "xuncha-audit run 数据目录 --out 输出 --unit 某市住房和城乡建设局 --level 市级 --region 湖南 --city 长沙",
        "xuncha-audit run 省级数据/ --out 输出 --level 县级 --region 湖南 --select P --fail-on high",
        "xuncha-audit run 数据目录 --out 输出 --unit 某局 --open",
    ],
    "load": ["xuncha-audit load 数据目录 --db 输出/xuncha.duckdb --unit 某局",
             "xuncha-audit load 数据目录 --db 输出/xuncha.duckdb --layouts 我的版式/"],
    "inspect": ["xuncha-audit inspect 数据目录", "xuncha-audit inspect 数据目录 --layouts 我的版式/"],
    "tables": ["xuncha-audit tables --db 输出/xuncha.duckdb"],
    "export": ["xuncha-audit export --db 输出/xuncha.duckdb --out 输出",
               "xuncha-audit export --db 输出/xuncha.duckdb --out 输出 --open"],
    "sample": [
        "xuncha-audit sample --db 输出/xuncha.duckdb --table payments --method mus --size 30 --out 样本.xlsx",
        "xuncha-audit sample --db 输出/xuncha.duckdb --finding 疑点编号 --method random --size 10 --out 抽样.xlsx",
    ],
    "papers": [
        "xuncha-audit papers 输出",
        "xuncha-audit papers 输出 --finding P01-0001 --team 市委第三巡察组",
        "xuncha-audit papers 输出 --check P01 --check P04",
    ],
    "version": ["xuncha-audit version"],
    "standards show": ["xuncha-audit standards show", "xuncha-audit standards show std_lodging_caps"],
    "standards check-config": ["xuncha-audit standards check-config run.yaml"],
    "validate": ["xuncha-audit validate --db 输出/xuncha.duckdb"],
    "validate generate-suites": ["xuncha-audit validate generate-suites"],
    "checks list": ["xuncha-audit checks list", "xuncha-audit checks list --area procurement"],
    "checks explain": ["xuncha-audit checks explain P01"],
    "checks docs": ["xuncha-audit checks docs --out docs/checks"],
    "triage set": ["xuncha-audit triage set 疑点编号 --status 已核实 --note 已调取原始凭证 --store 输出"],
    "triage import": ["xuncha-audit triage import 输出/findings.xlsx --store 输出"],
    "triage show": ["xuncha-audit triage show --store 输出"],
}


def _alts_zh(alts: str | None) -> str:
    if not alts:
        return ""
    names = [a.strip(" '") for a in re.split(r",|\bor\b", alts) if a.strip(" '")]
    return f"（是否想用：{'、'.join(names)}）" if names else ""


def _reason(text: str) -> str:
    for pat, zh in REASONS:
        m = re.match(pat, text.strip())
        if m:
            return zh.format(**m.groupdict())
    return text


def translate(message: str) -> str:
    """Chinese for one Click/Typer message, with the English kept after it.

    A message the table does not know comes back unchanged (our own messages are Chinese
    already).
    """
    text = message.strip()
    for pat, zh in MESSAGES:
        m = re.match(pat, text, flags=re.S)
        if not m:
            continue
        g = {k: (v or "") for k, v in m.groupdict().items()}
        g["alts_zh"] = _alts_zh(g.get("alts"))
        g["rest_zh"] = f"（{g['rest'].strip()}）" if g.get("rest", "").strip() else ""
        if "why" in g:
            g["why_zh"] = _reason(g["why"])
        return f"{zh.format(**g)}  ({text})"
    return message


def _display_type(original):
    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and not getattr(self, "metavar", None):
            return None
        shown = original(self, ctx)
        if not shown:
            return shown
        m = re.fullmatch(r"<(list\[)?([A-Za-z_ ]+)\]?>(\.\.\.)?", shown)
        if not m:
            return shown
        zh = TYPE_NAMES.get(m.group(2).strip().lower(), m.group(2))
        if zh is None:
            return None
        return f"<{zh}>" + ("..." if (m.group(1) or m.group(3)) else "")
    display_type_rich.__xuncha__ = True
    return display_type_rich


def _format_error(self) -> None:
    """The error panel of ``typer.rich_utils.rich_format_error``, in Chinese."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    if self.__class__.__name__ == "NoArgsIsHelpError":
        return
    console = Console(stderr=True, highlight=False)
    ctx = getattr(self, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage().replace("Usage:", "用法 Usage:").replace("[OPTIONS]", "[选项]")
        console.print(escape(usage), style="bold")
        if ctx.command.get_help_option(ctx) is not None:
            console.print(f"查看帮助 Help: {escape(ctx.command_path)} {ctx.help_option_names[0]}",
                          style="dim")
    console.print(Panel(escape(translate(self.format_message())), border_style="red",
                        title="错误 Error", title_align="left"))


def install() -> None:
    """Put the Chinese strings in place (idempotent)."""
    from typer import core, rich_utils

    for name, value in HEADINGS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, value)
    rich_utils.rich_format_error = _format_error
    for cls in (core.TyperOption, core.TyperArgument):
        current = cls.display_type_rich
        if not getattr(current, "__xuncha__", False):
            cls.display_type_rich = _display_type(current)


def add_examples(app) -> list[str]:
    """Attach :data:`EXAMPLES` as the epilog of every registered command; return the paths
    of commands that have none (a test keeps that list empty)."""
    missing: list[str] = []

    def text(path: str) -> str | None:
        ex = EXAMPLES.get(path)
        if not ex:
            missing.append(path)
            return None
        return "示例 Examples:\n\n" + "\n\n".join(f"  {e}" for e in ex)

    def walk(typer_app, prefix: str) -> None:
        for info in typer_app.registered_commands:
            name = info.name or info.callback.__name__.replace("_", "-")
            path = f"{prefix}{name}"
            epi = text(path)
            if epi and not info.epilog:
                info.epilog = epi
        for group in typer_app.registered_groups:
            gname = group.name
            sub = group.typer_instance
            if sub.registered_callback is not None and sub.registered_callback.invoke_without_command:
                epi = text(f"{prefix}{gname}")
                if epi and not group.epilog:
                    group.epilog = epi
            walk(sub, f"{prefix}{gname} ")

    walk(app, "")
    return missing
