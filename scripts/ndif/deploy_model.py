"""Deploy a local Hugging Face directory on a running local NDIF stack (run in the NDIF venv).

``ndif deploy`` asks the Hugging Face hub for the model's canonical id and size; offline,
this computes both locally: the key is the one an nnsight client mints for the same
directory (``iwm_widgets.tracing.remote`` maps the directory to itself, as here), the
size is counted from the weights on disk.

Usage: python deploy_model.py MODEL_DIR OUT_JSON [TASK]   (env: NDIF_RAY_ADDRESS, NDIF_REDIS_URL)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    model_dir, out = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2])
    from nnsight.modeling import huggingface
    from nnsight.modeling.transformers import TransformersModel

    huggingface._ID_CACHE[model_dir] = model_dir  # no hub lookup for a local directory
    # the task is part of the key; offline it cannot be inferred from the hub
    task = sys.argv[3] if len(sys.argv) > 3 else "text-generation"
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)  # a local LM's pipeline cannot guess it
    key = TransformersModel(model_dir, task=task, tokenizer=tok).to_model_key()
    size = sum(f.stat().st_size for f in Path(model_dir).glob("*.safetensors")) or None
    import time

    import ray
    from ndif.cli.lib._common import ensure_ray_connected
    from ndif.cli.lib.deploy import deploy

    ensure_ray_connected()
    deadline = time.monotonic() + 60  # the controller actor may still be starting
    while True:
        try:
            ray.get_actor("Controller", namespace="NDIF")
            break
        except ValueError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)

    res = deploy(
        [
            {
                "checkpoint": model_dir,
                "model_key": key,
                "dtype": "float32",
                "size_bytes": size,
                "actor_class": "iwm_cpu_actor.CPUModelActor",
                "execution_timeout_seconds": 60,
            }
        ],
        on_message=lambda m: print(m, flush=True),
    )
    entry = res["deployments"][0]
    out.write_text(
        json.dumps({"model_key": key, "status": entry["status"], "error": entry["error"]})
    )


if __name__ == "__main__":
    main()
