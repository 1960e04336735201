using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Formats.Gguf;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// The GGUF tensors of stories260K against the llama2.c checkpoint they came from: the F32 file
/// bit for bit, the quantized files within a per-type bound on the relative RMS error.
/// </summary>
public sealed class GgufDequantizationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bounds on ||dequantized - f32|| / ||f32|| per tensor, by type. Measured on stories260K (the test
    /// prints the worst tensor of each type): Q8_0 0.62%, Q5_0 4.98%, Q4_0 9.60%, F16 0.020%, which
    /// fit the step sizes (a 4-bit step is max|x| / 8 of its block, 5-bit half that, 8-bit max|x| / 127).
    /// A wrong nibble order or scale gives errors near or above 100%.
    /// </summary>
    private static readonly Dictionary<GgmlType, double> Bounds = new()
    {
        [GgmlType.F32] = 0,
        [GgmlType.F16] = 0.001,
        [GgmlType.Q8_0] = 0.01,
        [GgmlType.Q5_0] = 0.07,
        [GgmlType.Q4_0] = 0.13,
    };

    [Fact]
    public void F32TensorsEqualTheCheckpointExactly()
    {
        float[] checkpoint = Stories260KGgufFiles.CheckpointFloats();
        Dictionary<string, (int Offset, int Length)> layout = Stories260KGgufFiles.CheckpointLayout();
        using GgufFile gguf = GgufFile.Open(Stories260KGgufFiles.F32);

        Assert.Equal(3u, gguf.Version);
        Assert.Equal(layout.Count, gguf.Tensors.Count);
        foreach (GgufTensorInfo tensor in gguf.Tensors)
        {
            Assert.Equal(GgmlType.F32, tensor.Type);
            (int offset, int length) = layout[tensor.Name];
            float[] values = gguf.ReadAsFloat32(tensor);
            Assert.Equal(length, values.Length);
            Assert.True(
                checkpoint.AsSpan(offset, length).SequenceEqual(values),
                $"tensor {tensor.Describe()} differs from the checkpoint's floats [{offset}, {offset + length})");
        }
    }

    [Theory]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    [InlineData("Q4_K_M")]
    public void QuantizedTensorsAreCloseToF32(string file)
    {
        Dictionary<GgmlType, double> worst = MeasureWorstErrors(file, transform: null);

        foreach ((GgmlType type, double error) in worst.OrderBy(pair => pair.Key))
        {
            output.WriteLine($"{file}: {type} worst relative RMS error {error:P3} (bound {Bounds[type]:P1})");
            Assert.True(error <= Bounds[type], $"{file}: {type} relative RMS error {error:P3} is over the bound {Bounds[type]:P1}");
        }

        Assert.Contains(file switch { "Q8_0" => GgmlType.Q8_0, "Q4_0" => GgmlType.Q4_0, _ => GgmlType.Q5_0 }, worst.Keys);
    }

    /// <summary>
    /// The bounds tell a right dequantizer from a wrong one: values with the two halves of every
    /// 32-element block swapped (what reading the nibbles in the other order gives) are far over them.
    /// </summary>
    [Theory]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    [InlineData("Q4_K_M")]
    public void SwappedBlockHalvesAreFarOverTheBounds(string file)
    {
        Dictionary<GgmlType, double> worst = MeasureWorstErrors(file, SwapBlockHalves);

        foreach ((GgmlType type, double error) in worst)
        {
            if (type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0)
            {
                output.WriteLine($"{file}: {type} with swapped halves: worst relative RMS error {error:P1}");
                Assert.True(error > 10 * Bounds[type], $"{file}: {type} swapped halves give only {error:P3}");
            }
        }
    }

    private static Dictionary<GgmlType, double> MeasureWorstErrors(string file, Action<float[]>? transform)
    {
        float[] checkpoint = Stories260KGgufFiles.CheckpointFloats();
        Dictionary<string, (int Offset, int Length)> layout = Stories260KGgufFiles.CheckpointLayout();
        using GgufFile gguf = GgufFile.Open(Stories260KGgufFiles.Quantized(file));
        Assert.Equal(layout.Count, gguf.Tensors.Count);
        var worst = new Dictionary<GgmlType, double>();
        foreach (GgufTensorInfo tensor in gguf.Tensors)
        {
            (int offset, int length) = layout[tensor.Name];
            float[] values = gguf.ReadAsFloat32(tensor);
            transform?.Invoke(values);
            double error = RelativeRmsError(checkpoint.AsSpan(offset, length), values);
            worst[tensor.Type] = Math.Max(worst.GetValueOrDefault(tensor.Type), error);
        }

        return worst;
    }

    private static void SwapBlockHalves(float[] values)
    {
        for (int block = 0; block + 32 <= values.Length; block += 32)
        {
            for (int i = 0; i < 16; i++)
            {
                (values[block + i], values[block + 16 + i]) = (values[block + 16 + i], values[block + i]);
            }
        }
    }

    internal static double RelativeRmsError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0;
        double norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = (double)actual[i] - expected[i];
            error += difference * difference;
            norm += (double)expected[i] * expected[i];
        }

        return Math.Sqrt(error / norm);
    }
}
