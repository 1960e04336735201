using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// The llama2.c encoder as run.c writes it and as <see cref="Llama2cTokenizer"/> did before its
/// priority queue: after the characters, rescan every adjacent pair for the best merge, merge it,
/// and start again. Quadratic, kept only to compare the fast encoder with.
/// </summary>
internal sealed class Llama2cReferenceEncoder
{
    private readonly string[] _keys;
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public Llama2cReferenceEncoder(string path, int vocabularySize)
    {
        (byte[][] pieces, float[] scores) = Llama2cTokenizerFile.Read(path, vocabularySize);
        _scores = scores;
        _keys = pieces.Select(piece => Encoding.Latin1.GetString(piece)).ToArray();
        for (int id = 0; id < _keys.Length; id++)
        {
            _ids.TryAdd(_keys[id], id);
        }
    }

    public int[] Encode(string text, bool addBos)
    {
        var tokens = new List<int>();
        if (addBos)
        {
            tokens.Add(Llama2cTokenizer.Bos);
        }

        if (text.Length > 0)
        {
            tokens.Add(_ids[" "]);
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        for (int start = 0; start < utf8.Length;)
        {
            int end = start + 1;
            while (end < utf8.Length && (utf8[end] & 0xC0) == 0x80 && end - start < 4)
            {
                end++;
            }

            if (_ids.TryGetValue(Encoding.Latin1.GetString(utf8, start, end - start), out int id))
            {
                tokens.Add(id);
            }
            else
            {
                tokens.AddRange(utf8[start..end].Select(b => Llama2cTokenizer.FirstByteToken + b));
            }

            start = end;
        }

        while (true)
        {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i < tokens.Count - 1; i++)
            {
                if (_ids.TryGetValue(_keys[tokens[i]] + _keys[tokens[i + 1]], out int id) && _scores[id] > bestScore)
                {
                    bestScore = _scores[id];
                    bestId = id;
                    bestIndex = i;
                }
            }

            if (bestIndex < 0)
            {
                return tokens.ToArray();
            }

            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
    }
}
