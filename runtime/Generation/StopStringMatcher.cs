using System;
using System.Collections.Generic;

namespace Codegen.Generation;

/// <summary>
/// Finds stop strings in text that arrives in pieces, across the pieces' boundaries. Text that cannot be part of
/// a stop string is released at once; a tail that could still become one (a suffix that is a prefix of a stop
/// string) is held back until it completes one or can no longer. Only that bounded tail is kept (shorter than the
/// longest stop string), never the whole text.
/// </summary>
internal sealed class StopStringMatcher
{
    private readonly string[] stops;
    private char[] pending;
    private int pendingLength;

    public StopStringMatcher(IReadOnlyList<string> stopStrings)
    {
        stops = new string[stopStrings.Count];
        int longest = 0;
        for (int i = 0; i < stops.Length; i++)
        {
            stops[i] = stopStrings[i];
            longest = Math.Max(longest, stops[i].Length);
        }

        pending = new char[Math.Max(16, 2 * longest)];
    }

    /// <summary>The stop string found, or null.</summary>
    public string? Matched { get; private set; }

    /// <summary>How many characters are held back now.</summary>
    public int HeldBack => pendingLength;

    /// <summary>
    /// Adds <paramref name="text"/> and returns what can be released: all of it when there are no stop strings;
    /// when one is found, the text before it (and <see cref="Matched"/> is set; later calls release nothing).
    /// </summary>
    public string Push(string text)
    {
        if (Matched is not null || text.Length == 0)
        {
            return string.Empty;
        }

        if (stops.Length == 0)
        {
            return text;
        }

        if (pendingLength + text.Length > pending.Length)
        {
            Array.Resize(ref pending, Math.Max(2 * pending.Length, pendingLength + text.Length));
        }

        text.AsSpan().CopyTo(pending.AsSpan(pendingLength));
        pendingLength += text.Length;
        ReadOnlySpan<char> window = pending.AsSpan(0, pendingLength);

        // The first stop string to be completed wins, as if the text came one character at a time, so how the text
        // is cut into pieces changes nothing; of those completed by the same character, the one that starts first.
        // (A stop string's first occurrence is also the one that ends first.)
        int matchAt = -1;
        int matchEnd = int.MaxValue;
        foreach (string stop in stops)
        {
            int at = window.IndexOf(stop.AsSpan(), StringComparison.Ordinal);
            if (at >= 0 && (at + stop.Length < matchEnd || (at + stop.Length == matchEnd && at < matchAt)))
            {
                matchAt = at;
                matchEnd = at + stop.Length;
                Matched = stop;
            }
        }

        if (matchAt >= 0)
        {
            pendingLength = 0;
            return matchAt == 0 ? string.Empty : new string(window[..matchAt]);
        }

        int hold = 0;
        foreach (string stop in stops)
        {
            for (int length = Math.Min(stop.Length - 1, window.Length); length > hold; length--)
            {
                if (window.EndsWith(stop.AsSpan(0, length), StringComparison.Ordinal))
                {
                    hold = length;
                    break;
                }
            }
        }

        int release = window.Length - hold;
        if (release == 0)
        {
            return string.Empty;
        }

        string released = release == text.Length && hold == 0 ? text : new string(window[..release]);
        window[release..].CopyTo(pending);
        pendingLength = hold;
        return released;
    }

    /// <summary>Releases the held-back text: the text has ended, so it can no longer become a stop string.</summary>
    public string Release()
    {
        string held = new(pending, 0, pendingLength);
        pendingLength = 0;
        return held;
    }
}
