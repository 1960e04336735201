using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutations of a GPT-2 merges.txt: truncations and byte flips, and line mutations (a line dropped,
/// doubled, moved, or replaced by a malformed one, line endings changed, a byte-order mark, invalid UTF-8).
/// </summary>
internal static class MergesCases
{
    private static readonly (string Description, byte[] Line)[] BadLines =
    [
        ("an empty line", []),
        ("one token", "a"u8.ToArray()),
        ("three tokens", "a b c"u8.ToArray()),
        ("two spaces between the tokens", "a  b"u8.ToArray()),
        ("a leading space", " a b"u8.ToArray()),
        ("a trailing space", "a b "u8.ToArray()),
        ("a tab instead of the space", "a\tb"u8.ToArray()),
        ("tokens not in the vocabulary", "zzqq xxjj"u8.ToArray()),
        ("a #version line", "#version: 0.2"u8.ToArray()),
        ("a NUL byte", "a\0 b"u8.ToArray()),
        ("invalid UTF-8 byte FF", [(byte)'a', 0xFF, (byte)' ', (byte)'b']),
        ("a UTF-8-encoded surrogate ED A0 80", [0xED, 0xA0, 0x80, (byte)' ', (byte)'b']),
        ("a line of 1 MB", Encoding.ASCII.GetBytes(new string('a', 1 << 20) + " b")),
        ("a line of 100000 tokens", Encoding.ASCII.GetBytes(string.Join(' ', Enumerable.Repeat("a", 100_000)))),
    ];

    public static IEnumerable<FuzzCase> Systematic(Seed seed)
    {
        IEnumerable<FuzzCase> cases = ByteMutations.Truncations(seed.Name, seed.Bytes, 128, 64)
            .Concat(WholeFileChanges(seed));
        int lineCount = Lines(seed.Bytes).Count;
        foreach (int line in new[] { 0, 1, 2, lineCount / 2, lineCount - 1 }.Distinct())
        {
            cases = cases.Concat(LineMutations(seed, line));
        }

        return cases;
    }

    public static FuzzCase Random(Seed seed, Random random)
    {
        if (random.Next(3) == 0)
        {
            return ByteMutations.RandomCase(seed.Name, seed.Bytes, random, seed.Bytes.Length);
        }

        var mutations = LineMutations(seed, random.Next(Lines(seed.Bytes).Count)).ToList();
        return mutations[random.Next(mutations.Count)];
    }

    private static IEnumerable<FuzzCase> WholeFileChanges(Seed seed)
    {
        string text = Encoding.UTF8.GetString(seed.Bytes);
        yield return new FuzzCase(seed.Name, "empty file", []);
        yield return new FuzzCase(seed.Name, "line endings as CRLF", Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n")));
        yield return new FuzzCase(seed.Name, "line endings as CR", Encoding.UTF8.GetBytes(text.Replace("\n", "\r")));
        yield return new FuzzCase(seed.Name, "UTF-8 byte-order mark before the file", [0xEF, 0xBB, 0xBF, .. seed.Bytes]);
        yield return new FuzzCase(seed.Name, "saved as UTF-16", Encoding.Unicode.GetBytes(text));
        yield return new FuzzCase(seed.Name, "every line doubled", Encoding.UTF8.GetBytes(string.Join('\n', text.Split('\n').SelectMany(line => new[] { line, line }))));
    }

    private static IEnumerable<FuzzCase> LineMutations(Seed seed, int line)
    {
        List<byte[]> lines = Lines(seed.Bytes);
        yield return new FuzzCase(seed.Name, $"line {line + 1} removed", Join(lines.Where((_, i) => i != line)));
        yield return new FuzzCase(seed.Name, $"line {line + 1} doubled", Join(lines.SelectMany((l, i) => i == line ? new[] { l, l } : new[] { l })));
        yield return new FuzzCase(seed.Name, $"line {line + 1} moved to the end", Join(lines.Where((_, i) => i != line).Append(lines[line])));
        foreach ((string description, byte[] bad) in BadLines)
        {
            yield return new FuzzCase(seed.Name, $"line {line + 1} replaced by {description}", Join(lines.Select((l, i) => i == line ? bad : l)));
        }
    }

    private static List<byte[]> Lines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == (byte)'\n')
            {
                lines.Add(bytes[start..i]);
                start = i + 1;
            }
        }

        return lines;
    }

    /// <summary>The lines with a newline between each two, as <see cref="Lines"/> split them.</summary>
    private static byte[] Join(IEnumerable<byte[]> lines)
    {
        var file = new List<byte>();
        bool first = true;
        foreach (byte[] line in lines)
        {
            if (!first)
            {
                file.Add((byte)'\n');
            }

            file.AddRange(line);
            first = false;
        }

        return file.ToArray();
    }
}
