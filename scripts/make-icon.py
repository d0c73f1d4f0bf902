"""Draws media/icon.png (256x256), the extension's marketplace icon: the side bar's two panes
(reference and MLX, layer by layer) with the first layer that diverges marked.
Run: /usr/bin/python3 scripts/make-icon.py   (needs Pillow)"""
from pathlib import Path

from PIL import Image, ImageDraw

S = 4  # supersampling, for smooth edges after the downscale
SIZE = 256
OUT = Path(__file__).resolve().parent.parent / "media" / "icon.png"

BG = (30, 41, 59)
PANE = (51, 65, 85)
LINE = (203, 213, 225)
OK = (74, 222, 128)
BAD = (251, 146, 60)


def px(v: float) -> int:
    return round(v * S)


def main() -> None:
    img = Image.new("RGBA", (SIZE * S, SIZE * S), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, px(SIZE) - 1, px(SIZE) - 1], radius=px(44), fill=BG)
    rows = [78, 112, 146, 180]
    for x0 in (36, 140):
        d.rounded_rectangle([px(x0), px(44), px(x0 + 80), px(212)], radius=px(12), fill=PANE)
        for i, y in enumerate(rows):
            right = x0 == 140
            diverges = right and i == 2
            length = 38 if diverges else 52
            d.rounded_rectangle([px(x0 + 14), px(y - 5), px(x0 + 14 + length), px(y + 5)], radius=px(5), fill=BAD if diverges else LINE)
            if right and not diverges and i < 2:
                d.ellipse([px(x0 + 70 - 6), px(y - 6), px(x0 + 70 + 6), px(y + 6)], fill=OK)
    # The mark on the first diverging layer.
    y = rows[2]
    d.ellipse([px(140 + 68 - 8), px(y - 8), px(140 + 68 + 8), px(y + 8)], fill=BAD)
    img.resize((SIZE, SIZE), Image.LANCZOS).save(OUT, optimize=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
