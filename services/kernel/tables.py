"""A spreadsheet a person uploads (Excel .xlsx or CSV as Excel saves it) as rows keyed by our names for
its Chinese headers: the tree import and the branch's member import read their files here."""
from __future__ import annotations

import csv
import io

from services.kernel.errors import Invalid


def read_table(data: bytes, filename: str, headers: dict[str, str], required: list[str], *,
               max_rows: int) -> list[dict]:
    """Rows as dicts keyed by ``headers``' values; the first row must name at least ``required``."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same answer
            raise Invalid("file_unreadable", "无法读取该 Excel 文件，请另存为 .xlsx 或 CSV 后重试") from exc
        table = [["" if cell is None else str(cell).strip() for cell in row] for row in sheet.iter_rows(values_only=True)]
    else:
        for encoding in ("utf-8-sig", "gb18030"):  # UTF-8, or what Excel for Chinese Windows saves
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid("file_encoding", "无法识别文件编码，请另存为 UTF-8 的 CSV 或 .xlsx")
        table = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    table = [row for row in table if any(row)]
    if not table:
        raise Invalid("file_empty", "文件没有内容")
    header = [headers.get(cell) for cell in table[0]]
    missing = [word for word in required if headers[word] not in header]
    if missing:
        optional = "、".join(word for word in headers if word not in required)
        raise Invalid("file_header", "第一行须为表头，至少包括：" + "、".join(missing) + (f"（可选：{optional}）" if optional else ""))
    if len(table) - 1 > max_rows:
        raise Invalid("file_too_long", f"一次最多导入 {max_rows} 行，请分批导入")
    return [{key: (row[i] if i < len(row) else "") for i, key in enumerate(header) if key} for row in table[1:]]
