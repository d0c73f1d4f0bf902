"""1024x1024 PNG pairs for the image-diff benchmark (written once into bench/data/images).
Usage: image_data.py OUT_DIR"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(11)
y, x = np.mgrid[0:1024, 0:1024]
base = np.stack([128 + 90 * np.sin(x / (40 + 9 * k) + y / (57 + 5 * k)) + 30 * np.cos((x + y) / (13 + k)) for k in range(3)], -1)
ref = np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)
# a port that is close (small noise everywhere) and one with a visible local defect
close = np.clip(ref.astype(np.int16) + rng.integers(-3, 4, ref.shape), 0, 255).astype(np.uint8)
defect = close.copy()
defect[300:420, 500:700] = 255 - defect[300:420, 500:700]
Image.fromarray(ref).save(out / "ref.png")
Image.fromarray(close).save(out / "close.png")
Image.fromarray(defect).save(out / "defect.png")
(out / "images.done").write_text("v1\n")
