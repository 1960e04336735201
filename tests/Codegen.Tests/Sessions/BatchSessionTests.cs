using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Codegen.Sessions;
using Codegen.Tests.EndToEnd;
using Codegen.Tests.Forward;
using Codegen.Tests.Kernels;
using Xunit;

namespace Codegen.Tests.Sessions;

/// <summary>
/// The batch session: several sequences, each with its own KV cache and position, decoded in one pass. Every
/// sequence's logits must be those of running it alone, whoever else is in the step, and whenever sequences
/// join and leave.
/// </summary>
public sealed class BatchSessionTests
{
    private static readonly Lazy<Stories260KModel> Stories =
        new(() => Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")));

    public static TheoryData<string> Models => ForwardCase.Models;

    /// <summary>
    /// Three sequences with prompts of different lengths (one past a 64-row chunk) decode together; every sequence's
    /// logits after its prompt and at every later step match the float64 reference of that sequence alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void EachSequenceGetsTheReferenceLogitsOfRunningItAlone(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int context = forwardCase.Dims.Context;
        int steps = Math.Min(context, 90);
        int[][] tokens = { forwardCase.Tokens(steps, seed: 501), forwardCase.Tokens(steps, seed: 502), forwardCase.Tokens(steps, seed: 503) };
        int[] prompts = { 1, Math.Min(context - 8, 66), 7 };
        double[][][] expected = tokens.Select(forwardCase.Reference).ToArray();

        using CpuBatchSessionBase batch = forwardCase.OpenBatchSession(maxSequences: 3);
        int[] sequences = new int[3];
        for (int s = 0; s < 3; s++)
        {
            sequences[s] = batch.Join();
            ForwardParityTests.AssertLogits(
                expected[s][prompts[s] - 1],
                batch.Prefill(sequences[s], tokens[s].AsSpan(0, prompts[s])),
                $"{model}: sequence {s} after its prompt of {prompts[s]}");
        }

        int[] stepSequences = new int[3];
        int[] stepTokens = new int[3];
        for (int step = 0; ; step++)
        {
            // Each sequence feeds its next token while it has one; the others sit the step out.
            int rows = 0;
            for (int s = 0; s < 3; s++)
            {
                int position = prompts[s] + step;
                if (position < steps)
                {
                    stepSequences[rows] = sequences[s];
                    stepTokens[rows] = tokens[s][position];
                    rows++;
                }
            }

            if (rows == 0)
            {
                break;
            }

            batch.Decode(stepSequences.AsSpan(0, rows), stepTokens.AsSpan(0, rows));
            for (int s = 0; s < 3; s++)
            {
                int position = prompts[s] + step;
                if (position < steps)
                {
                    Assert.Equal(position + 1, batch.NextPosition(sequences[s]));
                    ForwardParityTests.AssertLogits(expected[s][position], batch.Logits(sequences[s]), $"{model}: sequence {s} at position {position} in a step of {rows}");
                }
            }
        }
    }

    /// <summary>
    /// stories260K with eight sequences that join and leave between steps (a left sequence's number is taken by a
    /// new one, its cache reused): each sequence's logits at every step equal a single session's on the same tokens.
    /// </summary>
    [Fact]
    public void SequencesJoinAndLeaveBetweenStepsAndEachMatchesASingleSession()
    {
        Stories260KModel model = Stories.Value;
        using Stories260KModel.CpuBatchSession batch = model.CreateBatchSession(maxSequences: 8);
        var random = new Random(7);
        var running = new List<Running>();
        int started = 0;
        for (int step = 0; step < 120; step++)
        {
            // New sequences join while there is room (some steps), each with a prompt of its own length.
            while (batch.ActiveSequences < batch.MaxSequences && (running.Count == 0 || random.Next(4) == 0))
            {
                int promptLength = 1 + random.Next(started == 3 ? 80 : 12);
                int[] prompt = Enumerable.Range(0, promptLength).Select(_ => random.Next(Stories260KModel.Vocab)).ToArray();
                var alone = model.CreateSession();
                int sequence = batch.Join();
                float[] fromBatch = batch.Prefill(sequence, prompt).ToArray();
                AssertSameLogits(alone.Prefill(prompt, 0), fromBatch, $"sequence #{started} after its prompt of {promptLength}");
                running.Add(new Running(sequence, alone, promptLength, started++));
            }

            int[] sequences = running.Select(r => r.Sequence).ToArray();
            int[] tokens = running.Select(_ => random.Next(Stories260KModel.Vocab)).ToArray();
            batch.Decode(sequences, tokens);
            for (int i = 0; i < running.Count; i++)
            {
                Running r = running[i];
                ReadOnlySpan<float> expected = r.Alone.Forward(tokens[i], r.NextPosition);
                AssertSameLogits(expected, batch.Logits(r.Sequence), $"sequence #{r.Number} at position {r.NextPosition}, step {step} of {running.Count} rows");
                r.NextPosition++;
            }

            // Some leave; the finished ones (near the end of the context) always do.
            for (int i = running.Count - 1; i >= 0; i--)
            {
                if (random.Next(10) == 0 || running[i].NextPosition >= Stories260KModel.Context - 1)
                {
                    batch.Leave(running[i].Sequence);
                    running[i].Alone.Dispose();
                    running.RemoveAt(i);
                }
            }
        }

        Assert.True(started > 8, $"only {started} sequences joined: the test should reuse sequence numbers");
        foreach (Running r in running)
        {
            r.Alone.Dispose();
        }
    }

    /// <summary>
    /// The stored formats (bf16 from the llama2.c file; Q8_0 and Q4_0 blocks from llama.cpp's GGUF files, the Q4
    /// model with its 8-bit classifier): four sequences decoding together match single sessions on the same tokens.
    /// </summary>
    [Theory]
    [InlineData("BF16")]
    [InlineData("Q8")]
    [InlineData("Q4")]
    public void QuantizedSequencesMatchSingleSessions(string format)
    {
        (Func<IInferenceSession> openAlone, Func<int, CpuBatchSessionBase> openBatch) = format switch
        {
            "BF16" => Openers(Stories260KBf16.Load(TestModels.Path("stories260K", "stories260K.bin"))),
            "Q8" => Openers(Stories260KContext128Q8.Load(TestModels.Path("stories260K", "gguf", "stories260K-Q8_0.gguf"))),
            _ => Openers(Stories260KContext128Q4Untied.Load(TestModels.Path("stories260K", "gguf", "stories260K-Q4_0.gguf"))),
        };
        int[] promptLengths = { 3, 20, 70, 1 };
        var random = new Random(11);
        using CpuBatchSessionBase batch = openBatch(promptLengths.Length);
        var alone = new IInferenceSession[promptLengths.Length];
        int[] sequences = new int[promptLengths.Length];
        for (int s = 0; s < promptLengths.Length; s++)
        {
            int[] prompt = Enumerable.Range(0, promptLengths[s]).Select(_ => random.Next(batch.VocabularySize)).ToArray();
            alone[s] = openAlone();
            sequences[s] = batch.Join();
            float[] fromBatch = batch.Prefill(sequences[s], prompt).ToArray();
            AssertSameLogits(alone[s].Prefill(prompt, 0), fromBatch, $"{format}: sequence {s} after its prompt", 1e-4);
        }

        for (int step = 0; step < 30; step++)
        {
            int[] tokens = sequences.Select(_ => random.Next(batch.VocabularySize)).ToArray();
            batch.Decode(sequences, tokens);
            for (int s = 0; s < sequences.Length; s++)
            {
                AssertSameLogits(alone[s].Forward(tokens[s], promptLengths[s] + step), batch.Logits(sequences[s]), $"{format}: sequence {s} at step {step}", 1e-4);
            }
        }

        foreach (IInferenceSession session in alone)
        {
            session.Dispose();
        }
    }

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories260KBf16 model) => (model.CreateSession, model.CreateBatchSession);

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories260KContext128Q8 model) => (model.CreateSession, model.CreateBatchSession);

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories260KContext128Q4Untied model) => (model.CreateSession, model.CreateBatchSession);

    /// <summary>README's "Several sequences at once" example, as written there: the greedy sequence tells what a single session tells.</summary>
    [Fact]
    public void TheReadmeExampleRuns()
    {
        Stories260KModel model = Stories.Value;
        var tokenizer = Codegen.Tokenizers.Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), Stories260KModel.Vocab);
        var greedyAlone = new System.Collections.Generic.List<int>();
        using (var alone = model.CreateSession())
        {
            int[] prompt = tokenizer.Encode("Once upon a time", addBos: true);
            int token = Codegen.Generation.Sampler.ArgMax(alone.Prefill(prompt, 0));
            for (int step = 0; step < 50; step++)
            {
                greedyAlone.Add(token);
                token = Codegen.Generation.Sampler.ArgMax(alone.Forward(token, prompt.Length + step));
            }
        }

        var greedyInBatch = new System.Collections.Generic.List<int>();
        using var batch = model.CreateBatchSession(maxSequences: 4);   // model and tokenizer as above
        int a = batch.Join(), b = batch.Join();
        var samplerA = new Codegen.Generation.Sampler(batch.VocabularySize, Codegen.Generation.GenerationOptions.Greedy);
        var samplerB = new Codegen.Generation.Sampler(batch.VocabularySize, new Codegen.Generation.GenerationOptions { Temperature = 0.8f, Seed = 7 });
        int nextA = samplerA.Sample(batch.Prefill(a, tokenizer.Encode("Once upon a time", addBos: true)));
        int nextB = samplerB.Sample(batch.Prefill(b, tokenizer.Encode("The cat", addBos: true)));
        for (int step = 0; step < 50; step++)
        {
            greedyInBatch.Add(nextA);
            batch.Decode(new[] { a, b }, new[] { nextA, nextB });   // one pass over the weights for both
            nextA = samplerA.Sample(batch.Logits(a));
            nextB = samplerB.Sample(batch.Logits(b));
        }

        Assert.Equal(greedyAlone, greedyInBatch);
    }

    [Fact]
    public void BadCallsAreRefusedAndLeaveEverySequenceAsItWas()
    {
        Stories260KModel model = Stories.Value;
        using Stories260KModel.CpuBatchSession batch = model.CreateBatchSession(maxSequences: 2);
        using Stories260KModel.CpuSession alone = model.CreateSession();
        int a = batch.Join();
        int b = batch.Join();
        Assert.Contains("All 2 sequences", Assert.Throws<InvalidOperationException>(() => batch.Join()).Message);
        batch.Prefill(a, new[] { 1, 2, 3 });
        alone.Prefill(new[] { 1, 2, 3 }, 0);

        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(() => batch.Decode(new[] { a, a }, new[] { 5, 6 })).Message);
        Assert.Contains("one token per sequence", Assert.Throws<ArgumentException>(() => batch.Decode(new[] { a }, new[] { 5, 6 })).Message);
        Assert.Contains("at least one sequence", Assert.Throws<ArgumentException>(() => batch.Decode(Array.Empty<int>(), Array.Empty<int>())).Message);
        Assert.Contains("token ids run from 0 to 511", Assert.Throws<ArgumentOutOfRangeException>(() => batch.Decode(new[] { a, b }, new[] { 5, 512 })).Message);
        Assert.Contains("numbered 0 to 1", Assert.Throws<ArgumentOutOfRangeException>(() => batch.Decode(new[] { 2 }, new[] { 5 })).Message);
        Assert.Contains("no logits", Assert.Throws<InvalidOperationException>(() => batch.Logits(b)).Message);
        batch.Leave(b);
        Assert.Contains("not active", Assert.Throws<ArgumentException>(() => batch.Decode(new[] { a, b }, new[] { 5, 6 })).Message);
        Assert.Contains("not active", Assert.Throws<ArgumentException>(() => batch.Leave(b)).Message);
        Assert.Contains("not active", Assert.Throws<ArgumentException>(() => batch.Prefill(b, new[] { 1 })).Message);
        Assert.Throws<ArgumentException>(() => batch.Prefill(a, ReadOnlySpan<int>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Prefill(a, new int[Stories260KModel.Context]));

        // Sequence a is still at position 3 and continues as the single session does.
        Assert.Equal(3, batch.NextPosition(a));
        batch.Decode(new[] { a }, new[] { 9 });
        AssertSameLogits(alone.Forward(9, 3), batch.Logits(a), "sequence a after the refused calls");

        Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateBatchSession(0));
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batch.Decode(new[] { a }, new[] { 1 }));
        Assert.Throws<ObjectDisposedException>(() => batch.Join());
    }

    [Fact]
    public void ASequenceAtTheEndOfTheContextIsRefusedANewToken()
    {
        using Stories260KShortContext.CpuBatchSession batch = Stories260KShortContext.Load(TestModels.Path("stories260K", "stories260K.bin")).CreateBatchSession(2);
        int a = batch.Join();
        int b = batch.Join();
        batch.Prefill(a, new int[Stories260KShortContext.Context]);
        batch.Prefill(b, new[] { 1 });
        var error = Assert.Throws<ArgumentException>(() => batch.Decode(new[] { b, a }, new[] { 1, 1 }));
        Assert.Contains($"Sequence {a} has filled the model's Context of {Stories260KShortContext.Context}", error.Message);
        Assert.Equal(1, batch.NextPosition(b));
    }

    [Fact]
    public void CancelledPrefillLeavesTheSequenceWhereItWas()
    {
        Stories260KModel model = Stories.Value;
        using Stories260KModel.CpuBatchSession batch = model.CreateBatchSession(maxSequences: 2);
        using Stories260KModel.CpuSession alone = model.CreateSession();
        int a = batch.Join();
        batch.Prefill(a, new[] { 1, 20, 30 });
        alone.Prefill(new[] { 1, 20, 30 }, 0);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => batch.Prefill(a, new int[100], cancelled.Token));
        Assert.Equal(3, batch.NextPosition(a));
        AssertSameLogits(alone.Prefill(new[] { 40, 41 }, 3), batch.Prefill(a, new[] { 40, 41 }), "after the cancelled prefill");
    }

    [Fact]
    public void ADecodeStepAllocatesNothing()
    {
        Stories260KModel model = Stories.Value;
        using Stories260KModel.CpuBatchSession batch = model.CreateBatchSession(maxSequences: 4);
        int[] sequences = Enumerable.Range(0, 4).Select(_ => batch.Join()).ToArray();
        foreach (int sequence in sequences)
        {
            batch.Prefill(sequence, new[] { 1, sequence + 5 });
        }

        int[] tokens = { 3, 4, 5, 6 };
        batch.Decode(sequences, tokens);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            batch.Decode(sequences, tokens);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Batch and single-session logits of one sequence: the same operations in another order of float sums.</summary>
    private static void AssertSameLogits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double tolerance = 1e-5)
    {
        double[] expectedValues = new double[expected.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            expectedValues[i] = expected[i];
        }

        Approx.CloseRelativeToMax(expectedValues, actual, tolerance, what);
    }

    private sealed class Running(int sequence, Stories260KModel.CpuSession alone, int nextPosition, int number)
    {
        public int Sequence { get; } = sequence;

        public Stories260KModel.CpuSession Alone { get; } = alone;

        public int NextPosition { get; set; } = nextPosition;

        public int Number { get; } = number;
    }
}
