"""Hugging Face Llama-family helpers for tests/golden/hf_families.py (not a script by itself).

Contents
--------
* expected_tensors(cfg): the exact Hugging Face tensor names and shapes of a
  LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM / Phi3ForCausalLM checkpoint,
  in state_dict order (the order save_pretrained fills shards in).
* write_hf_weights / read_hf_weights: one model.safetensors, or shards
  model-0000k-of-0000n.safetensors plus model.safetensors.index.json.
* rope_inv_freq: default rotary frequencies and transformers' llama3 scaling
  (modeling_rope_utils.py, _compute_llama3_parameters).
* hf_forward: one float64 forward for the four families, written from transformers'
  modeling_llama.py, modeling_mistral.py, modeling_qwen2.py and modeling_phi3.py
  (eager attention). The whole sequence is recomputed on every call (no KV cache).

Family differences handled (everything else is the Llama decoder):
  llama    q/k/v/o biases iff attention_bias; gate/up/down biases iff mlp_bias;
           optional head_dim; rope_scaling (llama3); no sliding window.
  mistral  no biases; sliding window attention when sliding_window is not null.
  qwen2    q/k/v biases, o_proj without bias; sliding window only when use_sliding_window
           (this script only writes use_sliding_window false: full causal attention).
  phi3     fused qkv_proj (q rows, then k rows, then v rows) and gate_up_proj (gate rows,
           then up rows), no biases; sliding window attention when sliding_window is not null.
Sliding window (transformers' masking_utils.sliding_window_overlay, used by Mistral and Phi-3):
query i attends to key j iff i - sliding_window < j <= i, i.e. the last sliding_window
positions including itself.

Numerical note: transformers computes inv_freq, cos and sin in float32 even for a float64
model; here they are float64 (the reference is float64 throughout).
"""

import json
import math
import os
import struct

import numpy as np
import torch

from golden_common import read_safetensors, write_safetensors

torch.set_default_dtype(torch.float64)

DTYPE_BYTES = {"F32": 4, "BF16": 2, "F16": 2}
TORCH_DTYPE_NAME = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}


# ---------------------------------------------------------------------------
# names and shapes
# ---------------------------------------------------------------------------


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def biases(cfg):
    """(q/k/v bias, o_proj bias, mlp bias) per family."""
    mt = cfg["model_type"]
    if mt == "llama":
        return cfg["attention_bias"], cfg["attention_bias"], cfg["mlp_bias"]
    if mt == "qwen2":
        return True, False, False
    assert mt in ("mistral", "phi3"), mt
    return False, False, False


def expected_tensors(cfg):
    """[(name, shape, kind)] in state_dict order; kind is 'matrix', 'norm' or 'bias'.
    nn.Linear stores weight as [out_features, in_features]."""
    C, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KvH, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    qkv_bias, o_bias, mlp_bias = biases(cfg)
    out = [("model.embed_tokens.weight", [V, C], "matrix")]

    def linear(name, n_out, n_in, bias):
        out.append((name + ".weight", [n_out, n_in], "matrix"))
        if bias:
            out.append((name + ".bias", [n_out], "bias"))

    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        if cfg["model_type"] == "phi3":                     # Phi3Attention registers o_proj first
            linear(p + "self_attn.o_proj", C, H * hd, False)
            linear(p + "self_attn.qkv_proj", (H + 2 * KvH) * hd, C, False)
            linear(p + "mlp.gate_up_proj", 2 * I, C, False)
            linear(p + "mlp.down_proj", C, I, False)
        else:
            linear(p + "self_attn.q_proj", H * hd, C, qkv_bias)
            linear(p + "self_attn.k_proj", KvH * hd, C, qkv_bias)
            linear(p + "self_attn.v_proj", KvH * hd, C, qkv_bias)
            linear(p + "self_attn.o_proj", C, H * hd, o_bias)
            linear(p + "mlp.gate_proj", I, C, mlp_bias)
            linear(p + "mlp.up_proj", I, C, mlp_bias)
            linear(p + "mlp.down_proj", C, I, mlp_bias)
        out.append((p + "input_layernorm.weight", [C], "norm"))
        out.append((p + "post_attention_layernorm.weight", [C], "norm"))
    out.append(("model.norm.weight", [C], "norm"))
    if not cfg["tie_word_embeddings"]:
        out.append(("lm_head.weight", [V, C], "matrix"))
    return out


# ---------------------------------------------------------------------------
# checkpoint files
# ---------------------------------------------------------------------------


def write_hf_weights(folder, tensors, dtype, n_shards=1):
    """tensors: list of (name, numpy float32 array) in state_dict order.
    n_shards == 1: model.safetensors. Otherwise model-0000k-of-0000n.safetensors, filled in
    state_dict order with about total/n_shards bytes each (so a layer may straddle two
    shards, as with save_pretrained), and model.safetensors.index.json
    {"metadata": {"total_size": bytes of tensor data}, "weight_map": {name: file}}."""
    if n_shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), dict(tensors), dtype)
        return ["model.safetensors"]
    sizes = [a.size * DTYPE_BYTES[dtype] for _, a in tensors]
    total = sum(sizes)
    shards = [[] for _ in range(n_shards)]
    done = 0
    for (name, a), size in zip(tensors, sizes):
        k = min(n_shards - 1, done * n_shards // total)
        shards[k].append((name, a))
        done += size
    assert all(shards), "a shard would be empty"
    files, weight_map = [], {}
    for k, shard in enumerate(shards):
        fname = f"model-{k + 1:05d}-of-{n_shards:05d}.safetensors"
        write_safetensors(os.path.join(folder, fname), dict(shard), dtype)
        files.append(fname)
        for name, _ in shard:
            weight_map[name] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return files + ["model.safetensors.index.json"]


def read_hf_weights(folder):
    """dict name -> float64 tensor, from model.safetensors or from the index and its shards."""
    index_path = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index_path):
        return read_safetensors(os.path.join(folder, "model.safetensors"))[0]
    with open(index_path) as f:
        index = json.load(f)
    W, total = {}, 0
    for fname in sorted(set(index["weight_map"].values())):
        part, _ = read_safetensors(os.path.join(folder, fname))
        for name in part:
            assert index["weight_map"][name] == fname, name
        W.update(part)
    for fname in sorted(set(index["weight_map"].values())):
        with open(os.path.join(folder, fname), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        total += sum(v["data_offsets"][1] - v["data_offsets"][0] for k, v in header.items() if k != "__metadata__")
    assert total == index["metadata"]["total_size"], (total, index["metadata"])
    assert set(W) == set(index["weight_map"])
    return W


# ---------------------------------------------------------------------------
# rotary embedding (Hugging Face convention)
# ---------------------------------------------------------------------------


def rope_inv_freq(cfg):
    """inv_freq[j] = rope_theta^(-2j/head_dim), j = 0 .. head_dim/2 - 1, then the
    rope_scaling (null, linear, or llama3 as in transformers' _compute_llama3_parameters).
    Returns (inv_freq [head_dim/2] float64, regime per pair)."""
    hd = head_dim(cfg)
    inv_freq = 1.0 / cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    rs = cfg.get("rope_scaling")
    if rs is None:
        return inv_freq, ["unscaled"] * (hd // 2)
    if rs["rope_type"] == "linear":
        # transformers' _compute_linear_scaling_rope_parameters: every frequency divided by the factor.
        return inv_freq / rs["factor"], ["linear"] * (hd // 2)
    assert rs["rope_type"] == "llama3", rs
    factor = rs["factor"]
    low_freq_factor, high_freq_factor = rs["low_freq_factor"], rs["high_freq_factor"]
    old_context_len = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    # wavelen < high_freq_wavelen: unchanged; wavelen > low_freq_wavelen: divided by factor
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    # otherwise: interpolated between the two with a smooth factor
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
    inv_freq_llama = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    regimes = ["smoothed" if m else ("scaled" if w > low_freq_wavelen else "unchanged")
               for m, w in zip(is_medium_freq.tolist(), wavelen.tolist())]
    return inv_freq_llama, regimes


def rotate_half(x):
    """Dimension i pairs with i + head_dim/2: (x1, x2) -> (-x2, x1)."""
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x, inv_freq):
    """x: [T, heads, head_dim] at positions 0..T-1; x * cos + rotate_half(x) * sin with
    cos/sin of cat(freqs, freqs), freqs[t, j] = t * inv_freq[j] (attention_scaling is 1.0
    for the default and llama3 rope types)."""
    T = x.shape[0]
    freqs = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]   # [T, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)                                       # [T, hd]
    cos = emb.cos()[:, None, :].to(x.dtype)
    sin = emb.sin()[:, None, :].to(x.dtype)
    return x * cos + rotate_half(x) * sin


# ---------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------


def rms_norm(x, w, eps):
    """LlamaRMSNorm: weight * x / sqrt(mean(x^2) + eps) over the last axis."""
    return w * (x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps))


def linear(x, W, name, bias):
    """nn.Linear: x @ weight^T (+ bias). The bias flag comes from the config; a stored bias
    that the config does not announce is an error."""
    y = x @ W[name + ".weight"].T
    if bias:
        return y + W[name + ".bias"]
    assert name + ".bias" not in W, name
    return y


def sliding_window(cfg):
    """The attention window (same for every layer here) or None for full causal attention."""
    mt = cfg["model_type"]
    if mt == "llama":
        return None
    if mt == "qwen2":
        # Qwen2Config keeps sliding_window only when use_sliding_window (and then only for
        # layers >= max_window_layers); the cases here have use_sliding_window false.
        assert cfg["use_sliding_window"] is False
        return None
    assert mt in ("mistral", "phi3"), mt
    return cfg.get("sliding_window")


def attention_allowed(T, window):
    """[T, T] bool, allowed[i, j]: key j <= query i and, with a window, j > i - window."""
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = j <= i
    if window is not None:
        allowed &= j > i - window
    return allowed


def hf_forward(cfg, W, ids, window="config"):
    """Logits [T, vocab] for tokens `ids` at positions 0..T-1 (float64 if W is float64).
    cfg: the Hugging Face config.json dict. W: dict name -> tensor with the HF names.
    window: 'config' (the family's semantics) or an explicit int / None (diagnostics only)."""
    C, L, eps = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["rms_norm_eps"]
    H, KvH, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    qkv_bias, o_bias, mlp_bias = biases(cfg)
    phi3 = cfg["model_type"] == "phi3"
    T = len(ids)
    if T > cfg["max_position_embeddings"]:
        raise ValueError("sequence longer than max_position_embeddings")
    inv_freq, _ = rope_inv_freq(cfg)
    allowed = attention_allowed(T, sliding_window(cfg) if window == "config" else window)
    x = W["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]          # [T, C]
    for l in range(L):
        p = f"model.layers.{l}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        if phi3:   # Phi3Attention: qkv = qkv_proj(x); q, k, v = the first H*hd, next KvH*hd, last KvH*hd
            q, k, v = linear(a, W, p + "self_attn.qkv_proj", False).split([H * hd, KvH * hd, KvH * hd], dim=-1)
        else:
            q = linear(a, W, p + "self_attn.q_proj", qkv_bias)
            k = linear(a, W, p + "self_attn.k_proj", qkv_bias)
            v = linear(a, W, p + "self_attn.v_proj", qkv_bias)
        q = apply_rotary(q.reshape(T, H, hd), inv_freq)
        k = apply_rotary(k.reshape(T, KvH, hd), inv_freq)
        v = v.reshape(T, KvH, hd)
        k = k.repeat_interleave(H // KvH, dim=1)          # repeat_kv: query head h uses kv head h // (H / KvH)
        v = v.repeat_interleave(H // KvH, dim=1)
        scores = torch.einsum("ihd,jhd->hij", q, k) / math.sqrt(hd)                   # [H, T, T]
        scores = scores.masked_fill(~allowed, float("-inf"))
        att = torch.einsum("hij,jhd->ihd", torch.softmax(scores, dim=-1), v).reshape(T, H * hd)
        x = x + linear(att, W, p + "self_attn.o_proj", o_bias)
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        if phi3:   # Phi3MLP: gate, up = gate_up_proj(x).chunk(2)
            gate, up = linear(m, W, p + "mlp.gate_up_proj", False).chunk(2, dim=-1)
        else:
            gate = linear(m, W, p + "mlp.gate_proj", mlp_bias)
            up = linear(m, W, p + "mlp.up_proj", mlp_bias)
        x = x + linear(gate * torch.sigmoid(gate) * up, W, p + "mlp.down_proj", mlp_bias)   # silu(gate) * up
    x = rms_norm(x, W["model.norm.weight"], eps)
    lm_head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return x @ lm_head.T
