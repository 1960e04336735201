// A tiny program built against llama.cpp's public API (llama.h) that writes the reference numbers our
// GGUF tests compare against: the logits of every position of a fixed prompt, and the greedy continuation
// from BOS. It is our code; llama.cpp itself is fetched and built by make-goldens.sh and never committed.
//
// usage: llamacpp-reference MODEL.gguf LOGITS_OUT GREEDY_OUT
//   LOGITS_OUT: one line per prompt position: "position token v0 v1 ... v(n_vocab-1)", values with 6 significant digits
//   GREEDY_OUT: the 100 ids picked greedily (argmax, lowest id on ties) one after another from BOS, one per line
//
// Settings chosen so that the reference is plain arithmetic: CPU only, 2 threads, K/V cache kept in F32
// (llama.cpp's default is F16), flash attention off.

#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

static const llama_token kPrompt[] = {1, 403, 407, 261, 378};
static const int kGreedySteps = 100;
static const int kContext = 128;  // the quantized stories260K files declare context_length 128

static void quiet_log(ggml_log_level, const char *, void *) {}

static llama_context * new_context(llama_model * model) {
    llama_context_params params = llama_context_default_params();
    params.n_ctx = kContext;
    params.n_batch = kContext;
    params.n_ubatch = kContext;
    params.n_threads = 2;
    params.n_threads_batch = 2;
    params.type_k = GGML_TYPE_F32;
    params.type_v = GGML_TYPE_F32;
    params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    params.no_perf = true;
    return llama_init_from_model(model, params);
}

// Decodes tokens [0, count) at positions start.. as one batch, asking for the logits of every one.
static bool decode(llama_context * context, const llama_token * tokens, int count, int start) {
    llama_batch batch = llama_batch_init(count, 0, 1);
    for (int i = 0; i < count; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = start + i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = count;
    const int status = llama_decode(context, batch);
    llama_batch_free(batch);
    if (status != 0) fprintf(stderr, "llama_decode failed: %d\n", status);
    return status == 0;
}

static int argmax(const float * values, int count) {
    int best = 0;
    for (int i = 1; i < count; i++) if (values[i] > values[best]) best = i;
    return best;
}

int main(int argc, char ** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL.gguf LOGITS_OUT GREEDY_OUT\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();

    llama_model_params model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(argv[1], model_params);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const int vocab_size = llama_vocab_n_tokens(llama_model_get_vocab(model));

    // 1. The whole prompt in one batch; logits of every position.
    llama_context * context = new_context(model);
    const int prompt_length = sizeof(kPrompt) / sizeof(kPrompt[0]);
    if (!context || !decode(context, kPrompt, prompt_length, 0)) return 1;
    FILE * logits_file = fopen(argv[2], "w");
    if (!logits_file) { fprintf(stderr, "cannot write %s\n", argv[2]); return 1; }
    for (int position = 0; position < prompt_length; position++) {
        const float * logits = llama_get_logits_ith(context, position);
        fprintf(logits_file, "%d %d", position, kPrompt[position]);
        for (int i = 0; i < vocab_size; i++) fprintf(logits_file, " %.6g", logits[i]);
        fprintf(logits_file, "\n");
    }
    fclose(logits_file);
    llama_free(context);

    // 2. Greedy from BOS, one token per decode, in a fresh context.
    context = new_context(model);
    if (!context) return 1;
    FILE * greedy_file = fopen(argv[3], "w");
    if (!greedy_file) { fprintf(stderr, "cannot write %s\n", argv[3]); return 1; }
    llama_token token = 1;
    for (int position = 0; position < kGreedySteps; position++) {
        if (!decode(context, &token, 1, position)) return 1;
        token = argmax(llama_get_logits_ith(context, 0), vocab_size);
        fprintf(greedy_file, "%d\n", token);
    }
    fclose(greedy_file);
    llama_free(context);

    llama_model_free(model);
    llama_backend_free();
    return 0;
}
