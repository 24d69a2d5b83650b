"""Background work a person follows on a progress page (批量下载海报, 导入组织架构): its state as JSON in the
shared store, its files in a folder of the instance (a shared volume when workers run on other hosts),
both kept for a while and then gone."""
from __future__ import annotations

import json
import time
from pathlib import Path

from flask import current_app


class Kept:
    def __init__(self, prefix: str, folder_setting: str, seconds: int) -> None:
        self.prefix, self.folder_setting, self.seconds = prefix, folder_setting, seconds

    def folder(self) -> Path:
        path = Path(current_app.config[self.folder_setting])
        path.mkdir(parents=True, exist_ok=True)
        return path

    def state(self, work_id: str) -> dict | None:
        from runtime.extensions import store

        raw = store.get(f"{self.prefix}:{work_id}")
        return json.loads(raw) if raw else None

    def save(self, work_id: str, **fields) -> None:
        from runtime.extensions import store

        store.set(f"{self.prefix}:{work_id}", json.dumps(fields, ensure_ascii=False), ttl=self.seconds)

    def clear_old(self) -> None:
        """Files older than the state that describes them go too."""
        cutoff = time.time() - self.seconds
        for old in self.folder().iterdir():
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
