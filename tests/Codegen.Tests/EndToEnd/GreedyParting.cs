using Codegen.Generation;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// Where our greedy ids from BOS first differ from a reference's (llama.cpp's golden ids), and by how
/// much our own logits preferred our pick there: a small gap says the two sides parted on a near tie.
/// </summary>
internal sealed record GreedyParting(int Step, int Ours, int Theirs, double Gap)
{
    private const int Bos = 1;

    public override string ToString() =>
        $"greedy ids part at step {Step}: ours {Ours}, llama.cpp's {Theirs}; our logit for ours is {Gap:G4} above our logit for theirs";

    /// <summary>Runs <paramref name="session"/> greedily from BOS, one forward per token; null when every id equals <paramref name="expected"/>.</summary>
    public static GreedyParting? Find(IInferenceSession session, int[] expected)
    {
        int token = Bos;
        for (int step = 0; step < expected.Length; step++)
        {
            float[] logits = session.Forward(token, step).ToArray();
            token = ArgMax(logits);
            if (token != expected[step])
            {
                return new GreedyParting(step, token, expected[step], logits[token] - logits[expected[step]]);
            }
        }

        return null;
    }

    /// <summary>The first index of the largest value, as the reference program picks.</summary>
    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
