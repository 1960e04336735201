namespace Codegen.Inspection;

/// <summary>A token of the vocabulary and the probability a distribution gives it.</summary>
/// <param name="Token">The token id.</param>
/// <param name="Probability">Its probability, from 0 to 1.</param>
public readonly record struct TokenProbability(int Token, double Probability);
