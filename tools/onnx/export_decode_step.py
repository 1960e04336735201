"""Exports a transformer's decode step as one ONNX graph, for the "onnx" benchmark peer.

The graph runs the SAME weights as the generated code, in float32, with the key/value cache
passed in and out, and serves both decoding (one token) and prefill (a prompt at once):

    inputs   tokens       int64   [T]                           T >= 1 new tokens
             past_keys    float32 [P, Layers, KvHeads, HeadDim]  the cache of positions 0..P-1
             past_values  float32 [P, Layers, KvHeads, HeadDim]  (P may be 0)
    outputs  logits       float32 [Vocab]                        after the LAST new token only
             new_keys     float32 [T, Layers, KvHeads, HeadDim]  keys of positions P..P+T-1
             new_values   float32 [T, Layers, KvHeads, HeadDim]  (Llama keys after RoPE)

The cache is position-major, so the first P positions of a preallocated
[Context, Layers, KvHeads, HeadDim] buffer are one contiguous block that a caller can pass as
past_keys, and new_keys can be written straight into the buffer at position P.

Each new token attends to all P past positions and to the new tokens up to itself. Scores
against the past and against the new keys are computed separately and joined only along the
(short) score axis, so the graph never concatenates the cache with the new keys. ONNX has no
strided views, though: taking one layer out of the position-major past_keys is a Gather, which
ONNX Runtime turns into one Split of past_keys (and one of past_values) per step, a copy of the
past; the attention products then read each layer's block in place (FusedMatMul with transposed
batch, from ONNX Runtime's MatmulTransposeFusion).

Models:
  --llama2c FILE   a llama2.c checkpoint (version 0): RMSNorm (eps 1e-5), RoPE in llama2.c's
                   pairing (pairs (2i, 2i+1) of each head, frequency 10000^(-2i/head_dim)),
                   grouped key/value heads, SwiGLU; classifier shared with the embedding unless
                   vocab_size in the header is negative.
  --gpt2 FOLDER    a Hugging Face GPT-2 folder (model.safetensors in F32, config.json):
                   LayerNorm, learned positions, GELU (tanh), Conv1D [in, out] weights, tied
                   unembedding.
  --hf FOLDER      a Hugging Face Llama-family folder (config.json, model.safetensors or shards
                   listed in model.safetensors.index.json; F32, BF16 or F16): LlamaForCausalLM,
                   MistralForCausalLM, Qwen2ForCausalLM, Phi3ForCausalLM. Rotary positions in
                   transformers' rotate-half pairing with rope_theta (and linear or llama3 rope_scaling),
                   the family's biases (Qwen2: q/k/v), grouped key/value heads, sliding windows,
                   tied or separate unembedding (tools/onnx/hf_decode_step.py).

A graph over 2 GB (the protobuf limit) is written by PyTorch with its weights as external data:
one file per initializer beside the .onnx file, which therefore belongs in a folder of its own.

After exporting, the script checks the traced graph (the same trace the ONNX file is written
from) against the float64 reference forwards of tests/golden/golden_common.py (--hf: hf_common.py): a prompt is fed
as a prefill, single decode steps and a second chunk, and the last-token logits of every call
must match the reference within 1e-4 of the largest |logit|; if not, the file is removed.

Run with Debian's PyTorch (the pyenv python3 on PATH has no torch):

    apt-get install python3-torch python3-numpy
    /usr/bin/python3 tools/onnx/export_decode_step.py --llama2c ../shared/models/stories260K/stories260K.bin --output /tmp/stories260K.onnx
    /usr/bin/python3 tools/onnx/export_decode_step.py --gpt2 ../shared/models/gpt2-tiny --output /tmp/gpt2-tiny.onnx
    /usr/bin/python3 tools/onnx/export_decode_step.py --hf tests/Codegen.Tests/Golden/hf/qwen2 --output /tmp/qwen2/model.onnx

Exit codes: 0 exported and checked; 1 the check failed; 2 bad arguments or weights;
3 PyTorch or NumPy is missing.
"""

import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as missing:
    print(f"export_decode_step.py: {missing}. PyTorch and NumPy are needed: "
          "apt-get install python3-torch python3-numpy (then run with /usr/bin/python3)", file=sys.stderr)
    sys.exit(3)

OPSET = 17
CHECK_TOLERANCE = 1e-4


class WeightsError(Exception):
    """The weights file does not hold what the model needs."""


# ---------------------------------------------------------------------------
# Reading the weights (float32)
# ---------------------------------------------------------------------------


def read_llama2c(path):
    """Returns (config dict, dict of float32 tensors) from a llama2.c v0 checkpoint."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 28:
        raise WeightsError(f"{path}: shorter than the 28-byte llama2.c header")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared_classifier = vocab > 0
    vocab = abs(vocab)
    head_dim = dim // heads
    kv_dim = kv_heads * head_dim
    floats = np.frombuffer(raw, dtype="<f4", offset=28)
    position = 0

    def take(*shape):
        nonlocal position
        count = int(np.prod(shape))
        if position + count > len(floats):
            raise WeightsError(f"{path}: truncated (tensor of shape {shape} runs past the end)")
        values = floats[position:position + count].reshape(shape)
        position += count
        return torch.from_numpy(values.astype(np.float32))

    weights = {
        "token_embedding": take(vocab, dim),
        "rms_att": take(layers, dim),
        "wq": take(layers, dim, dim),
        "wk": take(layers, kv_dim, dim),
        "wv": take(layers, kv_dim, dim),
        "wo": take(layers, dim, dim),
        "rms_ffn": take(layers, dim),
        "w1": take(layers, hidden, dim),
        "w2": take(layers, dim, hidden),
        "w3": take(layers, hidden, dim),
        "rms_final": take(dim),
    }
    take(seq_len * head_dim // 2)  # stored RoPE table (real part), recomputed in the graph
    take(seq_len * head_dim // 2)  # stored RoPE table (imaginary part)
    weights["classifier"] = weights["token_embedding"] if shared_classifier else take(vocab, dim)
    if position != len(floats):
        raise WeightsError(f"{path}: {len(floats) - position} trailing float32 values")
    config = dict(dim=dim, hidden_dim=hidden, layers=layers, heads=heads, kv_heads=kv_heads,
                  vocab=vocab, seq_len=seq_len)
    return config, weights


def read_safetensors_f32(path):
    """Returns dict name -> float32 tensor; names lose an optional 'transformer.' prefix."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_length].decode("utf-8"))
    header.pop("__metadata__", None)
    data = memoryview(raw)[8 + header_length:]
    tensors = {}
    for name, info in header.items():
        if name.endswith((".attn.bias", ".attn.masked_bias")):
            continue  # old exports' causal-mask buffers, not weights
        if info["dtype"] != "F32":
            raise WeightsError(f"{path}: tensor {name} is {info['dtype']}; only F32 is supported")
        begin, end = info["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        short = name[len("transformer."):] if name.startswith("transformer.") else name
        tensors[short] = torch.from_numpy(values.copy())
    return tensors


def read_gpt2(folder):
    """Returns (config dict, dict of float32 tensors with Hugging Face GPT-2 names)."""
    with open(os.path.join(folder, "config.json")) as f:
        hf = json.load(f)
    activation = hf.get("activation_function", "gelu_new")
    if activation not in ("gelu_new", "gelu_pytorch_tanh", "gelu"):
        raise WeightsError(f"{folder}: activation_function {activation} is not GPT-2's GELU")
    config = dict(dim=hf["n_embd"], heads=hf["n_head"], layers=hf["n_layer"], vocab=hf["vocab_size"],
                  positions=hf.get("n_positions", hf.get("n_ctx")),
                  eps=hf.get("layer_norm_epsilon", 1e-5))
    weights = read_safetensors_f32(os.path.join(folder, "model.safetensors"))
    for name in ("wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias"):
        if name not in weights:
            raise WeightsError(f"{folder}: model.safetensors has no tensor {name}")
    return config, weights


# ---------------------------------------------------------------------------
# The decode-step modules
# ---------------------------------------------------------------------------


def causal_mask(new_tokens, group):
    """[group * T, T], True where a key comes after its query: query row g*T + i is new token i
    of query head g of a group, and sees new keys 0..i."""
    steps = torch.arange(new_tokens)
    return (steps[None, :] > steps[:, None]).repeat(group, 1)


def attend(query, new_keys, new_values, past_keys, past_values, future, shape, past_outside=None):
    """Attention of the new tokens' queries over the past and the new keys.

    query [Tq, Heads, HeadDim], already scaled by 1/sqrt(HeadDim); new_keys/new_values
    [T, KvHeads, HeadDim]; past_keys/past_values [P, KvHeads, HeadDim]; shape = (KvHeads,
    group, HeadDim) as numbers, group = Heads / KvHeads: query head h reads key/value head
    h // group. future: [group * Tq, T], True where a new key is hidden from a query (the causal
    mask, with a sliding window's too), or None when the single query is the last token and sees
    every new key. past_outside: None, or [group * Tq, P], True where a past
    key lies outside a sliding window. Returns [Tq, Heads * HeadDim].
    """
    kv_heads, group, head_dim = shape
    # [Tq, KvHeads * group, d] -> [KvHeads, group * Tq, d]: one matrix product per key/value head.
    grouped = query.reshape(-1, kv_heads, group, head_dim).permute(1, 2, 0, 3).reshape(kv_heads, -1, head_dim)
    past_scores = torch.matmul(grouped, past_keys.permute(1, 2, 0))        # [KvHeads, group*Tq, P]
    new_scores = torch.matmul(grouped, new_keys.permute(1, 2, 0))          # [KvHeads, group*Tq, T]
    if past_outside is not None:
        past_scores = past_scores.masked_fill(past_outside, float("-inf"))
    if future is not None:
        new_scores = new_scores.masked_fill(future, float("-inf"))
    # Past and new scores meet only here, along the (short) score axis: the cache is never
    # concatenated with the new keys.
    probabilities = torch.softmax(torch.cat([past_scores, new_scores], dim=-1), dim=-1)
    past_probabilities, new_probabilities = probabilities.split([past_keys.shape[0], new_keys.shape[0]], dim=-1)
    mixed = (torch.matmul(past_probabilities, past_values.transpose(0, 1))
             + torch.matmul(new_probabilities, new_values.transpose(0, 1)))          # [KvHeads, group*Tq, d]
    return mixed.reshape(kv_heads, group, -1, head_dim).permute(2, 0, 1, 3).reshape(-1, kv_heads * group * head_dim)


def rms_norm(x, weight, eps=1e-5):
    """llama2.c's rmsnorm: weight * x / sqrt(mean(x^2) + eps) over the model width."""
    return x / torch.sqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * weight


class LlamaDecodeStep(torch.nn.Module):
    """llama2.c's transformer over T new tokens at positions P..P+T-1 with a KV cache."""

    def __init__(self, config, weights):
        super().__init__()
        self.heads, self.kv_heads = config["heads"], config["kv_heads"]
        self.head_dim = config["dim"] // config["heads"]
        self.layers = config["layers"]
        self.register_buffer("token_embedding", weights["token_embedding"])
        # Query, key and value share one product; so do the gate (w1) and up (w3) projections.
        self.register_buffer("query_key_value", torch.cat([weights["wq"], weights["wk"], weights["wv"]], dim=1))
        self.register_buffer("gate_up", torch.cat([weights["w1"], weights["w3"]], dim=1))
        self.register_buffer("attention_norm", weights["rms_att"])
        self.register_buffer("output", weights["wo"])
        self.register_buffer("ffn_norm", weights["rms_ffn"])
        self.register_buffer("down", weights["w2"])
        self.register_buffer("final_norm", weights["rms_final"])
        # A shared classifier is the embedding itself (one buffer, as tracing requires).
        self.shared_classifier = weights["classifier"] is weights["token_embedding"]
        if not self.shared_classifier:
            self.register_buffer("classifier", weights["classifier"])
        pair = torch.arange(0, self.head_dim, 2, dtype=torch.float64)
        self.register_buffer("inverse_frequency", (1.0 / 10000.0 ** (pair / self.head_dim)).to(torch.float32))
        self.split = [config["dim"], self.kv_heads * self.head_dim, self.kv_heads * self.head_dim]
        self.hidden_dim = config["hidden_dim"]

    def rotate(self, x, heads, cos, sin):
        """RoPE on [T, heads * HeadDim]: each pair (2i, 2i+1) of a head turned by position * frequency_i.
        Returns [T, heads, HeadDim]."""
        pairs = x.reshape(-1, heads, self.head_dim // 2, 2)
        even, odd = pairs[..., 0], pairs[..., 1]
        return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).reshape(-1, heads, self.head_dim)

    def forward(self, tokens, past_keys, past_values):
        past_length = past_keys.shape[0]
        positions = torch.arange(tokens.shape[0]) + past_length
        angles = positions.to(torch.float32)[:, None] * self.inverse_frequency[None, :]   # [T, HeadDim/2]
        cos, sin = torch.cos(angles)[:, None, :], torch.sin(angles)[:, None, :]
        x = self.token_embedding[tokens]                                                  # [T, Dim]
        scale = 1.0 / math.sqrt(self.head_dim)
        shape = (self.kv_heads, self.heads // self.kv_heads, self.head_dim)
        future = causal_mask(tokens.shape[0], self.heads // self.kv_heads)
        new_keys, new_values = [], []
        for layer in range(self.layers):
            last = layer == self.layers - 1
            normed = rms_norm(x, self.attention_norm[layer])
            query, key, value = F.linear(normed, self.query_key_value[layer]).split(self.split, dim=-1)
            query = self.rotate(query, self.heads, cos, sin)
            key = self.rotate(key, self.kv_heads, cos, sin)
            value = value.reshape(-1, self.kv_heads, self.head_dim)
            new_keys.append(key)
            new_values.append(value)
            if last:
                # Only the last token's logits are wanted: the last layer needs only its row.
                x, query = x[-1:], query[-1:]
            mixed = attend(query * scale, key, value, past_keys[:, layer], past_values[:, layer],
                           None if last else future, shape)
            x = x + F.linear(mixed, self.output[layer])
            normed = rms_norm(x, self.ffn_norm[layer])
            gate, up = F.linear(normed, self.gate_up[layer]).split(self.hidden_dim, dim=-1)
            x = x + F.linear(F.silu(gate) * up, self.down[layer])
        classifier = self.token_embedding if self.shared_classifier else self.classifier
        logits = F.linear(rms_norm(x, self.final_norm), classifier)[0]
        return logits, torch.stack(new_keys, dim=1), torch.stack(new_values, dim=1)


class Gpt2DecodeStep(torch.nn.Module):
    """Hugging Face GPT-2 over T new tokens at positions P..P+T-1 with a KV cache."""

    def __init__(self, config, weights):
        super().__init__()
        self.heads, self.layers, self.eps = config["heads"], config["layers"], config["eps"]
        self.dim = config["dim"]
        self.head_dim = self.dim // self.heads
        self.register_buffer("token_embedding", weights["wte.weight"])
        self.register_buffer("position_embedding", weights["wpe.weight"])

        def stacked(name, transpose=False):
            tensors = [weights[f"h.{layer}.{name}"] for layer in range(self.layers)]
            # Conv1D stores [in, out]; F.linear wants [out, in].
            return torch.stack([t.t().contiguous() if transpose else t for t in tensors])

        for name, key in [("ln_1_weight", "ln_1.weight"), ("ln_1_bias", "ln_1.bias"),
                          ("ln_2_weight", "ln_2.weight"), ("ln_2_bias", "ln_2.bias"),
                          ("attention_bias", "attn.c_attn.bias"), ("projection_bias", "attn.c_proj.bias"),
                          ("up_bias", "mlp.c_fc.bias"), ("down_bias", "mlp.c_proj.bias")]:
            self.register_buffer(name, stacked(key))
        self.register_buffer("attention_weight", stacked("attn.c_attn.weight", transpose=True))
        self.register_buffer("projection_weight", stacked("attn.c_proj.weight", transpose=True))
        self.register_buffer("up_weight", stacked("mlp.c_fc.weight", transpose=True))
        self.register_buffer("down_weight", stacked("mlp.c_proj.weight", transpose=True))
        self.register_buffer("final_norm_weight", weights["ln_f.weight"])
        self.register_buffer("final_norm_bias", weights["ln_f.bias"])

    def forward(self, tokens, past_keys, past_values):
        past_length = past_keys.shape[0]
        positions = torch.arange(tokens.shape[0]) + past_length
        x = self.token_embedding[tokens] + self.position_embedding[positions]             # [T, Dim]
        scale = 1.0 / math.sqrt(self.head_dim)
        shape = (self.heads, 1, self.head_dim)
        future = causal_mask(tokens.shape[0], 1)
        new_keys, new_values = [], []
        for layer in range(self.layers):
            last = layer == self.layers - 1
            normed = F.layer_norm(x, (self.dim,), self.ln_1_weight[layer], self.ln_1_bias[layer], self.eps)
            query, key, value = F.linear(normed, self.attention_weight[layer], self.attention_bias[layer]).split(self.dim, dim=-1)
            query = query.reshape(-1, self.heads, self.head_dim)
            key = key.reshape(-1, self.heads, self.head_dim)
            value = value.reshape(-1, self.heads, self.head_dim)
            new_keys.append(key)
            new_values.append(value)
            if last:
                x, query = x[-1:], query[-1:]
            mixed = attend(query * scale, key, value, past_keys[:, layer], past_values[:, layer],
                           None if last else future, shape)
            x = x + F.linear(mixed, self.projection_weight[layer], self.projection_bias[layer])
            normed = F.layer_norm(x, (self.dim,), self.ln_2_weight[layer], self.ln_2_bias[layer], self.eps)
            hidden = F.gelu(F.linear(normed, self.up_weight[layer], self.up_bias[layer]), approximate="tanh")
            x = x + F.linear(hidden, self.down_weight[layer], self.down_bias[layer])
        x = F.layer_norm(x, (self.dim,), self.final_norm_weight, self.final_norm_bias, self.eps)
        logits = F.linear(x, self.token_embedding)[0]                                     # tied unembedding
        return logits, torch.stack(new_keys, dim=1), torch.stack(new_values, dim=1)


# ---------------------------------------------------------------------------
# Export and check
# ---------------------------------------------------------------------------


def example_inputs(module, vocab):
    """A trace example with T and P different from each other and from every model dimension."""
    layers = module.layers
    kv_heads = getattr(module, "kv_heads", getattr(module, "heads"))
    tokens = torch.tensor([1, 2, 3], dtype=torch.int64) % vocab
    past = torch.zeros(5, layers, kv_heads, module.head_dim, dtype=torch.float32)
    return tokens, past, past.clone()


def export(module, vocab, output):
    """Writes the ONNX graph to output."""
    with torch.no_grad():
        torch.onnx.export(
            module, example_inputs(module, vocab), output,
            input_names=["tokens", "past_keys", "past_values"],
            output_names=["logits", "new_keys", "new_values"],
            dynamic_axes={"tokens": {0: "new_tokens"}, "past_keys": {0: "past_positions"},
                          "past_values": {0: "past_positions"}, "new_keys": {0: "new_tokens"},
                          "new_values": {0: "new_tokens"}},
            opset_version=OPSET, do_constant_folding=True)


def reference_logits(kind, source):
    """Float64 reference logits for every position of the check prompt (tests/golden/golden_common.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden"))
    sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
    import golden_common  # sets float64 as torch's default dtype
    torch.set_default_dtype(torch.float32)
    if kind == "hf":
        import hf_decode_step
        return hf_decode_step.reference(source)
    if kind == "llama2c":
        config, weights = golden_common.read_llama2c(source)
        return lambda ids: golden_common.llama2c_forward(config, weights, ids)
    weights, _ = golden_common.read_safetensors(os.path.join(source, "model.safetensors"))
    weights = golden_common.strip_prefix(weights)
    with open(os.path.join(source, "config.json")) as f:
        config = json.load(f)
    config.setdefault("layer_norm_epsilon", 1e-5)
    return lambda ids: golden_common.gpt2_forward(weights, config, ids)


def check(module, kind, source, vocab):
    """Feeds a prompt through the traced graph as prefill (8 tokens), 3 single decode steps and a
    chunk of 3, each with the cache the earlier calls returned, and compares every call's logits
    with the float64 reference. Returns the largest |difference| / max |logit|."""
    traced = torch.jit.trace(module, example_inputs(module, vocab), check_trace=False)
    prompt = [(17 * i + 1) % vocab for i in range(14)]
    expected = reference_logits(kind, source)(prompt)
    calls = [(0, 8), (8, 9), (9, 10), (10, 11), (11, 14)]
    keys = torch.zeros(0, *example_inputs(module, vocab)[1].shape[1:])
    values = keys.clone()
    worst = 0.0
    with torch.no_grad():
        for start, end in calls:
            logits, new_keys, new_values = traced(torch.tensor(prompt[start:end], dtype=torch.int64), keys, values)
            keys, values = torch.cat([keys, new_keys]), torch.cat([values, new_values])
            want = expected[end - 1]
            error = float((logits.to(torch.float64) - want).abs().max() / want.abs().max())
            print(f"  check: tokens {start}..{end - 1} after {start} cached: max |diff| / max |logit| {error:.3g}")
            worst = max(worst, error)
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--llama2c", metavar="CHECKPOINT", help="llama2.c checkpoint (version 0)")
    source.add_argument("--gpt2", metavar="FOLDER", help="Hugging Face GPT-2 folder (model.safetensors, config.json)")
    source.add_argument("--hf", metavar="FOLDER", help="Hugging Face Llama/Mistral/Qwen2/Phi-3 folder (config.json, safetensors)")
    parser.add_argument("--output", required=True, help="the .onnx file to write")
    parser.add_argument("--no-check", action="store_true", help="skip the float64 reference check")
    args = parser.parse_args()

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    kind, path = ("llama2c", args.llama2c) if args.llama2c else ("hf", args.hf) if args.hf else ("gpt2", args.gpt2)
    try:
        if kind == "llama2c":
            config, weights = read_llama2c(path)
            module = LlamaDecodeStep(config, weights)
        elif kind == "hf":
            sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
            import hf_decode_step
            config, weights = hf_decode_step.read_hf(path)
            config["vocab"] = config["vocab_size"]
            module = hf_decode_step.HfDecodeStep(config, weights)
        else:
            config, weights = read_gpt2(path)
            module = Gpt2DecodeStep(config, weights)
    except (OSError, KeyError, ValueError, WeightsError) as error:
        print(f"export_decode_step.py: cannot read the {kind} weights {path}: {error!r}", file=sys.stderr)
        return 2
    module.eval()
    del weights

    export(module, config["vocab"], args.output)
    print(f"exported {path} -> {args.output} (opset {OPSET})")
    if args.no_check:
        return 0
    worst = check(module, kind, path, config["vocab"])
    if worst > CHECK_TOLERANCE:
        os.remove(args.output)
        print(f"export_decode_step.py: the graph differs from the float64 reference by {worst:.3g} "
              f"(tolerance {CHECK_TOLERANCE})", file=sys.stderr)
        return 1
    print(f"check passed: max |diff| / max |logit| {worst:.3g} (tolerance {CHECK_TOLERANCE})")
    return 0


if __name__ == "__main__":
    # hf_decode_step imports this file by name: let it find this module, not a second copy
    # (whose WeightsError main() would not catch).
    sys.modules.setdefault("export_decode_step", sys.modules[__name__])
    sys.exit(main())
