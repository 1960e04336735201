using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Codegen.Formats.Gguf;
using Codegen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// A <c>WeightFormat.Q8</c> model loaded from stories260K-Q8_0.gguf: its Q8Matrix blocks are the file's
/// Q8_0 blocks, bit for bit (read here from the tensor's raw bytes, block by block), not a requantization
/// of their dequantized values; tensors of other types (ffn_down is F16) are still quantized from float32.
/// </summary>
public sealed class GgufQ8_0InPlaceTests(ITestOutputHelper output) : IDisposable
{
    private const int BlockBytes = 34;
    private static readonly int[] Prompt = [1, 403, 407, 261, 400, 290, 311, 500];

    private readonly string folder = Directory.CreateTempSubdirectory("codegen-q8_0-").FullName;

    private static string Q8_0Gguf => TestModels.Path("stories260K", "gguf", "stories260K-Q8_0.gguf");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Q8MatricesHoldTheFilesBlocksBitForBit()
    {
        var model = Stories260KContext128Q8.Load(Q8_0Gguf);
        using GgufFile file = GgufFile.Open(Q8_0Gguf);
        int requantizedDifferences = 0;
        int checkedMatrices = 0;
        int blocksBelow127 = 0;
        foreach ((string ggufName, Q8Matrix matrix) in Matrices(model))
        {
            GgufTensorInfo tensor = file.RequireTensor(ggufName);
            if (tensor.Type != GgmlType.Q8_0)
            {
                continue;
            }

            byte[] bytes = file.ReadBytes(tensor);
            AssertSameBlocks(ggufName, bytes, matrix);
            blocksBelow127 += Enumerable.Range(0, bytes.Length / BlockBytes)
                .Count(block => bytes.AsSpan((block * BlockBytes) + 2, 32).ToArray().Max(q => Math.Abs((int)(sbyte)q)) != 127);
            var requantized = Q8Matrix.FromFloat32(new WeightTensor(ggufName, [matrix.Rows, matrix.Columns], file.ReadAsFloat32(tensor)));
            requantizedDifferences += CountDifferentQuants(matrix, requantized);
            checkedMatrices++;
        }

        output.WriteLine($"{checkedMatrices} Q8_0 matrices equal the file's blocks; requantizing their dequantized values changes {requantizedDifferences} quants and scales; {blocksBelow127} blocks have no quant of +-127");
        Assert.Equal((5 * 6) + 1, checkedMatrices);

        // A measured fact about llama.cpp's blocks, not a requirement: each block's largest quant is
        // +-127, so requantizing d * q finds the same d and q again, and the old dequantize-requantize
        // path happened to give these same blocks. BlocksNotReachingQuant127AreKeptAsTheyAre shows a block
        // that it does not give back.
        Assert.Equal(0, requantizedDifferences);
    }

    /// <summary>
    /// A block whose largest quant is below 127 (every quant halved here; llama.cpp's quantizer never writes
    /// one, another writer may) is copied as it is; requantizing its values would rescale it to reach 127.
    /// This test fails on the old dequantize-requantize load.
    /// </summary>
    [Fact]
    public void BlocksNotReachingQuant127AreKeptAsTheyAre()
    {
        string path = CopyWithBlock("blk.4.attn_v.weight", row: 9, block: 1, (block, _) =>
        {
            for (int k = 2; k < BlockBytes; k++)
            {
                block[k] = unchecked((byte)(sbyte)((sbyte)block[k] / 2));
            }
        });
        Q8Matrix value = Stories260KContext128Q8.Load(path).Weights.Layers[4].Value;
        using GgufFile file = GgufFile.Open(path);
        GgufTensorInfo tensor = file.RequireTensor("blk.4.attn_v.weight");

        AssertSameBlocks(tensor.Name, file.ReadBytes(tensor), value);
        var requantized = Q8Matrix.FromFloat32(new WeightTensor("value", [32, 64], file.ReadAsFloat32(tensor)));
        int differences = CountDifferentQuants(value, requantized);
        output.WriteLine($"requantizing the edited tensor changes {differences} quants and scales");
        Assert.True(differences > 0, "requantizing gives the edited block back, so this test cannot tell copying from requantizing");
    }

    /// <summary>Blocks are kept only where a Q8 matrix is built from them: not for an F32 declaration, not for an untied model's token embedding (kept only for lookups).</summary>
    [Fact]
    public void BlocksAreKeptOnlyForQ8Matrices()
    {
        GgufLlamaShape tied = new(64, 172, 5, 8, 4, 512, 128, 1e-5f, 10000f, TiedEmbeddings: true, WeightFormat.Q8);

        GgufLlamaTensors q8Tied = GgufLlamaWeights.Read(Q8_0Gguf, tied);
        GgufLlamaTensors q8Untied = GgufLlamaWeights.Read(Q8_0Gguf, tied with { TiedEmbeddings = false });
        GgufLlamaTensors f32 = GgufLlamaWeights.Read(Q8_0Gguf, tied with { Weights = WeightFormat.F32 });

        Assert.NotNull(q8Tied.TokenEmbedding.Q8_0Blocks);
        Assert.NotNull(q8Tied.Query[0].Q8_0Blocks);
        Assert.Null(q8Tied.Down[0].Q8_0Blocks);
        Assert.Null(q8Tied.AttentionNorm[0].Q8_0Blocks);
        Assert.Null(q8Untied.TokenEmbedding.Q8_0Blocks);
        Assert.NotNull(q8Untied.Unembedding!.Q8_0Blocks);
        Assert.Null(f32.TokenEmbedding.Q8_0Blocks);
        Assert.Null(f32.Query[0].Q8_0Blocks);
    }

    [Fact]
    public void TensorsOfOtherTypesAreStillQuantizedFromFloat32()
    {
        var model = Stories260KContext128Q8.Load(Q8_0Gguf);
        using GgufFile file = GgufFile.Open(Q8_0Gguf);
        GgufTensorInfo down = file.RequireTensor("blk.2.ffn_down.weight");
        Assert.Equal(GgmlType.F16, down.Type);

        var expected = Q8Matrix.FromFloat32(new WeightTensor("down", [64, 172], file.ReadAsFloat32(down)));

        Assert.Equal(0, CountDifferentQuants(model.Weights.Layers[2].Down, expected));
    }

    /// <summary>
    /// The Q8 model's weights, dequantized, are the F32 model's weights loaded from the same file, bit for
    /// bit; the logits then differ only by the kernels' 8-bit rounding of the activations (llama.cpp's
    /// Q8_0 x Q8_0 product rounds them the same way). Measured here, largest difference / largest logit.
    /// </summary>
    [Fact]
    public void WeightsEqualTheDequantizedFileAndLogitsStayClose()
    {
        var q8 = Stories260KContext128Q8.Load(Q8_0Gguf);
        var f32 = Stories260KContext128.Load(Q8_0Gguf);
        for (int layer = 0; layer < 5; layer++)
        {
            AssertDequantizesTo(q8.Weights.Layers[layer].Query, f32.Weights.Layers[layer].Query);
            AssertDequantizesTo(q8.Weights.Layers[layer].Gate, f32.Weights.Layers[layer].Gate);
        }

        AssertDequantizesTo(q8.Weights.Unembedding, f32.Weights.Unembedding);
        float[][] expected = Logits(f32.CreateSession());
        float[][] actual = Logits(q8.CreateSession());
        double scale = expected.Max(row => row.Max(Math.Abs));
        double relative = expected.Zip(actual).Max(pair => pair.First.Zip(pair.Second).Max(v => Math.Abs((double)v.First - v.Second))) / scale;
        output.WriteLine($"Q8 declaration vs F32 declaration, both from the Q8_0 file: largest logit difference {relative:P3} of the largest |logit| ({scale:F3})");
        Assert.True(relative <= 0.03, $"{relative:P3}");
    }

    /// <summary>
    /// The Q8 kernels on a loaded matrix compute llama.cpp's Q8_0 dot product exactly, up to float32
    /// rounding: the sum over blocks of d (the file's float16 scale) times the input block's scale times
    /// the integer dot product of the quants, computed here in double from the file's bytes.
    /// </summary>
    [Fact]
    public void KernelDotProductsUseTheFilesScalesAndQuants()
    {
        var model = Stories260KContext128Q8.Load(Q8_0Gguf);
        using GgufFile file = GgufFile.Open(Q8_0Gguf);
        byte[] bytes = file.ReadBytes(file.RequireTensor("blk.1.attn_q.weight"));
        Q8Matrix matrix = model.Weights.Layers[1].Query;
        var random = new Random(7);
        float[] input = Enumerable.Range(0, 64).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var inputQuants = new sbyte[64];
        var inputScales = new float[2];
        Q8Kernels.QuantizeVector(input, inputQuants, inputScales);

        for (int row = 0; row < matrix.Rows; row += Q8Kernels.RowsPerGroup)
        {
            var four = Q8Kernels.DotFourRows(
                ref matrix.RowQuants(row), ref matrix.RowScales(row), matrix.BlocksPerRow,
                ref MemoryMarshal.GetArrayDataReference(inputQuants), ref MemoryMarshal.GetArrayDataReference(inputScales));
            for (int i = 0; i < Q8Kernels.RowsPerGroup; i++)
            {
                double expected = 0;
                for (int block = 0; block < 2; block++)
                {
                    int start = (((row + i) * 2) + block) * BlockBytes;
                    double d = (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(start)));
                    long sum = 0;
                    for (int k = 0; k < 32; k++)
                    {
                        sum += (sbyte)bytes[start + 2 + k] * inputQuants[(block * 32) + k];
                    }

                    expected += d * inputScales[block] * sum;
                }

                Assert.True(Math.Abs(four[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"row {row + i}: kernel {four[i]}, file blocks {expected}");
            }
        }
    }

    [Fact]
    public void NonFiniteScaleIsRefusedByFileTensorRowAndBlock()
    {
        string path = CopyWithBlock("blk.3.attn_k.weight", row: 5, block: 1, (block, _) => BinaryPrimitives.WriteUInt16LittleEndian(block, 0x7C00));

        var error = Assert.Throws<ModelLoadException>(() => Stories260KContext128Q8.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("tensor 'blk.3.attn_k.weight' (Q8_0, ne [64, 32]) row 5 block 1 (columns 32 to 63) has scale d = ", error.Message);
        Assert.Contains("(float16 bits 0x7C00)", error.Message);
        Assert.Contains("a Q8_0 scale must be finite", error.Message);
    }

    [Fact]
    public void QuantMinus128IsRefusedByFileTensorRowAndBlock()
    {
        string path = CopyWithBlock("blk.0.ffn_up.weight", row: 100, block: 0, (block, _) => block[2 + 7] = 0x80);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KContext128Q8.Load(path));

        Assert.Contains("tensor 'blk.0.ffn_up.weight' (Q8_0, ne [64, 172]) row 100 block 0 has quant -128 at column 7", error.Message);
    }

    /// <summary>A block written with a negative scale and negated quants stands for the same values; it is stored as the original block.</summary>
    [Fact]
    public void NegativeScaleIsStoredAsTheSameValuesExactly()
    {
        string path = CopyWithBlock("blk.0.attn_q.weight", row: 2, block: 1, (block, _) =>
        {
            block[1] |= 0x80;
            for (int k = 2; k < BlockBytes; k++)
            {
                block[k] = unchecked((byte)(sbyte)-(sbyte)block[k]);
            }
        });

        var original = Stories260KContext128Q8.Load(Q8_0Gguf).Weights.Layers[0].Query;
        var negated = Stories260KContext128Q8.Load(path).Weights.Layers[0].Query;

        Assert.Equal(0, CountDifferentQuants(original, negated));
    }

    private static IEnumerable<(string GgufName, Q8Matrix Matrix)> Matrices(Stories260KContext128Q8 model)
    {
        for (int layer = 0; layer < 5; layer++)
        {
            var weights = model.Weights.Layers[layer];
            yield return ($"blk.{layer}.attn_q.weight", weights.Query);
            yield return ($"blk.{layer}.attn_k.weight", weights.Key);
            yield return ($"blk.{layer}.attn_v.weight", weights.Value);
            yield return ($"blk.{layer}.attn_output.weight", weights.Output);
            yield return ($"blk.{layer}.ffn_gate.weight", weights.Gate);
            yield return ($"blk.{layer}.ffn_down.weight", weights.Down);
            yield return ($"blk.{layer}.ffn_up.weight", weights.Up);
        }

        yield return ("token_embd.weight", model.Weights.Unembedding);
    }

    /// <summary>Each block of the file (float16 d, then 32 int8 quants) against the matrix's row, read back through <see cref="Q8Matrix.CopyRow"/>.</summary>
    private static void AssertSameBlocks(string name, byte[] bytes, Q8Matrix matrix)
    {
        int blocksPerRow = matrix.Columns / 32;
        Assert.Equal((long)matrix.Rows * blocksPerRow * BlockBytes, bytes.Length);
        var quants = new sbyte[blocksPerRow * 32];
        var scales = new float[blocksPerRow];
        for (int row = 0; row < matrix.Rows; row++)
        {
            matrix.CopyRow(row, quants, scales);
            for (int block = 0; block < blocksPerRow; block++)
            {
                int start = ((row * blocksPerRow) + block) * BlockBytes;
                Half d = BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(start)));
                if (BitConverter.SingleToInt32Bits((float)d) != BitConverter.SingleToInt32Bits(scales[block]))
                {
                    Assert.Fail($"{name} row {row} block {block}: scale {scales[block]}, file d {d}");
                }

                for (int k = 0; k < 32; k++)
                {
                    if ((sbyte)bytes[start + 2 + k] != quants[(block * 32) + k])
                    {
                        Assert.Fail($"{name} row {row} block {block} quant {k}: {quants[(block * 32) + k]}, file {(sbyte)bytes[start + 2 + k]}");
                    }
                }
            }
        }
    }

    private static int CountDifferentQuants(Q8Matrix first, Q8Matrix second)
    {
        Assert.Equal((first.Rows, first.Columns), (second.Rows, second.Columns));
        int differences = 0;
        var firstQuants = new sbyte[first.BlocksPerRow * 32];
        var secondQuants = new sbyte[first.BlocksPerRow * 32];
        var firstScales = new float[first.BlocksPerRow];
        var secondScales = new float[first.BlocksPerRow];
        for (int row = 0; row < first.Rows; row++)
        {
            first.CopyRow(row, firstQuants, firstScales);
            second.CopyRow(row, secondQuants, secondScales);
            differences += firstQuants.Zip(secondQuants).Count(pair => pair.First != pair.Second);
            differences += firstScales.Zip(secondScales).Count(pair => pair.First != pair.Second);
        }

        return differences;
    }

    private static void AssertDequantizesTo(Q8Matrix matrix, WeightTensor expected)
    {
        for (int row = 0; row < matrix.Rows; row++)
        {
            for (int column = 0; column < matrix.Columns; column++)
            {
                float value = expected.Values[(row * matrix.Columns) + column];
                if (matrix.Dequantize(row, column) != value)
                {
                    Assert.Fail($"{matrix.Name} ({row}, {column}): {matrix.Dequantize(row, column)}, dequantized file {value}");
                }
            }
        }
    }

    /// <summary>Changes a block's bytes (its index in the row is given); a delegate of its own, since .NET 8's Action cannot take a span.</summary>
    private delegate void BlockEdit(Span<byte> bytes, int block);

    /// <summary>A copy of the Q8_0 file with one block of <paramref name="ggufName"/> changed by <paramref name="edit"/>.</summary>
    private string CopyWithBlock(string ggufName, int row, int block, BlockEdit edit)
    {
        long start;
        using (GgufFile file = GgufFile.Open(Q8_0Gguf))
        {
            GgufTensorInfo tensor = file.RequireTensor(ggufName);
            Assert.Equal(GgmlType.Q8_0, tensor.Type);
            int blocksPerRow = (int)tensor.Dimensions[0] / 32;
            start = file.DataStart + tensor.Offset + ((((long)row * blocksPerRow) + block) * BlockBytes);
        }

        byte[] bytes = File.ReadAllBytes(Q8_0Gguf);
        edit(bytes.AsSpan((int)start, BlockBytes), block);
        string path = Path.Combine(folder, $"edited-{ggufName}.gguf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static float[][] Logits(IInferenceSession session)
    {
        using (session)
        {
            return Prompt.Select((token, position) => session.Forward(token, position).ToArray()).ToArray();
        }
    }
}
