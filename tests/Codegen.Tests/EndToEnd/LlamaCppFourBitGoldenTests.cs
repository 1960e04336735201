using System;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>The random-dim256 shape with 4-bit layer matrices and an 8-bit classifier: what tools/gguf-declaration prints for its all-4-bit files.</summary>
[TransformerModel(DModel = 256, Heads = 4, KvHeads = 2, Layers = 2, FfnDim = 768, Vocab = 512, Context = 128, TiedEmbeddings = false, Weights = WeightFormat.Q4)]
internal partial class RandomDim256Q4
{
}

/// <summary>
/// The Q4 declaration on GGUF files whose every matrix is 4-bit (llama-quantize --pure, the classifier and token
/// embedding Q8_0; made by tools/llamacpp-reference/make-kquant-goldens.sh from the seeded random dim-256 model):
/// its matrices are the files' blocks (Q4_0, Q4_1 exactly; Q4_K with float16 sub-block scales), its products
/// quantize the activations to 8-bit blocks as llama.cpp's do, so its logits follow llama.cpp's closely.
/// </summary>
public sealed class LlamaCppFourBitGoldenTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bound on the largest |ours - llama.cpp| over the 5 prompt positions' 512 logits, over the largest |logit|
    /// (about 6 on this random model). Both sides round every product's activations to 8-bit blocks, each its own
    /// way (llama.cpp keeps a block's scale in float16 and, for Q4_K, uses blocks of 256), and on this shape that
    /// rounding alone moves the logits by 2-3% of the largest: ours against our float32 declaration on the same
    /// file 2.35e-2 (Q4_0) and 2.06e-2 (Q4_K), llama.cpp's against exact arithmetic 2-3% (docs/gguf.md). Measured
    /// against llama.cpp's quantized path, bound in brackets: Q4_0 2.38e-2 [3.5e-2], Q4_1 2.27e-2 [3.5e-2], Q4_K 3.02e-2 [4e-2].
    /// The top token is llama.cpp's at every prompt position.
    /// </summary>
    [Theory]
    [InlineData("random-dim256-pure-Q4_0", 0.035)]
    [InlineData("random-dim256-pure-Q4_1", 0.035)]
    [InlineData("random-dim256-pure-Q4_K", 0.04)]
    public void PromptLogitsFollowLlamaCpps(string file, double bound)
    {
        LlamaCppGolden golden = LlamaCppGolden.Read(file);
        using IInferenceSession session = RandomDim256Q4.Load(Gguf(file)).CreateSession();

        double scale = golden.Logits.Max(row => row.Max(Math.Abs));
        double largest = 0;
        for (int position = 0; position < golden.Prompt.Length; position++)
        {
            float[] ours = session.Forward(golden.Prompt[position], position).ToArray();
            largest = Math.Max(largest, ours.Zip(golden.Logits[position], (a, b) => Math.Abs((double)a - b)).Max());
            Assert.Equal(ArgMax(golden.Logits[position]), ArgMax(ours));
        }

        output.WriteLine($"{file}: largest |ours - llama.cpp| {largest:G4} = {largest / scale:E3} of the largest |logit| ({scale:F3})");
        Assert.True(largest / scale <= bound, $"{file}: {largest / scale:E3} of the largest |logit|, over the bound {bound:E1}");
    }

    /// <summary>
    /// 100 greedy ids from BOS against llama.cpp's: they part where the two activation roundings tip a near tie,
    /// measured at step 18 for Q4_0 (gap 0.074), 28 for Q4_1 (gap 0.068) and 24 for Q4_K (gap 0.037). Pinned: no earlier
    /// parting, and only on a gap under 0.15 (the size of the prompt logits' largest difference).
    /// </summary>
    [Theory]
    [InlineData("random-dim256-pure-Q4_0", 18)]
    [InlineData("random-dim256-pure-Q4_1", 28)]
    [InlineData("random-dim256-pure-Q4_K", 24)]
    public void GreedyIdsFollowLlamaCppsUntilANearTie(string file, int measuredStep)
    {
        int[] expected = LlamaCppGolden.Read(file).Greedy;
        using IInferenceSession session = RandomDim256Q4.Load(Gguf(file)).CreateSession();

        GreedyParting? parting = GreedyParting.Find(session, expected);

        output.WriteLine($"{file}: {parting?.ToString() ?? $"all {expected.Length} greedy ids equal llama.cpp's"}");
        if (parting is not null)
        {
            Assert.True(parting.Step >= measuredStep, $"{file}: {parting}, before the measured step {measuredStep}");
            Assert.True(parting.Gap < 0.15, $"{file}: {parting}");
        }
    }

    private static string Gguf(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "llamacpp", name + ".gguf");

    private static int ArgMax(float[] values) => GreedyParting.ArgMax(values);
}
