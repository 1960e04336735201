using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace Codegen.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE tokenizer, read from a <c>vocab.json</c> and <c>merges.txt</c> pair:
/// the real GPT-2 files or any other vocabulary in the same format. The text is split by GPT-2's
/// pre-tokenizing pattern, and each piece's UTF-8 bytes are merged by <see cref="RankedPairMerger"/>.
/// </summary>
/// <remarks>
/// <c>&lt;|endoftext|&gt;</c>, where the vocabulary has it, is both the end-of-text stop token and
/// the token <c>addBos</c> puts first; it decodes to no text, and its name inside encoded text is
/// plain text. GPT-2 adds no prefix space. A character whose bytes the vocabulary lacks (only a
/// cut-down vocabulary lacks any) is left out of the encoding, as Hugging Face's tokenizer does for
/// a vocabulary without an unknown token. A lone surrogate in the text is encoded as the three
/// UTF-8-style bytes of its code unit (see <see cref="Utf8WithLoneSurrogates"/>).
/// </remarks>
public sealed class Gpt2Tokenizer : ITokenizer
{
    /// <summary>The name of GPT-2's end-of-text token.</summary>
    public const string EndOfText = "<|endoftext|>";

    private readonly RankedPairMerger _merger;

    /// <summary>Each token's bytes, indexed by id; empty for <see cref="EndOfText"/>.</summary>
    private readonly byte[][] _bytes;
    private readonly int _endOfText;
    private readonly int[] _stops;

    private Gpt2Tokenizer(RankedPairMerger merger, byte[][] bytes, int endOfText)
    {
        _merger = merger;
        _bytes = bytes;
        _endOfText = endOfText;
        _stops = endOfText >= 0 ? new[] { endOfText } : Array.Empty<int>();
    }

    /// <inheritdoc/>
    public int VocabularySize => _bytes.Length;

    /// <summary><see cref="EndOfText"/>'s id, which GPT-2 also uses to start a text, or -1 if the vocabulary has none.</summary>
    public int BosToken => _endOfText;

    /// <summary><see cref="EndOfText"/>'s id (50256 in GPT-2's vocabulary), or -1 if the vocabulary has none.</summary>
    public int EosToken => _endOfText;

    /// <summary><see cref="EndOfText"/>, or none when the vocabulary does not have it.</summary>
    public IReadOnlyList<int> StopTokens => _stops;

    /// <summary>Reads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="directory"/>.</summary>
    /// <exception cref="ModelLoadException">A file is missing, unreadable or malformed; the message names it.</exception>
    public static Gpt2Tokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return Load(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
    }

    /// <summary>Reads a vocabulary (<c>vocab.json</c>) and its merges (<c>merges.txt</c>).</summary>
    /// <exception cref="ModelLoadException">A file is missing, unreadable or malformed; the message names it.</exception>
    public static Gpt2Tokenizer Load(string vocabularyPath, string mergesPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabularyPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(mergesPath);
        (string[] tokens, Dictionary<string, int> ids) = Gpt2VocabularyFiles.ReadVocabulary(vocabularyPath);
        List<(int Left, int Right, int Merged)> merges = Gpt2VocabularyFiles.ReadMerges(mergesPath, ids);
        byte[][] bytes = TokenBytes(vocabularyPath, tokens);
        var merger = new RankedPairMerger(merges, ByteLevelAlphabet.TokenOfEachByte(ids));
        return new Gpt2Tokenizer(merger, bytes, ids.GetValueOrDefault(EndOfText, -1));
    }

    /// <inheritdoc/>
    public int[] Encode(string text, bool addBos) => Encode(text, addBos, out _);

    /// <summary>
    /// <see cref="Encode(string, bool)"/>, also counting the merge look-ups of adjacent pairs it
    /// took: the work the merge loop does, which tests check grows linearly.
    /// </summary>
    internal int[] Encode(string text, bool addBos, out int mergeLookups)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length / 3 + 2);
        if (addBos && _endOfText >= 0)
        {
            tokens.Add(_endOfText);
        }

        mergeLookups = 0;
        var workspace = new RankedPairMerger.Workspace();
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            foreach (ValueMatch match in BpePreTokenizers.Gpt2.EnumerateMatches(text))
            {
                ReadOnlySpan<char> piece = text.AsSpan(match.Index, match.Length);
                int maxBytes = Utf8WithLoneSurrogates.MaxByteCount(piece.Length);
                if (utf8.Length < maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(utf8);
                    utf8 = ArrayPool<byte>.Shared.Rent(maxBytes);
                }

                int length = Utf8WithLoneSurrogates.GetBytes(piece, utf8);
                mergeLookups += _merger.MergeWord(utf8.AsSpan(0, length), workspace, tokens);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }

        return tokens.ToArray();
    }

    /// <summary>The token's bytes; GPT-2 tokens do not depend on <paramref name="previousToken"/>.</summary>
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

    private static byte[][] TokenBytes(string vocabularyPath, string[] tokens)
    {
        var bytes = new byte[tokens.Length][];
        for (int id = 0; id < tokens.Length; id++)
        {
            string token = tokens[id];
            bytes[id] = token == EndOfText ? Array.Empty<byte>() : new byte[token.Length];
            for (int i = 0; i < bytes[id].Length; i++)
            {
                if (!ByteLevelAlphabet.TryGetByte(token[i], out bytes[id][i]))
                {
                    throw new ModelLoadException(vocabularyPath,
                        $"token \"{token}\" (id {id}) has the character U+{(int)token[i]:X4}, which is not in GPT-2's byte-level alphabet");
                }
            }
        }

        return bytes;
    }
}
