using System;
using System.Numerics;

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

    /// <summary>Throws when any logit is NaN or infinite (one vectorized pass over the vocabulary).</summary>
    /// <param name="position">The position the logits predict from, for the message; -1 when unknown.</param>
    public static void ThrowIfAny(ReadOnlySpan<float> logits, int position)
    {
        int bad = IndexOfNonFinite(logits);
        if (bad >= 0)
        {
            throw new NonFiniteLogitsException(position, bad, logits[bad]);
        }
    }

    /// <summary>The index of the first NaN or infinity, or -1. x - x is 0 for every finite x and NaN otherwise.</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe(int position, int token, float value) =>
        position >= 0
            ? $"The logits at position {position} are not finite: token {token} has {value}. The weights or activations overflowed; check the weights file."
            : $"The logits are not finite: token {token} has {value}. The weights or activations overflowed; check the weights file.";
}
