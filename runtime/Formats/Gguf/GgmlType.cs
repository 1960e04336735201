namespace Codegen.Formats.Gguf;

/// <summary>
/// The ggml tensor types a GGUF tensor may hold (a uint32 in the tensor info), numbered as in ggml.
/// The reader knows the block layout (elements and bytes a block) of those listed here, so it can
/// open a file that holds any of them; <see cref="GgufDequantizer"/> turns a subset of them into
/// float32 and the others are refused by name when a tensor of theirs is read. The IQ, TQ and MXFP4
/// types are listed only for that: their byte sizes, so that the error names the tensor and its type.
/// </summary>
public enum GgmlType : uint
{
    /// <summary>IEEE float32, one value a block.</summary>
    F32 = 0,

    /// <summary>IEEE float16, one value a block.</summary>
    F16 = 1,

    /// <summary>Blocks of 32: a float16 scale and 32 4-bit values offset by 8.</summary>
    Q4_0 = 2,

    /// <summary>Blocks of 32: float16 scale and minimum and 32 4-bit values.</summary>
    Q4_1 = 3,

    /// <summary>Blocks of 32: a float16 scale, 32 fifth bits and 32 4-bit values, offset by 16.</summary>
    Q5_0 = 6,

    /// <summary>Blocks of 32: float16 scale and minimum, 32 fifth bits and 32 4-bit values.</summary>
    Q5_1 = 7,

    /// <summary>Blocks of 32: a float16 scale and 32 int8 values.</summary>
    Q8_0 = 8,

    /// <summary>Blocks of 32: float16 scale and sum and 32 int8 values.</summary>
    Q8_1 = 9,

    /// <summary>Super-blocks of 256, 2-bit.</summary>
    Q2_K = 10,

    /// <summary>Super-blocks of 256, 3-bit.</summary>
    Q3_K = 11,

    /// <summary>Super-blocks of 256: float16 scale and minimum, eight 6-bit sub-block scales and minimums, 4-bit values.</summary>
    Q4_K = 12,

    /// <summary>Super-blocks of 256, 5-bit.</summary>
    Q5_K = 13,

    /// <summary>Super-blocks of 256: 4 low and 2 high bits a value, sixteen int8 sub-block scales, a float16 scale.</summary>
    Q6_K = 14,

    /// <summary>Super-blocks of 256, 8-bit (used for dot products, rarely stored).</summary>
    Q8_K = 15,

    /// <summary>Super-blocks of 256, about 2.06 bits a value (lattice codebook).</summary>
    IQ2_XXS = 16,

    /// <summary>Super-blocks of 256, about 2.31 bits a value (lattice codebook).</summary>
    IQ2_XS = 17,

    /// <summary>Super-blocks of 256, about 3.06 bits a value (lattice codebook).</summary>
    IQ3_XXS = 18,

    /// <summary>Super-blocks of 256, about 1.56 bits a value (lattice codebook).</summary>
    IQ1_S = 19,

    /// <summary>Blocks of 32: a float16 scale and 32 4-bit indices into a non-linear table.</summary>
    IQ4_NL = 20,

    /// <summary>Super-blocks of 256, about 3.44 bits a value (lattice codebook).</summary>
    IQ3_S = 21,

    /// <summary>Super-blocks of 256, about 2.56 bits a value (lattice codebook).</summary>
    IQ2_S = 22,

    /// <summary>Super-blocks of 256, 4-bit indices into a non-linear table with 6-bit sub-block scales.</summary>
    IQ4_XS = 23,

    /// <summary>int8, one value a block.</summary>
    I8 = 24,

    /// <summary>int16, one value a block.</summary>
    I16 = 25,

    /// <summary>int32, one value a block.</summary>
    I32 = 26,

    /// <summary>int64, one value a block.</summary>
    I64 = 27,

    /// <summary>IEEE float64, one value a block.</summary>
    F64 = 28,

    /// <summary>Super-blocks of 256, about 1.75 bits a value (lattice codebook).</summary>
    IQ1_M = 29,

    /// <summary>bfloat16 (the upper half of a float32), one value a block.</summary>
    BF16 = 30,

    /// <summary>Super-blocks of 256 ternary values, five to a byte.</summary>
    TQ1_0 = 34,

    /// <summary>Super-blocks of 256 ternary values, 2 bits each.</summary>
    TQ2_0 = 35,

    /// <summary>Blocks of 32: a shared E8M0 exponent and 32 4-bit E2M1 values.</summary>
    MXFP4 = 39,
}

/// <summary>Block sizes of the <see cref="GgmlType"/> values: how many elements a block holds and how many bytes it takes.</summary>
public static class GgmlTypes
{
    /// <summary>
    /// The layout of <paramref name="tag"/>: elements a block and bytes a block; false for a type
    /// this reader does not know (types newer than MXFP4, or removed ones), whose byte size it cannot compute.
    /// </summary>
    public static bool TryGetBlock(uint tag, out int elementsPerBlock, out int bytesPerBlock)
    {
        (elementsPerBlock, bytesPerBlock) = (GgmlType)tag switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.Q4_0 => (32, 2 + 16),
            GgmlType.Q4_1 => (32, 2 + 2 + 16),
            GgmlType.Q5_0 => (32, 2 + 4 + 16),
            GgmlType.Q5_1 => (32, 2 + 2 + 4 + 16),
            GgmlType.Q8_0 => (32, 2 + 32),
            GgmlType.Q8_1 => (32, 2 + 2 + 32),
            GgmlType.Q2_K => (256, 16 + 64 + 2 + 2),
            GgmlType.Q3_K => (256, 32 + 64 + 12 + 2),
            GgmlType.Q4_K => (256, 2 + 2 + 12 + 128),
            GgmlType.Q5_K => (256, 2 + 2 + 12 + 32 + 128),
            GgmlType.Q6_K => (256, 128 + 64 + 16 + 2),
            GgmlType.Q8_K => (256, 4 + 256 + (16 * 2)),
            GgmlType.IQ2_XXS => (256, 2 + 64),
            GgmlType.IQ2_XS => (256, 2 + 64 + 8),
            GgmlType.IQ3_XXS => (256, 2 + 96),
            GgmlType.IQ1_S => (256, 2 + 32 + 16),
            GgmlType.IQ4_NL => (32, 2 + 16),
            GgmlType.IQ3_S => (256, 2 + 64 + 8 + 32 + 4),
            GgmlType.IQ2_S => (256, 2 + 64 + 8 + 8),
            GgmlType.IQ4_XS => (256, 2 + 2 + 4 + 128),
            GgmlType.IQ1_M => (256, 32 + 16 + 8),
            GgmlType.TQ1_0 => (256, 48 + 4 + 2),
            GgmlType.TQ2_0 => (256, 64 + 2),
            GgmlType.MXFP4 => (32, 1 + 16),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.F64 => (1, 8),
            GgmlType.BF16 => (1, 2),
            _ => (0, 0),
        };
        return elementsPerBlock > 0;
    }

    /// <summary>The type's name as ggml spells it (<c>Q4_K</c>, <c>BF16</c>), or "ggml type N" for an unknown tag.</summary>
    public static string Name(uint tag) =>
        TryGetBlock(tag, out _, out _) ? ((GgmlType)tag).ToString() : $"ggml type {tag}";
}
