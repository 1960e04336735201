using System;
using System.Collections.Generic;
#if !NET9_0_OR_GREATER
using System.Numerics;
#endif

namespace Codegen.Tokenizers;

/// <summary>
/// Token ids looked up by a span of characters, without making a string of it: the tokenizers' merge loops
/// ask for every candidate piece. On .NET 9 and later a dictionary's alternate lookup
/// (<c>Dictionary&lt;string, int&gt;.GetAlternateLookup&lt;ReadOnlySpan&lt;char&gt;&gt;</c>); .NET 8 has none, so there
/// the entries are copied once into a read-only chained hash table of the same ordinal hash
/// (<see cref="string.GetHashCode(ReadOnlySpan{char})"/>) and compared as spans: no allocation per look-up either.
/// </summary>
internal readonly struct SpanKeyedIds
{
#if NET9_0_OR_GREATER
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <summary>Looks up <paramref name="ids"/> (an ordinal dictionary) by spans; later changes to it are seen.</summary>
    public SpanKeyedIds(Dictionary<string, int> ids)
    {
        _lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The id of the key equal (ordinally) to <paramref name="key"/>.</summary>
    public bool TryGetValue(ReadOnlySpan<char> key, out int id) => _lookup.TryGetValue(key, out id);
#else
    private readonly int[] _buckets;   // first entry + 1 of each bucket, 0 for none
    private readonly int[] _next;      // next entry + 1 in the same bucket, 0 for none
    private readonly int[] _hashes;
    private readonly string[] _keys;
    private readonly int[] _values;
    private readonly int _mask;

    /// <summary>Copies <paramref name="ids"/> (an ordinal dictionary); later changes to it are not seen.</summary>
    public SpanKeyedIds(Dictionary<string, int> ids)
    {
        int count = ids.Count;
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, count * 2));
        _buckets = new int[size];
        _next = new int[count];
        _hashes = new int[count];
        _keys = new string[count];
        _values = new int[count];
        _mask = size - 1;
        int entry = 0;
        foreach (KeyValuePair<string, int> pair in ids)
        {
            int hash = string.GetHashCode(pair.Key.AsSpan());
            int bucket = hash & _mask;
            _hashes[entry] = hash;
            _keys[entry] = pair.Key;
            _values[entry] = pair.Value;
            _next[entry] = _buckets[bucket];
            _buckets[bucket] = entry + 1;
            entry++;
        }
    }

    /// <summary>The id of the key equal (ordinally) to <paramref name="key"/>.</summary>
    public bool TryGetValue(ReadOnlySpan<char> key, out int id)
    {
        int hash = string.GetHashCode(key);
        for (int entry = _buckets[hash & _mask] - 1; entry >= 0; entry = _next[entry] - 1)
        {
            if (_hashes[entry] == hash && key.SequenceEqual(_keys[entry].AsSpan()))
            {
                id = _values[entry];
                return true;
            }
        }

        id = 0;
        return false;
    }
#endif
}
