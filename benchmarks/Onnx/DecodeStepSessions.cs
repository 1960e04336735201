using System;
using Microsoft.ML.OnnxRuntime;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// The decode-step graph opened twice in ONNX Runtime (CPU, 2 intra-op threads, 1 inter-op
/// thread, sequential execution, all graph optimizations), sharing prepacked weights:
/// <list type="bullet">
/// <item>one for calls with cached positions (P &gt; 0), with every optimization;</item>
/// <item>one for calls on an empty cache (P = 0: the first decode step, a prefill from position
/// 0), without MatmulTransposeFusion. That fusion reads each layer's past keys and values in
/// place (a FusedMatMul with transposed batch) instead of transposing them into a copy, but
/// ONNX Runtime 1.31.1 dies of SIGFPE (integer division by zero) in such a FusedMatMul when the
/// past is empty. With no past there is nothing to transpose, so leaving the fusion out there costs
/// nothing.</item>
/// </list>
/// </summary>
internal sealed class DecodeStepSessions : IDisposable
{
    private const string DisableOptimizers = "optimization.disable_specified_optimizers";

    private readonly PrePackedWeightsContainer sharedWeights = new();
    private readonly InferenceSession withPast;
    private readonly InferenceSession emptyPast;

    public DecodeStepSessions(string graphPath)
    {
        try
        {
            using (SessionOptions options = CreateOptions())
            {
                withPast = new InferenceSession(graphPath, options, sharedWeights);
            }

            using (SessionOptions options = CreateOptions())
            {
                options.AddSessionConfigEntry(DisableOptimizers, "MatmulTransposeFusion");
                emptyPast = new InferenceSession(graphPath, options, sharedWeights);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The graph's input and output shapes (either session: they load the same graph).</summary>
    public InferenceSession Metadata => withPast;

    /// <summary>The session for a call with <paramref name="pastPositions"/> cached positions.</summary>
    public InferenceSession For(int pastPositions) => pastPositions == 0 ? emptyPast : withPast;

    public void Dispose()
    {
        emptyPast?.Dispose();
        withPast?.Dispose();
        sharedWeights.Dispose();
    }

    private static SessionOptions CreateOptions() => new()
    {
        IntraOpNumThreads = 2,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
}
