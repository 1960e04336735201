using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// A kernel call over a row range that the session may split across the worker pool. The generator
/// decides at build time, from the constant sizes, which steps are large enough to be worth a split.
/// </summary>
/// <param name="Field">The session field holding the split-able work, for example <c>projectQueryKeyValue</c>.</param>
/// <param name="Call">The kernel call with <c>{0}</c> and <c>{1}</c> where the row range goes.</param>
/// <param name="Rows">The row count as a constant expression.</param>
/// <param name="MultiplyAdds">Multiply-adds the whole step does: the size that decides the split.</param>
/// <param name="PiecesPerThread">
/// Pieces per thread the pool hands out one at a time (1: one fixed part per thread). Prefill's long steps
/// use several, so a thread slowed by another process on its core takes fewer instead of holding up the rest.
/// </param>
/// <param name="PerLayer">
/// Whether the call reads a layer's weights or cache (<c>layer</c>, <c>keys</c>, <c>values</c>): such a step is bound
/// once per layer, so no field has to say which layer is being computed.
/// </param>
internal sealed record CpuStep(string Field, string Call, string Rows, long MultiplyAdds, int PiecesPerThread = 1, bool PerLayer = true)
{
    public bool Parallel => TuningConstants.WorthSplitting(MultiplyAdds);

    /// <summary>The kernel call over every row, on the calling thread (no semicolon).</summary>
    public string SerialCall => string.Format(Call, "0", Rows);

    /// <summary>Writes the call: a dispatch over the pool when split, the plain kernel call otherwise.</summary>
    public void EmitDispatch(IndentedWriter w)
    {
        if (!Parallel)
        {
            w.Line(SerialCall + ";");
        }
        else if (PiecesPerThread > 1)
        {
            w.Line($"pool.Run({Target}, {Rows}, granularity: {TuningConstants.RowGranularity}, piecesPerThread: {PiecesPerThread});");
        }
        else
        {
            w.Line($"pool.Run({Target}, {Rows}, granularity: {TuningConstants.RowGranularity});");
        }
    }

    /// <summary>The bound step the pool runs: this layer's when it is bound per layer.</summary>
    private string Target => PerLayer ? $"{Field}[layerIndex]" : Field;

    /// <summary>Writes the field declarations of the steps that are split.</summary>
    public static void EmitFields(IndentedWriter w, IEnumerable<CpuStep> steps)
    {
        foreach (CpuStep step in steps)
        {
            if (step.Parallel)
            {
                w.Line(step.PerLayer
                    ? $"private readonly {Names.RowRangeAction}[] {step.Field} = new {Names.RowRangeAction}[Layers];"
                    : $"private readonly {Names.RowRangeAction} {step.Field};");
            }
        }
    }

    /// <summary>
    /// Writes the constructor lines that bind the split steps to the session's state: the per-layer ones inside the
    /// constructor's loop over layers (<paramref name="perLayer"/>, with locals <c>i</c>, <c>layer</c>, <c>keys</c>,
    /// <c>values</c>), the others once.
    /// </summary>
    public static void EmitBindings(IndentedWriter w, IEnumerable<CpuStep> steps, bool perLayer)
    {
        foreach (CpuStep step in steps)
        {
            if (step.Parallel && step.PerLayer == perLayer)
            {
                w.Line($"{step.Field}{(perLayer ? "[i]" : string.Empty)} = (start, end) => {string.Format(step.Call, "start", "end")};");
            }
        }
    }
}
