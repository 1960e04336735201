using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Codegen.Gpu;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Gpu;

/// <summary>
/// The generated GPU sessions against the generated CPU sessions, on the ILGPU CPU accelerator: the same
/// logits (within 1e-4 of the largest logit) at every position, and the same greedy tokens.
/// </summary>
[Collection(GpuCollection.Name)]
public sealed class GpuParityTests
{
    private const int StoriesBos = 1;
    private const float Tolerance = 1e-4f;

    private readonly GpuFixture fixture;
    private readonly ITestOutputHelper output;

    public GpuParityTests(GpuFixture fixture, ITestOutputHelper output)
    {
        this.fixture = fixture;
        this.output = output;
    }

    [Fact]
    public void Stories260KLogitsMatchTheCpuAtEveryPosition()
    {
        using var cpu = fixture.Stories.CreateSession();
        using var gpu = fixture.Stories.CreateGpuSession(fixture.Device);
        AssertSameLogitsAlongTheGreedyPath(cpu, gpu, StoriesBos, positions: 32);
    }

    [Fact]
    public void Gpt2TinyLogitsMatchTheCpuAtEveryPosition()
    {
        using var cpu = fixture.Gpt2.CreateSession();
        using var gpu = fixture.Gpt2.CreateGpuSession(fixture.Device);
        AssertSameLogitsAlongTheGreedyPath(cpu, gpu, firstToken: 98, positions: 32);
    }

    [Fact]
    public void Bf16WeightsGiveTheLogitsOfTheCpuBf16Kernels()
    {
        var model = GpuStories260KBf16.Load(TestModels.Path("stories260K", "stories260K.bin"));
        using var cpu = model.CreateSession();
        using var gpu = model.CreateGpuSession(fixture.Device);
        AssertSameLogitsAlongTheGreedyPath(cpu, gpu, StoriesBos, positions: 20);
    }

    /// <summary>
    /// A Q4 model on the GPU multiplies its matrices' values (Q4_0 blocks, a Q8_0 classifier: exactly the file's
    /// values) by float32 inputs, so on a file whose every matrix is Q4_0 it gives the logits of a float32 CPU model
    /// loading the same file.
    /// </summary>
    [Fact]
    public void Q4WeightsGiveTheLogitsOfTheFilesValues()
    {
        string path = System.IO.Path.Combine(AppContext.BaseDirectory, "Golden", "llamacpp", "random-dim256-pure-Q4_0.gguf");
        using var cpu = EndToEnd.RandomDim256.Load(path).CreateSession();
        using var gpu = EndToEnd.RandomDim256Q4.Load(path).CreateGpuSession(fixture.Device);
        AssertSameLogitsAlongTheGreedyPath(cpu, gpu, StoriesBos, positions: 12);
    }

    [Fact]
    public void GroupsOfSeveralWarpsGiveTheSameLogits()
    {
        // Four warps of four threads a group and two groups at a time: the group reductions through shared
        // memory, attention's position slices and launches with fewer warps than rows all run.
        using GpuDevice device = GpuBackend.OpenCpuAccelerator(warpSize: 4, warpsPerGroup: 4, multiprocessors: 2);
        Assert.Equal(16, device.GroupSize);
        using (var cpu = fixture.Stories.CreateSession())
        using (var gpu = fixture.Stories.CreateGpuSession(device))
        {
            AssertSameLogitsAlongTheGreedyPath(cpu, gpu, StoriesBos, positions: 4);
        }

        using (var cpu = fixture.Gpt2.CreateSession())
        using (var gpu = fixture.Gpt2.CreateGpuSession(device))
        {
            AssertSameLogitsAlongTheGreedyPath(cpu, gpu, firstToken: 98, positions: 4);
        }
    }

    [Fact]
    public void Stories260KGreedyIdsMatchTheReference()
    {
        int[] expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-256.ids"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();
        Assert.Equal(256, expected.Length);

        using var gpu = fixture.Stories.CreateGpuSession(fixture.Device);
        var clock = Stopwatch.StartNew();
        int[] actual = TextGeneration.Generate(gpu, new[] { StoriesBos }, GenerationOptions.Greedy with { MaxNewTokens = 256 }).ToArray();
        output.WriteLine($"256 greedy tokens on {fixture.Device}: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Gpt2TinyGreedyIdsMatchTheCpu()
    {
        using var cpu = fixture.Gpt2.CreateSession();
        using var gpu = fixture.Gpt2.CreateGpuSession(fixture.Device);
        var options = GenerationOptions.Greedy with { MaxNewTokens = 64 };
        int[] prompt = { 98, 10, 400 };

        int[] onCpu = TextGeneration.Generate(cpu, prompt, options).ToArray();
        int[] onGpu = TextGeneration.Generate(gpu, prompt, options).ToArray();

        Assert.Equal(64, onCpu.Length);
        Assert.Equal(onCpu, onGpu);
    }

    [Fact]
    public void ArgMaxOnTheDeviceIsTheArgMaxOfTheLogits()
    {
        using var withLogits = fixture.Stories.CreateGpuSession(fixture.Device);
        using var withArgMax = fixture.Stories.CreateGpuSession(fixture.Device);
        int token = StoriesBos;
        for (int position = 0; position < 16; position++)
        {
            int expected = Sampler.ArgMax(withLogits.Forward(token, position));
            int actual = withArgMax.ForwardArgMax(token, position);
            Assert.Equal(expected, actual);
            token = actual;
        }
    }

    [Fact]
    public void PrefillGivesTheLogitsOfFeedingTokensOneByOne()
    {
        int[] prompt = { StoriesBos, 403, 407, 261, 1028 % GpuStories260K.Vocab };
        using var oneByOne = fixture.Stories.CreateGpuSession(fixture.Device);
        using var prefilled = fixture.Stories.CreateGpuSession(fixture.Device);
        float[] expected = Array.Empty<float>();
        for (int i = 0; i < prompt.Length; i++)
        {
            expected = oneByOne.Forward(prompt[i], i).ToArray();
        }

        float[] actual = ((IInferenceSession)prefilled).Prefill(prompt, 0).ToArray();

        Assert.Equal(expected, actual);
        Assert.Equal(prompt.Length, prefilled.NextPosition);
    }

    [Fact]
    public void ABadPromptIsRefusedWholeAndChangesNothing()
    {
        int[] prompt = { StoriesBos, 403, 407 };
        using var session = fixture.Stories.CreateGpuSession(fixture.Device);
        float[] expected = session.Forward(StoriesBos, 0).ToArray();
        session.Reset();

        // A prompt that runs past the context, one with a bad token at its end, one that skips a position:
        // each is checked before any of it runs, so the cache and the next position stay as they were.
        int[] tooLong = Enumerable.Repeat(StoriesBos, GpuStories260K.Context + 1).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => ((IInferenceSession)session).Prefill(tooLong, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((IInferenceSession)session).Prefill(new[] { StoriesBos, GpuStories260K.Vocab }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((IInferenceSession)session).Prefill(prompt, 1));
        Assert.Equal(0, session.NextPosition);

        Assert.Equal(expected, session.Forward(StoriesBos, 0).ToArray());
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Forward(StoriesBos, 1));
        Assert.Throws<ObjectDisposedException>(() => session.ForwardArgMax(StoriesBos, 1));
    }

    [Fact]
    public void SessionsOnOneDeviceDoNotShareState()
    {
        using var first = fixture.Stories.CreateGpuSession(fixture.Device);
        using var second = fixture.Stories.CreateGpuSession(fixture.Device);
        float[] alone = first.Forward(StoriesBos, 0).ToArray();

        second.Forward(StoriesBos, 0);
        second.Forward(400, 1);
        first.Reset();
        float[] again = first.Forward(StoriesBos, 0).ToArray();

        Assert.Equal(alone, again);
    }

    /// <summary>
    /// Feeds both sessions the CPU's greedy token at each position and compares the logits: every one within
    /// <see cref="Tolerance"/> times the largest |logit|, and the same most likely token.
    /// </summary>
    private void AssertSameLogitsAlongTheGreedyPath(IInferenceSession cpu, IInferenceSession gpu, int firstToken, int positions)
    {
        int token = firstToken;
        float worst = 0;
        string worstAt = "nowhere";
        for (int position = 0; position < positions; position++)
        {
            float[] expected = cpu.Forward(token, position).ToArray();
            float[] actual = gpu.Forward(token, position).ToArray();
            Assert.Equal(expected.Length, actual.Length);

            float scale = expected.Max(MathF.Abs);
            for (int i = 0; i < expected.Length; i++)
            {
                float relative = MathF.Abs(expected[i] - actual[i]) / scale;
                if (relative > worst)
                {
                    worst = relative;
                    worstAt = $"position {position}, logit {i} (CPU {expected[i]}, GPU {actual[i]})";
                }

                Assert.True(
                    relative <= Tolerance,
                    $"Position {position}, logit {i}: CPU {expected[i]}, GPU {actual[i]} differ by {relative:E2} of the largest |logit| {scale}.");
            }

            int next = Sampler.ArgMax(expected);
            Assert.Equal(next, Sampler.ArgMax(actual));
            token = next;
        }

        output.WriteLine($"{positions} positions: largest difference {worst:E2} of the largest |logit|, at {worstAt}");
    }
}
