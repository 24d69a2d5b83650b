"""Printing a whole sub-tree's posters: one PNG per team, a ZIP of them and one multi-page PDF.

Drawing is CPU-bound and independent per team, so it runs in a process pool (both cores); the
workers get plain PosterData and write their PNG themselves, so only file names cross the process
boundary. The PDF embeds the PNGs as they are (img2pdf: no re-encoding, lossless) in sub-tree order.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qr.poster import DPI, PosterData, render_png

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[\\/:*?\"<>|\s]+")


def file_name(index: int, data: PosterData) -> str:
    return f"{index:05d}_{data.team_code}_{_UNSAFE.sub('_', data.title)}.png"


def _render_one(job: tuple[str, PosterData]) -> str:
    path, data = job
    tmp = path + ".part"
    with open(tmp, "wb") as out:
        out.write(render_png(data))
    os.replace(tmp, path)  # a killed run never leaves a truncated PNG under the final name
    return path


def render_all(posters: Sequence[PosterData], out_dir: Path, *, processes: int | None = None,
               progress: Callable[[int], None] = lambda n: None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(str(out_dir / file_name(i, data)), data) for i, data in enumerate(posters, start=1)]
    processes = max(1, min(processes or os.cpu_count() or 1, len(jobs) or 1))
    if processes == 1:
        for job in jobs:
            _render_one(job)
            progress(1)
    else:
        # spawn: the workers start clean (no inherited database connections or locks). The executor,
        # unlike multiprocessing.Pool, fails the batch when a worker dies instead of waiting forever.
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            for _ in pool.map(_render_one, jobs, chunksize=4):
                progress(1)
    return [Path(path) for path, _ in jobs]


def write_zip(pngs: Sequence[Path], zip_path: Path) -> Path:
    # Stored, not deflated: PNGs are compressed already, deflating them again only costs time.
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
        for png in pngs:
            archive.write(png, arcname=png.name)
    return zip_path


def write_pdf(pngs: Sequence[Path], pdf_path: Path) -> Path:
    import img2pdf  # imported here: it loads pikepdf, which every app start need not pay for

    layout = img2pdf.get_fixed_dpi_layout_fun((DPI, DPI))
    tmp = pdf_path.with_suffix(".pdf.part")
    with open(tmp, "wb") as out:
        img2pdf.convert([str(p) for p in pngs], layout_fun=layout, outputstream=out)
    os.replace(tmp, pdf_path)
    return pdf_path
