"""Checks a headless-Chromium screenshot of TensorBoard's scalar dashboard: the chart must hold a
drawn curve in the run's colour, spread across the chart, not empty axes.

TensorBoard draws the first run in #ff7043 (the smoothed line) with a lighter copy of it for the
raw values. The left panel (settings, run list with its own coloured marker) is excluded.

Usage: check_screenshot.py SCREENSHOT.png TAG
"""
import sys

from PIL import Image

RUN_COLOUR = (255, 112, 67)


def curve_pixels(image):
    width, height = image.size
    pixels = image.load()
    found = []
    # Right of the settings panel (about 28% of the width) and below the search box.
    for y in range(int(height * 0.3), height):
        for x in range(int(width * 0.28), width):
            r, g, b = pixels[x, y][:3]
            if sum((c - t) ** 2 for c, t in zip((r, g, b), RUN_COLOUR)) < 40 ** 2:
                found.append((x, y))
    return found


def main():
    path, tag = sys.argv[1], sys.argv[2]
    image = Image.open(path).convert("RGB")
    found = curve_pixels(image)
    columns = {x for x, _ in found}
    rows = {y for _, y in found}
    print(f"  {tag}: {len(found)} curve pixels over {len(columns)} columns and {len(rows)} rows ({path})")
    # The chart is about 290 px wide at this window size: a curve across it covers most of its
    # columns (a nearly flat one, like two epochs of accuracy, only a few rows). Empty axes have none.
    if len(columns) < 150 or len(found) < 200:
        sys.exit(f"error: the {tag} chart in {path} is blank (no curve drawn)")


if __name__ == "__main__":
    main()
