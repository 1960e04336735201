using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// tokenizer.json's <c>decoder</c>, as the bytes each token gives: <c>ByteLevel</c> (the token's
/// characters are bytes in <see cref="ByteLevelAlphabet"/>); or a <c>Sequence</c> of <c>Replace</c>
/// (<c>String</c> pattern), <c>ByteFallback</c> (<c>&lt;0xHH&gt;</c> is that byte), <c>Fuse</c> and
/// <c>Strip</c> (one leading space, <c>start</c> 0 or 1, <c>stop</c> 0), as Llama 2 declares; or
/// <c>Metaspace</c> (the replacement character is a space, and the first one of the text goes unless
/// <c>prepend_scheme</c> is "never"). Anything else is refused.
/// </summary>
internal sealed class TokenDecoding
{
    private readonly bool _byteLevel;
    private readonly bool _byteFallback;
    private readonly List<(string From, string To)> _replacements;

    private TokenDecoding(bool byteLevel, bool byteFallback, List<(string From, string To)> replacements, bool stripsLeadingSpace)
    {
        _byteLevel = byteLevel;
        _byteFallback = byteFallback;
        _replacements = replacements;
        StripsLeadingSpace = stripsLeadingSpace;
    }

    /// <summary>Whether the text's first space goes (the space the normalizer or pre-tokenizer put first).</summary>
    public bool StripsLeadingSpace { get; }

    /// <summary>The decoding <paramref name="node"/> describes; none (null) gives each token's text as it is.</summary>
    public static TokenDecoding Read(JsonField? node)
    {
        if (node is not JsonField decoder)
        {
            return new TokenDecoding(false, false, new(), false);
        }

        JsonField type = decoder.Required("type");
        switch (type.String())
        {
            case "ByteLevel":
                return new TokenDecoding(true, false, new(), false);
            case "Metaspace":
                string replacement = decoder.OptionalString("replacement", "\u2581")!;
                bool strip = decoder.Optional("prepend_scheme") is JsonField scheme
                    ? scheme.String() != "never"
                    : decoder.OptionalBool("add_prefix_space", true);
                return new TokenDecoding(false, false, new() { (replacement, " ") }, strip);
            case "Sequence":
                return ReadSequence(decoder.Required("decoders"));
            default:
                throw type.Fail("is a decoder this runtime does not support; it supports ByteLevel, Metaspace and a Sequence of Replace, ByteFallback, Fuse and Strip");
        }
    }

    private static TokenDecoding ReadSequence(JsonField decoders)
    {
        bool byteFallback = false;
        bool strip = false;
        var replacements = new List<(string From, string To)>();
        foreach (JsonField decoder in decoders.Items())
        {
            JsonField type = decoder.Required("type");
            switch (type.String())
            {
                case "Replace":
                    replacements.Add((TextNormalizer.StringPattern(decoder.Required("pattern")), decoder.Required("content").String()));
                    break;
                case "ByteFallback":
                    byteFallback = true;
                    break;
                case "Fuse":
                    break;
                case "Strip":
                    JsonField content = decoder.Required("content");
                    JsonField start = decoder.Required("start");
                    JsonField stop = decoder.Required("stop");
                    if (content.String() != " " || start.Id() > 1 || stop.Id() != 0)
                    {
                        throw decoder.Fail("is not supported: this runtime strips at most one leading space (content \" \", start 0 or 1, stop 0)");
                    }

                    strip |= start.Id() == 1;
                    break;
                default:
                    throw type.Fail("is a decoder this runtime does not support inside a Sequence; it supports Replace, ByteFallback, Fuse and Strip");
            }
        }

        return new TokenDecoding(false, byteFallback, replacements, strip);
    }

    /// <summary>The bytes of a model token's text (not an added token's).</summary>
    public byte[] Bytes(string token)
    {
        if (_byteLevel)
        {
            return ByteLevelAlphabet.BytesOrUtf8(token);
        }

        if (_byteFallback && ByteFallbackTokens.TryParse(token, out byte value))
        {
            return new[] { value };
        }

        foreach ((string from, string to) in _replacements)
        {
            token = token.Replace(from, to, StringComparison.Ordinal);
        }

        return Encoding.UTF8.GetBytes(token);
    }
}
