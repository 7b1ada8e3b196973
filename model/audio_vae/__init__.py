"""The LTX-2 audio VAE, its log-mel front end, and waveform ↔ latent coding."""
