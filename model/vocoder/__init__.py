"""Mel → waveform: HiFi-GAN (LTX-2.0), BigVGAN v2 + bandwidth extension (LTX-2.3), Griffin-Lim (no
weights).
"""
