"""Where weights live between uses: placement policies, block streaming, storage swaps."""
