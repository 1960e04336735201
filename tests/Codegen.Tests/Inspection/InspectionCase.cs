using System;
using System.Linq;
using Codegen.Inspection;
using Codegen.Tests.Forward;
using Codegen.Tests.Kernels;

namespace Codegen.Tests.Inspection;

/// <summary>
/// An inspectable test model with seeded random weights: its inspecting and fast sessions, and the float64
/// reference's logits and trace for a prompt.
/// </summary>
internal sealed class InspectionCase
{
    private readonly Func<CpuInspectingSessionBase> openInspecting;
    private readonly Func<IInferenceSession> openFast;
    private readonly Func<int[], ReferenceTrace, double[][]> reference;

    private InspectionCase(ShapeDims dims, float[] tokenEmbedding, Func<CpuInspectingSessionBase> openInspecting, Func<IInferenceSession> openFast, Func<int[], ReferenceTrace, double[][]> reference)
    {
        Dims = dims;
        TokenEmbedding = tokenEmbedding;
        this.openInspecting = openInspecting;
        this.openFast = openFast;
        this.reference = reference;
    }

    public static string[] Families => new[] { "Llama", "Gpt2" };

    public ShapeDims Dims { get; }

    public float[] TokenEmbedding { get; }

    public static InspectionCase For(string family)
    {
        const int seed = 4242;
        if (family == "Llama")
        {
            var weights = LlamaWeightData.Random(InspectableModels.LlamaDims, tied: true, seed);
            LlamaInspectableModel model = InspectableModels.Llama(weights);
            return new InspectionCase(InspectableModels.LlamaDims, weights.TokenEmbedding, model.CreateInspectingSession, model.CreateSession, new LlamaReference(weights).Run);
        }

        var gpt2 = Gpt2WeightData.Random(InspectableModels.Gpt2Dims, seed);
        Gpt2InspectableModel gpt2Model = InspectableModels.Gpt2(gpt2);
        return new InspectionCase(InspectableModels.Gpt2Dims, gpt2.TokenEmbedding, gpt2Model.CreateInspectingSession, gpt2Model.CreateSession, new Gpt2Reference(gpt2).Run);
    }

    public CpuInspectingSessionBase OpenInspecting() => openInspecting();

    public IInferenceSession OpenFast() => openFast();

    /// <summary>The reference's logits at every position of <paramref name="tokens"/>, and its trace.</summary>
    public (double[][] Logits, ReferenceTrace Trace) Reference(int[] tokens)
    {
        var trace = new ReferenceTrace(Dims, tokens.Length);
        return (reference(tokens, trace), trace);
    }

    /// <summary>Seeded random tokens, the first and last ids among them.</summary>
    public int[] Tokens(int count, int seed)
    {
        var random = new TestRandom(seed);
        int[] tokens = Enumerable.Range(0, count).Select(_ => random.Next(Dims.Vocab)).ToArray();
        tokens[Math.Min(1, count - 1)] = Dims.Vocab - 1;
        tokens[Math.Min(2, count - 1)] = 0;
        return tokens;
    }
}
