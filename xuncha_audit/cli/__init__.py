"""`xuncha-audit` command line (Typer + Rich). Messages in Chinese, English detail.

The only part of the code that imports Typer or Rich (tests/test_layers.py holds it to
that): one module per command group here (``register(app)``), each calling the library
(``xuncha_audit.app`` for the whole run, the packages for the rest) and rendering what it
returns.
"""

from __future__ import annotations

import importlib

import typer

from xuncha_audit.cli import messages as cli_messages

app = typer.Typer(
    name="xuncha-audit",
    help="巡察财务疑点分析套件 xuncha-audit: 导入被巡察单位数据、运行疑点检查、导出疑点清单。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = [
    "xuncha_audit.cli.load",
    "xuncha_audit.cli.standards",
    "xuncha_audit.cli.validate",
    "xuncha_audit.cli.checks",
    "xuncha_audit.cli.findings",
    "xuncha_audit.cli.papers",
    "xuncha_audit.cli.run",
]


@app.callback()
def _root() -> None:
    """巡察财务疑点分析套件 xuncha-audit."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


@app.command("version")
def version() -> None:
    """显示版本 Show the version."""
    from xuncha_audit import __version__

    typer.echo(__version__)


cli_messages.install()
cli_messages.add_examples(app)


_CONSOLE = False  # set by main(): running as the `xuncha-audit` console script


def hard_exit(code: int) -> None:
    """Flush logs and streams, then leave without interpreter finalisation.

    Great Expectations keeps DuckDB objects alive in module-level caches; at normal
    shutdown DuckDB's nanobind bindings then print a long "leaked instances" dump that
    would alarm a user (and fill cron mail). Commands that ran GX exit through here. In
    process (tests, CliRunner) it raises typer.Exit instead.
    """
    import logging
    import os
    import sys

    if not _CONSOLE:
        raise typer.Exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:  # pragma: no cover - console entry
    global _CONSOLE
    _CONSOLE = True
    app()

