"""A file shaped like Beijing's organisation tree for the tree import (issue 36.4): 16 districts, about
330 streets and towns, about 7,000 communities and villages, about 90 universities with their
departments; names made up, the proportions Beijing's. ``rows(scale)``: scale 1.0 is the whole city,
the tests use a small fraction."""
from __future__ import annotations

import csv
import io
import random

HEADER = ["名称", "类别", "上级", "城乡", "地址", "联系人", "联系电话"]
DISTRICTS = ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义", "昌平", "大兴",
             "怀柔", "平谷", "密云", "延庆"]
URBAN = set(DISTRICTS[:6])


def rows(scale: float = 1.0, seed: int = 7) -> list[list[str]]:
    pick = random.Random(seed)
    out = []
    streets_per_district = max(1, round(330 / 16 * scale))
    communities_per_street = max(1, round(7000 / 330 * min(1.0, scale * 4))) if scale < 1 else 21
    for d in DISTRICTS:
        district = f"共青团北京市{d}区委员会"
        out.append([district, "团区委", "", "", "", f"{d}区团委", f"010-6{pick.randrange(1000000, 9999999)}"])
        for s in range(1, streets_per_district + 1):
            town = d not in URBAN and s % 3 == 0
            street = f"{d}第{s}{'镇' if town else '街道'}团{'委' if town else '工委'}"
            out.append([street, "乡镇" if town else "街道", district, "城区" if d in URBAN else "郊区",
                        f"北京市{d}区{s}号", f"联系人{s}", f"1{pick.randrange(3, 10)}{pick.randrange(10**8, 10**9)}"])
            for c in range(1, communities_per_street + 1):
                village = town and c % 2 == 0
                name = f"{d}{s}街{c}{'村' if village else '社区'}团组织"
                out.append([name, "村" if village else "社区", f"{district}/{street}", "",
                            f"北京市{d}区{s}街{c}号", f"协调员{c}", f"1{pick.randrange(3, 10)}{pick.randrange(10**8, 10**9)}"])
    for u in range(1, max(1, round(90 * scale)) + 1):
        university = f"北京第{u}大学团委"
        out.append([university, "高校", "", "", f"北京市海淀区学院路{u}号", "", ""])
        for dep in range(1, 9):
            out.append([f"第{u}大学第{dep}学院团委", "院系", university, "", "", "", ""])
    return out


def csv_bytes(scale: float = 1.0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows(scale))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(csv_bytes(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0))
