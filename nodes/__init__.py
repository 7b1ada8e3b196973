"""ComfyUI nodes. Only imported inside ComfyUI (see the package's comfy_entrypoint)."""
