using System;
using System.Linq;
using System.Runtime.InteropServices;

namespace Codegen;

/// <summary>
/// One named weight tensor of a loaded model, stored as float32 in row-major order
/// ([rows, columns] for matrices, [length] for vectors). Immutable after load; the storage is
/// pinned so kernels on any thread can read it without copying.
/// </summary>
public sealed class WeightTensor
{
    private readonly float[] values;

    public WeightTensor(string name, int[] shape, float[] values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0 || (dimension > 0 && count > long.MaxValue / dimension))
            {
                throw new ArgumentException(
                    $"Tensor '{name}' has shape [{string.Join(", ", shape)}]: dimensions must be 0 or more and their product must fit in 64 bits.",
                    nameof(shape));
            }

            count *= dimension;
        }

        if (count != values.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} values) but {values.Length} values were given.");
        }

        Name = name;
        ShapeArray = (int[])shape.Clone();
        this.values = values;
    }

    /// <summary>Allocates a zeroed, pinned tensor of <paramref name="count"/> values for a loader to fill.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than one array holds.</exception>
    public static float[] AllocateStorage(long count)
    {
        if (count < 0 || count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), count, $"A tensor of {count} values does not fit one array (0 to {Array.MaxLength} values).");
        }

        return GC.AllocateArray<float>((int)count, pinned: true);
    }

    /// <summary>The tensor's name in the model's own terms (for example <c>layers[3].query</c>).</summary>
    public string Name { get; }

    /// <summary>The tensor's shape, outermost dimension first.</summary>
    public ReadOnlySpan<int> Shape => ShapeArray;

    private int[] ShapeArray { get; }

    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<float> Values => values;

    /// <summary>
    /// The GGUF file's Q8_0 blocks of this matrix, when the loader was asked to keep them for a
    /// <c>WeightFormat.Q8</c> model (<see cref="Q8Matrix.FromTensor"/> copies them as they are); otherwise null.
    /// <see cref="Values"/> holds the same matrix dequantized.
    /// </summary>
    internal Formats.Gguf.GgufQ8_0Matrix? Q8_0Blocks { get; init; }

    /// <summary>
    /// The GGUF file's Q4_0, Q4_1 or Q4_K blocks of this matrix, when the loader was asked to keep them for a
    /// <c>WeightFormat.Q4</c> model (<see cref="Q4Matrix.FromTensor"/> converts them block for block); otherwise
    /// null. <see cref="Values"/> holds the same matrix dequantized.
    /// </summary>
    internal Formats.Gguf.GgufQ4Matrix? Q4Blocks { get; init; }

    /// <summary>Number of values.</summary>
    public int Length => values.Length;

    /// <summary>
    /// A reference to the first value, for generated kernels that index without bounds checks.
    /// The storage is pinned and never written after load.
    /// </summary>
    public ref float Data => ref MemoryMarshal.GetArrayDataReference(values);

    /// <summary>
    /// Returns <paramref name="tensor"/> when its shape is <paramref name="expectedShape"/>; otherwise
    /// throws an <see cref="ArgumentException"/> that names the tensor and both shapes.
    /// </summary>
    public static WeightTensor RequireShape(WeightTensor tensor, string role, int[] expectedShape)
    {
        if (tensor is null)
        {
            throw new ArgumentNullException(role, $"Tensor '{role}' is missing.");
        }

        if (!tensor.ShapeArray.AsSpan().SequenceEqual(expectedShape))
        {
            throw new ArgumentException(
                $"Tensor '{role}' ({tensor.Name}) has shape [{string.Join(", ", tensor.ShapeArray)}], expected [{string.Join(", ", expectedShape)}].",
                role);
        }

        return tensor;
    }

    public override string ToString() => $"{Name} [{string.Join(", ", ShapeArray)}]";
}
