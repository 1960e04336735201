using System;
using System.Buffers;

namespace Codegen.Formats;

/// <summary>
/// Builds <see cref="WeightTensor"/>s from a Hugging Face <see cref="SafetensorsCheckpoint"/> (Llama, Mistral,
/// Qwen2, Phi-3): float32, row-major [out, in] as nn.Linear stores them. Parts of fused tensors (Phi-3's
/// <c>qkv_proj</c> and <c>gate_up_proj</c>) are read as row ranges, and query and key projections are reordered
/// from Hugging Face's rotate-half layout to the adjacent pairs the kernels rotate (<see cref="ReadRotary"/>).
/// </summary>
public static class HuggingFaceWeights
{
    /// <summary>
    /// Reads tensor <paramref name="storedName"/>, which must have shape <paramref name="shape"/>, as tensor
    /// <paramref name="modelName"/> of the model.
    /// </summary>
    /// <exception cref="ModelLoadException">The tensor is missing, not a float tensor, or of another shape.</exception>
    public static WeightTensor Read(SafetensorsCheckpoint checkpoint, string storedName, string modelName, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(shape);
        RequireShape(checkpoint, storedName, shape);
        float[] values = WeightTensor.AllocateStorage(Count(shape));
        checkpoint.ReadFloat32(storedName, values);
        return new WeightTensor(modelName, shape, values);
    }

    /// <summary>
    /// Reads rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rows"/>) of the
    /// [*, <paramref name="columns"/>] matrix <paramref name="storedName"/> as its own [<paramref name="rows"/>,
    /// <paramref name="columns"/>] tensor: one part of a fused matrix, such as the query rows of Phi-3's
    /// <c>qkv_proj</c>. Only those rows are read from the file.
    /// </summary>
    /// <exception cref="ModelLoadException">The tensor is missing, not a float matrix of <paramref name="columns"/> columns, or has too few rows.</exception>
    public static WeightTensor ReadRows(SafetensorsCheckpoint checkpoint, string storedName, string modelName, int firstRow, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RequireColumns(checkpoint, storedName, columns);
        float[] values = WeightTensor.AllocateStorage((long)rows * columns);
        checkpoint.ReadRowsFloat32(storedName, firstRow, rows, values);
        return new WeightTensor(modelName, [rows, columns], values);
    }

    /// <summary>
    /// Reads elements [<paramref name="first"/>, <paramref name="first"/> + <paramref name="length"/>) of the vector
    /// <paramref name="storedName"/> as its own [<paramref name="length"/>] tensor (one part of a fused bias).
    /// </summary>
    /// <exception cref="ModelLoadException">The tensor is missing, not a float vector, or too short.</exception>
    public static WeightTensor ReadRowsVector(SafetensorsCheckpoint checkpoint, string storedName, string modelName, int first, int length)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RequireColumns(checkpoint, storedName, 1);
        float[] values = WeightTensor.AllocateStorage(length);
        checkpoint.ReadRowsFloat32(storedName, first, length, values);
        return new WeightTensor(modelName, [length], values);
    }

    /// <summary>
    /// Reads <paramref name="heads"/> * <paramref name="headDim"/> rows of a query or key projection, from row
    /// <paramref name="firstRow"/> (0 for a <c>q_proj</c> or <c>k_proj</c> of its own; the query or key part of a
    /// fused <c>qkv_proj</c>), and reorders the rows of each head from Hugging Face's rotate-half order to
    /// adjacent pairs. <paramref name="columns"/> is the input width for a weight matrix, or 1 for a bias vector
    /// (a 1-D tensor, returned as [heads * headDim]); a matrix is returned as [heads * headDim, columns].
    /// </summary>
    /// <remarks>
    /// <para>
    /// Hugging Face's Llama-family attention rotates the pair (x[j], x[j + headDim/2]) of every head by the angle
    /// of frequency j ("rotate_half"); the kernels, like llama2.c and llama.cpp, rotate the adjacent pair
    /// (x[2j], x[2j + 1]) by that same angle. Within each head, new row 2j is stored row j and new row 2j + 1 is
    /// stored row j + headDim/2, for j &lt; headDim/2: the permutation llama.cpp's converter applies to q_proj and
    /// k_proj (<c>reshape(heads, 2, headDim/2, ...).swapaxes(1, 2)</c>).
    /// </para>
    /// <para>
    /// It is exact: permuting the rows of the projection permutes the query (or key) vector, each pair the kernels
    /// rotate is a pair Hugging Face rotates by the same angle, so the rotated vector is the permutation of
    /// Hugging Face's rotated vector, and with query and key permuted alike every dot product q . k (the only way
    /// they are used) is a sum of the same products in another order. No value changes; the value and output
    /// projections are not touched.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="heads"/>, <paramref name="headDim"/> or <paramref name="columns"/> is not positive, or <paramref name="headDim"/> is odd.</exception>
    /// <exception cref="ModelLoadException">The tensor is missing, not a float tensor of <paramref name="columns"/> columns, or has too few rows.</exception>
    public static WeightTensor ReadRotary(
        SafetensorsCheckpoint checkpoint, string storedName, string modelName, int firstRow, int heads, int headDim, int columns)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (headDim % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "The rotary head width must be even.");
        }

        RequireColumns(checkpoint, storedName, columns);
        int rows = checked(heads * headDim);
        long count = (long)rows * columns;
        float[] values = WeightTensor.AllocateStorage(count);

        // One head at a time through a scratch buffer: the stored rows of a head, then each row to its new place.
        long headCount = (long)headDim * columns;
        float[] scratch = ArrayPool<float>.Shared.Rent(checked((int)headCount));
        try
        {
            Span<float> head = scratch.AsSpan(0, (int)headCount);
            for (int h = 0; h < heads; h++)
            {
                checkpoint.ReadRowsFloat32(storedName, checked(firstRow + (h * headDim)), headDim, head);
                Span<float> target = values.AsSpan((int)(h * headCount), (int)headCount);
                PermuteHead(head, target, headDim, columns);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }

        int[] shape = columns == 1 && IsVector(checkpoint, storedName) ? [rows] : [rows, columns];
        return new WeightTensor(modelName, shape, values);
    }

    /// <summary>
    /// The row permutation of <see cref="ReadRotary"/> for one head of <paramref name="headDim"/> rows of
    /// <paramref name="columns"/> values: target row 2j is source row j, target row 2j + 1 is source row j + headDim/2.
    /// </summary>
    public static void PermuteHead(ReadOnlySpan<float> source, Span<float> target, int headDim, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (headDim % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "The rotary head width must be even.");
        }

        long count = (long)headDim * columns;
        if (source.Length != count || target.Length != count)
        {
            throw new ArgumentException($"A head of {headDim} rows of {columns} values is {count} values; the source has {source.Length} and the target {target.Length}.");
        }

        int half = headDim / 2;
        for (int j = 0; j < half; j++)
        {
            source.Slice(j * columns, columns).CopyTo(target.Slice(2 * j * columns, columns));
            source.Slice((j + half) * columns, columns).CopyTo(target.Slice(((2 * j) + 1) * columns, columns));
        }
    }

    private static void RequireShape(SafetensorsCheckpoint checkpoint, string storedName, int[] shape)
    {
        SafetensorsTensorInfo info = Get(checkpoint, storedName);
        if (!info.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new ModelLoadException(
                ShardPath(checkpoint, storedName), $"tensor '{storedName}' has shape {info.ShapeText}, expected {SafetensorsFile.FormatShape(shape)}");
        }
    }

    /// <summary>A 2-D tensor of <paramref name="columns"/> columns, or (for 1) a 1-D tensor.</summary>
    private static void RequireColumns(SafetensorsCheckpoint checkpoint, string storedName, int columns)
    {
        SafetensorsTensorInfo info = Get(checkpoint, storedName);
        bool fits = info.Shape.Length == 2 ? info.Shape[1] == columns : info.Shape.Length == 1 && columns == 1;
        if (!fits)
        {
            string expected = columns == 1 ? "a vector [n] (or a matrix [n, 1])" : $"a matrix [n, {columns}]";
            throw new ModelLoadException(
                ShardPath(checkpoint, storedName), $"tensor '{storedName}' has shape {info.ShapeText}, expected {expected}");
        }
    }

    private static bool IsVector(SafetensorsCheckpoint checkpoint, string storedName) => Get(checkpoint, storedName).Shape.Length == 1;

    private static SafetensorsTensorInfo Get(SafetensorsCheckpoint checkpoint, string storedName)
    {
        ArgumentNullException.ThrowIfNull(storedName);
        return checkpoint.TryGetTensor(storedName, out SafetensorsTensorInfo info)
            ? info
            : throw new ModelLoadException(checkpoint.Path, $"missing tensor '{storedName}'");
    }

    private static string ShardPath(SafetensorsCheckpoint checkpoint, string storedName) =>
        checkpoint.ShardPathOf(storedName) ?? checkpoint.Path;

    private static long Count(int[] shape)
    {
        long count = 1;
        foreach (int dimension in shape)
        {
            count = checked(count * dimension);
        }

        return count;
    }
}
