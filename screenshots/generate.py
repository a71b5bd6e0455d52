"""Regenerate the SVG screenshots in this folder from the frozen demo (seed 7, clock fixed at
2026-03-02 14:30 UTC):  python screenshots/generate.py"""

from __future__ import annotations

import asyncio
from pathlib import Path

from amstui.ui.demo_rig import MULTI_VIEWS, VIEWS, frozen_multi_rig, frozen_rig

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
    rig = frozen_rig()
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
    for name in VIEWS:
        print(await shoot(name))
    for name in MULTI_VIEWS:
        print(await shoot_multi(name))


if __name__ == "__main__":
    asyncio.run(main())
