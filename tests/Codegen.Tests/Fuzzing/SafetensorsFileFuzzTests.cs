using System.Linq;
using Codegen.Formats;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated safetensors files through the lower-level <see cref="SafetensorsFile"/> reader: open, read
/// every float tensor (and every matrix transposed, and the last row of each matrix or vector), then validate against the seed's tensors.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class SafetensorsFileFuzzTests(ITestOutputHelper output)
{
    private static readonly ExpectedTensor[] SeedTensors =
    [
        new("a", [2, 3]), new("b", [4]), new("c", [2, 2]), new("empty", [0, 3]), new("scalar", []),
    ];

    [Fact]
    public void BuiltFileOpensReadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.BuiltSafetensors;
        var target = new FuzzTarget("safetensors (SafetensorsFile)", "built.safetensors", FuzzTarget.NoCompanions, OpenAndReadEverything);

        FuzzDriver.Run(target, SafetensorsCases.Systematic(seed, pathLimit: 200), random => SafetensorsCases.Random(seed, random), output);
    }

    private static string? OpenAndReadEverything(string path)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        foreach (SafetensorsTensorInfo tensor in file.Tensors.Values.Where(t => t.DType.IsFloat32Convertible()))
        {
            if (tensor.ElementCount != tensor.Shape.Aggregate(1L, (count, dimension) => count * dimension))
            {
                return $"the open succeeded, but tensor '{tensor.Name}' has {tensor.ElementCount} elements for shape {tensor.ShapeText}";
            }

            file.ReadFloat32(tensor.Name, new float[tensor.ElementCount]);
            if (tensor.Shape.Length == 2)
            {
                file.ReadFloat32Transposed(tensor.Name, tensor.Shape[0], tensor.Shape[1], new float[tensor.ElementCount]);
            }

            if (tensor.Shape.Length is 1 or 2 && tensor.Shape[0] > 0)
            {
                // The last row alone, as a loader splitting a fused tensor reads it.
                long rowLength = tensor.Shape.Length == 2 ? tensor.Shape[1] : 1;
                file.ReadRowsFloat32(tensor.Name, tensor.Shape[0] - 1, 1, new float[rowLength]);
            }
        }

        string? gap = SafetensorsLayout.Gap(file);
        file.Validate(SeedTensors);
        return gap;
    }
}
