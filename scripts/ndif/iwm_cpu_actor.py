"""An NDIF model actor that serves a model on CPU (for a local, GPU-less NDIF stack).

NDIF's stock actor (``ndif.services.ray.deployments.modeling.base.ModelActor``) loads a
model onto the GPUs the controller assigned and calls CUDA throughout (set_device,
synchronize, empty_cache). This subclass loads on CPU and skips the CUDA calls; the
request path (deserialize, run the traced block, save, respond) is NDIF's own.

Named by ``NDIF_DEFAULT_MODEL_ACTOR_CLASS=iwm_cpu_actor.CPUModelActor``; the module must
be on ``PYTHONPATH`` when ``ray start`` runs (scripts/ndif/stack.py arranges both).
"""

from __future__ import annotations

import gc
import json
import logging
import time
from pathlib import Path
from typing import Any

import ray
import torch
from ndif.services.ray.deployments.modeling.base import BaseModelDeployment
from nnsight.modeling.huggingface import HuggingFaceModel

logger = logging.getLogger("ndif.modeling")


class CPUModelDeployment(BaseModelDeployment):
    """Loads on CPU; no CUDA calls."""

    def load_from_disk(self) -> HuggingFaceModel:
        t0 = time.time()
        kwargs = dict(self.kwargs)
        repo = json.loads(self.model_key.split(":", 1)[1]).get("repo_id", "")
        if repo and Path(repo).is_dir() and "tokenizer" not in kwargs:
            # a locally built LM: transformers' pipeline cannot guess its tokenizer
            from transformers import AutoTokenizer

            kwargs["tokenizer"] = AutoTokenizer.from_pretrained(repo)
        model = HuggingFaceModel.from_model_key(
            self.model_key, dispatch=True, dtype=self.dtype_name, **kwargs
        )
        model._module.requires_grad_(False)
        logger.info(f"Loaded {self.model_key} on CPU in {time.time() - t0:.1f}s")
        return model

    async def to_cache(self) -> None:
        await self.cancel("preempted")
        self.cached = True

    def from_cache(self, gpu_mem_bytes_by_id: dict[int, int]) -> None:
        self.gpu_mem_bytes_by_id = gpu_mem_bytes_by_id
        self.cached = False

    def cleanup(self) -> None:
        self.kill_switch.clear()
        self.kill_reason = None
        self.execution_ident = None
        self.model.interleaver.cancel()
        gc.collect()


@ray.remote(num_cpus=0, max_restarts=-1)
class CPUModelActor(CPUModelDeployment):
    """The Ray actor class deployed for each model replica on this CPU stack."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        torch.set_num_threads(1)
        super().__init__(*args, **kwargs)
