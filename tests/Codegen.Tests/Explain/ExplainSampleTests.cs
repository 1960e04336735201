using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Codegen.Inspection;
using Codegen.Tokenizers;
using global::Explain;
using Xunit;

namespace Codegen.Tests.Explain;

/// <summary>The Explain sample without a browser: its inputs, its errors, escaping, and the real model's inspection.</summary>
public sealed class ExplainSampleTests
{
    [Fact]
    public void TheInspectingSessionGivesStories260KsFastLogitsExactly()
    {
        Stories260K model = Stories260K.Load(TestModels.Path("stories260K", "stories260K.bin"));
        int[] tokens = Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Stories260K.Vocab)
            .Encode("Once upon a time, there was a little girl named Lily.", addBos: true);
        InspectionResult result = model.CreateInspectingSession().Inspect(tokens);
        using IInferenceSession fast = model.CreateSession();
        for (int position = 0; position < tokens.Length; position++)
        {
            Assert.True(fast.Forward(tokens[position], position).SequenceEqual(result.Logits(position)), $"position {position}");
        }
    }

    [Fact]
    public void APromptLongerThanTheContextIsAClearError()
    {
        string prompt = string.Join(" ", Enumerable.Repeat("Once upon a time", 200));
        var error = Assert.Throws<ArgumentException>(() => WritePage(new ExplainOptions { Prompt = prompt }));
        Assert.Matches(new Regex(@"the prompt is \d+ tokens; the model's context holds 512"), error.Message);
    }

    [Fact]
    public void AMissingModelIsAClearError()
    {
        var error = Assert.Throws<FileNotFoundException>(() => WritePage(new ExplainOptions { ModelPath = Path.Combine(Path.GetTempPath(), "no-such-model.bin") }));
        Assert.Contains("pass a model with --model", error.Message);
    }

    [Fact]
    public void TextFromThePromptIsEscaped()
    {
        string html = WritePage(new ExplainOptions { Prompt = "<script>alert('x')</script> & \"quotes\"" });
        Assert.DoesNotContain("<script>alert", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;", html);
        Assert.Single(Regex.Matches(html, "<script>"));
    }

    [Fact]
    public void AGpt2FolderWorksToo()
    {
        string html = WritePage(new ExplainOptions { ModelPath = TestModels.Path("gpt2-tiny"), Neighbours = new[] { "time" } });
        Assert.Equal(Gpt2TinyRandom.Layers * Gpt2TinyRandom.Heads, Regex.Matches(html, "<svg class=\"heatmap\"").Count);
        Assert.Single(Regex.Matches(html, "<table class=\"neighbours\"><tbody><tr>"));
    }

    [Fact]
    public void UnknownOptionsAndMissingValuesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ExplainOptions.Parse(new[] { "--colour", "blue" }));
        Assert.Throws<ArgumentException>(() => ExplainOptions.Parse(new[] { "--prompt" }));
        ExplainOptions options = ExplainOptions.Parse(new[] { "--prompt", "Hi", "--neighbours", "cat", "--neighbours", "dog" });
        Assert.Equal("Hi", options.Prompt);
        Assert.Equal(new[] { "cat", "dog" }, options.Neighbours);
    }

    /// <summary>Writes the page (stories260K unless the options name another model) into a temporary file and returns its text.</summary>
    private static string WritePage(ExplainOptions options)
    {
        string path = Path.Combine(Path.GetTempPath(), $"codegen-explain-{Guid.NewGuid():N}.html");
        try
        {
            bool defaultModel = options.ModelPath == new ExplainOptions().ModelPath;
            ExplainRun.WritePage(options with
            {
                ModelPath = defaultModel ? TestModels.Path("stories260K", "stories260K.bin") : options.ModelPath,
                OutputPath = path,
            });
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
