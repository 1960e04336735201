using System;

namespace Codegen;

/// <summary>
/// The model gave a NaN or infinite logit, so there is no distribution to sample from: the weights or the
/// activations overflowed. Names the position (when known), the token and the value.
/// </summary>
public sealed class NonFiniteLogitsException : Exception
{
    public NonFiniteLogitsException(int position, int token, float value)
        : base(Describe(position, token, value))
    {
        Position = position;
        Token = token;
        Value = value;
    }

    /// <summary>The position whose logits these are, or -1 when the caller did not say.</summary>
    public int Position { get; }

    /// <summary>The first vocabulary entry whose logit is not finite.</summary>
    public int Token { get; }

    /// <summary>That logit: NaN, or positive or negative infinity.</summary>
    public float Value { get; }

    /// <summary>Throws when any logit is NaN or infinite (one vectorized pass over the vocabulary, the weight loaders' scan).</summary>
    /// <param name="position">The position the logits predict from, for the message; -1 when unknown.</param>
    public static void ThrowIfAny(ReadOnlySpan<float> logits, int position)
    {
        int bad = Formats.FiniteWeights.IndexOfNonFinite(logits);
        if (bad >= 0)
        {
            throw new NonFiniteLogitsException(position, bad, logits[bad]);
        }
    }

    private static string Describe(int position, int token, float value) =>
        position >= 0
            ? $"The logits at position {position} are not finite: token {token} has {value}. The weights or activations overflowed; check the weights file."
            : $"The logits are not finite: token {token} has {value}. The weights or activations overflowed; check the weights file.";
}
