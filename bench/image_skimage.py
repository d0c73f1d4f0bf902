"""The same image metrics the usual Python way: PIL decode, scikit-image PSNR and SSIM, and
mflux's golden rule with NumPy. Prints the compute time (after imports) in seconds.
Usage: image_skimage.py REF.png CAND.png"""
import sys
import time

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

t0 = time.perf_counter()
ref = np.array(Image.open(sys.argv[1]))
cand = np.array(Image.open(sys.argv[2]))
a = ref[..., :3].astype(np.float64)
b = cand[..., :3].astype(np.float64)
psnr = peak_signal_noise_ratio(a, b, data_range=255)
ssim = structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=-1)
d = np.abs(a - b)
ratio = np.count_nonzero(~np.isclose(cand, ref, rtol=0.1, atol=0)) / ref.size
print(f"{time.perf_counter() - t0:.4f} {psnr:.6f} {ssim:.8f} {d.max():.0f} {d.mean():.6f} {ratio:.8f}")
