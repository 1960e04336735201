using System;
using Codegen.Generation;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;

namespace Codegen.Benchmarks.Accuracy;

/// <summary>
/// What bf16 and Q8 weights cost in accuracy on the trained stories260K model, against float32:
/// the greedy story (256 positions from BOS, as llama2.c's default run) and the logits along the
/// float32 story (each format fed the same tokens), reported as max |difference| and relative to the
/// largest logit. Run with <c>dotnet run -c Release --project benchmarks -- --accuracy</c>.
/// </summary>
internal static class QuantizationAccuracy
{
    private const int Positions = 256;
    private const int Bos = 1;

    public static void Run()
    {
        string checkpoint = RepositoryPaths.SharedModel("stories260K", "stories260K.bin");
        int[] reference;
        using (IInferenceSession f32 = Stories260K.Load(checkpoint).CreateSession())
        {
            reference = GreedyStory(f32);
        }

        Report("bf16", Stories260KBf16.Load(checkpoint).CreateSession(), checkpoint, reference);
        Report("q8", Stories260KQ8.Load(checkpoint).CreateSession(), checkpoint, reference);
    }

    private static void Report(string format, IInferenceSession quantized, string checkpoint, int[] reference)
    {
        using (quantized)
        {
            int[] story = GreedyStory(quantized);
            int same = 0;
            while (same < story.Length && story[same] == reference[same])
            {
                same++;
            }

            using IInferenceSession f32 = Stories260K.Load(checkpoint).CreateSession();
            double maxDifference = 0, maxLogit = 0, smallestMargin = double.MaxValue;
            int argmaxDisagreements = 0;
            int token = Bos;
            for (int position = 0; position < Positions; position++)
            {
                ReadOnlySpan<float> exact = f32.Forward(token, position);
                ReadOnlySpan<float> approximate = quantized.Forward(token, position);
                for (int i = 0; i < exact.Length; i++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(exact[i] - approximate[i]));
                    maxLogit = Math.Max(maxLogit, Math.Abs(exact[i]));
                }

                if (Sampler.ArgMax(exact) != Sampler.ArgMax(approximate))
                {
                    argmaxDisagreements++;
                    smallestMargin = Math.Min(smallestMargin, TopTwoMargin(exact));
                }

                token = reference[position];
            }

            string divergence = same == story.Length
                ? $"identical for all {story.Length} tokens"
                : $"identical for the first {same} of {story.Length} tokens";
            string margin = argmaxDisagreements > 0
                ? FormattableString.Invariant($" (f32 top-two margin there at least {smallestMargin:F4})")
                : string.Empty;
            Console.WriteLine(FormattableString.Invariant(
                $"stories260K {format}: greedy story {divergence}; logits along the f32 story: max |difference| {maxDifference:F4} ({maxDifference / maxLogit:E2} of the largest logit), argmax differs at {argmaxDisagreements} of {Positions} positions{margin}"));
        }
    }

    /// <summary>The greedy tokens after BOS at positions 0 .. Positions - 1.</summary>
    private static int[] GreedyStory(IInferenceSession session)
    {
        var story = new int[Positions];
        int token = Bos;
        for (int position = 0; position < Positions; position++)
        {
            token = Sampler.ArgMax(session.Forward(token, position));
            story[position] = token;
        }

        return story;
    }

    private static double TopTwoMargin(ReadOnlySpan<float> logits)
    {
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float logit in logits)
        {
            if (logit > first)
            {
                second = first;
                first = logit;
            }
            else if (logit > second)
            {
                second = logit;
            }
        }

        return first - second;
    }
}
