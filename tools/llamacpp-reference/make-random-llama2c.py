#!/usr/bin/env python3
"""Writes a llama2.c checkpoint (version 0) of seeded random weights, for llama.cpp's llama2.c converter.

The shape is chosen so that every matrix row is a multiple of 256 wide, so that llama-quantize really stores
k-quant blocks (it falls back to other types for rows that are not); the weights are scaled like a trained
small model's (standard deviations 0.02 to 0.1, norm weights near 1) so that the logits spread over a few
units and the greedy ids are not one token repeated. The classifier is separate (negative vocab_size in the
header) so that output.weight differs from token_embd.weight.

usage: make-random-llama2c.py OUT.bin [seed]        (standard library only)
"""
import array
import random
import struct
import sys

DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, VOCAB, SEQ_LEN = 256, 768, 2, 4, 2, 512, 128
KV_DIM = DIM // HEADS * KV_HEADS


def main():
    out = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 14)

    def gaussian(count, std):
        return array.array("f", (rng.gauss(0.0, std) for _ in range(count)))

    def norm(count):
        return array.array("f", (1.0 + rng.gauss(0.0, 0.1) for _ in range(count)))

    with open(out, "wb") as f:
        f.write(struct.pack("<7i", DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, -VOCAB, SEQ_LEN))
        # llama2.c order: embedding, then each kind of tensor for all layers together.
        for tensor in (
            gaussian(VOCAB * DIM, 0.1),                # token_embedding_table
            norm(LAYERS * DIM),                        # rms_att_weight
            gaussian(LAYERS * DIM * DIM, 0.1),         # wq
            gaussian(LAYERS * KV_DIM * DIM, 0.1),      # wk
            gaussian(LAYERS * KV_DIM * DIM, 0.05),     # wv
            gaussian(LAYERS * DIM * DIM, 0.05),        # wo
            norm(LAYERS * DIM),                        # rms_ffn_weight
            gaussian(LAYERS * HIDDEN * DIM, 0.05),     # w1 (gate)
            gaussian(LAYERS * DIM * HIDDEN, 0.03),     # w2 (down)
            gaussian(LAYERS * HIDDEN * DIM, 0.05),     # w3 (up)
            norm(DIM),                                 # rms_final_weight
            array.array("f", bytes(4 * SEQ_LEN * (DIM // HEADS))),  # freq_cis_real and _imag: unused, zero
            gaussian(VOCAB * DIM, 0.1),                # wcls
        ):
            tensor.tofile(f)


if __name__ == "__main__":
    main()
