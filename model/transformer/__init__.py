"""The LTX-2 audio-video diffusion transformer: blocks, layers, RoPE, attention, perturbations, compile."""
