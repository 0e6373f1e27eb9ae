"""Screenshots of a demo's pages as an on-call engineer first sees them: 1400x900, no scrolling.

    monitors demo && .venv/bin/python scripts/screenshot_demo.py [REPORTS] [--window 2026-02-05T0000Z]
        [--out FOLDER] [--prefix NAME]

Writes test-artifacts/demo/{home,model,window}.png (or FOLDER/<prefix>{home,model,window}.png) from
REPORTS (default: ./reports) with Debian's Chromium; on the model page the mouse rests on the first
chart, so its hover shows. The docs' pictures are made with
`--out docs/images --prefix report-` after `monitors demo`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "test-artifacts" / "demo"


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", type=Path, nargs="?", default=Path("reports"))
    parser.add_argument("--model", default="credit_risk")
    parser.add_argument("--window", default="2026-02-05T0000Z")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder the pictures go to")
    parser.add_argument("--prefix", default="", help="each file's name starts with this")
    args = parser.parse_args()
    pages = {"home": args.reports / "index.html", "model": args.reports / args.model / "index.html",
             "window": args.reports / args.model / args.window / "index.html"}
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for name, path in pages.items():
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            if name == "model":
                box = page.locator("figure.chart svg").first.bounding_box()
                if box:
                    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 3)
            shot = args.out / f"{args.prefix}{name}.png"
            page.screenshot(path=str(shot))
            print(shot)
        browser.close()


if __name__ == "__main__":
    main()
