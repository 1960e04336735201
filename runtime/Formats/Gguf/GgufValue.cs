using System;
using System.Globalization;

namespace Codegen.Formats.Gguf;

/// <summary>
/// One GGUF metadata value: its <see cref="Type"/> and the value itself, boxed as the matching .NET
/// type (<see cref="byte"/>, <see cref="sbyte"/>, <see cref="ushort"/>, <see cref="short"/>,
/// <see cref="uint"/>, <see cref="int"/>, <see cref="float"/>, <see cref="bool"/>, <see cref="string"/>,
/// <see cref="ulong"/>, <see cref="long"/>, <see cref="double"/>) or a <see cref="GgufArray"/>.
/// </summary>
public sealed class GgufValue
{
    internal GgufValue(GgufValueType type, object value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The value's type tag in the file.</summary>
    public GgufValueType Type { get; }

    /// <summary>The value, boxed; a <see cref="GgufArray"/> for <see cref="GgufValueType.Array"/>.</summary>
    public object Value { get; }

    /// <summary>The value as a 64-bit integer when it is one of the integer types and fits; false otherwise.</summary>
    public bool TryGetInteger(out long integer)
    {
        switch (Value)
        {
            case byte v: integer = v; return true;
            case sbyte v: integer = v; return true;
            case ushort v: integer = v; return true;
            case short v: integer = v; return true;
            case uint v: integer = v; return true;
            case int v: integer = v; return true;
            case long v: integer = v; return true;
            case ulong v when v <= long.MaxValue: integer = (long)v; return true;
            default: integer = 0; return false;
        }
    }

    /// <summary>The value as a float64 when it is a float32 or float64; false otherwise.</summary>
    public bool TryGetFloat(out double number)
    {
        switch (Value)
        {
            case float v: number = v; return true;
            case double v: number = v; return true;
            default: number = 0; return false;
        }
    }

    /// <summary>The value, with its type, for messages: <c>uint32 64</c>, <c>string "llama"</c>, <c>array of 512 float32</c>.</summary>
    public override string ToString() => Value switch
    {
        GgufArray array => array.ToString(),
        string text => $"string \"{Shorten(text)}\"",
        float v => $"float32 {v.ToString("R", CultureInfo.InvariantCulture)}",
        double v => $"float64 {v.ToString("R", CultureInfo.InvariantCulture)}",
        bool v => v ? "bool true" : "bool false",
        IFormattable v => $"{GgufValueTypes.Name(Type)} {v.ToString(null, CultureInfo.InvariantCulture)}",
        _ => GgufValueTypes.Name(Type),
    };

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

/// <summary>
/// A GGUF array: its element type and the elements as a typed .NET array (<c>float[]</c> for float32,
/// <c>string[]</c> for strings, <c>bool[]</c>, <see cref="GgufArray"/><c>[]</c> for nested arrays, and so on).
/// </summary>
public sealed class GgufArray
{
    internal GgufArray(GgufValueType elementType, Array items)
    {
        ElementType = elementType;
        Items = items;
    }

    /// <summary>The type of every element.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The elements, as an array of the matching .NET type.</summary>
    public Array Items { get; }

    /// <summary>The number of elements.</summary>
    public int Count => Items.Length;

    /// <summary>For messages: <c>array of 512 float32</c>.</summary>
    public override string ToString() => $"array of {Count} {GgufValueTypes.Name(ElementType)}";
}
