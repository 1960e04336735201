using System;
using System.Collections.Generic;
using Codegen.Formats.Gguf;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// A <c>WeightFormat.Q4</c> model loaded from stories260K-Q4_0.gguf: every Q4_0 matrix holds the file's values
/// exactly (its blocks converted, not requantized from float32), the Q8_0 classifier is the file's blocks too,
/// and the F16 ffn_down matrices are quantized from their float32 values.
/// </summary>
public sealed class GgufQ4InPlaceTests(ITestOutputHelper output)
{
    private static string Q4_0Gguf => TestModels.Path("stories260K", "gguf", "stories260K-Q4_0.gguf");

    [Fact]
    public void Q4_0MatricesHoldTheFilesValuesExactly()
    {
        var model = Stories260KContext128Q4Untied.Load(Q4_0Gguf);
        using GgufFile file = GgufFile.Open(Q4_0Gguf);
        int checkedMatrices = 0, requantizedDifferences = 0;
        foreach ((string ggufName, Q4Matrix matrix) in Matrices(model))
        {
            GgufTensorInfo tensor = file.RequireTensor(ggufName);
            float[] values = file.ReadAsFloat32(tensor);
            if (tensor.Type != GgmlType.Q4_0)
            {
                // ffn_down is F16 in this file (172 columns are not whole Q4_0 blocks): quantized from float32.
                Assert.Equal(GgmlType.F16, tensor.Type);
                AssertSameValues(ggufName, Q4Matrix.FromFloat32(ggufName, matrix.Rows, matrix.Columns, values), matrix);
                continue;
            }

            for (int row = 0; row < matrix.Rows; row++)
            {
                for (int column = 0; column < matrix.Columns; column++)
                {
                    Assert.Equal(values[(row * matrix.Columns) + column], matrix.Dequantize(row, column));
                }
            }

            requantizedDifferences += CountDifferences(Q4Matrix.FromFloat32(ggufName, matrix.Rows, matrix.Columns, values), matrix);
            checkedMatrices++;
        }

        output.WriteLine($"{checkedMatrices} Q4_0 matrices hold the file's values exactly; quantizing those values from float32 instead would change {requantizedDifferences} of them");
        Assert.Equal(5 * 6, checkedMatrices);
        // Q4_0's levels are symmetric around zero (d * (q - 8)); the float32 quantizer spans each block's own
        // minimum to maximum, so it cannot give the file's blocks back: this tells converting from requantizing.
        Assert.True(requantizedDifferences > 0);
    }

    [Fact]
    public void TheClassifierIsTheFilesQ8_0Blocks()
    {
        var model = Stories260KContext128Q4Untied.Load(Q4_0Gguf);
        using GgufFile file = GgufFile.Open(Q4_0Gguf);
        GgufTensorInfo tensor = file.RequireTensor("output.weight");
        Assert.Equal(GgmlType.Q8_0, tensor.Type);
        float[] values = file.ReadAsFloat32(tensor);
        Q8Matrix unembedding = model.Weights.Unembedding;
        for (int row = 0; row < unembedding.Rows; row++)
        {
            for (int column = 0; column < unembedding.Columns; column++)
            {
                Assert.Equal(values[(row * unembedding.Columns) + column], unembedding.Dequantize(row, column));
            }
        }
    }

    /// <summary>A Q4 model keeps 4-bit blocks for its layer matrices and Q8_0 blocks for its classifier (tied: the token embedding), nothing for vectors.</summary>
    [Fact]
    public void BlocksAreKeptForTheFormatEachMatrixIsStoredIn()
    {
        GgufLlamaShape untied = new(64, 172, 5, 8, 4, 512, 128, 1e-5f, 10000f, TiedEmbeddings: false, WeightFormat.Q4);

        GgufLlamaTensors q4Untied = GgufLlamaWeights.Read(Q4_0Gguf, untied);
        GgufLlamaTensors q4Tied = GgufLlamaWeights.Read(Q4_0Gguf, untied with { TiedEmbeddings = true });

        Assert.NotNull(q4Untied.Query[0].Q4Blocks);
        Assert.Null(q4Untied.Query[0].Q8_0Blocks);
        Assert.Null(q4Untied.Down[0].Q4Blocks);
        Assert.Null(q4Untied.AttentionNorm[0].Q4Blocks);
        Assert.NotNull(q4Untied.Unembedding!.Q8_0Blocks);
        Assert.Null(q4Untied.TokenEmbedding.Q4Blocks);
        Assert.Null(q4Untied.TokenEmbedding.Q8_0Blocks);
        // The tied classifier is token_embd, Q4_0 in this file: it is stored in 8 bits, so it keeps no 4-bit blocks.
        Assert.Null(q4Tied.TokenEmbedding.Q4Blocks);
    }

    private static IEnumerable<(string GgufName, Q4Matrix Matrix)> Matrices(Stories260KContext128Q4Untied model)
    {
        for (int layer = 0; layer < model.Weights.Layers.Count; layer++)
        {
            var weights = model.Weights.Layers[layer];
            yield return ($"blk.{layer}.attn_q.weight", weights.Query);
            yield return ($"blk.{layer}.attn_k.weight", weights.Key);
            yield return ($"blk.{layer}.attn_v.weight", weights.Value);
            yield return ($"blk.{layer}.attn_output.weight", weights.Output);
            yield return ($"blk.{layer}.ffn_gate.weight", weights.Gate);
            yield return ($"blk.{layer}.ffn_up.weight", weights.Up);
            yield return ($"blk.{layer}.ffn_down.weight", weights.Down);
        }
    }

    private static void AssertSameValues(string name, Q4Matrix expected, Q4Matrix actual) =>
        Assert.True(CountDifferences(expected, actual) == 0, $"{name}: the stored values are not the float32 values quantized");

    private static int CountDifferences(Q4Matrix expected, Q4Matrix actual)
    {
        int differences = 0;
        for (int row = 0; row < expected.Rows; row++)
        {
            for (int column = 0; column < expected.Columns; column++)
            {
                differences += expected.Dequantize(row, column) == actual.Dequantize(row, column) ? 0 : 1;
            }
        }

        return differences;
    }
}
