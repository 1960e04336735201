using System;
using System.Collections.Generic;

namespace Codegen.Generation;

/// <summary>How to pick tokens and when to stop. Immutable; <see cref="Validate()"/> names any bad value.</summary>
/// <remarks>
/// <para>
/// The sampler works on each step's logits in this order (Hugging Face's order; see <see cref="Sampler"/>):
/// </para>
/// <list type="number">
/// <item>on the model's raw logits: <see cref="RepetitionPenalty"/>, then <see cref="FrequencyPenalty"/> and
/// <see cref="PresencePenalty"/> (all three over the last <see cref="PenaltyWindow"/> tokens), then
/// <see cref="LogitBias"/>;</item>
/// <item><see cref="Temperature"/> (0: the largest adjusted logit is taken and the steps below do not apply);</item>
/// <item>softmax, then <see cref="TopK"/>, then <see cref="TopP"/> over what top-k kept, then
/// <see cref="MinP"/> over what top-p kept; then a seeded draw among the tokens left.</item>
/// </list>
/// <para>
/// llama.cpp's default chain applies the temperature last, after top-k, top-p and min-p; the same numbers
/// there choose the top-p and min-p sets from the untempered distribution, so they keep different tokens
/// whenever the temperature is not 1.
/// </para>
/// </remarks>
public sealed record GenerationOptions
{
    // Before Greedy: static initializers run in order, and Greedy's LogitBias defaults to this.
    private static readonly IReadOnlyDictionary<int, float> EmptyBias = new Dictionary<int, float>();

    /// <summary>Greedy decoding: always the most likely token.</summary>
    public static GenerationOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>The default <see cref="PenaltyWindow"/>: 64 tokens, as llama.cpp's <c>repeat_last_n</c>.</summary>
    public const int DefaultPenaltyWindow = 64;

    /// <summary>Most tokens to generate after the prompt. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Divides the logits before the softmax; 0 means greedy. Default 1.</summary>
    public float Temperature { get; init; } = 1.0f;

    /// <summary>Sample only among the K most likely tokens; 0 means no limit.</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Sample only among the most likely tokens whose probabilities add up to P (nucleus sampling), counted over
    /// the tokens <see cref="TopK"/> kept (their probabilities renormalized, as Hugging Face and llama.cpp do); 1 means no limit.
    /// </summary>
    public float TopP { get; init; } = 1.0f;

    /// <summary>
    /// Keep only tokens whose probability is at least MinP times the most likely token's (after temperature,
    /// top-k and top-p); 0 means off. In [0, 1].
    /// </summary>
    public float MinP { get; init; }

    /// <summary>
    /// The CTRL / Hugging Face repetition penalty for tokens seen in the last <see cref="PenaltyWindow"/> tokens:
    /// a positive logit is divided by it, a negative one multiplied, so values above 1 make repeats less likely
    /// (1.1 to 1.3 is usual) and values below 1 more likely. 1 means off. Must be positive and finite.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1.0f;

    /// <summary>
    /// The OpenAI frequency penalty: <c>logit -= FrequencyPenalty * count</c>, where count is how many times the
    /// token occurs in the last <see cref="PenaltyWindow"/> tokens. 0 means off; negative values encourage repeats.
    /// </summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>
    /// The OpenAI presence penalty: <c>logit -= PresencePenalty</c> once for every token that occurs in the last
    /// <see cref="PenaltyWindow"/> tokens, however often. 0 means off; negative values encourage repeats.
    /// </summary>
    public float PresencePenalty { get; init; }

    /// <summary>
    /// How many of the most recent tokens the three penalties look at: the prompt's and the generated ones
    /// alike, as Hugging Face's <c>repetition_penalty</c> and llama.cpp's <c>repeat_last_n</c> count them.
    /// Default <see cref="DefaultPenaltyWindow"/> (64); 0 means none (the penalties do nothing); -1 means every
    /// token of the prompt and the generation.
    /// </summary>
    public int PenaltyWindow { get; init; } = DefaultPenaltyWindow;

    /// <summary>
    /// Token id → a number added to its logit at every step, after the penalties (-100 all but bans a token,
    /// +100 all but forces it). The ids must be in the model's vocabulary; the values finite.
    /// </summary>
    public IReadOnlyDictionary<int, float> LogitBias { get; init; } = EmptyBias;

    /// <summary>Seed of the sampler's random numbers; the same seed, model and prompt give the same tokens. Null: a fresh seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Tokens that end the generation when sampled (they are not returned), for example BOS and EOS.</summary>
    public IReadOnlyCollection<int> StopTokens { get; init; } = Array.Empty<int>();

    /// <summary>
    /// Texts that end the generation when the generated text contains one (the prompt does not count). Matched on
    /// the decoded text, across token boundaries, so they need the tokenizer: <see cref="TextGeneration.GenerateText"/>
    /// honours them; the token-level <see cref="TextGeneration.Generate"/> refuses options that have any. The stop
    /// string and anything after it are never returned. The first stop string to be completed ends the text (of two
    /// completed by the same character, the one that starts first), however the text is cut into tokens. Matching is
    /// ordinal (case- and culture-sensitive, character by character).
    /// </summary>
    public IReadOnlyList<string> StopStrings { get; init; } = Array.Empty<string>();

    /// <summary>Whether any of the penalties changes logits: a window and a penalty that is not neutral.</summary>
    internal bool HasPenalties =>
        PenaltyWindow != 0 && (RepetitionPenalty != 1 || FrequencyPenalty != 0 || PresencePenalty != 0);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentException($"MaxNewTokens must be 0 or more, but it is {MaxNewTokens}.", nameof(MaxNewTokens));
        }

        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
        {
            throw new ArgumentException($"Temperature must be a finite number of 0 or more (0 is greedy), but it is {Temperature}.", nameof(Temperature));
        }

        if (TopK < 0)
        {
            throw new ArgumentException($"TopK must be 0 (no limit) or more, but it is {TopK}.", nameof(TopK));
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"TopP must be in (0, 1] (1 is no limit), but it is {TopP}.", nameof(TopP));
        }

        if (!(MinP >= 0 && MinP <= 1))
        {
            throw new ArgumentException($"MinP must be in [0, 1] (0 is off), but it is {MinP}.", nameof(MinP));
        }

        if (!(RepetitionPenalty > 0) || float.IsInfinity(RepetitionPenalty))
        {
            throw new ArgumentException($"RepetitionPenalty must be a finite number above 0 (1 is off), but it is {RepetitionPenalty}.", nameof(RepetitionPenalty));
        }

        if (!float.IsFinite(FrequencyPenalty))
        {
            throw new ArgumentException($"FrequencyPenalty must be a finite number (0 is off), but it is {FrequencyPenalty}.", nameof(FrequencyPenalty));
        }

        if (!float.IsFinite(PresencePenalty))
        {
            throw new ArgumentException($"PresencePenalty must be a finite number (0 is off), but it is {PresencePenalty}.", nameof(PresencePenalty));
        }

        if (PenaltyWindow < -1)
        {
            throw new ArgumentException($"PenaltyWindow must be -1 (every token), 0 (none) or more, but it is {PenaltyWindow}.", nameof(PenaltyWindow));
        }

        if (LogitBias is null)
        {
            throw new ArgumentException("LogitBias must not be null; use an empty dictionary.", nameof(LogitBias));
        }

        foreach (KeyValuePair<int, float> bias in LogitBias)
        {
            if (!float.IsFinite(bias.Value))
            {
                throw new ArgumentException($"LogitBias for token {bias.Key} must be a finite number, but it is {bias.Value}.", nameof(LogitBias));
            }

            if (bias.Key < 0)
            {
                throw new ArgumentException($"LogitBias names token {bias.Key}, which is not a token id (ids are 0 or more).", nameof(LogitBias));
            }
        }

        if (StopTokens is null)
        {
            throw new ArgumentException("StopTokens must not be null; use an empty collection.", nameof(StopTokens));
        }

        if (StopStrings is null)
        {
            throw new ArgumentException("StopStrings must not be null; use an empty list.", nameof(StopStrings));
        }

        for (int i = 0; i < StopStrings.Count; i++)
        {
            if (string.IsNullOrEmpty(StopStrings[i]))
            {
                throw new ArgumentException($"StopStrings[{i}] is {(StopStrings[i] is null ? "null" : "empty")}; every stop string needs at least one character.", nameof(StopStrings));
            }
        }
    }

    /// <summary>
    /// <see cref="Validate()"/>, then checks that every <see cref="LogitBias"/> token is in a vocabulary of
    /// <paramref name="vocabularySize"/> tokens; the message names the first one that is not.
    /// </summary>
    public void Validate(int vocabularySize)
    {
        Validate();
        foreach (KeyValuePair<int, float> bias in LogitBias)
        {
            if (bias.Key >= vocabularySize)
            {
                throw new ArgumentException(
                    $"LogitBias names token {bias.Key}, outside the vocabulary (0 to {vocabularySize - 1}).", nameof(LogitBias));
            }
        }
    }
}
