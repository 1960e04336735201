namespace Codegen.Inspection;

/// <summary>A token of the vocabulary and the cosine similarity of its embedding row to another token's.</summary>
/// <param name="Token">The token id.</param>
/// <param name="Similarity">The cosine of the angle between the two embedding rows, from -1 to 1.</param>
public readonly record struct TokenSimilarity(int Token, double Similarity);
