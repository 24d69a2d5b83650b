"""Poster printing throughput: the batch renderer on 1 and on 2 processes, beside the baseline the
issue names (a grayscale A4 300 dpi page from a cached background, PNG-encoded, one core), in one run.

    .venv/bin/python -m bench.posters.run --teams 400 --repeat 3

Pure rendering: the QR content is made up (a join-link-length URL), no database, no WeChat; that
part of the batch runs once per team before drawing and is timed separately by the command itself.
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from qr.batch import render_all, write_pdf, write_zip
from qr.poster import PosterData, _background, to_png

NAMES = ("多福巷社区", "韶九社区", "和平里第七社区", "西潞园社区", "葫芦垡村", "篱笆房村", "织染局社区")


def posters(n: int) -> list[PosterData]:
    return [PosterData(title=f"{NAMES[i % len(NAMES)]}{i}号青年志愿者服务队", organisation="东华门街道团工委 · 测试社区团组织",
                       contact_name="任琳丽", contact_phone="010-65257713", team_code=f"T{i:09d}",
                       qr_content=f"http://127.0.0.1:5000/j/T{i:09d}.abcdefghijklmnopqrstuvwxyz0")
            for i in range(n)]


def baseline(n: int) -> float:
    """Copy the cached background and encode it as PNG, n times, on one core: the floor of any poster."""
    background = _background()
    started = time.perf_counter()
    for _ in range(n):
        buffer = io.BytesIO()
        background.copy().save(buffer, format="PNG", compress_level=1)
    return n / (time.perf_counter() - started)


def baseline_indexed(n: int) -> float:
    """The same, written the way the posters are (grey palette PNG)."""
    background = _background()
    started = time.perf_counter()
    for _ in range(n):
        to_png(background.copy())
    return n / (time.perf_counter() - started)


def batch(data: list[PosterData], processes: int, packing: list | None = None) -> float:
    out = Path(tempfile.mkdtemp(prefix="posters-bench-"))
    try:
        started = time.perf_counter()
        pngs = render_all(data, out, processes=processes)
        rate = len(data) / (time.perf_counter() - started)
        if packing is not None:
            started = time.perf_counter()
            write_zip(pngs, out / "posters.zip")
            zipped = time.perf_counter()
            write_pdf(pngs, out / "posters.pdf")
            packing.append((zipped - started, time.perf_counter() - zipped,
                            (out / "posters.pdf").stat().st_size / 2**20))
        return rate
    finally:
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = posters(args.teams)
    packing: list = []
    rows = {"baseline: cached background + PNG, 1 core": [], "same, written as grey-palette PNG": [],
            "batch, 1 process": [], "batch, 2 processes": []}
    for _ in range(args.repeat):  # interleaved, so drift hits every row alike
        rows["baseline: cached background + PNG, 1 core"].append(baseline(min(args.teams, 100)))
        rows["same, written as grey-palette PNG"].append(baseline_indexed(min(args.teams, 100)))
        rows["batch, 1 process"].append(batch(data, 1))
        rows["batch, 2 processes"].append(batch(data, 2, packing))
    medians = {name: statistics.median(values) for name, values in rows.items()}
    print(f"{args.teams} posters, {args.repeat} runs, medians (posters/s):")
    for name, value in medians.items():
        print(f"  {name:45s} {value:6.1f}   runs: {', '.join(f'{v:.1f}' for v in rows[name])}")
    print(f"  2 processes / baseline: {medians['batch, 2 processes'] / medians['baseline: cached background + PNG, 1 core']:.2f}")
    zip_s, pdf_s, pdf_mb = (statistics.median(column) for column in zip(*packing, strict=True))
    print(f"  then ZIP {zip_s:.2f} s, multi-page PDF {pdf_s:.2f} s ({pdf_mb:.0f} MiB) for {args.teams} posters")
    print(f"  ~7,000 teams at the 2-process rate: {7000 / medians['batch, 2 processes'] / 60:.1f} min")


if __name__ == "__main__":
    main()
