using System;
using Codegen.Tokenizers;

namespace Codegen.Chat;

/// <summary>
/// Turns a rendered chat prompt into tokens as Hugging Face's <c>apply_chat_template(tokenize=True)</c> does: the
/// template is responsible for every special token, so the tokenizer adds none of its own (no second BOS).
/// </summary>
/// <remarks>
/// A template that starts with <c>{{ bos_token }}</c> writes the BOS token's text; that text is replaced by the
/// tokenizer's BOS id, so a tokenizer that reads special-token names as plain text (llama2.c's) still gets exactly
/// one BOS. Any other special-token text in the prompt is left to the tokenizer (Hugging Face tokenizers match
/// added tokens in the text).
/// </remarks>
internal static class ChatPromptEncoder
{
    public static int[] Encode(ITokenizer tokenizer, string? bosText, string prompt)
    {
        if (!string.IsNullOrEmpty(bosText) && tokenizer.BosToken >= 0 && prompt.StartsWith(bosText, StringComparison.Ordinal))
        {
            int[] rest = tokenizer.Encode(prompt.Substring(bosText.Length), addBos: false);
            var tokens = new int[rest.Length + 1];
            tokens[0] = tokenizer.BosToken;
            rest.CopyTo(tokens, 1);
            return tokens;
        }

        return tokenizer.Encode(prompt, addBos: false);
    }
}
