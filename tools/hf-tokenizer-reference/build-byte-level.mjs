// Builds Llama 3 and Qwen2 style tokenizer.json objects, and the older Metaspace form of Llama 2's, over the Llama 3.2 vocabulary in GPT-2 layout
// (tokenizers/llama3.2/encoder.json + vocab.bpe). The C# tests build the same objects
// (tests/Codegen.Tests/Tokenizers/ByteLevelTokenizerJsonBuilder.cs); keep the two in step.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const Llama3Pattern =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
export const Qwen2Pattern =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function readVocabulary(models) {
  const folder = join(models, "tokenizers", "llama3.2");
  const vocab = JSON.parse(readFileSync(join(folder, "encoder.json"), "utf8"));
  const merges = readFileSync(join(folder, "vocab.bpe"), "utf8")
    .split("\n")
    .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith("#version")));
  return { vocab, merges };
}

const addedToken = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

function preTokenizer(pattern) {
  return {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}

/** Llama 3: merges in the ["a", "b"] array form, ignore_merges, BOS added by a TemplateProcessing in a Sequence. */
export function buildLlama3Style(models) {
  const { vocab, merges } = readVocabulary(models);
  const bos = "<|begin_of_text|>";
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [addedToken(128000, bos), addedToken(128001, "<|end_of_text|>")],
    normalizer: null,
    pre_tokenizer: preTokenizer(Llama3Pattern),
    post_processor: {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
          special_tokens: { [bos]: { id: bos, ids: [128000], tokens: [bos] } },
        },
      ],
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab, merges: merges.map((line) => line.split(" ")),
    },
  };
}

/** Qwen2: NFC normalizer, single digits, merges in the "a b" string form, no BOS (ByteLevel post-processor). */
export function buildQwen2Style(models) {
  const { vocab, merges } = readVocabulary(models);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [addedToken(128000, "<|endoftext|>"), addedToken(128001, "<|im_start|>"), addedToken(128002, "<|im_end|>")],
    normalizer: { type: "NFC" },
    pre_tokenizer: preTokenizer(Qwen2Pattern),
    post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
      fuse_unk: false, byte_fallback: false,
      vocab, merges,
    },
  };
}

/**
 * Llama 2's file in the older Metaspace form (as Mistral's and early Llama files declare it): no normalizer,
 * a Metaspace pre-tokenizer (prepend_scheme "first", split false) and a Metaspace decoder.
 */
export function buildMetaspaceStyle(llama2) {
  return {
    ...llama2,
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
    decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
  };
}
