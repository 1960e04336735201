using System.IO;
using System.Text;
using Codegen.Generation;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>stories260K.gguf alone (weights and tokenizer from the one file) tells the reference C implementation's greedy story.</summary>
public sealed class GgufStoryTests
{
    [Fact]
    public void TheGgufFileAloneTellsTheReferenceStory()
    {
        string path = TestModels.Path("stories260K", "stories260K.gguf");
        string expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-200.txt"));
        Stories260KModel model = Stories260KModel.Load(path);
        ITokenizer tokenizer = GgufTokenizer.Load(path);

        // As llama2.c: 200 tokens after BOS, stopping early when the model starts the next story with BOS.
        using var session = model.CreateSession();
        var options = GenerationOptions.Greedy with { MaxNewTokens = 200, StopTokens = new[] { tokenizer.BosToken } };
        var text = new StringBuilder();
        int previous = tokenizer.BosToken;
        foreach (int token in TextGeneration.Generate(session, tokenizer.Encode("", addBos: true), options))
        {
            text.Append(tokenizer.Decode(previous, token));
            previous = token;
        }

        Assert.Equal(expected, text.ToString());
    }
}
