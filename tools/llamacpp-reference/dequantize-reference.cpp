// Writes llama.cpp's own dequantization of every tensor of a GGUF file, compactly, so that our dequantizers
// can be checked against ggml's element for element: for each tensor (in file order) one line
//   name type elements fnv1a64 sum v[0] v[k] v[2k] ... (16 values, k = elements / 16)
// where fnv1a64 is the 64-bit FNV-1a hash of the float32 bits of all the values (little-endian, in order),
// sum is their sum in double, and the values have 9 significant digits (enough to give back the float32).
// It is our code, built against ggml's public API (gguf.h, ggml.h: ggml_get_type_traits(type)->to_float).
//
// usage: dequantize-reference MODEL.gguf OUT.txt

#include "ggml.h"
#include "gguf.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char ** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL.gguf OUT.txt\n", argv[0]);
        return 2;
    }
    ggml_context * tensors = nullptr;
    gguf_init_params params = { /*no_alloc =*/ false, /*ctx =*/ &tensors };
    gguf_context * gguf = gguf_init_from_file(argv[1], params);
    if (!gguf) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
    FILE * out = fopen(argv[2], "w");
    if (!out) { fprintf(stderr, "cannot write %s\n", argv[2]); return 1; }

    for (int64_t id = 0; id < gguf_get_n_tensors(gguf); id++) {
        const char * name = gguf_get_tensor_name(gguf, id);
        const ggml_tensor * tensor = ggml_get_tensor(tensors, name);
        const int64_t count = ggml_nelements(tensor);
        std::vector<float> values(count);
        const ggml_type_traits * traits = ggml_get_type_traits(tensor->type);
        if (tensor->type == GGML_TYPE_F32) {
            memcpy(values.data(), tensor->data, count * sizeof(float));
        } else if (traits->to_float) {
            traits->to_float(tensor->data, values.data(), count);
        } else {
            fprintf(stderr, "%s: no to_float for %s\n", name, ggml_type_name(tensor->type));
            return 1;
        }

        uint64_t hash = 0xcbf29ce484222325ull;
        double sum = 0;
        for (int64_t i = 0; i < count; i++) {
            uint32_t bits;
            memcpy(&bits, &values[i], 4);
            for (int b = 0; b < 4; b++) {
                hash ^= (bits >> (8 * b)) & 0xff;
                hash *= 0x100000001b3ull;
            }
            sum += values[i];
        }
        fprintf(out, "%s %s %" PRId64 " %016" PRIx64 " %.17g", name, ggml_type_name(tensor->type), count, hash, sum);
        for (int s = 0; s < 16; s++) fprintf(out, " %.9g", values[s * (count / 16)]);
        fprintf(out, "\n");
    }
    fclose(out);
    gguf_free(gguf);
    ggml_free(tensors);
    return 0;
}
