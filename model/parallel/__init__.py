"""Several processes on one generation: guidance passes side by side, token sequences split.

``exchange`` holds the collectives (and counts what they move), ``sequence`` the split of a
token sequence, ``split_attention`` attention across that split, ``guidance`` the sharing of
a step's passes, ``mesh`` the process groups a launch builds.
"""
