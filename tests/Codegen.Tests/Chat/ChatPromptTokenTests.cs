using System;
using Codegen.Chat;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Chat;

/// <summary>
/// Chat prompts with Hugging Face tokenizers are tokenized as <c>apply_chat_template(tokenize=True)</c> does (the
/// rendered text with no special tokens added), and the template's end-of-turn tokens stop the answer.
/// </summary>
public sealed class ChatPromptTokenTests
{
    /// <summary>A session that only tells its sizes, for checks that run no model.</summary>
    private sealed class SizesOnlySession(int vocabularySize) : IInferenceSession
    {
        public int VocabularySize => vocabularySize;

        public int ContextLength => 4096;

        public ReadOnlySpan<float> Forward(int token, int position) => throw new NotSupportedException();

        public void Reset()
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void LlamaTwoBosFromTheTemplateIsOneIdBeforeTheTextTokenizedAsMetasReferenceDoes()
    {
        ITokenizer tokenizer = HuggingFaceTokenizer.Load(TestModels.Path("tokenizers", "llama2"));
        var template = ChatTemplate.Parse("{{ bos_token }}[INST] {{ messages[0]['content'] }} [/INST]", "<s>", "</s>");
        string rendered = template.Render(new[] { new ChatMessage("user", "Hello there") }, addGenerationPrompt: true);
        int[] tokens = ChatPromptEncoder.Encode(tokenizer, template.BosToken, rendered);
        Assert.Equal(tokenizer.BosToken, tokens[0]);
        Assert.Single(tokens, t => t == tokenizer.BosToken);
        Assert.Equal(tokenizer.Encode(rendered.Substring(3), addBos: false), tokens[1..]);

        // "<s>[INST]" as Meta's Llama 2 chat code tokenizes it (BOS, then "▁[", "INST", "]"). Our Hugging Face tokenizer,
        // finding "<s>" in the text as a normalized added token, gives "[" without the "▁" after it instead.
        Assert.Equal(new[] { 1, 518, 25580, 29962 }, tokens[..4]);
        Assert.NotEqual(tokenizer.Encode(rendered, addBos: false), tokens);
    }

    [Fact]
    public void PhiThreeGetsNoBosAndStopsAtItsEndOfTurnAndEos()
    {
        ITokenizer tokenizer = HuggingFaceTokenizer.Load(TestModels.Path("tokenizers", "phi-3-mini"));
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(TestModels.Path("tokenizers", "phi-3-mini", "tokenizer_config.json"));
        string rendered = template.Render(new[] { new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi") }, addGenerationPrompt: true);
        int[] tokens = ChatPromptEncoder.Encode(tokenizer, template.BosToken, rendered);
        Assert.Equal(tokenizer.Encode(rendered, addBos: false), tokens);
        Assert.DoesNotContain(tokenizer.BosToken, tokens);

        var chat = new ChatSession(new SizesOnlySession(32064), tokenizer, template);
        int end = Assert.Single(tokenizer.Encode("<|end|>", addBos: false));
        int endOfText = Assert.Single(tokenizer.Encode("<|endoftext|>", addBos: false));
        Assert.Contains(end, chat.StopTokens);
        Assert.Contains(endOfText, chat.StopTokens);
        Assert.Empty(chat.Send("Hi").Options.StopStrings);
    }
}
