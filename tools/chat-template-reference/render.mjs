// Renders every chat template of the golden set over a fixed list of conversations with @huggingface/jinja
// (the renderer transformers.js uses; its Template applies trim_blocks and lstrip_blocks as Hugging Face's
// Python environment does) and writes one JSON file per template into the output folder.
//
//   node render.mjs <shared models folder> <repository root> <output folder>
//
// Variables as tokenizer.apply_chat_template gives them: messages, add_generation_prompt, bos_token and
// eos_token from the template's config (left out when the config has none), plus each case's extras.
// A case whose render throws records the error message instead of the text.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";

const [modelsRoot, repoRoot, outFolder] = process.argv.slice(2);
if (!modelsRoot || !repoRoot || !outFolder) {
  console.error("usage: node render.mjs <shared models folder> <repository root> <output folder>");
  process.exit(2);
}

// Each template: where its text comes from ("models" = the shared models folder, "repository" = this
// repository), and its special tokens when the file is a bare .jinja (a tokenizer_config.json brings its own).
const templates = [
  { name: "phi-3-mini", root: "models", path: "tokenizers/phi-3-mini/tokenizer_config.json" },
  { name: "qwen2.5", root: "models", path: "tokenizers/qwen2.5/tokenizer_config.json", tools: true },
  { name: "mistral-v1", root: "models", path: "tokenizers/mistral/v1_spm.jinja", bos: "<s>", eos: "</s>" },
  { name: "mistral-v2", root: "models", path: "tokenizers/mistral/v2_spm.jinja", bos: "<s>", eos: "</s>", tools: true },
  { name: "mistral-v3", root: "models", path: "tokenizers/mistral/v3_spm.jinja", bos: "<s>", eos: "</s>", tools: true },
  { name: "smollm2-instruct", root: "repository", path: "tests/golden/chat-templates/templates/smollm2-instruct.jinja", bos: "<|im_start|>", eos: "<|im_end|>" },
  { name: "llama2-chat", root: "repository", path: "tests/golden/chat-templates/templates/llama2-chat.jinja", bos: "<s>", eos: "</s>" },
  { name: "llama3-instruct", root: "repository", path: "tests/golden/chat-templates/templates/llama3-instruct.jinja", bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "llama3.1-instruct", root: "repository", path: "tests/golden/chat-templates/templates/llama3.1-instruct.jinja", bos: "<|begin_of_text|>", eos: "<|eot_id|>", tools: true, dated: true },
  { name: "zephyr-beta", root: "repository", path: "tests/golden/chat-templates/templates/zephyr-beta.jinja", bos: "<s>", eos: "</s>" },
];

const system = (content) => ({ role: "system", content });
const user = (content) => ({ role: "user", content });
const assistant = (content) => ({ role: "assistant", content });

const conversations = {
  "system-user": [system("You are a helpful assistant."), user("Hello! How are you?")],
  "user-only": [user("Write a haiku about the sea.")],
  "multi-turn": [user("What is 2+2?"), assistant("2+2 is 4."), user("And 3+3?")],
  "multi-turn-with-system": [
    system("Answer briefly."),
    user("Name a colour."),
    assistant("Blue."),
    user("Another one?"),
    assistant("Green."),
  ],
  "non-ascii": [user("Grüße aus Köln — ça va? 日本語のテキスト 🙂"), assistant("Très bien, merci ! 😊 Ελληνικά"), user("Ещё раз, пожалуйста.")],
  "quotes-and-newlines": [
    system("Rules:\n1. Be \"precise\".\n2. Don't guess."),
    user("He said \"hi\" and she said 'bye'.\nSecond line\n\n  indented\ttab \\ backslash {{ not a tag }} {% neither %}"),
  ],
  "padded-content": [user("  lots of space around  \n\n"), assistant("\n  an answer with spaces  "), user("\tthird\t")],
  "starts-with-assistant": [assistant("I speak first."), user("Hello.")],
  "two-users-in-a-row": [user("First question."), user("Second question.")],
};

const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Get the current weather in a city — in °C.",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "The city, e.g. \"Paris\"" },
          days: { type: "integer", description: "How many days ahead", enum: [0, 1, 2] },
        },
        required: ["city"],
      },
    },
  },
];

function readTemplate(spec) {
  const file = join(spec.root === "models" ? modelsRoot : repoRoot, spec.path);
  const text = readFileSync(file, "utf8");
  if (!spec.path.endsWith(".json")) {
    return { source: text, bos: spec.bos ?? null, eos: spec.eos ?? null };
  }

  const config = JSON.parse(text);
  let source = config.chat_template;
  if (Array.isArray(source)) {
    source = source.find((entry) => entry.name === "default").template;
  }

  const token = (value) => (value == null ? null : typeof value === "string" ? value : value.content);
  return { source, bos: token(config.bos_token), eos: token(config.eos_token) };
}

function casesOf(spec) {
  const cases = [];
  for (const [name, messages] of Object.entries(conversations)) {
    for (const addGenerationPrompt of [true, false]) {
      cases.push({ name: `${name}${addGenerationPrompt ? "" : "-no-generation-prompt"}`, messages, add_generation_prompt: addGenerationPrompt, variables: {} });
    }
  }

  if (spec.tools) {
    cases.push({ name: "tools", messages: conversations["system-user"], add_generation_prompt: true, variables: { tools } });
    cases.push({ name: "tools-multi-turn", messages: conversations["multi-turn"], add_generation_prompt: true, variables: { tools } });
  }

  if (spec.dated) {
    cases.push({ name: "date-string", messages: conversations["system-user"], add_generation_prompt: true, variables: { date_string: "05 Dec 2026" } });
  }

  return cases;
}

mkdirSync(outFolder, { recursive: true });
for (const spec of templates) {
  const { source, bos, eos } = readTemplate(spec);
  const template = new Template(source);
  const golden = {
    template: spec.name,
    template_root: spec.root,
    template_path: spec.path,
    bos_token: bos,
    eos_token: eos,
    renderer: "@huggingface/jinja " + JSON.parse(readFileSync(new URL("./node_modules/@huggingface/jinja/package.json", import.meta.url), "utf8")).version,
    cases: [],
  };
  for (const c of casesOf(spec)) {
    const variables = { messages: c.messages, add_generation_prompt: c.add_generation_prompt, ...c.variables };
    if (bos !== null) variables.bos_token = bos;
    if (eos !== null) variables.eos_token = eos;
    const result = { name: c.name, messages: c.messages, add_generation_prompt: c.add_generation_prompt, variables: c.variables };
    try {
      result.rendered = template.render(variables);
    } catch (error) {
      result.error = error.message;
    }

    golden.cases.push(result);
  }

  writeFileSync(join(outFolder, `${spec.name}.json`), JSON.stringify(golden, null, 2) + "\n");
  console.log(`${spec.name}: ${golden.cases.length} cases, ${golden.cases.filter((c) => c.error).length} raise`);
}
