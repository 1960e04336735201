#!/usr/bin/env python3
"""Seeded random Hugging Face Llama-family checkpoints of unusual shapes, with float64 golden logits.

For each case below, writes under tests/Codegen.Tests/Golden/hf/<case>/:
  config.json                 a Hugging Face config for the architecture (keys sorted, indent 2)
  model.safetensors           the weights with the exact Hugging Face names and layouts, or
  model-0000k-of-00002.safetensors + model.safetensors.index.json   (sharded case)
  <case>-logits.txt           float64 reference logits (format: golden_common.py / README.md)

Cases (head_dim = hidden / heads):
  llama-hf                    LlamaForCausalLM, hidden 48, 6 heads, 2 kv heads (head_dim 8),
                              intermediate 100, 2 layers, vocab 97, max_position_embeddings 40,
                              rope_theta 10000, eps 1e-5, untied (lm_head.weight), F32, no biases
  llama-hf-bias-bf16-sharded  LlamaForCausalLM, attention_bias true (q,k,v,o biases), tied,
                              hidden 36, 3 heads, 1 kv head (head_dim 12), intermediate 92,
                              3 layers, vocab 75, max_position_embeddings 24, eps 1e-6,
                              rope_theta 500000, llama3 rope_scaling (factor 8, low 1, high 4,
                              original_max_position_embeddings 64), BF16, 2 shards + index
  mistral-window              MistralForCausalLM, hidden 40, 4 heads, 2 kv heads (head_dim 10),
                              intermediate 72, 2 layers, vocab 89, max_position_embeddings 32,
                              sliding_window 5, untied, F16
  qwen2                       Qwen2ForCausalLM, q/k/v biases (o_proj none), hidden 56, 4 heads,
                              2 kv heads (head_dim 14), intermediate 120, 2 layers, vocab 101,
                              max_position_embeddings 36, rope_theta 1e6, eps 1e-6, tied,
                              use_sliding_window false (sliding_window 4 is present and ignored)
  phi3                        Phi3ForCausalLM, fused qkv_proj / gate_up_proj, hidden 48, 4 heads,
                              4 kv heads (head_dim 12), intermediate 80, 2 layers, vocab 83,
                              max_position_embeddings 30, sliding_window 29, untied, F32

Prompts: [1] and numpy.random.default_rng(prompt_seed).integers(0, vocab, size=12); logits at
every prompt position; min(20, max_position_embeddings - len(prompt) + 1) greedy ids, so no
fed position reaches max_position_embeddings.

Weights: torch.Generator seeded per case, drawn in state_dict order; matrices (embedding,
projections, lm_head) ~ N(0, 0.2), RMSNorm weights ~ 1 + N(0, 0.1), biases ~ N(0, 0.1).
Generated in float64, rounded to float32, then stored as F32, BF16 (round to nearest even) or
F16 (numpy, round to nearest even); the reference reads the stored files back, so the golden
logits belong exactly to the stored values. Every greedy step has a top-2 logit margin
>= MIN_MARGIN = 1e-3 (asserted), and float32 evaluation reproduces the greedy ids (asserted).
The seeds were picked with `--search` (seeds 1..120) for a minimum margin >= 0.04 and at least
8 distinct greedy ids per prompt (no constant continuations). For phi3 (window 29 with
max_position_embeddings 30, so the window masks key 0 only at position 29) the seed also makes
the last greedy id of the second prompt depend on the window (asserted for both window cases).

Reference forward: hf_common.hf_forward (float64; rotate_half rotary, llama3 scaling, RMSNorm,
grouped-query attention, SiLU-gated MLP; sliding window i - w < j <= i for Mistral and Phi-3).
Independent check of the rotary convention (prints, writes nothing): the q/k rows (and
biases) of each head are permuted from rotate-half order to adjacent-pair order (new row 2j <-
old row j, new row 2j+1 <- old row j + head_dim/2) and golden_common.llama2c_forward (llama2.c
interleaved-pair rotary) must give the same logits to 1e-12 (llama-hf, the bias/bf16 case, qwen2).
A second, differently written forward (second_forward: per-head loops, complex-number rotary,
element-by-element mask) must agree with hf_forward to 1e-12 on all five cases.

Re-run (from the repository root):
    apt-get install -y python3-torch
    /usr/bin/python3 tests/golden/hf_families.py            # writes everything
    /usr/bin/python3 tests/golden/hf_families.py --search   # seed table (margins etc., seeds 1..120; ~2 min), writes nothing
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from golden_common import f32_to_bf16_bits, bf16_bits_to_f32, greedy, llama2c_forward, make_golden, to_float32  # noqa: E402
from hf_common import (TORCH_DTYPE_NAME, attention_allowed, expected_tensors, head_dim, hf_forward,  # noqa: E402
                       read_hf_weights, rope_inv_freq, sliding_window, write_hf_weights)

GREEDY_STEPS = 20
MIN_MARGIN = 1e-3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "Codegen.Tests", "Golden", "hf")


def common(arch, model_type, C, I, H, KvH, L, V, P, eps, theta, tied, dtype):
    return {"architectures": [arch], "model_type": model_type, "hidden_size": C, "intermediate_size": I,
            "num_attention_heads": H, "num_key_value_heads": KvH, "num_hidden_layers": L,
            "vocab_size": V, "max_position_embeddings": P, "rms_norm_eps": eps, "rope_theta": theta,
            "tie_word_embeddings": tied, "hidden_act": "silu", "torch_dtype": TORCH_DTYPE_NAME[dtype],
            "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02,
            "use_cache": True, "transformers_version": "4.46.0"}


def llama(C, I, H, KvH, L, V, P, eps, theta, tied, dtype, bias, rope_scaling=None):
    cfg = common("LlamaForCausalLM", "llama", C, I, H, KvH, L, V, P, eps, theta, tied, dtype)
    cfg.update({"attention_bias": bias, "mlp_bias": False, "head_dim": C // H, "pretraining_tp": 1,
                "rope_scaling": rope_scaling})
    return cfg


CASES = [
    dict(name="llama-hf", seed=98, prompt_seed=21, dtype="F32", shards=1,
         config=llama(48, 100, 6, 2, 2, 97, 40, 1e-5, 10000.0, False, "F32", bias=False)),
    dict(name="llama-hf-bias-bf16-sharded", seed=20, prompt_seed=22, dtype="BF16", shards=2,
         config=llama(36, 92, 3, 1, 3, 75, 24, 1e-6, 500000.0, True, "BF16", bias=True,
                      rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 64})),
    dict(name="llama-linear", seed=7, prompt_seed=26, dtype="F32", shards=1,
         config=llama(40, 84, 5, 5, 2, 71, 28, 1e-5, 10000.0, True, "F32", bias=False,
                      rope_scaling={"rope_type": "linear", "factor": 4.0})),
    dict(name="mistral-window", seed=3, prompt_seed=23, dtype="F16", shards=1,
         config={**common("MistralForCausalLM", "mistral", 40, 72, 4, 2, 2, 89, 32, 1e-5, 10000.0, False, "F16"),
                 "sliding_window": 5}),
    dict(name="qwen2", seed=12, prompt_seed=24, dtype="F32", shards=1,
         config={**common("Qwen2ForCausalLM", "qwen2", 56, 120, 4, 2, 2, 101, 36, 1e-6, 1000000.0, True, "F32"),
                 "use_sliding_window": False, "sliding_window": 4, "max_window_layers": 2, "rope_scaling": None}),
    dict(name="phi3", seed=84, prompt_seed=25, dtype="F32", shards=1,
         config={**common("Phi3ForCausalLM", "phi3", 48, 80, 4, 4, 2, 83, 30, 1e-5, 10000.0, False, "F32"),
                 "sliding_window": 29, "rope_scaling": None, "original_max_position_embeddings": 30,
                 "attention_bias": False, "embd_pdrop": 0.0, "resid_pdrop": 0.0, "pad_token_id": 0}),
]


def make_weights(cfg, seed):
    """[(name, float32 numpy array)] in state_dict order."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for name, shape, kind in expected_tensors(cfg):
        mean, std = {"matrix": (0.0, 0.2), "norm": (1.0, 0.1), "bias": (0.0, 0.1)}[kind]
        a = torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean
        out.append((name, a.numpy().astype(np.float32)))
    return out


def stored_values(a, dtype):
    """What the file holds for float32 array a, as float64."""
    if dtype == "F32":
        return a.astype(np.float64)
    if dtype == "BF16":
        return bf16_bits_to_f32(f32_to_bf16_bits(a)).astype(np.float64)
    return a.astype(np.float16).astype(np.float64)


def build(case, folder):
    """Writes config + weights into folder, reads them back; returns (cfg, W float64, files)."""
    cfg = case["config"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    tensors = make_weights(cfg, case["seed"])
    files = write_hf_weights(folder, tensors, case["dtype"], case["shards"])
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    W = read_hf_weights(folder)
    shapes = {n: s for n, s, _ in expected_tensors(cfg)}
    assert set(W) == set(shapes), set(W) ^ set(shapes)
    for name, a in tensors:
        assert list(W[name].shape) == shapes[name], name
        assert np.array_equal(W[name].numpy(), stored_values(a, case["dtype"])), name
    return cfg, W, ["config.json"] + files


def prompts_for(case, cfg):
    rng = np.random.default_rng(case["prompt_seed"])
    return [[1], [int(t) for t in rng.integers(0, cfg["vocab_size"], size=12)]]


def steps_for(cfg):
    return lambda p: min(GREEDY_STEPS, cfg["max_position_embeddings"] - len(p) + 1)


def min_margin_and_f32(cfg, W, prompts):
    W32 = to_float32(W)
    worst, same = float("inf"), True
    for p in prompts:
        n = steps_for(cfg)(p)
        g, m = greedy(lambda ids: hf_forward(cfg, W, ids), p, n)
        g32, _ = greedy(lambda ids: hf_forward(cfg, W32, ids), p, n)
        worst, same = min(worst, min(m)), same and g == g32
    return worst, same


# ---------------------------------------------------------------------------
# independent rotary-convention check against the llama2.c (adjacent-pair) forward
# ---------------------------------------------------------------------------


def to_adjacent_pairs(w, n_heads, hd):
    """Rows of each head reordered: new row 2j <- old row j, new row 2j+1 <- old row j + hd/2.
    w: [n_heads * hd, ...] or [n_heads * hd]."""
    perm = torch.empty(hd, dtype=torch.long)
    perm[0::2] = torch.arange(hd // 2)
    perm[1::2] = torch.arange(hd // 2) + hd // 2
    full = torch.cat([h * hd + perm for h in range(n_heads)])
    return w[full]


def rotary_convention_check(cfg, W, ids):
    """Max |hf_forward - llama2c_forward on permuted weights| over the sequence `ids`."""
    assert cfg["model_type"] in ("llama", "qwen2") and sliding_window(cfg) is None
    assert not cfg.get("mlp_bias", False)
    H, KvH, hd, L = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg), cfg["num_hidden_layers"]

    def stack(suffix, perm_heads=None):
        ts = [W[f"model.layers.{l}.{suffix}"] for l in range(L)]
        if perm_heads is not None:
            ts = [to_adjacent_pairs(t, perm_heads, hd) for t in ts]
        return torch.stack(ts)

    V = {"tok_embeddings": W["model.embed_tokens.weight"],
         "rms_att": stack("input_layernorm.weight"), "rms_ffn": stack("post_attention_layernorm.weight"),
         "wq": stack("self_attn.q_proj.weight", H), "wk": stack("self_attn.k_proj.weight", KvH),
         "wv": stack("self_attn.v_proj.weight"), "wo": stack("self_attn.o_proj.weight"),
         "w1": stack("mlp.gate_proj.weight"), "w3": stack("mlp.up_proj.weight"), "w2": stack("mlp.down_proj.weight"),
         "rms_final": W["model.norm.weight"],
         "wcls": W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]}
    if "model.layers.0.self_attn.q_proj.bias" in W:
        V["bq"] = stack("self_attn.q_proj.bias", H)
        V["bk"] = stack("self_attn.k_proj.bias", KvH)
        V["bv"] = stack("self_attn.v_proj.bias")
    if "model.layers.0.self_attn.o_proj.bias" in W:
        V["bo"] = stack("self_attn.o_proj.bias")
    c2 = dict(dim=cfg["hidden_size"], n_heads=H, n_kv_heads=KvH, n_layers=L,
              seq_len=cfg["max_position_embeddings"])
    assert c2["dim"] == H * hd
    a = hf_forward(cfg, W, ids)
    b = llama2c_forward(c2, V, ids, eps=cfg["rms_norm_eps"], freq=rope_inv_freq(cfg)[0])
    return float((a - b).abs().max())


def second_forward(cfg, W, ids):
    """A second, differently written forward, only to cross-check hf_forward: per-head loops,
    rotary as complex multiplication of (x[j] + i x[j + hd/2]) by exp(i pos inv_freq[j]), an
    additive mask built element by element, torch.nn.functional.linear / silu / softmax."""
    import torch.nn.functional as F
    C, H, KvH, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    eps, T = cfg["rms_norm_eps"], len(ids)
    w = sliding_window(cfg)
    mask = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            if j > i or (w is not None and i - j >= w):
                mask[i, j] = float("-inf")
    rot = torch.polar(torch.ones(T, hd // 2), torch.arange(T, dtype=torch.float64)[:, None] * rope_inv_freq(cfg)[0])

    def rotary(x):                                   # x [T, hd]
        z = torch.complex(x[:, : hd // 2], x[:, hd // 2:]) * rot
        return torch.cat([z.real, z.imag], dim=-1)

    def lin(x, name):
        return F.linear(x, W[name + ".weight"], W.get(name + ".bias"))

    def norm(x, name):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * W[name]

    x = F.embedding(torch.tensor(ids), W["model.embed_tokens.weight"])
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = norm(x, p + "input_layernorm.weight")
        if cfg["model_type"] == "phi3":
            qkv = lin(a, p + "self_attn.qkv_proj")
            q, k, v = qkv[:, : H * hd], qkv[:, H * hd: (H + KvH) * hd], qkv[:, (H + KvH) * hd:]
        else:
            q, k, v = (lin(a, p + f"self_attn.{n}_proj") for n in "qkv")
        heads = []
        for h in range(H):
            g = h * KvH // H                             # = h // (H / KvH)
            qh = rotary(q[:, h * hd:(h + 1) * hd])
            kh = rotary(k[:, g * hd:(g + 1) * hd])
            probs = F.softmax(qh @ kh.T * hd ** -0.5 + mask, dim=-1)
            heads.append(probs @ v[:, g * hd:(g + 1) * hd])
        x = x + lin(torch.cat(heads, dim=-1), p + "self_attn.o_proj")
        m = norm(x, p + "post_attention_layernorm.weight")
        if cfg["model_type"] == "phi3":
            gu = lin(m, p + "mlp.gate_up_proj")
            gate, up = gu[:, : cfg["intermediate_size"]], gu[:, cfg["intermediate_size"]:]
        else:
            gate, up = lin(m, p + "mlp.gate_proj"), lin(m, p + "mlp.up_proj")
        x = x + lin(F.silu(gate) * up, p + "mlp.down_proj")
    x = norm(x, "model.norm.weight")
    return F.linear(x, W["lm_head.weight" if "lm_head.weight" in W else "model.embed_tokens.weight"])


# ---------------------------------------------------------------------------


def describe(case, cfg, W, prompts):
    """Header comment lines for the golden file (also printed)."""
    hd = head_dim(cfg)
    name = case["name"]
    lines = [f"{name} (tests/Codegen.Tests/Golden/hf/{name}/, {cfg['architectures'][0]}, "
             f"{case['dtype']} weights{', 2 shards + model.safetensors.index.json' if case['shards'] > 1 else ''}) "
             "float64 PyTorch reference logits",
             "generated by tests/golden/hf_families.py (forward: tests/golden/hf_common.py hf_forward)",
             f"hidden {cfg['hidden_size']}, heads {cfg['num_attention_heads']} (head_dim {hd}), "
             f"kv heads {cfg['num_key_value_heads']}, intermediate {cfg['intermediate_size']}, "
             f"layers {cfg['num_hidden_layers']}, vocab {cfg['vocab_size']}, "
             f"max_position_embeddings {cfg['max_position_embeddings']}, rms_norm_eps {cfg['rms_norm_eps']}, "
             f"rope_theta {cfg['rope_theta']}, {'tied' if cfg['tie_word_embeddings'] else 'untied (lm_head.weight)'}; "
             f"weight seed {case['seed']}",
             f"second prompt: numpy.random.default_rng({case['prompt_seed']}).integers(0, {cfg['vocab_size']}, size=12)",
             f"greedy: min({GREEDY_STEPS}, max_position_embeddings - len(prompt) + 1) ids, so no fed position "
             "reaches max_position_embeddings",
             f"logits computed from the stored {case['dtype']} values (read back from the files as float64)"]
    mt = cfg["model_type"]
    if mt == "llama":
        lines.append(f"attention_bias {str(cfg['attention_bias']).lower()} (q, k, v and o_proj biases when true), "
                     "mlp_bias false")
    if mt == "qwen2":
        lines.append("q/k/v_proj with bias, o_proj without; use_sliding_window false, so the config's "
                     f"sliding_window {cfg['sliding_window']} is NOT applied (full causal attention)")
    if mt == "phi3":
        lines.append("fused self_attn.qkv_proj [(H + 2 KvH) * head_dim, hidden] = q rows, k rows, v rows; "
                     "mlp.gate_up_proj [2 * intermediate, hidden] = gate rows, up rows")
    w = sliding_window(cfg)
    if w is not None:
        lines.append(f"sliding window {w}: query position i attends to key positions j with i - {w} < j <= i "
                     f"(the last {w} positions including itself), as transformers' sliding_window_overlay "
                     "(kv_idx > q_idx - sliding_window) with the causal mask")
    if mt == "phi3":
        lines.append(f"with max_position_embeddings {cfg['max_position_embeddings']} the window {w} masks a key only "
                     f"at position {w} (key 0), i.e. only in the last greedy step of the second prompt; the seed was "
                     "chosen so that this last greedy id differs from full causal attention's")
    if cfg.get("rope_scaling", {}) and cfg["rope_scaling"]["rope_type"] == "linear":
        inv, _ = rope_inv_freq(cfg)
        lines.append(f"rope_scaling linear: factor {cfg['rope_scaling']['factor']}, every inv_freq divided by it: "
                     + ", ".join(f"{j} {float(f):.9g}" for j, f in enumerate(inv)))
    elif cfg.get("rope_scaling"):
        inv, regimes = rope_inv_freq(cfg)
        rs = cfg["rope_scaling"]
        lines.append(f"original_max_position_embeddings {rs['original_max_position_embeddings']} > "
                     f"max_position_embeddings {cfg['max_position_embeddings']} on purpose (head_dim 12 needs > 25 "
                     "for an unchanged pair; transformers only logs a warning)")
        lines.append(f"rope_scaling llama3: factor {rs['factor']}, low_freq_factor {rs['low_freq_factor']}, "
                     f"high_freq_factor {rs['high_freq_factor']}, original_max_position_embeddings "
                     f"{rs['original_max_position_embeddings']}; per rotary pair j (dims j, j + {hd // 2}): "
                     + ", ".join(f"{j} {r} {float(f):.9g}" for j, (r, f) in enumerate(zip(regimes, inv))))
    return lines


def diagnostics(case, cfg, W, prompts):
    """Prints what the window / rope scaling / ignored fields change, and the rotary check."""
    name = case["name"]
    long_ids = prompts[1] + greedy(lambda ids: hf_forward(cfg, W, ids), prompts[1], steps_for(cfg)(prompts[1]))[0][:-1]
    T = len(long_ids)
    base = hf_forward(cfg, W, long_ids)
    w = sliding_window(cfg)
    if w is not None:
        full = hf_forward(cfg, W, long_ids, window=None)
        diff = (base - full).abs().max(dim=-1).values
        first = int(torch.nonzero(diff > 0)[0, 0]) if bool((diff > 0).any()) else None
        print(f"  {name}: second prompt + its greedy ids ({T} positions): sliding window {w} changes the "
              f"logits from position {first} on (max |diff| vs full causal {float(diff.max()):.3g}); "
              f"keys masked by the window at the last position: {int((~attention_allowed(T, w))[-1].sum())}")
        assert first == w, "the window should first bite at position == window"
        n = steps_for(cfg)(prompts[1])
        g = greedy(lambda ids: hf_forward(cfg, W, ids), prompts[1], n)[0]
        g_full = greedy(lambda ids: hf_forward(cfg, W, ids, window=None), prompts[1], n)[0]
        print(f"  {name}: second prompt's greedy ids without the window: {g_full} "
              f"({'same' if g_full == g else 'different'}; with the window: {g})")
        assert g_full != g, "the seed should make the window visible in the greedy ids"
    if cfg["model_type"] == "qwen2":
        applied = hf_forward(cfg, W, long_ids, window=cfg["sliding_window"])
        print(f"  {name}: if sliding_window {cfg['sliding_window']} were (wrongly) applied, logits would move "
              f"by up to {float((applied - base).abs().max()):.3g}")
    if cfg.get("rope_scaling"):
        inv, regimes = rope_inv_freq(cfg)
        plain = dict(cfg, rope_scaling=None)
        inv0, _ = rope_inv_freq(plain)
        for j, (r, a, b) in enumerate(zip(regimes, inv0, inv)):
            print(f"  {name}: rotary pair {j}: wavelength {2 * np.pi / float(a):.6g}, inv_freq {float(a):.9g} -> "
                  f"{float(b):.9g} ({r})")
        assert set(regimes) == {"unchanged", "smoothed", "scaled"}, regimes
        moved = float((hf_forward(plain, W, long_ids) - base).abs().max())
        print(f"  {name}: without rope_scaling the logits would move by up to {moved:.3g}")
    d = float((second_forward(cfg, W, long_ids) - base).abs().max())
    print(f"  {name}: cross-check vs second_forward (complex rotary, per-head loops): max |diff| {d:.3g} "
          f"over {T} positions")
    assert d < 1e-12, d
    if cfg["model_type"] in ("llama", "qwen2"):
        d = rotary_convention_check(cfg, W, long_ids)
        print(f"  {name}: rotary convention check (q/k rows permuted to adjacent pairs, llama2c_forward): "
              f"max |diff| {d:.3g} over {T} positions")
        assert d < 1e-12, d


def search(n_seeds=120):
    """Prints, per case and seed 1..n_seeds: the min greedy margin, the number of distinct greedy
    ids per prompt, whether float32 gives the same greedy ids and, for sliding-window cases,
    whether the window changes the second prompt's greedy ids. The seeds in CASES were picked
    from this list: margin >= 0.04, >= 8 distinct ids per prompt (no constant continuations),
    and for phi3 a window-dependent greedy line."""
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(1, n_seeds + 1):
                cfg, W, _ = build(dict(case, seed=seed), tmp)
                prompts = prompts_for(case, cfg)
                m, same = min_margin_and_f32(cfg, W, prompts)
                gs = [greedy(lambda ids: hf_forward(cfg, W, ids), p, steps_for(cfg)(p))[0] for p in prompts]
                line = (f"{case['name']}: seed {seed}: min greedy margin {m:.4g}, distinct greedy ids "
                        f"{[len(set(g)) for g in gs]}, float32 greedy {'same' if same else 'DIFFERENT'}")
                if sliding_window(cfg) is not None:
                    full = greedy(lambda ids: hf_forward(cfg, W, ids, window=None), prompts[1], len(gs[1]))[0]
                    line += f", window changes greedy ids: {full != gs[1]}"
                print(line, flush=True)


def main():
    if "--search" in sys.argv:
        search()
        return
    for case in CASES:
        folder = os.path.join(GOLDEN, case["name"])
        cfg, W, files = build(case, folder)
        prompts = prompts_for(case, cfg)
        header = describe(case, cfg, W, prompts)
        logits_name = case["name"] + "-logits.txt"
        min_margin = make_golden(
            os.path.join(folder, logits_name), header,
            lambda ids: hf_forward(cfg, W, ids), prompts, steps_for(cfg), case["name"],
            lambda ids, W32=to_float32(W): hf_forward(cfg, W32, ids))
        assert min_margin >= MIN_MARGIN, f"{case['name']}: greedy margin {min_margin} < {MIN_MARGIN}; change the seed"
        diagnostics(case, cfg, W, prompts)
        for fname in files + [logits_name]:
            print(f"  wrote hf/{case['name']}/{fname} ({os.path.getsize(os.path.join(folder, fname))} bytes)")


if __name__ == "__main__":
    main()
