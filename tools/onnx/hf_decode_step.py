"""The --hf model kind of export_decode_step.py: a Hugging Face Llama-family folder.

Reads config.json and model.safetensors (or the shards that model.safetensors.index.json lists;
F32, BF16 or F16 tensors, read as float32) of a LlamaForCausalLM, MistralForCausalLM,
Qwen2ForCausalLM or Phi3ForCausalLM checkpoint with transformers' tensor names, and builds the
decode-step module for it: RMSNorm (rms_norm_eps), rotary positions in transformers' rotate-half
pairing (dimension i with i + head_dim/2) with rope_theta and rope_scaling (none, linear or llama3),
grouped key/value heads, the family's biases (Qwen2: q/k/v; Llama: q/k/v/o under attention_bias
and gate/up/down under mlp_bias), SwiGLU, a sliding window where the family has one, and a tied
or separate unembedding. The names, shapes, biases, rotary frequencies and window come from
tests/golden/hf_common.py, the float64 forward the graph is checked against.
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from export_decode_step import WeightsError, attend, causal_mask

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden")


def hf_common():
    """tests/golden/hf_common.py (it makes float64 torch's default; this puts float32 back)."""
    if GOLDEN not in sys.path:
        sys.path.insert(0, GOLDEN)
    sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
    import hf_common as module
    torch.set_default_dtype(torch.float32)
    return module


def read_config(folder):
    """config.json with the fields hf_common reads filled in where transformers has defaults."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    model_type = config.get("model_type")
    if model_type not in ("llama", "mistral", "qwen2", "phi3"):
        raise WeightsError(f"{folder}: model_type {model_type!r} is not llama, mistral, qwen2 or phi3")
    if config.get("hidden_act", "silu") != "silu":
        raise WeightsError(f"{folder}: hidden_act {config['hidden_act']!r}; the MLP here is SwiGLU (silu)")
    config.setdefault("num_key_value_heads", config["num_attention_heads"])
    config.setdefault("tie_word_embeddings", False)
    config.setdefault("rope_theta", 10000.0)
    config.setdefault("rope_scaling", None)
    if model_type == "llama":
        config.setdefault("attention_bias", False)
        config.setdefault("mlp_bias", False)
    if model_type == "qwen2":
        config.setdefault("use_sliding_window", False)
    if model_type == "mistral":
        config.setdefault("sliding_window", 4096)
    return config


def safetensors_files(folder):
    """The weight files of a folder: the shards of model.safetensors.index.json, or model.safetensors."""
    index = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index):
        return [os.path.join(folder, "model.safetensors")]
    with open(index) as f:
        weight_map = json.load(f)["weight_map"]
    return [os.path.join(folder, name) for name in sorted(set(weight_map.values()))]


def read_tensors_f32(path):
    """dict name -> float32 tensor of one .safetensors file (memory-mapped, copied one tensor at a time)."""
    with open(path, "rb") as f:
        header_length = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_length).decode("utf-8"))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_length)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            values = raw.view("<f4").astype(np.float32)
        elif info["dtype"] == "BF16":
            values = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] == "F16":
            values = raw.view("<f2").astype(np.float32)
        else:
            raise WeightsError(f"{path}: tensor {name} is {info['dtype']}; F32, BF16 and F16 are supported")
        tensors[name] = torch.from_numpy(values.reshape(info["shape"]))
    return tensors


def read_hf(folder):
    """Returns (config dict, dict name -> float32 tensor), every tensor checked against hf_common's list."""
    config = read_config(folder)
    tensors = {}
    for path in safetensors_files(folder):
        tensors.update(read_tensors_f32(path))
    expected = {name: shape for name, shape, _ in hf_common().expected_tensors(config)}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise WeightsError(f"{folder}: missing tensors {missing[:5]}, unexpected tensors {extra[:5]}")
    for name, shape in expected.items():
        if list(tensors[name].shape) != shape:
            raise WeightsError(f"{folder}: {name} has shape {list(tensors[name].shape)}, the config says {shape}")
    return config, tensors


def window_mask(past, new_tokens, window, group):
    """[group * T, P + T], True where a key is at or before query - window (outside the sliding
    window): query row g*T + i is at position P + i, key column j at position j."""
    queries = (torch.arange(new_tokens) + past).repeat(group)
    keys = torch.arange(past + new_tokens)
    return keys[None, :] <= queries[:, None] - window


class HfDecodeStep(torch.nn.Module):
    """A Hugging Face Llama-family decoder over T new tokens at positions P..P+T-1 with a KV cache.

    Every matrix is kept as [in, out] (transposed once here), so that the graph multiplies by
    initializers as they are and holds each weight once; a tied embedding is kept only as
    [Dim, Vocab]: the unembedding multiplies by it, and tokens are gathered from its columns.
    """

    def __init__(self, config, weights):
        super().__init__()
        common = hf_common()
        self.heads, self.kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
        self.head_dim = common.head_dim(config)
        self.layers = config["num_hidden_layers"]
        self.eps = config["rms_norm_eps"]
        self.hidden_dim = config["intermediate_size"]
        self.tied = config["tie_word_embeddings"]
        self.window = common.sliding_window(config)
        qkv_bias, o_bias, mlp_bias = common.biases(config)
        self.qkv_bias, self.o_bias, self.mlp_bias = qkv_bias, o_bias, mlp_bias
        q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        self.split = [q, kv, kv]
        embedding = weights.pop("model.embed_tokens.weight")
        if self.tied:
            self.register_buffer("embedding_columns", embedding.t().contiguous())         # [Dim, Vocab]
        else:
            self.register_buffer("embedding", embedding)                                   # [Vocab, Dim]
            self.register_buffer("unembedding_columns", weights.pop("lm_head.weight").t().contiguous())
        del embedding
        phi3 = config["model_type"] == "phi3"
        for layer in range(self.layers):
            p = f"model.layers.{layer}."

            def take(name, transpose=True):
                tensor = weights.pop(p + name)
                return tensor.t().contiguous() if transpose else tensor.clone()

            if phi3:
                self.register_buffer(f"qkv_{layer}", take("self_attn.qkv_proj.weight"))
                self.register_buffer(f"gate_up_{layer}", take("mlp.gate_up_proj.weight"))
            else:
                self.register_buffer(f"qkv_{layer}", torch.cat(
                    [take(f"self_attn.{n}_proj.weight") for n in "qkv"], dim=1))
                self.register_buffer(f"gate_up_{layer}", torch.cat(
                    [take("mlp.gate_proj.weight"), take("mlp.up_proj.weight")], dim=1))
                if qkv_bias:
                    self.register_buffer(f"qkv_bias_{layer}", torch.cat(
                        [take(f"self_attn.{n}_proj.bias", False) for n in "qkv"]))
                if mlp_bias:
                    self.register_buffer(f"gate_up_bias_{layer}", torch.cat(
                        [take("mlp.gate_proj.bias", False), take("mlp.up_proj.bias", False)]))
                    self.register_buffer(f"down_bias_{layer}", take("mlp.down_proj.bias", False))
                if o_bias:
                    self.register_buffer(f"output_bias_{layer}", take("self_attn.o_proj.bias", False))
            self.register_buffer(f"output_{layer}", take("self_attn.o_proj.weight"))
            self.register_buffer(f"down_{layer}", take("mlp.down_proj.weight"))
            self.register_buffer(f"attention_norm_{layer}", take("input_layernorm.weight", False))
            self.register_buffer(f"ffn_norm_{layer}", take("post_attention_layernorm.weight", False))
        self.register_buffer("final_norm", weights.pop("model.norm.weight"))
        inverse_frequency, _ = common.rope_inv_freq(config)
        self.register_buffer("inverse_frequency", inverse_frequency.to(torch.float32))

    def weight(self, name, layer):
        return getattr(self, f"{name}_{layer}")

    def norm(self, x, weight):
        """LlamaRMSNorm: weight * x / sqrt(mean(x^2) + eps)."""
        return x / torch.sqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * weight

    def rotate(self, x, heads, cos, sin):
        """Rotary positions on [T, heads * HeadDim] in transformers' rotate-half pairing. Returns [T, heads, HeadDim]."""
        x = x.reshape(-1, heads, self.head_dim)
        half = self.head_dim // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin

    def forward(self, tokens, past_keys, past_values):
        past_length = past_keys.shape[0]
        new_tokens = tokens.shape[0]
        positions = torch.arange(new_tokens) + past_length
        angles = positions.to(torch.float32)[:, None] * self.inverse_frequency[None, :]   # [T, HeadDim/2]
        angles = torch.cat([angles, angles], dim=-1)[:, None, :]                           # [T, 1, HeadDim]
        cos, sin = torch.cos(angles), torch.sin(angles)
        if self.tied:
            x = torch.index_select(self.embedding_columns, 1, tokens).t()                 # [T, Dim]
        else:
            x = self.embedding[tokens]
        scale = 1.0 / math.sqrt(self.head_dim)
        group = self.heads // self.kv_heads
        shape = (self.kv_heads, group, self.head_dim)
        future = causal_mask(new_tokens, group)
        outside, last_outside = None, None
        if self.window is not None:
            outside = window_mask(past_length, new_tokens, self.window, group)            # [group*T, P+T]
            future = future | outside[:, past_length:]
            last_outside = outside.reshape(group, new_tokens, -1)[:, -1]                  # [group, P+T]
        new_keys, new_values = [], []
        for layer in range(self.layers):
            last = layer == self.layers - 1
            normed = self.norm(x, self.weight("attention_norm", layer))
            qkv = torch.matmul(normed, self.weight("qkv", layer))
            if self.qkv_bias:
                qkv = qkv + self.weight("qkv_bias", layer)
            query, key, value = qkv.split(self.split, dim=-1)
            query = self.rotate(query, self.heads, cos, sin)
            key = self.rotate(key, self.kv_heads, cos, sin)
            value = value.reshape(-1, self.kv_heads, self.head_dim)
            new_keys.append(key)
            new_values.append(value)
            if last:
                # Only the last token's logits are wanted: the last layer needs only its row.
                x, query = x[-1:], query[-1:]
                new_mask = None if last_outside is None else last_outside[:, past_length:]
                past_mask = None if last_outside is None else last_outside[:, :past_length]
            else:
                new_mask = future
                past_mask = None if outside is None else outside[:, :past_length]
            mixed = attend(query * scale, key, value, past_keys[:, layer], past_values[:, layer],
                           new_mask, shape, past_mask)
            attended = torch.matmul(mixed, self.weight("output", layer))
            if self.o_bias:
                attended = attended + self.weight("output_bias", layer)
            x = x + attended
            normed = self.norm(x, self.weight("ffn_norm", layer))
            gate_up = torch.matmul(normed, self.weight("gate_up", layer))
            if self.mlp_bias:
                gate_up = gate_up + self.weight("gate_up_bias", layer)
            gate, up = gate_up.split(self.hidden_dim, dim=-1)
            down = torch.matmul(F.silu(gate) * up, self.weight("down", layer))
            if self.mlp_bias:
                down = down + self.weight("down_bias", layer)
            x = x + down
        x = self.norm(x, self.final_norm)
        logits = torch.matmul(x, self.embedding_columns if self.tied else self.unembedding_columns)[0]
        return logits, torch.stack(new_keys, dim=1), torch.stack(new_values, dim=1)


def reference(folder):
    """ids -> float64 logits [T, Vocab] of hf_common.hf_forward on the folder's weights."""
    common = hf_common()
    config = read_config(folder)
    weights = common.read_hf_weights(folder)
    return lambda ids: common.hf_forward(config, weights, ids)
