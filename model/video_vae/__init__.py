"""The LTX-2 video VAE (configured by its blocks), tiled decoding, latent previews and the latent
upsamplers.
"""
