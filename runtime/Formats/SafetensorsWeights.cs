using System;

namespace Codegen.Formats;

/// <summary>
/// Reads Hugging Face tensors from a validated <see cref="SafetensorsFile"/> into the kernels'
/// layout: float32, row-major [out, in]. GPT-2's Conv1D weights are stored [in, out] and are
/// transposed here, once, at load time.
/// </summary>
public static class SafetensorsWeights
{
    /// <summary>Reads a tensor stored in the kernels' layout already (embeddings, norms, biases, nn.Linear weights).</summary>
    public static WeightTensor Read(SafetensorsFile file, string storedName, string modelName, int[] shape)
    {
        float[] values = WeightTensor.AllocateStorage(Count(shape));
        file.ReadFloat32(storedName, values);
        return new WeightTensor(modelName, shape, values);
    }

    /// <summary>Reads a Conv1D weight stored [inputs, outputs] as [outputs, inputs].</summary>
    public static WeightTensor ReadConv1D(SafetensorsFile file, string storedName, string modelName, int inputs, int outputs)
    {
        float[] values = WeightTensor.AllocateStorage((long)inputs * outputs);
        file.ReadFloat32Transposed(storedName, inputs, outputs, values);
        return new WeightTensor(modelName, new[] { outputs, inputs }, values);
    }

    /// <summary>
    /// Reads a fused Conv1D weight stored [inputs, parts * outputs] (GPT-2's c_attn) and splits it into
    /// one [outputs, inputs] tensor per part (query, key, value).
    /// </summary>
    public static WeightTensor[] ReadConv1DSplit(SafetensorsFile file, string storedName, string[] modelNames, int inputs, int outputs)
    {
        var parts = new float[modelNames.Length][];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = WeightTensor.AllocateStorage((long)inputs * outputs);
        }

        file.ReadFloat32TransposedSplit(storedName, inputs, parts);
        var tensors = new WeightTensor[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            tensors[i] = new WeightTensor(modelNames[i], new[] { outputs, inputs }, parts[i]);
        }

        return tensors;
    }

    /// <summary>Reads a fused bias stored [parts * length] and splits it into one [length] tensor per part, each read straight into its own storage.</summary>
    public static WeightTensor[] ReadSplit(SafetensorsFile file, string storedName, string[] modelNames, int length)
    {
        var tensors = new WeightTensor[modelNames.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            float[] values = WeightTensor.AllocateStorage(length);
            file.ReadRowsFloat32(storedName, checked(i * length), length, values);
            tensors[i] = new WeightTensor(modelNames[i], new[] { length }, values);
        }

        return tensors;
    }

    /// <summary>Reads the first <paramref name="rows"/> rows of a [storedRows, columns] tensor (a position table longer than the declared context).</summary>
    public static WeightTensor ReadLeadingRows(SafetensorsFile file, string storedName, string modelName, int storedRows, int rows, int columns)
    {
        if (rows > storedRows)
        {
            throw new ModelLoadException(file.Path, $"tensor '{storedName}' has {storedRows} rows, fewer than the {rows} the model needs");
        }

        float[] values = WeightTensor.AllocateStorage((long)rows * columns);
        file.ReadRowsFloat32(storedName, 0, rows, values);
        return new WeightTensor(modelName, new[] { rows, columns }, values);
    }

    private static long Count(int[] shape)
    {
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
        }

        return count;
    }
}
