using System;
using System.Linq;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The outputs of a query/key/value projection: query and key vectors, and a value cache of four
/// positions of which the projection writes the third. All start as a sentinel.
/// </summary>
internal sealed class StackedOutputs
{
    private readonly ShapeDims dims;
    private readonly float sentinel;

    public StackedOutputs(ShapeDims dims, float sentinel)
    {
        this.dims = dims;
        this.sentinel = sentinel;
        Query = RowRanges.Filled(dims.DModel, sentinel);
        Key = RowRanges.Filled(dims.KvDim, sentinel);
        Values = RowRanges.Filled(4 * dims.KvDim, sentinel);
    }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Values { get; }

    public int ValueOffset => 2 * dims.KvDim;

    /// <summary>[query; key; this position's value], in the order of the stacked rows.</summary>
    public float[] Stacked() => Query.Concat(Key).Concat(Values.Skip(ValueOffset).Take(dims.KvDim)).ToArray();

    public void AssertOtherValueSlotsUntouched() =>
        Approx.UntouchedOutside(Values, ValueOffset, ValueOffset + dims.KvDim, sentinel, "value cache");
}
