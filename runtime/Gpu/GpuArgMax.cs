using ILGPU;

namespace Codegen.Gpu;

/// <summary>The argmax of the logits on the device, for greedy decoding without copying the logits back.</summary>
public static class GpuArgMax
{
    /// <summary>
    /// The index of the largest of the first <paramref name="count"/> logits (the first one on ties, as
    /// Sampler.ArgMax), by one group: each thread scans every group-size-th logit, then thread 0 compares the
    /// threads' bests.
    /// </summary>
    public static void Kernel(ArrayView<float> logits, ArrayView<int> best, int count)
    {
        ArrayView<float> bestValues = SharedMemory.Allocate<float>(GpuDevice.MaxGroupSize);
        ArrayView<int> bestIndices = SharedMemory.Allocate<int>(GpuDevice.MaxGroupSize);
        int index = Group.IdxX < count ? Group.IdxX : 0;
        float value = logits[index];
        for (int i = Group.IdxX + Group.DimX; i < count; i += Group.DimX)
        {
            if (logits[i] > value)
            {
                value = logits[i];
                index = i;
            }
        }

        bestValues[Group.IdxX] = value;
        bestIndices[Group.IdxX] = index;
        Group.Barrier();
        if (Group.IsFirstThread)
        {
            for (int thread = 1; thread < Group.DimX; thread++)
            {
                float candidate = bestValues[thread];
                if (candidate > value || (candidate == value && bestIndices[thread] < index))
                {
                    value = candidate;
                    index = bestIndices[thread];
                }
            }

            best[0] = index;
        }
    }
}
