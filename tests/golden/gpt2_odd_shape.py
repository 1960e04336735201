#!/usr/bin/env python3
"""A seeded random GPT-2 of an unusual shape, in Hugging Face safetensors form, with golden logits.

Shape: n_embd 60, n_head 5 (head_dim 12), n_layer 2, vocab 113, n_positions 48,
n_inner 150 (deliberately not 4 * n_embd), gelu_new, layer_norm_epsilon 1e-5,
lm_head tied to wte.

Writes (all under tests/Codegen.Tests/Golden/):
  gpt2-odd/model.safetensors       F32. Every name is prefixed with "transformer."
                                   (wte.weight [113,60], wpe.weight [48,60],
                                   h.{i}.ln_1.weight/bias [60],
                                   h.{i}.attn.c_attn.weight [60,180] / bias [180],
                                   h.{i}.attn.c_proj.weight [60,60] / bias [60],
                                   h.{i}.ln_2.weight/bias [60],
                                   h.{i}.mlp.c_fc.weight [60,150] / bias [150],
                                   h.{i}.mlp.c_proj.weight [150,60] / bias [60],
                                   ln_f.weight/bias [60]) plus, per layer, the old-export
                                   buffer h.{i}.attn.bias [1,1,48,48] = lower-triangular ones
                                   (float32), which a loader must ignore.
                                   Conv1D layout: weight [in, out].
  gpt2-odd/model-bf16.safetensors  the same tensors as BF16 (round to nearest even from the
                                   float32 values); no golden logits for it.
  gpt2-odd/config.json             Hugging Face GPT-2 config for the shape above.
  gpt2-odd-logits.txt              float64 reference logits of the F32 model (format: see
                                   golden_common.py), prompts [0] and a seeded 12-token one,
                                   10 greedy continuation ids each.

Weights: torch.Generator seeded with SEED; matrices, embeddings and biases ~ N(0, 0.1);
LayerNorm weights ~ 1 + N(0, 0.1), LayerNorm biases ~ N(0, 0.1). Generated in float64,
rounded to float32 and stored; the reference forward reads the stored float32 values back
(as float64), so the golden logits belong exactly to the stored file.

Re-run (from the repository root):
    apt-get install -y python3-torch
    /usr/bin/python3 tests/golden/gpt2_odd_shape.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from golden_common import (cross_check_gpt2, gpt2_forward, make_golden, read_safetensors, strip_prefix,  # noqa: E402
                           to_float32, write_inspection, write_safetensors)

SEED = 1234
PROMPT_SEED = 99
GREEDY_STEPS = 10

CFG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "n_embd": 60,
    "n_head": 5,
    "n_layer": 2,
    "n_positions": 48,
    "n_ctx": 48,
    "vocab_size": 113,
    "n_inner": 150,
    "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new",
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
}

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "Codegen.Tests", "Golden")
MODEL_DIR = os.path.join(GOLDEN, "gpt2-odd")


def make_weights():
    g = torch.Generator().manual_seed(SEED)
    C, V, P, F = CFG["n_embd"], CFG["vocab_size"], CFG["n_positions"], CFG["n_inner"]

    def normal(*shape, mean=0.0, std=0.1):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).numpy().astype(np.float32)

    t = {}
    t["wte.weight"] = normal(V, C)
    t["wpe.weight"] = normal(P, C)
    for i in range(CFG["n_layer"]):
        p = f"h.{i}."
        t[p + "ln_1.weight"] = normal(C, mean=1.0)
        t[p + "ln_1.bias"] = normal(C)
        t[p + "attn.c_attn.weight"] = normal(C, 3 * C)
        t[p + "attn.c_attn.bias"] = normal(3 * C)
        t[p + "attn.c_proj.weight"] = normal(C, C)
        t[p + "attn.c_proj.bias"] = normal(C)
        t[p + "ln_2.weight"] = normal(C, mean=1.0)
        t[p + "ln_2.bias"] = normal(C)
        t[p + "mlp.c_fc.weight"] = normal(C, F)
        t[p + "mlp.c_fc.bias"] = normal(F)
        t[p + "mlp.c_proj.weight"] = normal(F, C)
        t[p + "mlp.c_proj.bias"] = normal(C)
        # old Hugging Face exports carried the causal mask as a float buffer
        t[p + "attn.bias"] = np.tril(np.ones((P, P), dtype=np.float32)).reshape(1, 1, P, P)
    t["ln_f.weight"] = normal(C, mean=1.0)
    t["ln_f.bias"] = normal(C)
    return {"transformer." + k: v for k, v in t.items()}


def main():
    os.makedirs(MODEL_DIR, exist_ok=True)
    tensors = make_weights()
    f32_path = os.path.join(MODEL_DIR, "model.safetensors")
    bf16_path = os.path.join(MODEL_DIR, "model-bf16.safetensors")
    write_safetensors(f32_path, tensors, "F32")
    write_safetensors(bf16_path, tensors, "BF16")
    with open(os.path.join(MODEL_DIR, "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
        f.write("\n")

    # Read back what was stored and run the reference on exactly that.
    W, _ = read_safetensors(f32_path)
    W = strip_prefix(W)
    for k, v in tensors.items():
        assert np.array_equal(W[k[len("transformer."):]].numpy().astype(np.float32), v), k
    Wb, _ = read_safetensors(bf16_path)
    Wb = strip_prefix(Wb)
    worst = max(float(((Wb[k] - W[k]).abs() / W[k].abs().clamp(min=1e-30)).max()) for k in W)
    print(f"bf16 copy: max relative rounding error {worst:.3g} (must be <= 2^-8 = {2**-8:.3g})")
    assert worst <= 2 ** -8
    # independent check of the rounding: torch's own float32 -> bfloat16 conversion (also RNE)
    for k, v in tensors.items():
        ref = torch.from_numpy(v).to(torch.bfloat16).to(torch.float64)
        assert torch.equal(ref, Wb[k[len("transformer."):]]), k

    rng = np.random.default_rng(PROMPT_SEED)
    prompts = [[0], [int(t) for t in rng.integers(0, CFG["vocab_size"], size=12)]]
    cross_check_gpt2(W, CFG, prompts)
    W32 = to_float32(W)
    make_golden(
        os.path.join(GOLDEN, "gpt2-odd-logits.txt"),
        ["gpt2-odd (seeded random GPT-2, tests/Codegen.Tests/Golden/gpt2-odd/model.safetensors) "
         "float64 PyTorch reference logits",
         "generated by tests/golden/gpt2_odd_shape.py",
         f"n_embd 60, n_head 5, head_dim 12, n_layer 2, vocab 113, n_positions 48, n_inner 150, "
         f"gelu_new, layer_norm_epsilon 1e-5, lm_head tied to wte; weight seed {SEED}",
         f"second prompt: numpy.random.default_rng({PROMPT_SEED}).integers(0, 113, size=12)"],
        lambda ids: gpt2_forward(W, CFG, ids), prompts, lambda p: GREEDY_STEPS, "gpt2-odd",
        lambda ids: gpt2_forward(W32, CFG, ids))
    trace = {}
    gpt2_forward(W, CFG, prompts[1], trace=trace)
    write_inspection(
        os.path.join(GOLDEN, "gpt2-odd-inspection.txt"),
        ["gpt2-odd float64 PyTorch reference: attention probabilities and logit lens",
         "generated by tests/golden/gpt2_odd_shape.py",
         f"prompt: numpy.random.default_rng({PROMPT_SEED}).integers(0, 113, size=12)"],
        prompts[1], trace)
    # for choosing the loose tolerance of BF16-vs-F32 tests
    for pr in prompts:
        d = float((gpt2_forward(Wb, CFG, pr) - gpt2_forward(W, CFG, pr)).abs().max())
        print(f"bf16 weights vs f32 weights, prompt len {len(pr)}: max |logit difference| {d:.3g}")
    for name in ["gpt2-odd/model.safetensors", "gpt2-odd/model-bf16.safetensors",
                 "gpt2-odd/config.json", "gpt2-odd-logits.txt", "gpt2-odd-inspection.txt"]:
        print("wrote", name, os.path.getsize(os.path.join(GOLDEN, name)), "bytes")


if __name__ == "__main__":
    main()
