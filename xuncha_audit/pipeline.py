"""The main job: load -> validate -> checks -> findings exports (`xuncha-audit run`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `run` to the main app (wired in as the pipeline grows)."""
