namespace Codegen.Formats.Gguf;

/// <summary>The type tag of a GGUF metadata value (a uint32 in the file).</summary>
public enum GgufValueType : uint
{
    /// <summary>An unsigned 8-bit integer.</summary>
    UInt8 = 0,

    /// <summary>A signed 8-bit integer.</summary>
    Int8 = 1,

    /// <summary>An unsigned 16-bit integer.</summary>
    UInt16 = 2,

    /// <summary>A signed 16-bit integer.</summary>
    Int16 = 3,

    /// <summary>An unsigned 32-bit integer.</summary>
    UInt32 = 4,

    /// <summary>A signed 32-bit integer.</summary>
    Int32 = 5,

    /// <summary>An IEEE 754 float32.</summary>
    Float32 = 6,

    /// <summary>One byte, 0 (false) or 1 (true).</summary>
    Bool = 7,

    /// <summary>A uint64 byte length followed by that many bytes of UTF-8.</summary>
    String = 8,

    /// <summary>A uint32 element type, a uint64 count, then the elements (arrays may nest).</summary>
    Array = 9,

    /// <summary>An unsigned 64-bit integer.</summary>
    UInt64 = 10,

    /// <summary>A signed 64-bit integer.</summary>
    Int64 = 11,

    /// <summary>An IEEE 754 float64.</summary>
    Float64 = 12,
}

/// <summary>Sizes and names of <see cref="GgufValueType"/>.</summary>
public static class GgufValueTypes
{
    /// <summary>Whether <paramref name="tag"/> is a value type this reader knows.</summary>
    public static bool IsKnown(uint tag) => tag <= (uint)GgufValueType.Float64;

    /// <summary>
    /// The fewest bytes one value of <paramref name="type"/> takes in the file: its size for numbers
    /// and bool, the 8-byte length of a string, the 12-byte type and count of an array. Counts read
    /// from the file are checked against the bytes left with this before anything is allocated.
    /// </summary>
    public static int MinimumSizeInBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => throw new System.ArgumentOutOfRangeException(nameof(type), type, "not a GGUF value type"),
    };

    /// <summary>The name GGUF's specification uses, such as <c>uint32</c> or <c>array</c>.</summary>
    public static string Name(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => "uint8",
        GgufValueType.Int8 => "int8",
        GgufValueType.UInt16 => "uint16",
        GgufValueType.Int16 => "int16",
        GgufValueType.UInt32 => "uint32",
        GgufValueType.Int32 => "int32",
        GgufValueType.Float32 => "float32",
        GgufValueType.Bool => "bool",
        GgufValueType.String => "string",
        GgufValueType.Array => "array",
        GgufValueType.UInt64 => "uint64",
        GgufValueType.Int64 => "int64",
        GgufValueType.Float64 => "float64",
        _ => $"type {(uint)type}",
    };
}
