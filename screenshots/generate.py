"""Regenerate the SVG screenshots in this folder from the frozen demo (seed 7, clock fixed at
2026-03-02 14:30 UTC):  python screenshots/generate.py [VIEW ...]  (default: every view; the
`v3-*` views show the demo account in the AMS v3 (ARM) shape)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from amstui.ui.demo_rig import MULTI_VIEWS, VIEW_APIS, VIEWS, frozen_multi_rig, frozen_rig

HERE = Path(__file__).resolve().parent
#: Where the web font does not load, common monospace fonts take over.
FALLBACK = (
    'font-family: Fira Code, "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;'
)


def portable(svg: str) -> str:
    """The SVG rendered right without its web font: a fallback list of common monospace
    fonts, and every text run held to its cells (`lengthAdjust`), so that a fallback font
    with other glyph widths cannot push the bars past their columns."""
    svg = svg.replace("font-family: Fira Code, monospace;", FALLBACK)
    return svg.replace(' textLength="', ' lengthAdjust="spacingAndGlyphs" textLength="')


SIZE = (120, 40)


async def shoot(name: str) -> Path:
    rig = frozen_rig(api=VIEW_APIS.get(name, "v2"))
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await VIEWS[name](rig, pilot)
        await pilot.pause()
        svg = app.export_screenshot(title=f"amstui — {name}")
    path = HERE / f"{name}.svg"
    path.write_text(portable(svg), encoding="utf-8")
    return path


async def shoot_multi(name: str) -> Path:
    """A view of three accounts in one table (`amstui --demo --accounts 3`)."""
    rig = frozen_multi_rig(3)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await MULTI_VIEWS[name](rig, pilot)
        await pilot.pause()
        svg = app.export_screenshot(title=f"amstui — {name}")
    path = HERE / f"{name}.svg"
    path.write_text(portable(svg), encoding="utf-8")
    return path


async def main() -> None:
    known = [*VIEWS, *MULTI_VIEWS]
    names = sys.argv[1:] or known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown view(s) {', '.join(unknown)} (known: {', '.join(known)})")
    for name in names:
        print(await (shoot(name) if name in VIEWS else shoot_multi(name)))


if __name__ == "__main__":
    asyncio.run(main())
