using System;
using System.Text;

namespace Codegen.Generator.Emit;

/// <summary>Writes C# source line by line with the current indentation (four spaces a level).</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder builder = new();
    private int depth;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            builder.Append(' ', depth * 4);
        }

        builder.Append(text).Append('\n');
    }

    /// <summary>Writes each line of a multi-line block at the current indentation.</summary>
    public void Lines(string block)
    {
        foreach (string line in block.Replace("\r\n", "\n").TrimEnd('\n').Split('\n'))
        {
            Line(line);
        }
    }

    /// <summary>Writes <paramref name="text"/> as // comment lines, wrapped at word boundaries to about 110 columns.</summary>
    public void Comment(string text)
    {
        const int Width = 110;
        var line = new StringBuilder();
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && (depth * 4) + 3 + line.Length + 1 + word.Length > Width)
            {
                Line("// " + line);
                line.Clear();
            }

            line.Append(line.Length == 0 ? word : " " + word);
        }

        Line("// " + line);
    }

    public void Indent() => depth++;

    public void Unindent() => depth--;

    /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until disposed.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        depth++;
        return new BlockEnd(this, "}");
    }

    /// <summary>Like <see cref="Block"/>, with a custom closing line (for example "};").</summary>
    public IDisposable Block(string header, string closing)
    {
        Line(header);
        Line("{");
        depth++;
        return new BlockEnd(this, closing);
    }

    public override string ToString() => builder.ToString();

    private sealed class BlockEnd : IDisposable
    {
        private readonly IndentedWriter writer;
        private readonly string closing;

        public BlockEnd(IndentedWriter writer, string closing)
        {
            this.writer = writer;
            this.closing = closing;
        }

        public void Dispose()
        {
            writer.depth--;
            writer.Line(closing);
        }
    }
}
