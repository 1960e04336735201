using System;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// One forward step on a freshly loaded model, with a check that every logit it hands out is finite. A session
/// that refuses its non-finite logits throws <see cref="NonFiniteLogitsException"/>, which the runner counts as a
/// typed refusal; this check catches a session that would hand them out silently.
/// </summary>
internal static class ForwardStep
{
    /// <summary>Runs <paramref name="token"/> at position 0; null when every logit is finite, else what is not.</summary>
    public static string? NonFiniteLogits(IInferenceSession session, int token)
    {
        using (session)
        {
            ReadOnlySpan<float> logits = session.Forward(token, 0);
            for (int i = 0; i < logits.Length; i++)
            {
                if (!float.IsFinite(logits[i]))
                {
                    return $"the load succeeded, but the forward step of token {token} at position 0 gives logit {i} of {logits.Length} = {logits[i]} (no typed error: silent non-finite output)";
                }
            }

            return null;
        }
    }
}
