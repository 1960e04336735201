using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// The SentencePiece-style BPE tokenizer of karpathy's llama2.c, read from its tokenizer file and
/// encoding and decoding exactly as its <c>run.c</c> does.
/// </summary>
/// <remarks>
/// Token 1 is BOS and token 2 is EOS; tokens 3 to 258 are the raw bytes 0x00 to 0xFF, written
/// <c>&lt;0xHH&gt;</c> in the file. Two deliberate differences from run.c, which never prints BOS:
/// BOS and EOS decode to no text rather than their file pieces <c>"\n&lt;s&gt;\n"</c> and
/// <c>"\n&lt;/s&gt;\n"</c>, and a byte token decodes to its byte (run.c's C string drops 0x00 and
/// cannot hold half a character), so <c>Decode(Encode(text, addBos: true)) == text</c>.
/// </remarks>
public sealed class Llama2cTokenizer : ITokenizer
{
    /// <summary>The beginning-of-sequence token, as run.c fixes it.</summary>
    public const int Bos = 1;

    /// <summary>The end-of-sequence token, as run.c fixes it.</summary>
    public const int Eos = 2;

    /// <summary>The id of the token for byte 0x00; byte <c>b</c> is token <c>b + 3</c>.</summary>
    public const int FirstByteToken = 3;

    private static readonly int[] Stops = { Bos, Eos };
    private static readonly byte[] ByteValues = CreateByteValues();

    private readonly byte[][] _pieces;
    private readonly SpanKeyedIds _idsByKey;
    private readonly ScoredPairMerger _merger;

    private Llama2cTokenizer(byte[][] pieces, float[] scores)
    {
        _pieces = pieces;

        // Each piece's bytes as Latin-1 characters (one char a byte), to join and look up pieces as strings.
        var keys = new string[pieces.Length];
        var ids = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        int longestKey = 0;
        for (int id = 0; id < pieces.Length; id++)
        {
            keys[id] = Encoding.Latin1.GetString(pieces[id]);
            longestKey = Math.Max(longestKey, keys[id].Length);

            // run.c's binary search finds some one of repeated pieces; this takes the lowest id.
            ids.TryAdd(keys[id], id);
        }

        _idsByKey = new SpanKeyedIds(ids);
        _merger = new ScoredPairMerger(keys, scores, _idsByKey, longestKey);
    }

    /// <inheritdoc/>
    public int VocabularySize => _pieces.Length;

    /// <inheritdoc/>
    public int BosToken => Bos;

    /// <inheritdoc/>
    public int EosToken => Eos;

    /// <summary>BOS and EOS: run.c stops when the model produces BOS, which starts the next story.</summary>
    public IReadOnlyList<int> StopTokens => Stops;

    /// <summary>Reads a llama2.c tokenizer file.</summary>
    /// <param name="path">The tokenizer file, such as <c>tokenizer.bin</c>.</param>
    /// <param name="vocabularySize">The model's vocabulary size, which the file does not record.</param>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, truncated, or has a token length out of range.</exception>
    public static Llama2cTokenizer Load(string path, int vocabularySize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        (byte[][] pieces, float[] scores) = Llama2cTokenizerFile.Read(path, vocabularySize);
        return new Llama2cTokenizer(pieces, scores);
    }

    /// <summary>
    /// Encodes as run.c's <c>encode</c>: optional BOS, a dummy-prefix space when the text is not
    /// empty, each UTF-8 character as its token or else as byte tokens, then repeatedly the merge of
    /// the adjacent pair whose joined piece is in the vocabulary with the highest score (the first
    /// such pair on ties) until none applies.
    /// </summary>
    /// <exception cref="ArgumentException">The text needs a byte token that this vocabulary is too small to have.</exception>
    public int[] Encode(string text, bool addBos) => Encode(text, addBos, out _);

    /// <summary>
    /// <see cref="Encode(string, bool)"/>, also counting the vocabulary look-ups of joined adjacent
    /// pairs that merging took: the work the merge loop does, which tests check grows linearly.
    /// </summary>
    internal int[] Encode(string text, bool addBos, out int pairLookups)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length + 2);
        if (addBos)
        {
            tokens.Add(Bos);
        }

        if (text.Length > 0)
        {
            AddPiece(tokens, " "u8);
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        for (int start = 0; start < utf8.Length;)
        {
            // A character: a byte and the continuation bytes after it, at most four bytes in all.
            int end = start + 1;
            while (end < utf8.Length && (utf8[end] & 0xC0) == 0x80 && end - start < 4)
            {
                end++;
            }

            AddPiece(tokens, utf8.AsSpan(start, end - start));
            start = end;
        }

        pairLookups = _merger.MergePairs(tokens);
        return tokens.ToArray();
    }

    /// <summary>
    /// The bytes run.c's <c>decode</c> gives: the token's piece, without its leading space when the
    /// previous token is BOS, or the raw byte of a <c>&lt;0xHH&gt;</c> piece. Empty for BOS and EOS.
    /// </summary>
    public ReadOnlySpan<byte> DecodeBytes(int previousToken, int token)
    {
        if ((uint)token >= (uint)_pieces.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids are 0 to {_pieces.Length - 1}.");
        }

        if (token is Bos or Eos)
        {
            return ReadOnlySpan<byte>.Empty;
        }

        ReadOnlySpan<byte> piece = _pieces[token];
        if (previousToken == Bos && piece.Length > 0 && piece[0] == (byte)' ')
        {
            piece = piece[1..];
        }

        return TryParseByte(piece, out byte value) ? ByteValues.AsSpan(value, 1) : piece;
    }

    /// <inheritdoc/>
    public string Decode(int previousToken, int token) => Encoding.UTF8.GetString(DecodeBytes(previousToken, token));

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> tokens) => StreamingDecoder.DecodeAll(this, tokens);

    private void AddPiece(List<int> tokens, ReadOnlySpan<byte> piece)
    {
        Span<char> key = stackalloc char[piece.Length];
        Encoding.Latin1.GetChars(piece, key);
        if (_idsByKey.TryGetValue(key, out int id))
        {
            tokens.Add(id);
            return;
        }

        foreach (byte b in piece)
        {
            int byteToken = FirstByteToken + b;
            if (byteToken >= _pieces.Length)
            {
                throw new ArgumentException(
                    $"The text needs byte token {byteToken} for byte 0x{b:X2}, but the vocabulary has {_pieces.Length} tokens.", "text");
            }

            tokens.Add(byteToken);
        }
    }

    /// <summary>run.c's <c>sscanf(piece, "&lt;0x%02hhX&gt;", ...)</c>: "&lt;0x" and one or two hex digits.</summary>
    private static bool TryParseByte(ReadOnlySpan<byte> piece, out byte value)
    {
        value = 0;
        if (!piece.StartsWith("<0x"u8))
        {
            return false;
        }

        int digits = 0;
        while (digits < 2 && 3 + digits < piece.Length && HexValue(piece[3 + digits]) is int digit and >= 0)
        {
            value = (byte)(value * 16 + digit);
            digits++;
        }

        return digits > 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static byte[] CreateByteValues()
    {
        var values = new byte[256];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (byte)i;
        }

        return values;
    }
}
