using System;
using System.Globalization;
using Codegen.Generation;

namespace Codegen.Samples;

/// <summary>
/// The sampling options the GPT-2 and Hugging Face samples share: <c>--prompt</c>, <c>--temperature</c>, <c>--top-k</c>,
/// <c>--top-p</c>, <c>--min-p</c>, <c>--repetition-penalty</c>, <c>--frequency-penalty</c>, <c>--presence-penalty</c>,
/// <c>--penalty-window</c>, <c>--seed</c>, <c>--max-tokens</c>.
/// </summary>
internal static class GenerationArguments
{
    /// <summary>Reads the options from <paramref name="args"/>[<paramref name="first"/>] on, over the given defaults.</summary>
    /// <exception cref="ArgumentException">An unknown option, or one without its value.</exception>
    /// <exception cref="FormatException">A value that is not a number.</exception>
    /// <exception cref="OverflowException">A number out of range.</exception>
    public static (string Prompt, GenerationOptions Options) Parse(string[] args, int first, string prompt, GenerationOptions options)
    {
        for (int i = first; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--prompt":
                    prompt = value;
                    break;
                case "--temperature":
                    options = options with { Temperature = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--top-k":
                    options = options with { TopK = int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--top-p":
                    options = options with { TopP = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--min-p":
                    options = options with { MinP = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--repetition-penalty":
                    options = options with { RepetitionPenalty = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--frequency-penalty":
                    options = options with { FrequencyPenalty = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--presence-penalty":
                    options = options with { PresencePenalty = float.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--penalty-window":
                    options = options with { PenaltyWindow = int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--seed":
                    options = options with { Seed = ulong.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--max-tokens":
                    options = options with { MaxNewTokens = int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}.");
            }
        }

        return (prompt, options);
    }
}
