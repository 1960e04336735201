// The corpus every golden file is written for: hand-written strings covering prose, code, numbers,
// whitespace, CJK, emoji, accents and special-token names, then llama.cpp's tokenizer test strings.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const handWritten = [
  "The quick brown fox jumps over the lazy dog. It wasn't me, she'd said; they'll know.",
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine.",
  "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n",
  "int main(void) {\n\tfor (int i = 0; i < 10; i++) {\n\t\tprintf(\"%d\\n\", i);\n\t}\n\treturn 0;\n}\n",
  "if (x) {{ y = [1, 2, 3]; }} else { z = {'k': \"v\"}; }",
  "1234567890 12345 3.14159265358979 1,000,000 2024-01-31 0x7FFFFFFF 007",
  "Pi is 314159265358979323846264338327950288419716939937510.",
  "    four spaces\n\n\ntwo blank lines\t\ttabs   \r\n windows line\r\nend   ",
  "   leading and trailing   ",
  "\n",
  " ",
  "",
  "日本語のテキストです。中文文本，还有한국어 텍스트。",
  "Emoji: 😀 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️‍🔥 🏳️‍🌈 end",
  "Café naïve résumé Ångström São Paulo Zürich — “quotes” and ‘apostrophes’ …",
  "Combining: e\u0301 a\u0308 o\u0302 n\u0303 (decomposed) vs é ä ô ñ",
  "Ελληνικά, русский текст, עברית, العربية, हिन्दी, ไทย",
  "Math: ∑ᵢ xᵢ² ≤ ∞, ∀ε>0 ∃δ; 𝔸𝕓𝕔 𝟘𝟙𝟚 𐍈",
  "<s>Hello</s> world <s> again </s>",
  "<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\nIt is 4.<|end|>",
  "<|system|> You are helpful.<|end|><|user|> Hi <|end|>",
  "text<|endoftext|>more text <|endoftext|> end",
  "<|begin_of_text|>Hello<|end_of_text|> <|begin_of_text|> x",
  "<unk> and <0x41> written out",
  "<|im_start|>user\nHi<|im_end|>",
  "Mixed:\tTAB and  double  spaces and ALL CAPS SHOUTING and CamelCaseWords and snake_case_words",
  "URLs: https://example.com/path?query=1&b=2#frag and e-mail: someone@example.org",
  "I'm, you're, he's, we've, they'd, I'll, CAN'T, WON'T, We'Ve",
  "▁already has the metaspace ▁▁ character",
  "\u00a0non-breaking\u00a0spaces\u3000ideographic space",
];

const Separator = "\n__ggml_vocab_test__\n";

/** llama.cpp's test strings (the three .inp files are the same; they are read once each and de-duplicated). */
export function llamaCppStrings(models) {
  const folder = join(models, "tokenizers", "llamacpp-testvectors");
  const seen = new Set();
  const strings = [];
  for (const name of ["llama-spm", "llama-bpe", "phi-3"]) {
    const input = readFileSync(join(folder, `ggml-vocab-${name}.gguf.inp`), "utf8");
    if (!input.endsWith(Separator)) throw new Error(`${name}.inp does not end with the marker line`);
    for (const text of input.slice(0, -Separator.length).split(Separator)) {
      if (!seen.has(text)) {
        seen.add(text);
        strings.push(text);
      }
    }
  }
  return strings;
}
