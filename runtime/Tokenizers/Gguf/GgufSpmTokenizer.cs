using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// A GGUF file's <c>"llama"</c> tokenizer: SentencePiece-style BPE over the file's tokens and
/// scores, encoding as llama.cpp does without parsing special tokens.
/// </summary>
/// <remarks>
/// Encoding: user-defined tokens are matched whole first (<see cref="UserDefinedTokenSplitter"/>);
/// each run of plain text gets a dummy-prefix space when <c>add_space_prefix</c> is set and it is
/// the first fragment or follows a user-defined token, has its spaces replaced by U+2581 and is
/// merged by <see cref="SpmPieceMerger"/>, with byte tokens <c>&lt;0xHH&gt;</c> for characters the
/// vocabulary lacks. Control tokens (such as <c>&lt;s&gt;</c>) in the text are plain text.
/// Decoding, as llama.cpp's <c>token_to_piece</c> without special tokens: a normal token's text
/// with U+2581 as a space, a user-defined token's text as it is, a byte token's byte, and no text
/// for control, unknown, unused and undefined tokens. The first token of a text (no previous
/// token) loses one leading space, the dummy prefix, when <c>add_space_prefix</c> is set, as in
/// llama.cpp's <c>detokenize</c>; so does a token after BOS, which llama.cpp keeps (it strips only
/// the very first token, BOS itself when present), so that <c>Decode(Encode(text, addBos: true))</c>
/// gives the text back as <see cref="Llama2cTokenizer"/> does.
/// </remarks>
public sealed class GgufSpmTokenizer : ITokenizer
{
    private const char SpaceMark = '\u2581';

    private readonly GgufVocabulary _vocabulary;
    private readonly SpmPieceMerger _merger;
    private readonly UserDefinedTokenSplitter _splitter;
    private readonly byte[][] _pieces;
    private readonly int[] _stops;

    internal GgufSpmTokenizer(GgufVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        string[] tokens = vocabulary.Tokens;

        // llama.cpp's text-to-id map keeps the last id of a repeated text.
        var ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            ids[tokens[id]] = id;
        }

        _merger = new SpmPieceMerger(ids, vocabulary.Scores, TokenOfEachByte(ids, vocabulary.Unknown));
        _splitter = new UserDefinedTokenSplitter(tokens, vocabulary.Types);
        _pieces = new byte[tokens.Length][];
        for (int id = 0; id < tokens.Length; id++)
        {
            _pieces[id] = PieceBytes(tokens[id], vocabulary.Types[id]);
        }

        _stops = vocabulary.StopTokens();
    }

    /// <inheritdoc/>
    public int VocabularySize => _pieces.Length;

    /// <inheritdoc/>
    public int BosToken => _vocabulary.Bos;

    /// <inheritdoc/>
    public int EosToken => _vocabulary.Eos;

    /// <summary>EOS, and the end-of-turn and end-of-message tokens when the file names them.</summary>
    public IReadOnlyList<int> StopTokens => _stops;

    /// <summary>Whether the file asks for BOS at the start of a prompt (<c>tokenizer.ggml.add_bos_token</c>, default true).</summary>
    public bool AddsBos => _vocabulary.AddBos;

    /// <summary>
    /// Encodes as llama.cpp's SentencePiece tokenizer with special-token parsing off; see the remarks.
    /// </summary>
    public int[] Encode(string text, bool addBos) => Encode(text, addBos, out _);

    /// <summary><see cref="Encode(string, bool)"/>, also counting the pair look-ups that merging took.</summary>
    internal int[] Encode(string text, bool addBos, out int pairLookups)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length + 2);
        if (addBos && _vocabulary.Bos >= 0)
        {
            tokens.Add(_vocabulary.Bos);
        }

        pairLookups = 0;
        bool afterSpecial = true;
        foreach ((string? plain, int id) in _splitter.Split(text))
        {
            if (plain is null)
            {
                tokens.Add(id);
                afterSpecial = true;
                continue;
            }

            string prefixed = _vocabulary.AddSpacePrefix && afterSpecial ? " " + plain : plain;
            pairLookups += _merger.Merge(prefixed.Replace(' ', SpaceMark), tokens);
            afterSpecial = false;
        }

        return tokens.ToArray();
    }

    /// <summary>The token's bytes (see the remarks), without a leading space at the start or after BOS.</summary>
    public ReadOnlySpan<byte> DecodeBytes(int previousToken, int token)
    {
        if ((uint)token >= (uint)_pieces.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids are 0 to {_pieces.Length - 1}.");
        }

        ReadOnlySpan<byte> piece = _pieces[token];
        bool startOfText = previousToken < 0 || previousToken == _vocabulary.Bos;
        if (_vocabulary.AddSpacePrefix && startOfText && piece.Length > 0 && piece[0] == (byte)' '
            && _vocabulary.Types[token] == GgufTokenType.Normal)
        {
            piece = piece[1..];
        }

        return piece;
    }

    /// <inheritdoc/>
    public string Decode(int previousToken, int token) => Encoding.UTF8.GetString(DecodeBytes(previousToken, token));

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> tokens) => StreamingDecoder.DecodeAll(this, tokens);

    /// <summary>llama.cpp's piece of a token without special tokens: see the remarks.</summary>
    private static byte[] PieceBytes(string text, GgufTokenType type) => type switch
    {
        GgufTokenType.Normal => Encoding.UTF8.GetBytes(text.Replace(SpaceMark, ' ')),
        GgufTokenType.UserDefined => Encoding.UTF8.GetBytes(text),
        GgufTokenType.Byte when ByteFallbackTokens.TryParse(text, out byte value) => new[] { value },
        _ => Array.Empty<byte>(),
    };

    /// <summary>The token of each byte: <c>&lt;0xHH&gt;</c>, else the byte's own one-character text, else the unknown token.</summary>
    private static int[] TokenOfEachByte(Dictionary<string, int> ids, int unknown)
    {
        var tokenOfByte = new int[256];
        for (int b = 0; b < tokenOfByte.Length; b++)
        {
            tokenOfByte[b] = ids.TryGetValue(ByteFallbackTokens.Name(b), out int id) ? id
                : b < 0x80 && ids.TryGetValue(((char)b).ToString(), out id) ? id
                : unknown;
        }

        return tokenOfByte;
    }
}
