using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Generator.Parsing.Json;

/// <summary>A JSON text that does not parse: what was expected, and where (1-based line and column).</summary>
internal sealed class JsonFormatException : Exception
{
    public JsonFormatException(string problem, int line, int column)
        : base($"{problem} (line {line}, column {column})")
    {
        Problem = problem;
        Line = line;
        Column = column;
    }

    public string Problem { get; }

    public int Line { get; }

    public int Column { get; }
}

/// <summary>
/// A strict recursive-descent JSON reader (RFC 8259, plus the NaN and Infinity that Python's json writes).
/// Nesting is bounded, so a hostile file cannot exhaust the compiler's stack.
/// </summary>
internal sealed class JsonReader
{
    /// <summary>Deeper nesting than any config file has; refused rather than recursed into.</summary>
    private const int MaxDepth = 64;

    private readonly string text;
    private int position;

    private JsonReader(string text) => this.text = text;

    /// <summary>Parses one JSON value filling the whole text (surrounding whitespace allowed).</summary>
    /// <exception cref="JsonFormatException">The text is not one valid JSON value.</exception>
    public static JsonNode Parse(string text)
    {
        var reader = new JsonReader(text);
        reader.SkipWhitespace();
        JsonNode value = reader.ReadValue(0);
        reader.SkipWhitespace();
        if (reader.position < text.Length)
        {
            throw reader.Error("text after the end of the JSON value");
        }

        return value;
    }

    private JsonNode ReadValue(int depth)
    {
        if (position >= text.Length)
        {
            throw Error("the file ends where a value was expected");
        }

        char c = text[position];
        switch (c)
        {
            case '{':
                return ReadObject(depth + 1);
            case '[':
                return ReadArray(depth + 1);
            case '"':
                return new JsonString(ReadString());
            case 't':
                ExpectWord("true");
                return JsonBool.True;
            case 'f':
                ExpectWord("false");
                return JsonBool.False;
            case 'n':
                ExpectWord("null");
                return JsonNull.Instance;
            case 'N':
                ExpectWord("NaN");
                return new JsonNumber(double.NaN, "NaN");
            case 'I':
                ExpectWord("Infinity");
                return new JsonNumber(double.PositiveInfinity, "Infinity");
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ReadNumber();
                }

                throw Error($"unexpected character '{c}' where a value was expected");
        }
    }

    private JsonObject ReadObject(int depth)
    {
        CheckDepth(depth);
        var result = new JsonObject();
        position++;
        SkipWhitespace();
        if (Peek() == '}')
        {
            position++;
            return result;
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error("expected a quoted member name");
            }

            string key = ReadString();
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            result.Set(key, ReadValue(depth));
            SkipWhitespace();
            if (Peek() == ',')
            {
                position++;
                continue;
            }

            Expect('}');
            return result;
        }
    }

    private JsonArray ReadArray(int depth)
    {
        CheckDepth(depth);
        var items = new List<JsonNode>();
        position++;
        SkipWhitespace();
        if (Peek() == ']')
        {
            position++;
            return new JsonArray(items);
        }

        while (true)
        {
            SkipWhitespace();
            items.Add(ReadValue(depth));
            SkipWhitespace();
            if (Peek() == ',')
            {
                position++;
                continue;
            }

            Expect(']');
            return new JsonArray(items);
        }
    }

    private string ReadString()
    {
        position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (position >= text.Length)
            {
                throw Error("the file ends inside a string");
            }

            char c = text[position++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c < ' ')
            {
                position--;
                throw Error("a control character inside a string (write it as an escape)");
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            char escape = position < text.Length ? text[position++] : '\0';
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (position + 4 > text.Length
                        || !int.TryParse(text.Substring(position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error("\\u must be followed by four hexadecimal digits");
                    }

                    builder.Append((char)code);
                    position += 4;
                    break;
                default:
                    position--;
                    throw Error($"unknown escape '\\{escape}' in a string");
            }
        }
    }

    private JsonNumber ReadNumber()
    {
        int start = position;
        if (Peek() == '-')
        {
            position++;
            if (Peek() == 'I')
            {
                ExpectWord("Infinity");
                return new JsonNumber(double.NegativeInfinity, "-Infinity");
            }
        }

        if (Peek() == '0')
        {
            position++;
        }
        else if (IsDigit(Peek()))
        {
            SkipDigits();
        }
        else
        {
            throw Error("a number needs digits");
        }

        if (Peek() == '.')
        {
            position++;
            if (!IsDigit(Peek()))
            {
                throw Error("a decimal point must be followed by digits");
            }

            SkipDigits();
        }

        if (Peek() is 'e' or 'E')
        {
            position++;
            if (Peek() is '+' or '-')
            {
                position++;
            }

            if (!IsDigit(Peek()))
            {
                throw Error("an exponent needs digits");
            }

            SkipDigits();
        }

        string number = text.Substring(start, position - start);
        return new JsonNumber(double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture), number);
    }

    private void SkipDigits()
    {
        while (IsDigit(Peek()))
        {
            position++;
        }
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private char Peek() => position < text.Length ? text[position] : '\0';

    private void Expect(char expected)
    {
        if (Peek() != expected)
        {
            throw Error(position >= text.Length ? $"the file ends where '{expected}' was expected" : $"expected '{expected}' but found '{Peek()}'");
        }

        position++;
    }

    private void ExpectWord(string word)
    {
        if (string.CompareOrdinal(text, position, word, 0, word.Length) != 0)
        {
            throw Error($"unexpected text where a value was expected (did you mean {word}?)");
        }

        position += word.Length;
    }

    private void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error($"values nested more than {MaxDepth} deep");
        }
    }

    private void SkipWhitespace()
    {
        while (position < text.Length && text[position] is ' ' or '\t' or '\r' or '\n')
        {
            position++;
        }
    }

    private JsonFormatException Error(string problem)
    {
        int line = 1;
        int column = 1;
        for (int i = 0; i < position && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return new JsonFormatException(problem, line, column);
    }
}
