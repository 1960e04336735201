// Writes golden token ids for the corpus from Hugging Face's JavaScript tokenizers
// (@huggingface/tokenizers, the tokenizer engine of transformers.js), reading LOCAL files only.
//
//   node make-goldens.mjs <tokenizers.mjs of @huggingface/tokenizers> <models folder> <output folder>
//
// See README.md for the versions and how to get the library.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { handWritten, llamaCppStrings } from "./corpus.mjs";
import { buildLlama3Style, buildQwen2Style, buildMetaspaceStyle } from "./build-byte-level.mjs";

const [library, models, output] = process.argv.slice(2);
if (!library || !models || !output) {
  console.error("usage: node make-goldens.mjs <path to tokenizers.mjs> <models folder> <output folder>");
  process.exit(2);
}

const { Tokenizer } = await import(pathToFileURL(library).href);
const version = JSON.parse(readFileSync(join(library, "..", "..", "package.json"), "utf8")).version;
const corpus = [...handWritten, ...llamaCppStrings(models)];

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** The tokenizers to cover: name, tokenizer.json object, tokenizer_config.json object (or {}). */
const tokenizers = [
  ["llama2", readJson(join(models, "tokenizers/llama2/tokenizer.json")), readJson(join(models, "tokenizers/llama2/tokenizer_config.json"))],
  ["phi-3-mini", readJson(join(models, "tokenizers/phi-3-mini/tokenizer.json")), readJson(join(models, "tokenizers/phi-3-mini/tokenizer_config.json"))],
  ["gpt2-tiny", readJson(join(models, "gpt2-tiny/tokenizer.json")), readJson(join(models, "gpt2-tiny/tokenizer_config.json"))],
  ["llama2-metaspace", buildMetaspaceStyle(readJson(join(models, "tokenizers/llama2/tokenizer.json"))), readJson(join(models, "tokenizers/llama2/tokenizer_config.json"))],
  ["llama3-style", buildLlama3Style(models), {}],
  ["qwen2-style", buildQwen2Style(models), {}],
];

mkdirSync(output, { recursive: true });
for (const [name, json, config] of tokenizers) {
  const tokenizer = new Tokenizer(json, config);
  const cases = corpus.map((text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    const withSpecial = tokenizer.encode(text, { add_special_tokens: true }).ids;
    const decoded = ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
    return { text, ids, withSpecial, decoded };
  });
  // One case a line, so that a change in the reference shows as a small diff.
  const text = `{"tokenizer": ${JSON.stringify(name)}, "reference": "@huggingface/tokenizers ${version}", "cases": [\n`
    + cases.map((c) => " " + JSON.stringify(c)).join(",\n") + "\n]}\n";
  writeFileSync(join(output, `${name}.json`), text);
  console.log(`${name}: ${cases.length} strings, ${cases.reduce((n, c) => n + c.ids.length, 0)} ids (${text.length} characters)`);
}
