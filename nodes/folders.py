"""Model folders as ComfyUI's ``folder_paths`` names them, and the files the Load node lists."""

MODEL_EXTENSIONS = (".safetensors", ".sft")
# Our own folder under ComfyUI's models/, registered at start-up.
TALKIES_FOLDER = "talkies"
# Where a Talkies or LTX-2 checkpoint may be, in the order the Load node lists them.
CHECKPOINT_KINDS = (TALKIES_FOLDER, "checkpoints", "diffusion_models")
# ComfyUI's folder of LoRA files.
LORA_FOLDER = "loras"
# ComfyUI's folder of latent upsamplers (LTX-2's spatial ×2 upscaler).
UPSCALER_FOLDER = "latent_upscale_models"
