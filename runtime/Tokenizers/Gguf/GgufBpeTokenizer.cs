using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace Codegen.Tokenizers;

/// <summary>
/// A GGUF file's <c>"gpt2"</c> tokenizer: byte-level BPE over <c>tokenizer.ggml.tokens</c> and
/// <c>tokenizer.ggml.merges</c> (merged by <see cref="RankedPairMerger"/>, as
/// <see cref="Gpt2Tokenizer"/>), with the pre-tokenizer that <c>tokenizer.ggml.pre</c> names
/// (<see cref="BpePreTokenizers"/>, run over code points by <see cref="CodePointRegexSplitter"/>),
/// encoding as llama.cpp does without parsing special tokens.
/// </summary>
/// <remarks>
/// User-defined tokens are matched whole first; control tokens in the text are plain text. A
/// pre-tokenizer with whole-word tokens (Llama 3's) gives a word that is a token on its own as
/// that token without merging. Decoding, as llama.cpp's <c>token_to_piece</c> without special
/// tokens: a normal (or byte) token's byte-level characters give their bytes (its UTF-8 text if a
/// character is outside the alphabet), a user-defined token gives its text as it is, and control,
/// unknown, unused and undefined tokens give no text. A lone surrogate in the text is encoded as in <see cref="Utf8WithLoneSurrogates"/>.
/// </remarks>
public sealed class GgufBpeTokenizer : ITokenizer
{
    private readonly GgufVocabulary _vocabulary;
    private readonly RankedPairMerger _merger;
    private readonly Regex _pattern;
    private readonly bool _wholeWordTokens;
    private readonly SpanKeyedIds _idsByText;
    private readonly UserDefinedTokenSplitter _splitter;
    private readonly byte[][] _bytes;
    private readonly int[] _stops;

    private GgufBpeTokenizer(
        GgufVocabulary vocabulary, RankedPairMerger merger, Regex pattern, bool wholeWordTokens, Dictionary<string, int> ids)
    {
        _vocabulary = vocabulary;
        _merger = merger;
        _pattern = pattern;
        _wholeWordTokens = wholeWordTokens;
        _idsByText = new SpanKeyedIds(ids);
        _splitter = new UserDefinedTokenSplitter(vocabulary.Tokens, vocabulary.Types);
        _bytes = new byte[vocabulary.Tokens.Length][];
        for (int id = 0; id < _bytes.Length; id++)
        {
            _bytes[id] = TokenBytes(vocabulary.Tokens[id], vocabulary.Types[id]);
        }

        _stops = vocabulary.StopTokens();
    }

    /// <inheritdoc/>
    public int VocabularySize => _bytes.Length;

    /// <inheritdoc/>
    public int BosToken => _vocabulary.Bos;

    /// <inheritdoc/>
    public int EosToken => _vocabulary.Eos;

    /// <summary>EOS, and the end-of-turn and end-of-message tokens when the file names them.</summary>
    public IReadOnlyList<int> StopTokens => _stops;

    /// <summary>Whether the file asks for BOS at the start of a prompt (<c>tokenizer.ggml.add_bos_token</c>, default false).</summary>
    public bool AddsBos => _vocabulary.AddBos;

    /// <summary>Builds the tokenizer, checking the merges and the pre-tokenizer name.</summary>
    internal static GgufBpeTokenizer Create(GgufVocabulary vocabulary)
    {
        string pre = vocabulary.Pre
            ?? throw new ModelLoadException(vocabulary.Path,
                $"metadata key '{GgufVocabulary.PreKey}' is missing; a \"gpt2\" tokenizer needs it to name its pre-tokenizer ({BpePreTokenizers.KnownNames})");
        if (!BpePreTokenizers.TryGet(pre, out Regex pattern, out bool wholeWordTokens))
        {
            throw new ModelLoadException(vocabulary.Path,
                $"metadata key '{GgufVocabulary.PreKey}' is \"{pre}\", a pre-tokenizer this runtime does not know; it knows {BpePreTokenizers.KnownNames}");
        }

        string[] tokens = vocabulary.Tokens;
        var ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            ids[tokens[id]] = id;
        }

        var merger = new RankedPairMerger(ReadMerges(vocabulary, ids), ByteLevelAlphabet.TokenOfEachByte(ids));
        return new GgufBpeTokenizer(vocabulary, merger, pattern, wholeWordTokens, ids);
    }

    /// <summary>Encodes as llama.cpp's BPE tokenizer with special-token parsing off; see the remarks.</summary>
    public int[] Encode(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length / 3 + 2);
        if (addBos && _vocabulary.Bos >= 0)
        {
            tokens.Add(_vocabulary.Bos);
        }

        var workspace = new RankedPairMerger.Workspace();
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(256);
        char[] word = ArrayPool<char>.Shared.Rent(256);
        try
        {
            foreach ((string? plain, int id) in _splitter.Split(text))
            {
                if (plain is null)
                {
                    tokens.Add(id);
                    continue;
                }

                foreach ((int start, int pieceLength) in CodePointRegexSplitter.Split(_pattern, plain))
                {
                    ReadOnlySpan<char> piece = plain.AsSpan(start, pieceLength);
                    int maxBytes = Utf8WithLoneSurrogates.MaxByteCount(piece.Length);
                    if (utf8.Length < maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(utf8);
                        utf8 = ArrayPool<byte>.Shared.Rent(maxBytes);
                        ArrayPool<char>.Shared.Return(word);
                        word = ArrayPool<char>.Shared.Rent(maxBytes);
                    }

                    int length = Utf8WithLoneSurrogates.GetBytes(piece, utf8);
                    if (_wholeWordTokens && TryWholeWord(utf8.AsSpan(0, length), word, out int wholeToken))
                    {
                        tokens.Add(wholeToken);
                        continue;
                    }

                    _merger.MergeWord(utf8.AsSpan(0, length), workspace, tokens);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
            ArrayPool<char>.Shared.Return(word);
        }

        return tokens.ToArray();
    }

    /// <summary>The token's bytes; they do not depend on <paramref name="previousToken"/>.</summary>
    public ReadOnlySpan<byte> DecodeBytes(int previousToken, int token)
    {
        if ((uint)token >= (uint)_bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids are 0 to {_bytes.Length - 1}.");
        }

        return _bytes[token];
    }

    /// <inheritdoc/>
    public string Decode(int previousToken, int token) => Encoding.UTF8.GetString(DecodeBytes(previousToken, token));

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> tokens) => StreamingDecoder.DecodeAll(this, tokens);

    /// <summary>Whether the word's byte-level text is a token on its own.</summary>
    private bool TryWholeWord(ReadOnlySpan<byte> utf8, char[] word, out int token)
    {
        for (int i = 0; i < utf8.Length; i++)
        {
            word[i] = ByteLevelAlphabet.CharOf(utf8[i]);
        }

        return _idsByText.TryGetValue(word.AsSpan(0, utf8.Length), out token);
    }

    /// <summary>
    /// The merges as token ids, most important first: each "left right" (split at the first space
    /// after the first character, as llama.cpp does), each side and their join a token, each pair once.
    /// </summary>
    private static List<(int Left, int Right, int Merged)> ReadMerges(GgufVocabulary vocabulary, Dictionary<string, int> ids)
    {
        string[] lines = vocabulary.Merges!;
        var merges = new List<(int Left, int Right, int Merged)>(lines.Length);
        var seen = new HashSet<(int, int)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int space = line.Length > 1 ? line.IndexOf(' ', 1) : -1;
            if (space < 0 || space == line.Length - 1)
            {
                throw new ModelLoadException(vocabulary.Path,
                    $"metadata key '{GgufVocabulary.MergesKey}': merge {i} \"{line}\" is not two tokens with a space between them");
            }

            string left = line[..space];
            string right = line[(space + 1)..];
            if (!ids.TryGetValue(left, out int leftId) || !ids.TryGetValue(right, out int rightId)
                || !ids.TryGetValue(left + right, out int mergedId))
            {
                throw new ModelLoadException(vocabulary.Path,
                    $"metadata key '{GgufVocabulary.MergesKey}': merge {i} \"{line}\" has a side or a join that is not in '{GgufVocabulary.TokensKey}'");
            }

            if (!seen.Add((leftId, rightId)))
            {
                throw new ModelLoadException(vocabulary.Path,
                    $"metadata key '{GgufVocabulary.MergesKey}': merge {i} \"{line}\" appears twice");
            }

            merges.Add((leftId, rightId, mergedId));
        }

        return merges;
    }

    private static byte[] TokenBytes(string text, GgufTokenType type)
    {
        if (type is not (GgufTokenType.Normal or GgufTokenType.UserDefined or GgufTokenType.Byte))
        {
            return Array.Empty<byte>();
        }

        if (type == GgufTokenType.UserDefined)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        return ByteLevelAlphabet.BytesOrUtf8(text);
    }
}
