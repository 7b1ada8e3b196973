"""Denoising a clip: latent layouts, the clip state, conditioning as clean tokens, schedules,
guidance, the loop.
"""
