using System;
using System.Linq;
using Codegen.Formats.Gguf;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// What converting a GGUF matrix into a declared <see cref="WeightFormat"/> changes, measured on the
/// stories260K files and the random-dim256 files of Golden/llamacpp/ (the types stories260K lacks) for
/// the docs' conversion table: the worst relative RMS error of any matrix of the
/// given type (RMS of converted - file values, over RMS of the file values, the file values being the
/// exact float32 dequantization). Q8_0 into Q8 is a copy (<see cref="GgufQ8_0InPlaceTests"/>); the
/// others round a second time, and these bounds fail if that rounding grows or disappears.
/// </summary>
public sealed class GgufConversionCostTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("stories260K-Q8_0.gguf", GgmlType.Q8_0, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("stories260K-Q8_0.gguf", GgmlType.F16, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("stories260K-Q8_0.gguf", GgmlType.F16, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("stories260K-Q4_K_M.gguf", GgmlType.Q5_0, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("stories260K-Q4_0.gguf", GgmlType.Q4_0, WeightFormat.Q8, 0.0005, 0.01)]
    [InlineData("random-dim256-Q4_1.gguf", GgmlType.Q4_1, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q5_1.gguf", GgmlType.Q5_1, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q2_K.gguf", GgmlType.Q2_K, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q3_K_M.gguf", GgmlType.Q3_K, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q4_K_S.gguf", GgmlType.Q4_K, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q5_K_M.gguf", GgmlType.Q5_K, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q6_K.gguf", GgmlType.Q6_K, WeightFormat.Q8, 0.001, 0.01)]
    [InlineData("random-dim256-Q4_1.gguf", GgmlType.Q4_1, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q5_1.gguf", GgmlType.Q5_1, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q2_K.gguf", GgmlType.Q2_K, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q3_K_M.gguf", GgmlType.Q3_K, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q4_K_S.gguf", GgmlType.Q4_K, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q5_K_M.gguf", GgmlType.Q5_K, WeightFormat.BF16, 0.001, 0.005)]
    [InlineData("random-dim256-Q6_K.gguf", GgmlType.Q6_K, WeightFormat.BF16, 0.001, 0.005)]
    public void SecondRoundingStaysSmall(string fileName, GgmlType type, WeightFormat format, double lowest, double highest)
    {
        string path = fileName.StartsWith(LlamaCppGolden.RandomDim256, StringComparison.Ordinal)
            ? LlamaCppGolden.GgufPath(fileName[..^".gguf".Length])
            : TestModels.Path("stories260K", "gguf", fileName);
        using GgufFile file = GgufFile.Open(path);
        double worst = 0;
        int matrices = 0;
        foreach (GgufTensorInfo tensor in file.Tensors.Where(t => t.Type == type && t.Dimensions.Length == 2))
        {
            int rows = (int)tensor.Dimensions[1];
            int columns = (int)tensor.Dimensions[0];
            float[] values = file.ReadAsFloat32(tensor);
            Func<int, int, float> converted = format == WeightFormat.Q8
                ? Q8Matrix.FromFloat32(tensor.Name, rows, columns, values).Dequantize
                : Bf16Matrix.FromFloat32(tensor.Name, rows, columns, values).ToFloat32;
            double error = 0;
            double signal = 0;
            for (int row = 0; row < rows; row++)
            {
                for (int column = 0; column < columns; column++)
                {
                    double value = values[(row * columns) + column];
                    double difference = converted(row, column) - value;
                    error += difference * difference;
                    signal += value * value;
                }
            }

            worst = Math.Max(worst, Math.Sqrt(error / signal));
            matrices++;
        }

        output.WriteLine($"{fileName}: {type} into {format}: worst relative RMS error {worst:P3} over {matrices} matrices");
        Assert.True(matrices > 0);
        Assert.InRange(worst, lowest, highest);
    }
}
