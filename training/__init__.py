"""Reproducing the built-in model from nothing: toy-world data, the VAEs, then the transformer.

Not needed at run time; nothing in model/ or nodes/ imports it.
"""
