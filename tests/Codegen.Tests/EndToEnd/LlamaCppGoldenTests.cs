using System;
using System.Linq;
using Codegen.Generation;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// Our generated code loading llama.cpp's GGUF files gives llama.cpp's own logits and greedy ids
/// (tests/Codegen.Tests/Golden/llamacpp/, written by tools/llamacpp-reference/make-goldens.sh from
/// llama.cpp v0.5.0 on the CPU with an F32 K/V cache; docs/gguf.md says how to rebuild them).
/// </summary>
public sealed class LlamaCppGoldenTests(ITestOutputHelper output)
{
    private const int Bos = 1;

    private static string Gguf(string name) =>
        name == "stories260K" ? TestModels.Path("stories260K", "stories260K.gguf") : TestModels.Path("stories260K", "gguf", name + ".gguf");

    private static IInferenceSession Open(string declaration, string path) => declaration switch
    {
        nameof(Stories260KModel) => Stories260KModel.Load(path).CreateSession(),
        nameof(Stories260KContext128) => Stories260KContext128.Load(path).CreateSession(),
        nameof(Stories260KContext128Untied) => Stories260KContext128Untied.Load(path).CreateSession(),
        nameof(Stories260KContext128Q8) => Stories260KContext128Q8.Load(path).CreateSession(),
        nameof(Stories260KContext128Q4Untied) => Stories260KContext128Q4Untied.Load(path).CreateSession(),
        _ => throw new ArgumentException($"no declaration {declaration}", nameof(declaration)),
    };

    /// <summary>
    /// The bound is on the largest |ours - llama.cpp| over the prompt's 5 x 512 logits, divided by the largest
    /// |llama.cpp logit| (about 18.9). Measured (bound in brackets):
    /// <list type="bullet">
    /// <item>F32 file: 2.7e-6 [2e-5]. Both sides are float32 with the same operations, so only the order of
    /// the sums differs (llama.cpp's SIMD blocks against ours); 2e-5 leaves room for other vector widths and
    /// still fails on any real mistake (a wrong RMSNorm eps or RoPE convention moves logits by 1e-3 and more).</item>
    /// <item>Quantized files: llama.cpp multiplies Q8_0, Q4_0 and Q5_0 weights by activations it has itself
    /// rounded to Q8_0 blocks (and F16 weights by F16 activations), while the float32 declarations dequantize
    /// the weights exactly and keep the activations in float32, so the difference is llama.cpp's activation
    /// rounding carried through 5 layers. Q8_0 file: 9.1e-3 [1.5e-2] with the float32 declaration, and
    /// 1.21e-2 [2e-2] with the Q8 declaration, which rounds the activations to 8 bits too but not in the
    /// same places. Q4_0: 1.10e-2 [2e-2]; Q4_K_M (Q5_0 and F16 tensors): 1.15e-2 [2e-2], both read with
    /// the untied declaration, whose classifier is output.weight as llama.cpp's is.</item>
    /// <item>The tied declaration on the 4-bit files uses the quantized token_embd as its classifier where
    /// llama.cpp uses output.weight (stored with more bits), so it is further off: Q4_0 12.4% [18%],
    /// Q4_K_M 5.5% [8%]. On the Q8_0 file both tensors are Q8_0 and tied equals untied.</item>
    /// <item>The Q4 declaration (4-bit layer matrices, 8-bit classifier) keeps the 4-bit file's Q4_0 blocks and its
    /// Q8_0 output.weight exactly, but quantizes the tensors the file keeps with more bits to 4 bits, as it was
    /// asked to: ffn_down, which llama.cpp left in F16 because 172 columns are not whole blocks, and on the
    /// Q4_K_M file every Q5_0 matrix. On a model this small (64-wide) those roundings move the logits by
    /// Q4_0 file 10.6% [15%], Q4_K_M file 15.2% [20%]; the top token stays llama.cpp's at every prompt position.
    /// Files whose matrices are all 4-bit are compared in <see cref="Q4DeclarationMatchesLlamaCppOnAllFourBitFiles"/>.</item>
    /// </list>
    /// </summary>
    [Theory]
    [InlineData("stories260K", nameof(Stories260KModel), 2e-5)]
    [InlineData("stories260K-Q8_0", nameof(Stories260KContext128), 0.015)]
    [InlineData("stories260K-Q8_0", nameof(Stories260KContext128Untied), 0.015)]
    [InlineData("stories260K-Q8_0", nameof(Stories260KContext128Q8), 0.02)]
    [InlineData("stories260K-Q4_0", nameof(Stories260KContext128Untied), 0.02)]
    [InlineData("stories260K-Q4_K_M", nameof(Stories260KContext128Untied), 0.02)]
    [InlineData("stories260K-Q4_0", nameof(Stories260KContext128), 0.18)]
    [InlineData("stories260K-Q4_K_M", nameof(Stories260KContext128), 0.08)]
    [InlineData("stories260K-Q4_0", nameof(Stories260KContext128Q4Untied), 0.15)]
    [InlineData("stories260K-Q4_K_M", nameof(Stories260KContext128Q4Untied), 0.2)]
    public void PromptLogitsAreCloseToLlamaCpps(string file, string declaration, double bound)
    {
        LlamaCppGolden golden = LlamaCppGolden.Read(file);
        using IInferenceSession session = Open(declaration, Gguf(file));

        double scale = golden.Logits.Max(row => row.Max(Math.Abs));
        double largest = 0;
        int sameTop = 0;
        for (int position = 0; position < golden.Prompt.Length; position++)
        {
            float[] ours = session.Forward(golden.Prompt[position], position).ToArray();
            float[] theirs = golden.Logits[position];
            Assert.Equal(theirs.Length, ours.Length);
            largest = Math.Max(largest, ours.Zip(theirs, (a, b) => Math.Abs((double)a - b)).Max());
            sameTop += ArgMax(ours) == ArgMax(theirs) ? 1 : 0;
        }

        double relative = largest / scale;
        output.WriteLine($"{file} / {declaration}: largest |ours - llama.cpp| {largest:G4} = {relative:E3} of the largest |logit| ({scale:F3}); same top token at {sameTop} of {golden.Prompt.Length} positions");
        Assert.True(relative <= bound, $"{file} / {declaration}: {relative:E3} of the largest |logit|, over the bound {bound:E1}");
        Assert.Equal(golden.Prompt.Length, sameTop);
    }

    /// <summary>100 greedy ids from BOS, one forward per token, equal to llama.cpp's.</summary>
    [Theory]
    [InlineData("stories260K", nameof(Stories260KModel))]
    [InlineData("stories260K-Q8_0", nameof(Stories260KContext128))]
    [InlineData("stories260K-Q8_0", nameof(Stories260KContext128Untied))]
    [InlineData("stories260K-Q4_0", nameof(Stories260KContext128Untied))]
    [InlineData("stories260K-Q4_K_M", nameof(Stories260KContext128Untied))]
    public void GreedyIdsFromBosAreLlamaCpps(string file, string declaration)
    {
        int[] expected = LlamaCppGolden.Read(file).Greedy;

        GreedyParting? parting = FirstParting(file, declaration, expected);

        Assert.True(parting is null, $"{file} / {declaration}: {parting}");
        output.WriteLine($"{file} / {declaration}: the {expected.Length} greedy ids equal llama.cpp's");
    }

    /// <summary>
    /// The Q8 declaration (8-bit activations rounded its own way) follows llama.cpp's greedy ids on the Q8_0
    /// file for 71 steps and parts at step 71 on a near tie: there our top id, 316, is 0.0021 above llama.cpp's
    /// 310 in our logits (logits span about 19). This pins that: no earlier parting, and only on a gap under 0.01.
    /// </summary>
    [Fact]
    public void Q8DeclarationFollowsLlamaCppsGreedyIdsUntilANearTie()
    {
        int[] expected = LlamaCppGolden.Read("stories260K-Q8_0").Greedy;

        GreedyParting? parting = FirstParting("stories260K-Q8_0", nameof(Stories260KContext128Q8), expected);

        output.WriteLine(parting?.ToString() ?? "no parting in 100 steps");
        if (parting is not null)
        {
            Assert.True(parting.Step >= 71, parting.ToString());
            Assert.True(parting.Gap < 0.01, parting.ToString());
        }
    }

    /// <summary>
    /// The Q4 declaration on the 4-bit stories260K files follows llama.cpp's greedy ids until its 4-bit ffn_down
    /// (F16 in the files; Q5_0 matrices too on the Q4_K_M file) has moved a choice: measured, step 27 on the Q4_0
    /// file (gap 0.27) and step 38 on the Q4_K_M file (gap 0.088). This pins those: no earlier parting.
    /// </summary>
    [Theory]
    [InlineData("stories260K-Q4_0", 27)]
    [InlineData("stories260K-Q4_K_M", 38)]
    public void Q4DeclarationFollowsLlamaCppsGreedyIdsUntilItsRequantizedMatricesTell(string file, int measuredStep)
    {
        int[] expected = LlamaCppGolden.Read(file).Greedy;

        GreedyParting? parting = FirstParting(file, nameof(Stories260KContext128Q4Untied), expected);

        output.WriteLine(parting?.ToString() ?? "no parting in 100 steps");
        Assert.True(parting is null || parting.Step >= measuredStep, parting?.ToString());
    }

    private static GreedyParting? FirstParting(string file, string declaration, int[] expected)
    {
        using IInferenceSession session = Open(declaration, Gguf(file));
        return GreedyParting.Find(session, expected);
    }

    private static int ArgMax(float[] values) => GreedyParting.ArgMax(values);
}
