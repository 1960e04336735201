using System;
using System.IO;
using System.Linq;
using System.Text;
using Codegen.Generation;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// The generated llama2.c-family <c>Load(path)</c> reading GGUF files: told apart from a checkpoint by
/// content, checked against the declared shape by key, and giving the checkpoint's logits.
/// </summary>
public sealed class GgufLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Bos = 1;
    private static readonly int[] Prompt = [Bos, 403, 407, 261, 400, 290, 311, 500];

    private readonly string folder = Directory.CreateTempSubdirectory("codegen-gguf-").FullName;

    private static string Checkpoint => TestModels.Path("stories260K", "stories260K.bin");

    private static string F32Gguf => TestModels.Path("stories260K", "stories260K.gguf");

    private static string Quantized(string type) => TestModels.Path("stories260K", "gguf", $"stories260K-{type}.gguf");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void F32GgufGivesTheCheckpointsLogits()
    {
        float[][] fromCheckpoint = Logits(Stories260KModel.Load(Checkpoint).CreateSession());
        float[][] fromGguf = Logits(Stories260KModel.Load(F32Gguf).CreateSession());

        double difference = MaxAbsoluteDifference(fromCheckpoint, fromGguf);
        output.WriteLine($"F32 GGUF vs checkpoint: largest logit difference {difference} over {Prompt.Length} positions");
        Assert.True(difference <= 1e-5, $"logits differ by {difference}");
    }

    [Fact]
    public void F32GgufGreedyIdsMatchTheReference()
    {
        int[] expected = File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-256.ids"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();
        using var session = Stories260KModel.Load(F32Gguf).CreateSession();

        int[] actual = TextGeneration.Generate(session, [Bos], GenerationOptions.Greedy with { MaxNewTokens = 256 }).ToArray();

        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// Quantized weights move the logits by an amount that grows with the quantization step; this
    /// 260K-parameter model has 64-wide rows, so 4- and 5-bit blocks cost it much. Measured over the
    /// prompt (largest |difference| / largest |F32 logit|, 18.87): Q8_0 1.94% (same top token at 8 of 8
    /// positions), Q4_K_M (Q5_0 and F16 here) 18.7% (8 of 8), Q4_0 30.4% (5 of 8). The classifier is
    /// the token embedding (the declaration ties them), so Q4_0's classifier is its Q4_0 token_embd, not
    /// the Q8_0 output.weight llama.cpp would use. A Q4_0 dequantizer reading its nibbles in the other
    /// order gives 156%.
    /// </summary>
    [Theory]
    [InlineData("Q8_0", 0.05)]
    [InlineData("Q4_K_M", 0.25)]
    [InlineData("Q4_0", 0.35)]
    public void QuantizedGgufLogitsAreCloseToF32(string type, double bound)
    {
        float[][] reference = Logits(Stories260KContext128.Load(F32Gguf).CreateSession());
        float[][] quantized = Logits(Stories260KContext128.Load(Quantized(type)).CreateSession());

        double scale = reference.Max(row => row.Max(Math.Abs));
        double relative = MaxAbsoluteDifference(reference, quantized) / scale;
        int sameArgmax = reference.Zip(quantized).Count(pair => ArgMax(pair.First) == ArgMax(pair.Second));
        output.WriteLine($"{type}: largest logit difference {relative:P2} of the largest |logit| ({scale:F3}); same top token at {sameArgmax} of {Prompt.Length} positions");
        Assert.True(relative <= bound, $"{type}: logits differ by {relative:P2} of the largest |logit|, over the {bound:P0} bound");
    }

    /// <summary>
    /// A Q8 declaration loaded from the Q8_0 file holds llama.cpp's blocks as they are (ffn_down, F16 there,
    /// is quantized from float32); loaded from the F32 file, it quantizes the original weights itself. Both
    /// quantize once. Measured (largest difference / largest F32 logit, the Q8 kernels also rounding the
    /// activations to 8 bits): 3.15% from F32 when loaded from the F32 file, 3.08% when loaded from the
    /// Q8_0 file, 3.37% apart.
    /// </summary>
    [Fact]
    public void Q8DeclarationFromAQ8_0FileIsAsCloseToF32AsFromTheF32File()
    {
        float[][] f32 = Logits(Stories260KContext128.Load(F32Gguf).CreateSession());
        float[][] q8FromF32 = Logits(Stories260KContext128Q8.Load(F32Gguf).CreateSession());
        float[][] q8FromQ8_0 = Logits(Stories260KContext128Q8.Load(Quantized("Q8_0")).CreateSession());

        double scale = f32.Max(row => row.Max(Math.Abs));
        double once = MaxAbsoluteDifference(f32, q8FromF32) / scale;
        double twice = MaxAbsoluteDifference(f32, q8FromQ8_0) / scale;
        double between = MaxAbsoluteDifference(q8FromF32, q8FromQ8_0) / scale;
        output.WriteLine($"Q8 declaration vs F32: from the F32 file {once:P3}, from the Q8_0 file {twice:P3}; between the two {between:P3} of the largest |logit|");
        Assert.True(between <= 0.05, $"{between:P3}");
    }

    [Fact]
    public void LoadsTheTinyRandomF16LlamaWithItsSeparateClassifier()
    {
        var model = LlamaTinyRandomGguf.Load(TestModels.Path("gguf-tiny-random", "llama-2-tiny-random.gguf"));
        using var session = model.CreateSession();

        float[] logits = session.Forward(Bos, 0).ToArray();

        Assert.NotSame(model.Weights.TokenEmbedding, model.Weights.Unembedding);
        Assert.Equal(32000, logits.Length);
        Assert.All(logits, value => Assert.True(float.IsFinite(value)));
        Assert.Contains(logits, value => value != 0);
    }

    [Fact]
    public void RecognizesGgufByContentNotByName()
    {
        string renamed = Path.Combine(folder, "model.bin");
        File.Copy(F32Gguf, renamed);

        var model = Stories260KModel.Load(renamed);

        Assert.Equal("layers[2].key", model.Weights.Layers[2].Key.Name);
        Assert.Same(model.Weights.TokenEmbedding, model.Weights.Unembedding);
    }

    [Fact]
    public void OtherWeightFormatsConvertFromGguf()
    {
        float[][] f32 = Logits(Stories260KModel.Load(F32Gguf).CreateSession());
        float[][] bf16FromGguf = Logits(Stories260KBf16.Load(F32Gguf).CreateSession());
        float[][] bf16FromCheckpoint = Logits(Stories260KBf16.Load(Checkpoint).CreateSession());

        Assert.True(MaxAbsoluteDifference(bf16FromGguf, bf16FromCheckpoint) <= 1e-5);
        Assert.True(MaxAbsoluteDifference(f32, bf16FromGguf) > 0);
    }

    [Fact]
    public void UntiedDeclarationReadsOutputWeight()
    {
        var model = Stories260KUntied.Load(F32Gguf);

        Assert.NotSame(model.Weights.TokenEmbedding, model.Weights.Unembedding);
        Assert.Equal(model.Weights.TokenEmbedding.Values.ToArray(), model.Weights.Unembedding.Values.ToArray());
    }

    [Fact]
    public void MetadataThatDisagreesIsRefusedByKey()
    {
        var layers = Assert.Throws<ModelLoadException>(() => Stories260KWrongLayers.Load(F32Gguf));
        Assert.Equal(F32Gguf, layers.FilePath);
        Assert.Contains("metadata key 'llama.block_count' is 5, but the model declares Layers = 4", layers.Message);

        var kvHeads = Assert.Throws<ModelLoadException>(() => Stories260KWrongKvHeads.Load(F32Gguf));
        Assert.Contains("metadata key 'llama.attention.head_count_kv' is 4, but the model declares KvHeads = 8", kvHeads.Message);

        var context = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(Quantized("Q8_0")));
        Assert.Contains("metadata key 'llama.context_length' is 128, shorter than the model's declared Context 512", context.Message);
    }

    [Fact]
    public void ArchitectureOtherThanLlamaIsRefused()
    {
        byte[] bytes = File.ReadAllBytes(F32Gguf);
        int key = bytes.AsSpan().IndexOf("general.architecture"u8);
        int value = key + "general.architecture".Length + 4 + 8;
        Assert.Equal("llama", Encoding.ASCII.GetString(bytes, value, 5));
        bytes[value + 4] = (byte)'x';
        string path = Path.Combine(folder, "llamx.gguf");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains("metadata key 'general.architecture' is \"llamx\"", error.Message);
    }

    private static float[][] Logits(IInferenceSession session)
    {
        using (session)
        {
            return Prompt.Select((token, position) => session.Forward(token, position).ToArray()).ToArray();
        }
    }

    private static double MaxAbsoluteDifference(float[][] expected, float[][] actual)
    {
        double largest = 0;
        for (int row = 0; row < expected.Length; row++)
        {
            for (int i = 0; i < expected[row].Length; i++)
            {
                largest = Math.Max(largest, Math.Abs((double)expected[row][i] - actual[row][i]));
            }
        }

        return largest;
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
