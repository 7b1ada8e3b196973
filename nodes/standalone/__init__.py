"""The stand-in runtime: ComfyUI's node API, IO types, video values and workflow format, headless."""
