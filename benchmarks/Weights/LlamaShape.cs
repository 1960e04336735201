namespace Codegen.Benchmarks.Weights;

/// <summary>A Llama-family shape as a llama2.c checkpoint header spells it.</summary>
public sealed record LlamaShape(string Name, int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int Vocab, int Context)
{
    public int HeadDim => Dim / Heads;

    public int KvDim => KvHeads * HeadDim;

    public static readonly LlamaShape Stories15M = new("stories15M", 288, 768, 6, 6, 6, 32000, 256);

    public static readonly LlamaShape Stories110M = new("stories110M", 768, 2048, 12, 12, 12, 32000, 1024);
}

/// <summary>A GPT-2-family shape as a Hugging Face config.json spells it.</summary>
public sealed record Gpt2Shape(string Name, int Embedding, int Heads, int Layers, int Vocab, int Positions)
{
    public int Inner => 4 * Embedding;

    public static readonly Gpt2Shape Gpt2Small = new("gpt2-small", 768, 12, 12, 50257, 1024);
}
