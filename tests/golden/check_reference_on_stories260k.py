#!/usr/bin/env python3
"""Validates the float64 llama2.c reference (golden_common.llama2c_forward) on a real model.

Reads (read-only, nothing is copied or written):
  /work/shared/models/stories260K/stories260K.bin            llama2.c checkpoint v0 (dim 64,
      hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512, seq_len 512, shared classifier)
  /work/shared/models/stories260K/expected-greedy-256.ids    token ids the llama2.c C
      implementation samples greedily from BOS = 1
(override the folder with the first command-line argument)

Runs STEPS greedy steps from BOS = 1 (argmax, fed back one at a time) with the same float64
reference that produces llama-odd-*-logits.txt and checks the ids equal the first STEPS
expected ids (the grouped-query attention path is exercised: 8 query heads, 4 kv heads).
Prints the ids, the top-2 margins, and PASS/FAIL; exit status 1 on a mismatch.

Re-run (from the repository root):
    apt-get install -y python3-torch
    /usr/bin/python3 tests/golden/check_reference_on_stories260k.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

from golden_common import greedy, llama2c_forward, read_llama2c  # noqa: E402

STEPS = 20
BOS = 1
MODEL_DIR = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/models/stories260K"


def main():
    cfg, W = read_llama2c(os.path.join(MODEL_DIR, "stories260K.bin"))
    print("config:", cfg)
    # The freq_cis tables that llama_odd_shape.py writes follow the layout read here:
    # freq_cis_real[p, j] = cos(p * 10000^(-2j/head_size)), freq_cis_imag = sin(...).
    hs = cfg["dim"] // cfg["n_heads"]
    j = np.arange(hs // 2)
    angles = np.outer(np.arange(cfg["seq_len"]), 1.0 / (10000.0 ** (2 * j / hs)))
    d = max(np.abs(np.cos(angles) - W["freq_cis_real"].numpy()).max(),
            np.abs(np.sin(angles) - W["freq_cis_imag"].numpy()).max())
    print(f"stored freq_cis tables vs cos/sin(p * 10000^(-2j/hs)): max |diff| {d:.3g}")
    assert d < 1e-5
    with open(os.path.join(MODEL_DIR, "expected-greedy-256.ids")) as f:
        expected = [int(t) for t in f.read().split()][:STEPS]
    ids, margins = greedy(lambda toks: llama2c_forward(cfg, W, toks), [BOS], STEPS)
    print("reference:", " ".join(map(str, ids)))
    print("expected: ", " ".join(map(str, expected)))
    print("top-2 margins:", " ".join("%.4g" % m for m in margins))
    if ids == expected:
        print(f"PASS: the float64 reference reproduces the first {STEPS} greedy ids of llama2.c")
    else:
        first = next(i for i, (a, b) in enumerate(zip(ids, expected)) if a != b)
        print(f"FAIL: first difference at step {first}")
        sys.exit(1)


if __name__ == "__main__":
    main()
