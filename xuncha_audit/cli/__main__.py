"""``python -m xuncha_audit.cli``: the same as the ``xuncha-audit`` command."""

from xuncha_audit.cli import main

main()
