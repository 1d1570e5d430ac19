"""The int8 MiniLM, rewritten on its protobuf bytes so that it loads small (no `onnx` needed).

The model stores every weight as int8 and scales it back inside the graph,
`Mul(Cast(q), scale)`. Left as it is, onnxruntime's constant folding turns each one into
float32 while the session loads, through two float copies (cast, then scaled): the
30522 x 384 word-embedding table alone becomes 47 MB, though a batch reads a few hundred rows.
`prepare` rewrites the graph so that

- an embedding table stays int8: its rows are looked up, then dequantized,
  `Gather(Mul(Cast(q), s), ids)` → `Mul(Cast(Gather(q, ids)), Gather(s, ids))`;
- a matrix weight is dequantized by one `DequantizeLinear(q, s, axis=1)`, which the session
  folds into a single float copy and prepacks for its MatMul as before; or, with
  `dequantize=True`, by numpy here, handed to the session as a buffer it runs on unpacked
  (less memory again, more CPU per sentence: see services.nlp.embeddings).

Every rewrite computes the same float `q * scale` products as the original graph, so the
embeddings do not change. What does not match the pattern is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

# Field numbers of onnx.proto3, and the protobuf wire types, used here.
_MODEL_OPSET_IMPORT, _MODEL_GRAPH = 8, 7
_OPSET_DOMAIN, _OPSET_VERSION = 1, 2
_GRAPH_NODE, _GRAPH_INITIALIZER = 1, 5
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP_TYPE, _NODE_ATTRIBUTE = 1, 2, 3, 4, 5
_ATTR_NAME, _ATTR_I, _ATTR_TYPE, _ATTR_INT = 1, 3, 20, 2
_TENSOR_DIMS, _TENSOR_DATA_TYPE, _TENSOR_NAME, _TENSOR_RAW_DATA = 1, 2, 8, 9
_TENSOR_EXTERNAL_DATA, _TENSOR_DATA_LOCATION, _EXTERNAL = 13, 14, 1
_ENTRY_KEY, _ENTRY_VALUE = 1, 2
_FLOAT, _INT8 = 1, 3
_DTYPES: dict[int, type[np.generic]] = {_FLOAT: np.float32, _INT8: np.int8}
_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5
_DEQUANTIZE_AXIS_OPSET = 13  # DequantizeLinear's per-axis scale

Array = npt.NDArray[np.generic]


@dataclass(frozen=True)
class Prepared:
    """A rewritten model: give the session `model`, `initializers` and `config`."""

    model: bytes
    # Add with SessionOptions.add_external_initializers; the session runs on these buffers.
    initializers: dict[str, Array] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)  # session config entries


def prepare(model: bytes, *, dequantize: bool = False) -> Prepared:
    """The model rewritten as the module describes; as it was when nothing matches."""
    data = memoryview(model)
    graph = next(_payloads(data, _MODEL_GRAPH))
    nodes = [_parse_node(p) for p in _payloads(graph, _GRAPH_NODE)]
    tensors = dict(_tensor(p) for p in _payloads(graph, _GRAPH_INITIALIZER))
    per_axis = _default_opset(data) >= _DEQUANTIZE_AXIS_OPSET
    plan = _plan(nodes, tensors, dequantize=dequantize or not per_axis)
    if not plan.replaced:
        return Prepared(model)
    read = {x for i, n in enumerate(nodes) if i not in plan.replaced for x in n.inputs}
    read |= {x for new in plan.replaced.values() for n in new for x in _node_inputs(n)}
    was_read = {x for n in nodes for x in n.inputs}
    parts: list[bytes | memoryview] = []
    index = 0
    for f in _fields(graph):
        if f.number == _GRAPH_NODE:
            replacement = plan.replaced.get(index)
            index += 1
            if replacement is None:
                parts.append(f.raw)
            else:
                parts.extend(_len_field(_GRAPH_NODE, node) for node in replacement)
        elif f.number == _GRAPH_INITIALIZER and isinstance(f.value, memoryview):
            name = _tensor(f.value)[0]
            if name in plan.external:
                parts.append(_len_field(_GRAPH_INITIALIZER, _external_tensor(name, plan.external)))
            elif name in read or name not in was_read:  # drops only what the rewrite freed
                parts.append(f.raw)
        else:
            parts.append(f.raw)
    for name in plan.external.keys() - tensors.keys():  # weights dequantized here
        parts.append(_len_field(_GRAPH_INITIALIZER, _external_tensor(name, plan.external)))
    for name, array in plan.embedded.items():
        parts.append(_len_field(_GRAPH_INITIALIZER, _embedded_tensor(name, array)))
    rest = b"".join(f.raw for f in _fields(data) if f.number != _MODEL_GRAPH)
    config = {"session.disable_quant_qdq": "1"}  # fold DequantizeLinear, do not fuse it
    if plan.external:
        config["session.use_external_initializer_file_buffers_directly"] = "1"  # no copies
    if dequantize:
        config["session.disable_prepacking"] = "1"  # a packed copy of every weight, else
    return Prepared(rest + _len_field(_MODEL_GRAPH, b"".join(parts)), plan.external, config)


@dataclass
class _Plan:
    replaced: dict[int, list[bytes]] = field(default_factory=dict)  # by node index; [] drops
    external: dict[str, Array] = field(default_factory=dict)  # initializers given as buffers
    embedded: dict[str, Array] = field(default_factory=dict)  # new (small) initializers


def _plan(nodes: list[_Node], tensors: dict[str, Array | None], *, dequantize: bool) -> _Plan:
    producer = {out: i for i, node in enumerate(nodes) for out in node.outputs}
    readers: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        for name in node.inputs:
            readers.setdefault(name, []).append(i)
    plan = _Plan()
    for m, mul in enumerate(nodes):
        c = producer.get(mul.inputs[0], -1) if mul.op == "Mul" and len(mul.inputs) == 2 else -1
        cast = nodes[c] if c >= 0 else None
        if cast is None or cast.op != "Cast" or cast.ints.get("to") != _FLOAT:
            continue
        q_name, s_name, weight = cast.inputs[0], mul.inputs[1], mul.outputs[0]
        q, s = tensors.get(q_name), tensors.get(s_name)
        if q is None or s is None or q.dtype != np.int8 or s.dtype != np.float32:
            continue
        if readers[cast.outputs[0]] != [m] or q.ndim != 2:
            continue
        lookups = readers.get(weight, [])
        if lookups and all(_looks_up_rows(nodes[i], weight) for i in lookups):
            if s.shape != (q.shape[0], 1):  # a scale per row
                continue
            for g in lookups:
                out, ids = nodes[g].outputs[0], nodes[g].inputs[1]
                plan.replaced[g] = [
                    _encode_node("Gather", [q_name, ids], f"{out}/q"),
                    _encode_node("Cast", [f"{out}/q"], f"{out}/f", to=_FLOAT),
                    _encode_node("Gather", [s_name, ids], f"{out}/scale"),
                    _encode_node("Mul", [f"{out}/f", f"{out}/scale"], out),
                ]
            plan.external[q_name], plan.external[s_name] = q.copy(), s.copy()
        elif s.shape != (1, q.shape[1]):  # a scale per output column
            continue
        elif dequantize:
            weights = q.astype(np.float32)
            weights *= np.asarray(s, dtype=np.float32)
            plan.external[weight] = weights
        else:
            plan.embedded[f"{weight}/scale"] = s.reshape(-1).copy()
            plan.replaced[m] = [
                _encode_node("DequantizeLinear", [q_name, f"{weight}/scale"], weight, axis=1)
            ]
            plan.replaced[c] = []
            continue
        plan.replaced[m] = plan.replaced[c] = []
    return plan


def _looks_up_rows(node: _Node, table: str) -> bool:
    return node.op == "Gather" and node.inputs[0] == table and not node.ints.get("axis")


# ---- just enough of the protobuf wire format -------------------------------------------


@dataclass(frozen=True)
class _Field:
    number: int
    value: int | memoryview  # a varint's value, or the payload of any other wire type
    raw: memoryview  # the whole field, its tag included, to copy it unchanged


@dataclass(frozen=True)
class _Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    ints: dict[str, int]  # its integer attributes


def _varint(data: memoryview, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(data: memoryview) -> Iterator[_Field]:
    i = 0
    while i < len(data):
        start = i
        key, i = _varint(data, i)
        wire = key & 7
        value: int | memoryview
        if wire == _VARINT:
            value, i = _varint(data, i)
        elif wire in (_LEN, _FIXED64, _FIXED32):
            if wire == _LEN:
                size, i = _varint(data, i)
            else:
                size = 8 if wire == _FIXED64 else 4
            value, i = data[i : i + size], i + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield _Field(key >> 3, value, data[start:i])


def _payloads(data: memoryview, number: int) -> Iterator[memoryview]:
    for f in _fields(data):
        if f.number == number and isinstance(f.value, memoryview):
            yield f.value


def _texts(data: memoryview, number: int) -> list[str]:
    return [bytes(v).decode() for v in _payloads(data, number)]


def _default_opset(model: memoryview) -> int:
    for opset in _payloads(model, _MODEL_OPSET_IMPORT):
        fields = {f.number: f.value for f in _fields(opset)}
        domain, version = fields.get(_OPSET_DOMAIN), fields.get(_OPSET_VERSION)
        if isinstance(version, int) and (domain is None or bytes(domain) in (b"", b"ai.onnx")):
            return version
    return 0


def _parse_node(payload: memoryview) -> _Node:
    ints: dict[str, int] = {}
    for attr in _payloads(payload, _NODE_ATTRIBUTE):
        fields = {f.number: f.value for f in _fields(attr)}
        name, value = fields.get(_ATTR_NAME), fields.get(_ATTR_I)
        if isinstance(name, memoryview) and isinstance(value, int):
            ints[bytes(name).decode()] = value
    return _Node(
        op="".join(_texts(payload, _NODE_OP_TYPE)),
        inputs=_texts(payload, _NODE_INPUT),
        outputs=_texts(payload, _NODE_OUTPUT),
        ints=ints,
    )


def _node_inputs(encoded: bytes) -> list[str]:
    return _texts(memoryview(encoded), _NODE_INPUT)


def _tensor(payload: memoryview) -> tuple[str, Array | None]:
    """An initializer's name, and its data as a read-only view (None: not raw int8/float)."""
    name, dims, dtype, raw = "", [], 0, None
    for f in _fields(payload):
        if f.number == _TENSOR_NAME and isinstance(f.value, memoryview):
            name = bytes(f.value).decode()
        elif f.number == _TENSOR_DIMS and isinstance(f.value, int):
            dims.append(f.value)
        elif f.number == _TENSOR_DIMS and isinstance(f.value, memoryview):
            i = 0  # packed
            while i < len(f.value):
                dim, i = _varint(f.value, i)
                dims.append(dim)
        elif f.number == _TENSOR_DATA_TYPE and isinstance(f.value, int):
            dtype = f.value
        elif f.number == _TENSOR_RAW_DATA and isinstance(f.value, memoryview):
            raw = f.value
    if raw is None or dtype not in _DTYPES:
        return name, None
    array = np.frombuffer(raw, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
    return name, array.reshape(dims) if array.size == int(np.prod(dims)) else None


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _len_field(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | _LEN) + _encode_varint(len(payload)) + payload


def _varint_field(number: int, value: int) -> bytes:
    return _encode_varint(number << 3 | _VARINT) + _encode_varint(value)


def _encode_node(op: str, inputs: list[str], output: str, **ints: int) -> bytes:
    attributes = b"".join(
        _len_field(
            _NODE_ATTRIBUTE,
            _len_field(_ATTR_NAME, key.encode())
            + _varint_field(_ATTR_I, value)
            + _varint_field(_ATTR_TYPE, _ATTR_INT),
        )
        for key, value in ints.items()
    )
    return (
        b"".join(_len_field(_NODE_INPUT, x.encode()) for x in inputs)
        + _len_field(_NODE_OUTPUT, output.encode())
        + _len_field(_NODE_NAME, f"{output}/{op}".encode())
        + _len_field(_NODE_OP_TYPE, op.encode())
        + attributes
    )


def _tensor_header(name: str, array: Array) -> bytes:
    dtype = next(code for code, t in _DTYPES.items() if array.dtype == t)
    return (
        b"".join(_varint_field(_TENSOR_DIMS, d) for d in array.shape)
        + _varint_field(_TENSOR_DATA_TYPE, dtype)
        + _len_field(_TENSOR_NAME, name.encode())
    )


def _external_tensor(name: str, arrays: dict[str, Array]) -> bytes:
    """An initializer whose data the session is given as a buffer (add_external_initializers)."""
    location = _len_field(_ENTRY_KEY, b"location") + _len_field(_ENTRY_VALUE, b"memory")
    return (
        _tensor_header(name, arrays[name])
        + _len_field(_TENSOR_EXTERNAL_DATA, location)
        + _varint_field(_TENSOR_DATA_LOCATION, _EXTERNAL)
    )


def _embedded_tensor(name: str, array: Array) -> bytes:
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return _tensor_header(name, array) + _len_field(_TENSOR_RAW_DATA, little.tobytes())
