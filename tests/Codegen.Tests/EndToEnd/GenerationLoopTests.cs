using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Generation;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>The shared generation loop and sampler, driven by the generated stories260K session.</summary>
public sealed class GenerationLoopTests
{
    private const int Bos = 1;

    private static readonly Lazy<Stories260KModel> Model =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    private static int[] Run(GenerationOptions options, IReadOnlyList<int>? prompt = null)
    {
        using var session = Model.Value.CreateSession();
        return TextGeneration.Generate(session, prompt ?? new[] { Bos }, options).ToArray();
    }

    [Fact]
    public void TheSameSeedGivesTheSameTokens()
    {
        var options = new GenerationOptions { Temperature = 1.0f, TopP = 0.9f, Seed = 42, MaxNewTokens = 60 };

        Assert.Equal(Run(options), Run(options));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentStories()
    {
        var options = new GenerationOptions { Temperature = 1.0f, Seed = 1, MaxNewTokens = 60 };

        Assert.NotEqual(Run(options), Run(options with { Seed = 2 }));
    }

    [Fact]
    public void SamplingDiffersFromGreedy()
    {
        var sampled = new GenerationOptions { Temperature = 1.0f, Seed = 7, MaxNewTokens = 60 };

        Assert.NotEqual(Run(GenerationOptions.Greedy with { MaxNewTokens = 60 }), Run(sampled));
    }

    [Fact]
    public void TopKOfOneIsGreedy()
    {
        var topOne = new GenerationOptions { Temperature = 1.5f, TopK = 1, Seed = 3, MaxNewTokens = 80 };

        Assert.Equal(Run(GenerationOptions.Greedy with { MaxNewTokens = 80 }), Run(topOne));
    }

    [Fact]
    public void TinyTopPIsGreedy()
    {
        var nucleus = new GenerationOptions { Temperature = 1.0f, TopP = 1e-6f, Seed = 3, MaxNewTokens = 80 };

        Assert.Equal(Run(GenerationOptions.Greedy with { MaxNewTokens = 80 }), Run(nucleus));
    }

    [Fact]
    public void MaxNewTokensLimitsTheOutput()
    {
        Assert.Equal(17, Run(GenerationOptions.Greedy with { MaxNewTokens = 17 }).Length);
    }

    [Fact]
    public void AStopTokenEndsTheOutputAndIsNotReturned()
    {
        int[] greedy = Run(GenerationOptions.Greedy with { MaxNewTokens = 40 });
        int stop = greedy[10];
        int firstStop = Array.IndexOf(greedy, stop);

        int[] stopped = Run(GenerationOptions.Greedy with { MaxNewTokens = 40, StopTokens = new[] { stop } });

        Assert.Equal(greedy.Take(firstStop), stopped);
    }

    [Fact]
    public void APromptSteersTheContinuation()
    {
        int[] greedy = Run(GenerationOptions.Greedy with { MaxNewTokens = 30 });
        int[] prompt = new[] { Bos }.Concat(greedy.Take(10)).ToArray();

        int[] continued = Run(GenerationOptions.Greedy with { MaxNewTokens = 20 }, prompt);

        Assert.Equal(greedy.Skip(10).Take(20), continued);
    }

    [Fact]
    public void PromptPlusOutputLongerThanTheContextIsRefused()
    {
        using var session = Model.Value.CreateSession();
        var prompt = Enumerable.Repeat(Bos, 500).ToArray();

        var error = Assert.Throws<ArgumentException>(() =>
            TextGeneration.Generate(session, prompt, GenerationOptions.Greedy with { MaxNewTokens = 14 }));

        Assert.Contains("needs 513 positions, more than the model's context of 512", error.Message);
        Assert.Contains("at most 13 new tokens", error.Message);
    }

    [Theory]
    [InlineData(513)]
    [InlineData(600)]
    public void APromptLongerThanTheContextIsRefusedAsSuch(int length)
    {
        using var session = Model.Value.CreateSession();
        var prompt = Enumerable.Repeat(Bos, length).ToArray();

        var error = Assert.Throws<ArgumentException>(() =>
            TextGeneration.Generate(session, prompt, GenerationOptions.Greedy with { MaxNewTokens = 1 }));

        Assert.Equal("prompt", error.ParamName);
        Assert.Contains($"The prompt ({length} tokens) is longer than the model's context of 512", error.Message);
        Assert.Contains($"Shorten it by at least {length - 512} tokens", error.Message);
        Assert.DoesNotContain("new tokens", error.Message);
    }

    [Fact]
    public void ThePromptIsReadOnceWhenGenerateIsCalled()
    {
        int[] expected = Run(GenerationOptions.Greedy with { MaxNewTokens = 20 }, new[] { Bos, 403 });
        using var session = Model.Value.CreateSession();
        var prompt = new List<int> { Bos, 403 };

        IEnumerable<int> tokens = TextGeneration.Generate(session, prompt, GenerationOptions.Greedy with { MaxNewTokens = 20 });
        prompt[1] = 407;
        prompt.Add(300);
        var received = new List<int>();
        foreach (int token in tokens)
        {
            received.Add(token);
            prompt.Add(token);
        }

        Assert.Equal(expected, received);
    }

    [Fact]
    public void CancellationIsSeenInsideALongPrefill()
    {
        using var cancellation = new CancellationTokenSource();
        using var session = new Sessions.ScriptedSession(vocabularySize: 16, contextLength: 64, prefillChunkTokens: 4)
        {
            AfterChunk = chunks =>
            {
                if (chunks == 3)
                {
                    cancellation.Cancel();
                }
            },
        };

        Assert.ThrowsAny<OperationCanceledException>(() =>
            TextGeneration.Generate(session, new int[40], GenerationOptions.Greedy with { MaxNewTokens = 4 }, cancellation.Token).ToArray());

        Assert.Equal(3, session.ChunksRun);
    }

    [Fact]
    public void NonFiniteLogitsAreRefusedNamingThePosition()
    {
        using var session = new Sessions.ScriptedSession(vocabularySize: 16, contextLength: 64) { NaNAtPosition = 6 };
        var received = new List<int>();

        var error = Assert.Throws<NonFiniteLogitsException>(() =>
        {
            foreach (int token in TextGeneration.Generate(session, new int[3], new GenerationOptions { Seed = 1, TopP = 0.9f, MaxNewTokens = 10 }))
            {
                received.Add(token);
            }
        });

        Assert.Equal(6, error.Position);
        Assert.Equal(3, error.Token);
        Assert.True(float.IsNaN(error.Value));
        Assert.Contains("position 6", error.Message);
        Assert.Equal(4, received.Count);
    }

    [Fact]
    public void TheWholeContextCanBeUsed()
    {
        using var session = Model.Value.CreateSession();
        var prompt = new[] { Bos }.Concat(Run(GenerationOptions.Greedy with { MaxNewTokens = 99 })).ToArray();

        int[] tail = TextGeneration.Generate(session, prompt, GenerationOptions.Greedy with { MaxNewTokens = 413 }).ToArray();

        Assert.Equal(413, tail.Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(512)]
    public void APromptTokenOutsideTheVocabularyIsRefused(int token)
    {
        using var session = Model.Value.CreateSession();

        var error = Assert.Throws<ArgumentException>(() =>
            TextGeneration.Generate(session, new[] { Bos, token }, GenerationOptions.Greedy));

        Assert.Contains($"Prompt token 1 is {token}, outside the vocabulary (0 to 511)", error.Message);
    }

    [Fact]
    public void AnEmptyPromptIsRefused()
    {
        using var session = Model.Value.CreateSession();

        Assert.Throws<ArgumentException>(() => TextGeneration.Generate(session, Array.Empty<int>(), GenerationOptions.Greedy));
    }

    [Theory]
    [InlineData(-0.5f, 1.0f, 0, "Temperature")]
    [InlineData(1.0f, 0.0f, 0, "TopP")]
    [InlineData(1.0f, 1.5f, 0, "TopP")]
    [InlineData(1.0f, 1.0f, -2, "TopK")]
    public void BadOptionsAreRefusedByName(float temperature, float topP, int topK, string name)
    {
        using var session = Model.Value.CreateSession();
        var options = new GenerationOptions { Temperature = temperature, TopP = topP, TopK = topK };

        var error = Assert.Throws<ArgumentException>(() => TextGeneration.Generate(session, new[] { Bos }, options));

        Assert.StartsWith(name, error.Message);
    }

    [Fact]
    public void CancellationStopsTheStream()
    {
        using var session = Model.Value.CreateSession();
        using var cancellation = new CancellationTokenSource();
        var received = new List<int>();

        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (int token in TextGeneration.Generate(session, new[] { Bos }, GenerationOptions.Greedy, cancellation.Token))
            {
                received.Add(token);
                if (received.Count == 5)
                {
                    cancellation.Cancel();
                }
            }
        });
        Assert.Equal(5, received.Count);
    }

    [Fact]
    public async Task TheAsyncStreamGivesTheSameTokens()
    {
        using var session = Model.Value.CreateSession();
        var options = GenerationOptions.Greedy with { MaxNewTokens = 50 };
        var received = new List<int>();

        await foreach (int token in TextGeneration.GenerateAsync(session, new[] { Bos }, options))
        {
            received.Add(token);
        }

        Assert.Equal(Run(options), received);
    }

    [Fact]
    public async Task TheAsyncStreamHonoursCancellation()
    {
        using var session = Model.Value.CreateSession();
        using var cancellation = new CancellationTokenSource();
        int count = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int token in TextGeneration.GenerateAsync(session, new[] { Bos }, GenerationOptions.Greedy, cancellation.Token))
            {
                if (++count == 3)
                {
                    cancellation.Cancel();
                }
            }
        });
        Assert.Equal(3, count);
    }
}
