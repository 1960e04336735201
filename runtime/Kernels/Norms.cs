using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Codegen.Kernels;

/// <summary>
/// The norms in front of each block of a layer and before the unembedding, over one token's
/// residual-stream vector of DModel values (a compile-time constant, <see cref="IModelShape"/>).
/// </summary>
public static class Norms
{
    /// <summary>
    /// RMSNorm (Llama): output = weight * input / sqrt(mean(input^2) + NormEpsilon), the mean square from
    /// <see cref="F32Products.Dot{TColumns}"/> of the input with itself.
    /// </summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm<TShape>(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight)
        where TShape : IModelShape
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float scaleWeights = ref weight.Data;
        ref float o = ref MemoryMarshal.GetReference(output);
        float meanSquare = F32Products.Dot<DModelColumns<TShape>>(ref x, ref x) / TShape.DModel;
        float inverseRms = 1.0f / MathF.Sqrt(meanSquare + TShape.NormEpsilon);
        for (int i = 0; i < TShape.DModel; i++)
        {
            Unsafe.Add(ref o, i) = Unsafe.Add(ref scaleWeights, i) * (inverseRms * Unsafe.Add(ref x, i));
        }
    }

    /// <summary>LayerNorm (GPT-2): output = (input - mean) / sqrt(variance + NormEpsilon) * weight + bias.</summary>
    /// <typeparam name="TShape">The model's shape.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LayerNorm<TShape>(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight, WeightTensor bias)
        where TShape : IModelShape
    {
        ReadOnlySpan<float> scale = weight.Values;
        ReadOnlySpan<float> shift = bias.Values;
        float sum = 0;
        for (int i = 0; i < TShape.DModel; i++)
        {
            sum += input[i];
        }

        float mean = sum / TShape.DModel;
        float squares = 0;
        for (int i = 0; i < TShape.DModel; i++)
        {
            float centered = input[i] - mean;
            squares += centered * centered;
        }

        float inverseDeviation = 1.0f / MathF.Sqrt((squares / TShape.DModel) + TShape.NormEpsilon);
        for (int i = 0; i < TShape.DModel; i++)
        {
            output[i] = ((input[i] - mean) * inverseDeviation * scale[i]) + shift[i];
        }
    }
}
