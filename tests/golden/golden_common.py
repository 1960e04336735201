"""Shared helpers for the golden-data scripts in tests/golden/.

Not a script by itself; imported by gpt2_tiny_golden.py, gpt2_odd_shape.py,
llama_odd_shape.py and check_reference_on_stories260k.py.

Contents
--------
* A hand-written safetensors reader/writer (F32, BF16 and F16 only), so that no
  extra Python package is needed.
* float32 -> bfloat16 conversion with round-to-nearest-even.
* Two float64 reference forward passes written directly from the published
  model definitions (no `transformers` library):
    - gpt2_forward:  Hugging Face GPT2LMHeadModel (modeling_gpt2.py) semantics.
    - llama2c_forward: karpathy/llama2.c (run.c / model.py) semantics.
  Both recompute the whole sequence every call (no KV cache), which keeps
  them short and obviously correct; the models here are tiny.
* Greedy decoding (argmax, first maximum on ties) and the golden text format.

Golden text format (one item per line):
    # comment
    prompt <ids...>
    position <p> <vocab logits, %.9g>
    ...
    greedy <ids...>
Blocks repeat (one `prompt` line starts each block).

Requires: Debian's python3-torch (brings numpy). Run with /usr/bin/python3.
"""

import json
import math
import struct

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------


def read_safetensors(path):
    """Returns (dict name -> float64 torch tensor, metadata dict).

    Format: u64 little-endian header length N, N bytes of JSON header
    {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
    then the data block; offsets are relative to the start of the data block.
    """
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        shape = info["shape"]
        if info["dtype"] == "F32":
            arr = np.frombuffer(data[b:e], dtype="<f4").astype(np.float64)
        elif info["dtype"] == "BF16":
            u16 = np.frombuffer(data[b:e], dtype="<u2").astype(np.uint32)
            arr = (u16 << 16).view(np.float32).astype(np.float64)
        elif info["dtype"] == "F16":
            arr = np.frombuffer(data[b:e], dtype="<f2").astype(np.float64)
        else:
            raise ValueError(f"{name}: dtype {info['dtype']} not supported here")
        out[name] = torch.from_numpy(arr.reshape(shape).copy())
    return out, meta


def f32_to_bf16_bits(a):
    """float32 array -> uint16 bfloat16 bit patterns, round to nearest, ties to even.
    (No NaN/Inf handling needed: the inputs here are finite.)"""
    a = np.ascontiguousarray(a, dtype=np.float32)
    assert np.all(np.isfinite(a))
    u = a.view(np.uint32).astype(np.uint64)
    rounding_bias = ((u >> 16) & 1) + 0x7FFF
    return ((u + rounding_bias) >> 16).astype(np.uint16)


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: dict name -> numpy float32 array. dtype: 'F32', 'BF16' or 'F16'
    (F16: numpy's float32 -> float16 conversion, round to nearest even).
    Tensors are laid out contiguously in sorted-name order; the JSON header is
    padded with spaces to a multiple of 8 bytes (as the reference library does)."""
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in names:
        a = np.ascontiguousarray(tensors[name], dtype=np.float32)
        if dtype == "F32":
            blob = a.astype("<f4").tobytes()
        elif dtype == "BF16":
            blob = f32_to_bf16_bits(a).astype("<u2").tobytes()
        elif dtype == "F16":
            assert np.all(np.abs(a) < 65504)
            blob = a.astype("<f2").tobytes()
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------------------
# GPT-2 (Hugging Face GPT2LMHeadModel), float64
# ---------------------------------------------------------------------------


def layer_norm(x, w, b, eps):
    """LayerNorm over the last axis: biased variance, eps inside the sqrt."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    """HF 'gelu_new' (tanh approximation): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def strip_prefix(weights, prefix="transformer."):
    return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in weights.items()}


def gpt2_forward(W, cfg, ids, trace=None):
    """W: dict of float64 tensors with HF GPT-2 names (no 'transformer.' prefix).
    cfg: dict with n_embd, n_head, n_layer, layer_norm_epsilon.
    ids: list of token ids (positions 0..T-1). Returns logits [T, vocab] float64.
    Conv1D layers store weight as [in, out], so y = x @ W + b.
    trace (optional dict): filled with what the inspection goldens need (see record_inspection)."""
    n_embd, n_head, n_layer = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    eps = cfg["layer_norm_epsilon"]
    hd = n_embd // n_head
    T = len(ids)
    idx = torch.tensor(ids, dtype=torch.long)
    x = W["wte.weight"][idx] + W["wpe.weight"][torch.arange(T)]           # [T, C]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))                # key j <= query i
    for l in range(n_layer):
        p = f"h.{l}."
        a = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]  # [T, 3C]
        q, k, v = qkv.split(n_embd, dim=-1)
        q = q.view(T, n_head, hd).transpose(0, 1)                          # [H, T, hd]
        k = k.view(T, n_head, hd).transpose(0, 1)
        v = v.view(T, n_head, hd).transpose(0, 1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)                   # [H, T, T]
        scores = scores.masked_fill(~causal, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        att = (probs @ v).transpose(0, 1).reshape(T, n_embd)               # concat heads
        x = x + att @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        h = gelu_new(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        x = x + h @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
        if trace is not None:
            lens = layer_norm(x, W["ln_f.weight"], W["ln_f.bias"], eps) @ W["wte.weight"].T
            record_inspection(trace, probs, lens)
    x = layer_norm(x, W["ln_f.weight"], W["ln_f.bias"], eps)
    return x @ W["wte.weight"].T                                           # tied lm_head


def gpt2_forward_torch_modules(W, cfg, ids):
    """A second, independent GPT-2 forward built from torch.nn building blocks
    (F.layer_norm, nn.MultiheadAttention, F.gelu(approximate='tanh')), used only to
    cross-check gpt2_forward. nn.MultiheadAttention computes x @ in_proj_weight^T, so the
    Conv1D [in, out] weights are passed transposed."""
    import torch.nn.functional as F
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    T = len(ids)
    x = F.embedding(torch.tensor(ids), W["wte.weight"]) + W["wpe.weight"][:T]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)     # True = not allowed
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        mha = torch.nn.MultiheadAttention(C, H, bias=True, dtype=torch.float64)
        with torch.no_grad():
            mha.in_proj_weight.copy_(W[p + "attn.c_attn.weight"].T)
            mha.in_proj_bias.copy_(W[p + "attn.c_attn.bias"])
            mha.out_proj.weight.copy_(W[p + "attn.c_proj.weight"].T)
            mha.out_proj.bias.copy_(W[p + "attn.c_proj.bias"])
            a = F.layer_norm(x, (C,), W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
            att, _ = mha(a[:, None, :], a[:, None, :], a[:, None, :], attn_mask=mask, need_weights=False)
            x = x + att[:, 0, :]
            m = F.layer_norm(x, (C,), W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
            h = F.gelu(F.linear(m, W[p + "mlp.c_fc.weight"].T, W[p + "mlp.c_fc.bias"]), approximate="tanh")
            x = x + F.linear(h, W[p + "mlp.c_proj.weight"].T, W[p + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (C,), W["ln_f.weight"], W["ln_f.bias"], eps)
    return F.linear(x, W["wte.weight"])


def cross_check_gpt2(W, cfg, prompts):
    """Asserts gpt2_forward agrees with gpt2_forward_torch_modules to float64 rounding."""
    for pr in prompts:
        a = gpt2_forward(W, cfg, pr)
        b = gpt2_forward_torch_modules(W, cfg, pr)
        d = float((a - b).abs().max())
        print(f"  cross-check vs torch.nn modules (prompt len {len(pr)}): max |diff| {d:.3g}")
        assert d < 1e-10, d


# ---------------------------------------------------------------------------
# llama2.c checkpoint v0 ("legacy_export") and its float64 forward
# ---------------------------------------------------------------------------


def read_llama2c(path):
    """Returns (cfg dict, dict of float64 tensors). Layout per karpathy/llama2.c
    export.py legacy_export / run.c memory_map_weights."""
    with open(path, "rb") as f:
        raw = f.read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    hs = dim // n_heads
    kv_dim = n_kv * hs
    floats = np.frombuffer(raw[28:], dtype="<f4").astype(np.float64)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = floats[pos:pos + n].reshape(shape)
        pos += n
        return torch.from_numpy(a.copy())

    W = {}
    W["tok_embeddings"] = take(vocab, dim)
    W["rms_att"] = take(n_layers, dim)
    W["wq"] = take(n_layers, dim, dim)
    W["wk"] = take(n_layers, kv_dim, dim)
    W["wv"] = take(n_layers, kv_dim, dim)
    W["wo"] = take(n_layers, dim, dim)
    W["rms_ffn"] = take(n_layers, dim)
    W["w1"] = take(n_layers, hidden, dim)
    W["w2"] = take(n_layers, dim, hidden)
    W["w3"] = take(n_layers, hidden, dim)
    W["rms_final"] = take(dim)
    W["freq_cis_real"] = take(seq_len, hs // 2)
    W["freq_cis_imag"] = take(seq_len, hs // 2)
    W["wcls"] = W["tok_embeddings"] if shared else take(vocab, dim)
    assert pos == len(floats), f"{path}: {len(floats) - pos} trailing floats"
    cfg = dict(dim=dim, hidden_dim=hidden, n_layers=n_layers, n_heads=n_heads,
               n_kv_heads=n_kv, vocab_size=vocab, seq_len=seq_len, shared_classifier=shared)
    return cfg, W


def write_llama2c(path, cfg, W):
    """W: dict of numpy float32 arrays with the names used by read_llama2c."""
    vocab = cfg["vocab_size"] if cfg["shared_classifier"] else -cfg["vocab_size"]
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", cfg["dim"], cfg["hidden_dim"], cfg["n_layers"], cfg["n_heads"],
                            cfg["n_kv_heads"], vocab, cfg["seq_len"]))
        order = ["tok_embeddings", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3",
                 "rms_final", "freq_cis_real", "freq_cis_imag"]
        if not cfg["shared_classifier"]:
            order.append("wcls")
        for name in order:
            f.write(np.ascontiguousarray(W[name], dtype="<f4").tobytes())


def rmsnorm(x, w, eps=1e-5):
    """llama2.c rmsnorm: w * x / sqrt(mean(x^2) + eps) over the last axis."""
    return w * x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps)


def rope(x, positions, head_size, freq=None):
    """Rotary embedding, llama2.c run.c form. x: [T, n_heads_x, head_size].
    For each adjacent pair (i, i+1), i even: freq = 1/10000^(i/head_size),
    angle = pos*freq, (v0, v1) -> (v0 cos - v1 sin, v0 sin + v1 cos).
    freq (optional, [hs/2] float64): other per-pair frequencies (used by hf_families.py)."""
    if freq is None:
        i = torch.arange(0, head_size, 2, dtype=torch.float64)              # even indices
        freq = 1.0 / (10000.0 ** (i / head_size))                          # [hs/2]
    angle = positions.to(torch.float64)[:, None] * freq[None, :]           # [T, hs/2]
    cos = torch.cos(angle)[:, None, :].to(x.dtype)
    sin = torch.sin(angle)[:, None, :].to(x.dtype)
    v0 = x[..., 0::2]
    v1 = x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = v0 * cos - v1 * sin
    out[..., 1::2] = v0 * sin + v1 * cos
    return out


def llama2c_forward(cfg, W, ids, eps=1e-5, freq=None, trace=None):
    """Returns logits [T, vocab] float64 for tokens `ids` at positions 0..T-1.
    trace (optional dict): filled with what the inspection goldens need (see record_inspection).
    Weights are stored (out, in) as in llama2.c, so y = W @ x, i.e. x @ W^T.
    Extensions used only by hf_families.py's rotary-convention check (the defaults are
    llama2.c): eps (RMSNorm), freq (per-pair rotary frequencies, see rope) and optional
    biases W["bq"], W["bk"], W["bv"], W["bo"] ([n_layers, out]) added after the projections."""

    def bias(name, l):
        return W[name][l] if name in W else 0.0

    dim, n_heads, n_kv = cfg["dim"], cfg["n_heads"], cfg["n_kv_heads"]
    hs = dim // n_heads
    group = n_heads // n_kv                                                # query heads per kv head
    T = len(ids)
    if T > cfg["seq_len"]:
        raise ValueError("sequence longer than seq_len")
    positions = torch.arange(T)
    x = W["tok_embeddings"][torch.tensor(ids, dtype=torch.long)]          # [T, dim]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(cfg["n_layers"]):
        xb = rmsnorm(x, W["rms_att"][l], eps)
        q = (xb @ W["wq"][l].T + bias("bq", l)).view(T, n_heads, hs)
        k = (xb @ W["wk"][l].T + bias("bk", l)).view(T, n_kv, hs)
        v = (xb @ W["wv"][l].T + bias("bv", l)).view(T, n_kv, hs)
        q = rope(q, positions, hs, freq)
        k = rope(k, positions, hs, freq)
        att = x.new_empty(T, n_heads, hs)
        probs = x.new_empty(n_heads, T, T)
        for h in range(n_heads):
            kvh = h // group
            s = (q[:, h, :] @ k[:, kvh, :].T) / math.sqrt(hs)             # [T, T]
            s = s.masked_fill(~causal, float("-inf"))
            probs[h] = torch.softmax(s, dim=-1)
            att[:, h, :] = probs[h] @ v[:, kvh, :]
        x = x + att.reshape(T, dim) @ W["wo"][l].T + bias("bo", l)
        xb = rmsnorm(x, W["rms_ffn"][l], eps)
        h1 = xb @ W["w1"][l].T
        h3 = xb @ W["w3"][l].T
        silu = h1 * torch.sigmoid(h1)                                      # silu(x) = x * sigmoid(x)
        x = x + (silu * h3) @ W["w2"][l].T
        if trace is not None:
            record_inspection(trace, probs, rmsnorm(x, W["rms_final"], eps) @ W["wcls"].T)
    x = rmsnorm(x, W["rms_final"], eps)
    return x @ W["wcls"].T


def record_inspection(trace, probs, lens_logits):
    """One layer of an inspection trace: its attention probabilities [heads, query, key] (after the causal
    mask and the softmax) and its logit lens [T, vocab] (the residual after the layer through the final norm
    and the unembedding)."""
    trace.setdefault("attention", []).append(probs.clone())
    trace.setdefault("lens", []).append(lens_logits.clone())


def write_inspection(path, header_comments, prompt, trace):
    """The inspection golden of one prompt: every layer's and head's attention rows and every layer's
    logit lens at every position, as logits (the test takes their softmax)."""
    lines = [f"# {c}" for c in header_comments]
    lines.append("# format: 'prompt <ids>', then 'attention <layer> <head> <query> <T probabilities over keys "
                 "0..T-1>' (zero above the diagonal), then 'lens <layer> <position> <vocab logits>' (the "
                 "residual after the layer through the final norm and the unembedding)")
    lines.append("prompt " + " ".join(str(i) for i in prompt))
    for l, probs in enumerate(trace["attention"]):
        for h in range(probs.shape[0]):
            for q in range(probs.shape[1]):
                lines.append(f"attention {l} {h} {q} " + " ".join("%.9g" % float(v) for v in probs[h, q]))
    for l, lens in enumerate(trace["lens"]):
        for p in range(lens.shape[0]):
            lines.append(f"lens {l} {p} " + " ".join("%.9g" % float(v) for v in lens[p]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# greedy decoding and output
# ---------------------------------------------------------------------------


def argmax_first(row):
    """Index of the first maximum (ties -> lowest index)."""
    m = row.max()
    return int(torch.nonzero(row == m)[0, 0])


def top2_margin(row):
    top = torch.topk(row, 2).values
    return float(top[0] - top[1])


def greedy(forward, prompt, steps):
    """forward(ids) -> logits [T, vocab]. Feeds back the argmax one token at a time,
    recomputing the whole sequence each step. Returns (ids, margins)."""
    ids = list(prompt)
    out, margins = [], []
    for _ in range(steps):
        last = forward(ids)[-1]
        t = argmax_first(last)
        margins.append(top2_margin(last))
        out.append(t)
        ids.append(t)
    return out, margins


def format_block(prompt, logits, greedy_ids):
    lines = ["prompt " + " ".join(str(i) for i in prompt)]
    for p in range(logits.shape[0]):
        lines.append(f"position {p} " + " ".join("%.9g" % float(v) for v in logits[p]))
    lines.append("greedy " + " ".join(str(i) for i in greedy_ids))
    return lines


def to_float32(W):
    """Same weights as float32 tensors (for the float32 cross-check only)."""
    return {k: v.to(torch.float32) for k, v in W.items()}


def make_golden(path, header_comments, forward, prompts, steps_for, description, forward32=None):
    """Computes logits + greedy continuations for each prompt and writes the golden file.
    steps_for(prompt) -> number of greedy steps. Prints margins and scale to stdout.
    forward32 (optional): the same model evaluated in float32; its greedy ids must match
    (a robustness check that float32 implementations can reproduce the greedy line).
    Returns overall minimum greedy margin."""
    body = []
    min_margin = float("inf")
    max_abs = 0.0
    for prompt in prompts:
        logits = forward(prompt)
        steps = steps_for(prompt)
        g, margins = greedy(forward, prompt, steps)
        # margins of the argmax at every prompt position too (informational)
        prompt_margins = [top2_margin(logits[p]) for p in range(logits.shape[0])]
        max_abs = max(max_abs, float(logits.abs().max()))
        if forward32 is not None:
            g32, _ = greedy(forward32, prompt, steps)
            d = float((forward32(prompt).to(torch.float64) - logits).abs().max())
            print(f"  float32 cross-check: greedy ids {'match' if g32 == g else 'DIFFER'}; "
                  f"max |logit32 - logit64| {d:.3g}")
            assert g32 == g, f"float32 greedy ids differ: {g32}"
        mm = min(margins)
        min_margin = min(min_margin, mm)
        print(f"{description}: prompt len {len(prompt)}: greedy {g}")
        print(f"  greedy top-2 margins: " + " ".join("%.4g" % m for m in margins))
        print(f"  min greedy margin {mm:.6g}; min top-2 margin over prompt positions "
              f"{min(prompt_margins):.6g}; max |logit| {float(logits.abs().max()):.6g}")
        body.append(f"# prompt length {len(prompt)}, {steps} greedy steps, "
                    f"min greedy top-2 margin {mm:.6g}, max |logit| at prompt positions "
                    f"{float(logits.abs().max()):.6g}")
        body.extend(format_block(prompt, logits, g))
    print(f"{description}: overall min greedy margin {min_margin:.6g}, max |logit| {max_abs:.6g}")
    lines = [f"# {c}" for c in header_comments]
    lines.append(f"# min greedy top-2 logit margin over all prompts: {min_margin:.6g}")
    lines.append(f"# max |logit| over all prompt positions: {max_abs:.6g}")
    lines.append("# format: 'prompt <ids>', then 'position <p> <logits...>' for p = 0..len-1 "
                 "(logits after feeding prompt[0..p]), then 'greedy <ids>' (argmax, first max "
                 "on ties, fed back one at a time; the last id is not fed)")
    lines.extend(body)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return min_margin
