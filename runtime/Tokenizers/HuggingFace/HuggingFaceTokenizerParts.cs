using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>What <see cref="HuggingFaceTokenizer"/> reads from the files, for <see cref="HuggingFaceBpeTokenizer"/>.</summary>
internal sealed record HuggingFaceTokenizerParts(
    HuggingFaceTokenizerOptions Options,
    List<AddedToken> AddedTokens,
    TextNormalizer? Normalizer,
    PreTokenizerPipeline PreTokenizer,
    BpeWordEncoder Words,
    TokenDecoding Decoding,
    byte[][] Bytes,
    bool[] IsAdded,
    SpecialTokenTemplate Template,
    int Bos,
    int Eos,
    int[] StopTokens);
