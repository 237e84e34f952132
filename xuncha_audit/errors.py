"""User-facing errors: a Chinese message, an English detail, and where it happened."""

from __future__ import annotations


class XunchaError(Exception):
    """An error the user can act on (bad input, bad config). CLI exit code 2.

    ``zh`` is what the user reads; ``en`` is the English detail; ``file``, ``row``,
    ``column`` say where, when known.
    """

    exit_code = 2

    def __init__(
        self,
        zh: str,
        en: str = "",
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.zh = zh
        self.en = en
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(self.message())

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"文件 {self.file}")
        if self.sheet:
            parts.append(f"工作表 {self.sheet}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return "，".join(parts)

    def message(self) -> str:
        where = self.where()
        text = f"{where}：{self.zh}" if where else self.zh
        if self.en:
            text += f" ({self.en})"
        return text


class ConfigError(XunchaError):
    """Bad configuration: unknown keys, values out of bounds, unknown check codes."""
