using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// A BPE tokenizer read from a Hugging Face <c>tokenizer.json</c> (see <see cref="HuggingFaceTokenizer.Load(string)"/>),
/// encoding as Hugging Face's tokenizers do: added tokens are matched in the text first, each piece of
/// text between them is normalized, pre-tokenized and merged, and <see cref="Encode"/> with
/// <c>addBos</c> adds what the post-processor adds with <c>add_special_tokens=True</c>.
/// </summary>
/// <remarks>
/// Unlike the <see cref="ITokenizer"/> default, added tokens written in the text (<c>&lt;s&gt;</c>,
/// <c>&lt;|user|&gt;</c>) ARE those tokens, as with Hugging Face's <c>tokenizer.encode</c>, unless
/// <see cref="HuggingFaceTokenizerOptions.MatchSpecialTokensInText"/> is false (then only the
/// non-special added tokens are). Decoding: a special added token gives no text, a non-special one
/// its text; a model token gives its bytes as the decoder declares (byte-level characters,
/// <c>&lt;0xHH&gt;</c> bytes, U+2581 as a space). When the decoder strips the first space of a text
/// (Llama 2's <c>Strip</c>, Metaspace), the first token of a text and a token after a special added
/// token (BOS, <c>&lt;|assistant|&gt;</c>) lose one leading space, so that <c>Decode(Encode(text, addBos))</c>
/// gives the text back as Hugging Face's <c>decode(..., skip_special_tokens=True)</c> does, and a reply
/// streamed after a chat prompt starts without a space. Hugging Face strips only at the start of the
/// whole text, so a special token in the middle of a text decodes with one space less here.
/// </remarks>
public sealed class HuggingFaceBpeTokenizer : ITokenizer
{
    private readonly AddedTokenSplitter _unnormalizedSplitter;
    private readonly AddedTokenSplitter _normalizedSplitter;
    private readonly Dictionary<string, AddedToken> _addedByText;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizerPipeline _preTokenizer;
    private readonly BpeWordEncoder _words;
    private readonly byte[][] _bytes;
    private readonly bool[] _isAdded;
    private readonly bool _stripsLeadingSpace;
    private readonly SpecialTokenTemplate _template;
    private readonly int[] _stops;

    internal HuggingFaceBpeTokenizer(HuggingFaceTokenizerParts parts)
    {
        _normalizer = parts.Normalizer;
        _preTokenizer = parts.PreTokenizer;
        _words = parts.Words;
        _bytes = parts.Bytes;
        _isAdded = parts.IsAdded;
        _stripsLeadingSpace = parts.Decoding.StripsLeadingSpace;
        _template = parts.Template;
        _stops = parts.StopTokens;
        BosToken = parts.Bos;
        EosToken = parts.Eos;

        // Hugging Face matches a normalized added token by its normalized text, in the normalized text.
        _addedByText = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        var unnormalized = new List<(string, AddedToken)>();
        var normalized = new List<(string, AddedToken)>();
        foreach (AddedToken token in parts.AddedTokens)
        {
            if (token.Special && !parts.Options.MatchSpecialTokensInText)
            {
                continue;
            }

            _addedByText[token.Content] = token;
            if (token.Normalized && _normalizer is not null)
            {
                string text = _normalizer.Normalize(token.Content);
                normalized.Add((text, token));
                _addedByText[text] = token;
            }
            else
            {
                unnormalized.Add((token.Content, token));
            }
        }

        _unnormalizedSplitter = new AddedTokenSplitter(unnormalized);
        _normalizedSplitter = new AddedTokenSplitter(normalized);
    }

    /// <inheritdoc/>
    public int VocabularySize => _bytes.Length;

    /// <summary>The BOS token: tokenizer_config.json's <c>bos_token</c>, else the first token the post-processor puts first, else -1.</summary>
    public int BosToken { get; }

    /// <summary>The EOS token: tokenizer_config.json's <c>eos_token</c>, else -1.</summary>
    public int EosToken { get; }

    /// <summary>EOS, and the special added tokens that end a turn (such as <c>&lt;|end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, <c>&lt;|im_end|&gt;</c>).</summary>
    public IReadOnlyList<int> StopTokens => _stops;

    /// <summary>The tokens <see cref="Encode"/> with <c>addBos</c> puts first (often just BOS; none for GPT-2, Qwen2, Phi-3).</summary>
    public IReadOnlyList<int> AddedFirst => _template.Prefix;

    /// <summary>The tokens <see cref="Encode"/> with <c>addBos</c> puts last (EOS when tokenizer_config.json says <c>add_eos_token</c>).</summary>
    public IReadOnlyList<int> AddedLast => _template.Suffix;

    /// <summary>
    /// Encodes as Hugging Face's <c>tokenizer.encode(text, add_special_tokens=addBos)</c>: with
    /// <paramref name="addBos"/>, the post-processor's special tokens (<see cref="AddedFirst"/>,
    /// <see cref="AddedLast"/>) are added, which is nothing for a tokenizer that adds none. Added
    /// tokens written in the text are matched (see the remarks).
    /// </summary>
    public int[] Encode(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length / 3 + 4);
        if (addBos)
        {
            tokens.AddRange(_template.Prefix);
        }

        var workspace = new RankedPairMerger.Workspace();
        List<(string Text, AddedToken? Token)> sections = _unnormalizedSplitter.Split(text);
        StripAroundAddedTokens(sections);
        for (int index = 0; index < sections.Count; index++)
        {
            string section = sections[index].Text;
            if (section.Length == 0)
            {
                continue;
            }

            if (_addedByText.TryGetValue(section, out AddedToken? added))
            {
                tokens.Add(added.Id);
                continue;
            }

            string normalized = _normalizer?.Normalize(section) ?? section;
            if (normalized.Length == 0)
            {
                continue;
            }

            List<(string Text, AddedToken? Token)> pieces = _normalizedSplitter.Split(normalized);
            StripAroundAddedTokens(pieces);
            foreach ((string piece, _) in pieces)
            {
                if (piece.Length == 0)
                {
                    continue;
                }

                if (_addedByText.TryGetValue(piece, out added))
                {
                    tokens.Add(added.Id);
                    continue;
                }

                foreach (string word in _preTokenizer.Split(piece, index))
                {
                    _words.Encode(word, workspace, tokens);
                }
            }
        }

        if (addBos)
        {
            tokens.AddRange(_template.Suffix);
        }

        return tokens.ToArray();
    }

    /// <summary>The token's bytes (see the remarks), without a leading space at the start or after a special token when the decoder strips it.</summary>
    public ReadOnlySpan<byte> DecodeBytes(int previousToken, int token)
    {
        if ((uint)token >= (uint)_bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids are 0 to {_bytes.Length - 1}.");
        }

        ReadOnlySpan<byte> bytes = _bytes[token];
        if (_stripsLeadingSpace && (previousToken < 0 || IsSpecial(previousToken)) && !_isAdded[token]
            && bytes.Length > 0 && bytes[0] == (byte)' ')
        {
            bytes = bytes[1..];
        }

        return bytes;
    }

    /// <summary>Whether <paramref name="token"/> is a special added token (it decodes to no text); false for ids out of range.</summary>
    private bool IsSpecial(int token) => (uint)token < (uint)_bytes.Length && _isAdded[token] && _bytes[token].Length == 0;

    /// <inheritdoc/>
    public string Decode(int previousToken, int token) => Encoding.UTF8.GetString(DecodeBytes(previousToken, token));

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> tokens) => StreamingDecoder.DecodeAll(this, tokens);

    /// <summary>
    /// Hugging Face's <c>lstrip</c>/<c>rstrip</c>: the whitespace at the end of the piece before an
    /// added token that strips on its left, and at the start of the piece after one that strips on its
    /// right, goes (JavaScript's <c>trimEnd</c>/<c>trimStart</c>).
    /// </summary>
    private void StripAroundAddedTokens(List<(string Text, AddedToken? Token)> pieces)
    {
        for (int i = 0; i < pieces.Count; i++)
        {
            if (!_addedByText.TryGetValue(pieces[i].Text, out AddedToken? token))
            {
                continue;
            }

            if (token.LeftStrip && i > 0)
            {
                pieces[i - 1] = (JavaScriptWhitespace.TrimEnd(pieces[i - 1].Text), pieces[i - 1].Token);
            }

            if (token.RightStrip && i < pieces.Count - 1)
            {
                pieces[i + 1] = (JavaScriptWhitespace.TrimStart(pieces[i + 1].Text), pieces[i + 1].Token);
            }
        }
    }
}
