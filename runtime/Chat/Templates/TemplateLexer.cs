using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control as Hugging Face's Jinja environment
/// does: <c>{%-</c>/<c>-%}</c> (and the same for <c>{{ }}</c> and <c>{# #}</c>) strip all whitespace on that
/// side; <c>trim_blocks</c> removes the first newline after a block or comment tag; <c>lstrip_blocks</c> removes
/// spaces and tabs between the start of a line and a block or comment tag (not after <c>{%+</c>); one trailing
/// newline of the template is dropped. Comments produce no tokens.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string source;
    private readonly List<TemplateToken> tokens = new();
    private int position;
    private List<int>? lineStarts;

    private TemplateLexer(string source)
    {
        this.source = source.EndsWith('\n') ? source[..^1] : source;
    }

    /// <summary>The tokens of <paramref name="template"/>, ending with an <see cref="TemplateTokenKind.End"/> token.</summary>
    /// <exception cref="ChatTemplateException">An unclosed tag, comment or string, or a character no token starts with.</exception>
    public static List<TemplateToken> Tokenize(string template)
    {
        var lexer = new TemplateLexer(template);
        lexer.Run();
        return lexer.tokens;
    }

    private enum TagKind
    {
        None,
        Variable,
        Block,
        Comment,
    }

    private void Run()
    {
        TagKind previousTag = TagKind.None;
        bool previousStripsRight = false;
        while (position <= source.Length)
        {
            int tagStart = FindTagStart(position);
            int textEnd = tagStart < 0 ? source.Length : tagStart;
            TagKind tag = tagStart < 0 ? TagKind.None : KindOf(source[tagStart + 1]);
            char modifier = tagStart >= 0 && tagStart + 2 < source.Length ? source[tagStart + 2] : '\0';
            bool stripsLeft = modifier == '-';
            bool keepsLeft = modifier == '+';

            string text = ShapeText(position, textEnd, previousTag, previousStripsRight, tag, stripsLeft, keepsLeft);
            if (text.Length > 0)
            {
                (int line, int column) = LineAndColumn(position);
                tokens.Add(new TemplateToken(TemplateTokenKind.Text, text, line, column));
            }

            if (tagStart < 0)
            {
                break;
            }

            position = tagStart + 2 + (stripsLeft || keepsLeft ? 1 : 0);
            previousStripsRight = tag switch
            {
                TagKind.Comment => ReadComment(tagStart),
                TagKind.Variable => ReadTag(tagStart, TemplateTokenKind.VariableBegin, TemplateTokenKind.VariableEnd, '}'),
                _ => ReadTag(tagStart, TemplateTokenKind.BlockBegin, TemplateTokenKind.BlockEnd, '%'),
            };
            previousTag = tag;
        }

        (int endLine, int endColumn) = LineAndColumn(source.Length);
        tokens.Add(new TemplateToken(TemplateTokenKind.End, "", endLine, endColumn));
    }

    private static TagKind KindOf(char second) => second switch
    {
        '{' => TagKind.Variable,
        '%' => TagKind.Block,
        _ => TagKind.Comment,
    };

    private int FindTagStart(int from)
    {
        for (int i = from; i + 1 < source.Length; i++)
        {
            if (source[i] == '{' && (source[i + 1] == '{' || source[i + 1] == '%' || source[i + 1] == '#'))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The text between two tags, with the whitespace control of both tags applied.</summary>
    private string ShapeText(int start, int end, TagKind previousTag, bool previousStripsRight, TagKind nextTag, bool nextStripsLeft, bool nextKeepsLeft)
    {
        int from = start;
        int to = end;
        if (nextStripsLeft)
        {
            while (to > from && PythonWhitespace.Is(source[to - 1]))
            {
                to--;
            }
        }
        else if (!nextKeepsLeft && (nextTag == TagKind.Block || nextTag == TagKind.Comment))
        {
            int lastNewline = end > start ? source.LastIndexOf('\n', end - 1, end - start) : -1;
            int lineStart = lastNewline >= 0 ? lastNewline + 1 : start;
            bool atLineStart = lastNewline >= 0 || start == 0 || source[start - 1] == '\n';
            if (atLineStart && IsSpaceOnly(lineStart, end))
            {
                to = lineStart;
            }
        }

        if (previousStripsRight)
        {
            while (from < to && PythonWhitespace.Is(source[from]))
            {
                from++;
            }
        }
        else if (previousTag == TagKind.Block || previousTag == TagKind.Comment)
        {
            if (from < to && source[from] == '\n')
            {
                from++;
            }
            else if (from + 1 < to && source[from] == '\r' && source[from + 1] == '\n')
            {
                from += 2;
            }
        }

        return to > from ? source[from..to] : "";
    }

    private bool IsSpaceOnly(int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            if (source[i] != ' ' && source[i] != '\t')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Skips a comment; true when it ends with <c>-#}</c>.</summary>
    private bool ReadComment(int tagStart)
    {
        int close = source.IndexOf("#}", position, StringComparison.Ordinal);
        if (close < 0)
        {
            throw Error("the comment is never closed: expected '#}'", tagStart);
        }

        position = close + 2;
        return close > tagStart + 2 && source[close - 1] == '-';
    }

    /// <summary>Reads the tokens of a <c>{{ }}</c> or <c>{% %}</c> tag; true when it ends with a <c>-</c>.</summary>
    private bool ReadTag(int tagStart, TemplateTokenKind begin, TemplateTokenKind end, char closer)
    {
        (int line, int column) = LineAndColumn(tagStart);
        tokens.Add(new TemplateToken(begin, "", line, column));
        // Open dict braces: inside one, '}}' closes dicts, not the tag.
        int braceDepth = 0;
        while (true)
        {
            SkipWhitespace();
            if (position >= source.Length)
            {
                string expected = closer == '}' ? "'}}'" : "'%}'";
                throw Error($"the tag opened here is never closed: expected {expected}", tagStart);
            }

            if (braceDepth == 0)
            {
                bool strips = source[position] == '-' && At(position + 1, closer) && At(position + 2, '}');
                if (strips || (source[position] == closer && At(position + 1, '}')))
                {
                    (int endLine, int endColumn) = LineAndColumn(position);
                    tokens.Add(new TemplateToken(end, "", endLine, endColumn));
                    position += strips ? 3 : 2;
                    return strips;
                }
            }

            TemplateToken token = ReadExpressionToken();
            if (token.IsOperator("{"))
            {
                braceDepth++;
            }
            else if (token.IsOperator("}"))
            {
                braceDepth = Math.Max(0, braceDepth - 1);
            }

            tokens.Add(token);
        }
    }

    private bool At(int index, char c) => index < source.Length && source[index] == c;

    private void SkipWhitespace()
    {
        while (position < source.Length && PythonWhitespace.Is(source[position]))
        {
            position++;
        }
    }

    private TemplateToken ReadExpressionToken()
    {
        int start = position;
        (int line, int column) = LineAndColumn(start);
        char c = source[position];
        if (char.IsLetter(c) || c == '_')
        {
            while (position < source.Length && (char.IsLetterOrDigit(source[position]) || source[position] == '_'))
            {
                position++;
            }

            return new TemplateToken(TemplateTokenKind.Name, source[start..position], line, column);
        }

        if (char.IsAsciiDigit(c))
        {
            return ReadNumber(line, column);
        }

        if (c == '\'' || c == '"')
        {
            return new TemplateToken(TemplateTokenKind.String, ReadString(c), line, column);
        }

        foreach (string op in Operators)
        {
            if (string.CompareOrdinal(source, position, op, 0, op.Length) == 0)
            {
                position += op.Length;
                return new TemplateToken(TemplateTokenKind.Operator, op, line, column);
            }
        }

        throw Error($"unexpected character '{c}' inside a tag", start);
    }

    private TemplateToken ReadNumber(int line, int column)
    {
        int start = position;
        while (position < source.Length && (char.IsAsciiDigit(source[position]) || source[position] == '_'))
        {
            position++;
        }

        bool isFloat = false;
        if (position + 1 < source.Length && source[position] == '.' && char.IsAsciiDigit(source[position + 1]))
        {
            isFloat = true;
            position++;
            while (position < source.Length && char.IsAsciiDigit(source[position]))
            {
                position++;
            }
        }

        if (position < source.Length && (source[position] == 'e' || source[position] == 'E'))
        {
            int mark = position;
            position++;
            if (position < source.Length && (source[position] == '+' || source[position] == '-'))
            {
                position++;
            }

            if (position < source.Length && char.IsAsciiDigit(source[position]))
            {
                isFloat = true;
                while (position < source.Length && char.IsAsciiDigit(source[position]))
                {
                    position++;
                }
            }
            else
            {
                position = mark;
            }
        }

        string text = source[start..position].Replace("_", "", StringComparison.Ordinal);
        return new TemplateToken(isFloat ? TemplateTokenKind.Float : TemplateTokenKind.Integer, text, line, column);
    }

    /// <summary>A string literal with Python's escapes resolved (<c>\n \t \r \\ \' \" \uXXXX \xXX</c>; others kept as written).</summary>
    private string ReadString(char quote)
    {
        int start = position;
        position++;
        var text = new StringBuilder();
        while (true)
        {
            if (position >= source.Length)
            {
                throw Error($"the string is never closed: expected {quote}", start);
            }

            char c = source[position++];
            if (c == quote)
            {
                return text.ToString();
            }

            if (c != '\\' || position >= source.Length)
            {
                text.Append(c);
                continue;
            }

            char escaped = source[position++];
            switch (escaped)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case '0': text.Append('\0'); break;
                case '\\': text.Append('\\'); break;
                case '\'': text.Append('\''); break;
                case '"': text.Append('"'); break;
                case '\n': break;
                case 'x': text.Append(ReadHexEscape(2, start)); break;
                case 'u': text.Append(ReadHexEscape(4, start)); break;
                default: text.Append('\\').Append(escaped); break;
            }
        }
    }

    private string ReadHexEscape(int digits, int stringStart)
    {
        if (position + digits > source.Length
            || !int.TryParse(source.AsSpan(position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
        {
            throw Error($"a \\{(digits == 2 ? 'x' : 'u')} escape needs {digits} hexadecimal digits", stringStart);
        }

        position += digits;
        return ((char)code).ToString();
    }

    private (int Line, int Column) LineAndColumn(int index)
    {
        if (lineStarts is null)
        {
            lineStarts = new List<int> { 0 };
            for (int i = 0; i < source.Length; i++)
            {
                if (source[i] == '\n')
                {
                    lineStarts.Add(i + 1);
                }
            }
        }

        int found = lineStarts.BinarySearch(index);
        int line = found >= 0 ? found : ~found - 1;
        return (line + 1, index - lineStarts[line] + 1);
    }

    private ChatTemplateException Error(string message, int index)
    {
        (int line, int column) = LineAndColumn(index);
        return new ChatTemplateException(message, line, column);
    }
}
