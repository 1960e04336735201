using System;
using System.Collections.Generic;
using Codegen.Chat;
using Codegen.Tests.EndToEnd;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Chat;

/// <summary>stories260K, its tokenizer and small chat templates for the chat session and chat client tests.</summary>
internal static class ChatTestModel
{
    /// <summary>A ChatML-like template that starts with the BOS token's text and ends each message with the EOS token's.</summary>
    public const string TemplateWithBos =
        "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}{{ eos_token }}\n{% endfor %}" +
        "{% if add_generation_prompt %}<|assistant|>{% endif %}";

    /// <summary>The same without the BOS token.</summary>
    public const string TemplateWithoutBos =
        "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}{{ eos_token }}\n{% endfor %}" +
        "{% if add_generation_prompt %}<|assistant|>{% endif %}";

    public static readonly Lazy<Stories260KModel> Model =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    public static readonly Lazy<Llama2cTokenizer> Tokenizer =
        new(() => Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Stories260KModel.Vocab));

    public static ChatTemplate Template(string text = TemplateWithBos) => ChatTemplate.Parse(text, "<s>", "</s>");

    /// <summary>The prompt tokens a chat session feeds for <paramref name="messages"/>.</summary>
    public static int[] PromptTokens(ChatTemplate template, IReadOnlyList<ChatMessage> messages) =>
        ChatPromptEncoder.Encode(Tokenizer.Value, template.BosToken, template.Render(messages, addGenerationPrompt: true));

    /// <summary>The logits of a fresh session's prefill of <paramref name="tokens"/> from position 0.</summary>
    public static float[] FreshPrefill(int[] tokens)
    {
        using var session = Model.Value.CreateSession();
        return session.Prefill(tokens, 0).ToArray();
    }

    /// <summary>Within 1e-5 of the largest expected logit's magnitude, the prefill-versus-forward tolerance of PrefillTests.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = 0;
        foreach (float value in expected)
        {
            scale = MathF.Max(scale, MathF.Abs(value));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"logit {i}: {expected[i]} recomputed, {actual[i]} by the chat session");
        }
    }

    /// <summary>How many first tokens two sequences share.</summary>
    public static int CommonPrefix(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int n = 0;
        while (n < a.Count && n < b.Count && a[n] == b[n])
        {
            n++;
        }

        return n;
    }
}
