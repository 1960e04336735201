using System.Collections.Generic;
using System.Linq;
using Codegen.Chat;
using Xunit;

namespace Codegen.Tests.Chat;

/// <summary>
/// Every case of every chat-template golden, rendered by <see cref="ChatTemplate"/>, equals what Hugging Face's
/// own JavaScript renderer wrote, character for character, or raises the same message.
/// </summary>
public sealed class ChatTemplateGoldenTests
{
    public static IEnumerable<object[]> Cases() =>
        ChatTemplateGoldens.Names().SelectMany(name => ChatTemplateGoldens.Load(name).Cases.Select(c => new object[] { name, c.Name }));

    public static IEnumerable<object[]> Templates() => ChatTemplateGoldens.Names().Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_as_the_reference_does(string golden, string caseName)
    {
        ChatTemplateGoldens.Golden file = ChatTemplateGoldens.Load(golden);
        ChatTemplateGoldens.GoldenCase expected = file.Cases.Single(c => c.Name == caseName);
        ChatTemplate template = ChatTemplateGoldens.LoadTemplate(file);

        if (expected.Error is not null)
        {
            var error = Assert.Throws<ChatTemplateException>(() => template.Render(expected.Messages, expected.AddGenerationPrompt, expected.Variables));
            Assert.True(error.RaisedByTemplate, error.Message);
            Assert.Equal(expected.Error, error.Message);
        }
        else
        {
            Assert.Equal(expected.Rendered, template.Render(expected.Messages, expected.AddGenerationPrompt, expected.Variables));
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Reads_the_special_tokens_the_reference_used(string golden)
    {
        ChatTemplateGoldens.Golden file = ChatTemplateGoldens.Load(golden);
        ChatTemplate template = ChatTemplateGoldens.LoadTemplate(file);

        Assert.Equal(file.BosToken, template.BosToken);
        Assert.Equal(file.EosToken, template.EosToken);
        Assert.NotEmpty(file.Cases);
    }

    [Fact]
    public void The_golden_set_covers_each_template_and_the_raising_conversations()
    {
        string[] names = ChatTemplateGoldens.Names().ToArray();
        Assert.Equal(
            new[] { "llama2-chat", "llama3-instruct", "llama3.1-instruct", "mistral-v1", "mistral-v2", "mistral-v3", "phi-3-mini", "qwen2.5", "smollm2-instruct", "zephyr-beta" },
            names);
        Assert.Contains(ChatTemplateGoldens.Load("llama2-chat").Cases, c => c.Error is not null);
        Assert.Contains(ChatTemplateGoldens.Load("mistral-v1").Cases, c => c.Error is not null);
        Assert.Contains(ChatTemplateGoldens.Load("qwen2.5").Cases, c => c.Variables.ContainsKey("tools"));
    }
}
