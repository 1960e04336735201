#!/usr/bin/env python3
"""Seeded random Llama models of unusual shapes in the llama2.c checkpoint format, with golden logits.

Format: llama2.c checkpoint version 0 (karpathy/llama2.c export.py `legacy_export`):
28-byte header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
vocab_size, seq_len; vocab_size > 0: classifier shared with the token embedding, < 0: a
separate classifier follows), then float32 tensors, row-major, (out, in) for matrices:
token_embedding [vocab, dim], rms_att [L, dim], wq [L, dim, dim], wk [L, kv_dim, dim],
wv [L, kv_dim, dim], wo [L, dim, dim], rms_ffn [L, dim], w1 [L, hidden, dim],
w2 [L, dim, hidden], w3 [L, hidden, dim], rms_final [dim], freq_cis_real [seq_len, hs/2],
freq_cis_imag [seq_len, hs/2], then wcls [vocab, dim] only when vocab_size < 0.
(kv_dim = n_kv_heads * hs, hs = dim / n_heads; freq_cis_real[p, j] = cos(p * 10000^(-2j/hs)),
freq_cis_imag = sin(...), as model.py's precompute_freqs_cis; run.c ignores them.)

Writes (under tests/Codegen.Tests/Golden/):
  llama-odd-gqa.bin               dim 48, hidden 100, 2 layers, 6 heads (head_size 8), 2 kv heads,
                                  vocab 97, seq_len 40, shared classifier (vocab_size +97)
  llama-odd-gqa-logits.txt
  llama-odd-separate.bin          dim 36, hidden 92, 3 layers, 3 heads (head_size 12), 3 kv heads,
                                  vocab 75, seq_len 24, separate classifier (vocab_size -75)
  llama-odd-separate-logits.txt
  llama-odd-gqa-inspection.txt    the seeded 12-token prompt's attention probabilities (every layer,
                                  head and query) and logit lens (every layer and position), for the
                                  inspecting session's test (golden_common.write_inspection)
Logits files: format in golden_common.py; prompts [1] and a seeded 12-token prompt; logits at
every prompt position; 20 greedy continuation ids, except that a continuation never feeds a
position >= seq_len: at most seq_len - len(prompt) + 1 ids (13 for the 12-token prompt of the
separate model, whose seq_len is 24).

Weights: torch.Generator seeded per model; embedding, attention, FFN and classifier matrices
~ N(0, 0.2); RMSNorm weights ~ 1 + N(0, 0.1). Generated in float64, stored as float32; the
reference reads the stored file back, so the golden logits belong exactly to the stored weights.
The seeds were chosen so that every greedy step's top-2 logit margin is >= MIN_MARGIN (checked).

Reference forward: golden_common.llama2c_forward (float64, llama2.c run.c semantics: RMSNorm
eps 1e-5, interleaved-pair RoPE theta 10000, grouped-query attention with kv head
h // (n_heads / n_kv_heads), SwiGLU FFN). It is validated against the real stories260K
model by check_reference_on_stories260k.py.

Re-run (from the repository root):
    apt-get install -y python3-torch
    /usr/bin/python3 tests/golden/llama_odd_shape.py
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from golden_common import llama2c_forward, make_golden, read_llama2c, to_float32, write_inspection, write_llama2c  # noqa: E402

GREEDY_STEPS = 20
MIN_MARGIN = 1e-3

MODELS = [
    dict(name="llama-odd-gqa", seed=7, prompt_seed=11,
         dim=48, hidden_dim=100, n_layers=2, n_heads=6, n_kv_heads=2, vocab_size=97, seq_len=40,
         shared_classifier=True),
    dict(name="llama-odd-separate", seed=5, prompt_seed=13,
         dim=36, hidden_dim=92, n_layers=3, n_heads=3, n_kv_heads=3, vocab_size=75, seq_len=24,
         shared_classifier=False),
]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "Codegen.Tests", "Golden")


def make_weights(cfg):
    g = torch.Generator().manual_seed(cfg["seed"])
    dim, hid, L = cfg["dim"], cfg["hidden_dim"], cfg["n_layers"]
    hs = dim // cfg["n_heads"]
    kv_dim = cfg["n_kv_heads"] * hs
    V, S = cfg["vocab_size"], cfg["seq_len"]

    def normal(*shape, mean=0.0, std=0.2):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).numpy().astype(np.float32)

    W = {}
    W["tok_embeddings"] = normal(V, dim)
    W["rms_att"] = normal(L, dim, mean=1.0, std=0.1)
    W["wq"] = normal(L, dim, dim)
    W["wk"] = normal(L, kv_dim, dim)
    W["wv"] = normal(L, kv_dim, dim)
    W["wo"] = normal(L, dim, dim)
    W["rms_ffn"] = normal(L, dim, mean=1.0, std=0.1)
    W["w1"] = normal(L, hid, dim)
    W["w2"] = normal(L, dim, hid)
    W["w3"] = normal(L, hid, dim)
    W["rms_final"] = normal(dim, mean=1.0, std=0.1)
    j = np.arange(hs // 2, dtype=np.float64)
    freqs = 1.0 / (10000.0 ** (2 * j / hs))
    angles = np.outer(np.arange(S, dtype=np.float64), freqs)
    W["freq_cis_real"] = np.cos(angles).astype(np.float32)
    W["freq_cis_imag"] = np.sin(angles).astype(np.float32)
    if not cfg["shared_classifier"]:
        W["wcls"] = normal(V, dim)
    return W


def main():
    for m in MODELS:
        path = os.path.join(GOLDEN, m["name"] + ".bin")
        write_llama2c(path, m, make_weights(m))
        cfg, W = read_llama2c(path)
        for k in ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len",
                  "shared_classifier"]:
            assert cfg[k] == m[k], k
        W32 = to_float32(W)
        rng = np.random.default_rng(m["prompt_seed"])
        prompts = [[1], [int(t) for t in rng.integers(0, cfg["vocab_size"], size=12)]]
        hs = cfg["dim"] // cfg["n_heads"]
        min_margin = make_golden(
            os.path.join(GOLDEN, m["name"] + "-logits.txt"),
            [f"{m['name']} (tests/Codegen.Tests/Golden/{m['name']}.bin, llama2.c checkpoint v0) "
             "float64 PyTorch reference logits",
             "generated by tests/golden/llama_odd_shape.py",
             f"dim {cfg['dim']}, hidden_dim {cfg['hidden_dim']}, n_layers {cfg['n_layers']}, "
             f"n_heads {cfg['n_heads']} (head_size {hs}), n_kv_heads {cfg['n_kv_heads']}, "
             f"vocab {cfg['vocab_size']}, seq_len {cfg['seq_len']}, "
             f"{'shared' if cfg['shared_classifier'] else 'separate'} classifier; weight seed {m['seed']}",
             f"second prompt: numpy.random.default_rng({m['prompt_seed']}).integers(0, {cfg['vocab_size']}, size=12)",
             f"greedy: min({GREEDY_STEPS}, seq_len - len(prompt) + 1) ids, so no fed position reaches seq_len"],
            lambda ids: llama2c_forward(cfg, W, ids), prompts,
            lambda p: min(GREEDY_STEPS, cfg["seq_len"] - len(p) + 1), m["name"],
            lambda ids: llama2c_forward(cfg, W32, ids))
        assert min_margin >= MIN_MARGIN, f"{m['name']}: greedy margin {min_margin} < {MIN_MARGIN}; change the seed"
        if m["name"] == "llama-odd-gqa":
            trace = {}
            llama2c_forward(cfg, W, prompts[1], trace=trace)
            inspection = os.path.join(GOLDEN, m["name"] + "-inspection.txt")
            write_inspection(
                inspection,
                [f"{m['name']} float64 PyTorch reference: attention probabilities and logit lens",
                 "generated by tests/golden/llama_odd_shape.py",
                 f"prompt: numpy.random.default_rng({m['prompt_seed']}).integers(0, {cfg['vocab_size']}, size=12)"],
                prompts[1], trace)
            print("wrote", inspection, os.path.getsize(inspection), "bytes")
        print("wrote", path, os.path.getsize(path), "bytes;",
              m["name"] + "-logits.txt", os.path.getsize(os.path.join(GOLDEN, m["name"] + "-logits.txt")), "bytes")


if __name__ == "__main__":
    main()
