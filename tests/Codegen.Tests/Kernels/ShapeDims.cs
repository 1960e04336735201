namespace Codegen.Tests.Kernels;

/// <summary>The sizes of one test model, as plain numbers for the float64 references.</summary>
internal sealed record ShapeDims(int DModel, int Heads, int KvHeads, int FfnDim, int Vocab, int Context, int Layers, double NormEpsilon, double RopeTheta)
{
    public int HeadDim => DModel / Heads;

    public int KvDim => KvHeads * HeadDim;

    public int QueriesPerKvHead => Heads / KvHeads;
}
