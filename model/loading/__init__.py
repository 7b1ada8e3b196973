"""Checkpoints: config metadata, keys per part, memory-mapped loading, fp8 weights, the built-in model."""
