using System;

namespace Codegen.Inspection;

/// <summary>
/// Tokens whose embedding rows point the same way: the cosine similarity of one token's row of the token embedding
/// to every other row, from the weights alone (no forward pass).
/// </summary>
public static class EmbeddingNeighbours
{
    /// <summary>
    /// The <paramref name="count"/> tokens nearest to <paramref name="token"/> by cosine similarity of their rows of
    /// <paramref name="embedding"/> ([vocabulary, <paramref name="width"/>]), the most similar first; the token itself is left out.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The token is not a row of the embedding, or the count is not positive.</exception>
    public static TokenSimilarity[] Nearest(ReadOnlySpan<float> embedding, int width, int token, int count)
    {
        if (width <= 0 || embedding.Length % width != 0)
        {
            throw new ArgumentException($"The embedding's {embedding.Length} values are not rows of {width}.", nameof(width));
        }

        int vocabulary = embedding.Length / width;
        if ((uint)token >= (uint)vocabulary)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {vocabulary - 1}.");
        }

        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least one token.");
        }

        ReadOnlySpan<float> row = embedding.Slice(token * width, width);
        double rowNorm = Math.Sqrt(Dot(row, row));
        if (rowNorm == 0)
        {
            throw new ArgumentException($"Token {token}'s embedding row is all zeros: it has no direction to compare.", nameof(token));
        }

        var similarities = new float[vocabulary];
        for (int other = 0; other < vocabulary; other++)
        {
            ReadOnlySpan<float> otherRow = embedding.Slice(other * width, width);
            double norms = rowNorm * Math.Sqrt(Dot(otherRow, otherRow));
            // A zero row points nowhere: it is similar to nothing, and never a neighbour.
            similarities[other] = other == token || norms == 0 ? float.NegativeInfinity : (float)(Dot(row, otherRow) / norms);
        }

        int[] nearest = TokenDistribution.TopIndices(similarities, Math.Min(count, vocabulary - 1));
        var result = new TokenSimilarity[nearest.Length];
        for (int i = 0; i < nearest.Length; i++)
        {
            ReadOnlySpan<float> otherRow = embedding.Slice(nearest[i] * width, width);
            result[i] = new TokenSimilarity(nearest[i], Dot(row, otherRow) / (rowNorm * Math.Sqrt(Dot(otherRow, otherRow))));
        }

        return result;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
