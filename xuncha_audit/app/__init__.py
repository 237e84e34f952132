"""The application layer: what a run is, apart from how it is shown.

- ``pipeline``: the main job (load -> standards -> validate -> checks -> triage -> exports),
  telling what it does through a :class:`~xuncha_audit.app.pipeline.Feedback`;
- ``batch``: the run lock, JSON-lines logging, exit codes and the errors of the environment;
- ``runstate``: the run's fresh database, its history and its publication.

Nothing here imports Typer or Rich: the command line (``xuncha_audit.cli``) renders the
feedback; a notebook or a scheduler can call :func:`run_pipeline` without a terminal.
"""
