using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// The code that reads a projection matrix in the model's weight format: float32 rows through the
/// generated dot products, bf16 rows through <c>Bf16Kernels</c>, Q8 rows through <c>Q8Kernels</c> and Q4
/// rows through <c>Q4Kernels</c>, both against an input quantized to 8-bit blocks once per call. The one
/// place that knows how each format is read.
/// </summary>
internal sealed class MatrixCode
{
    private readonly WeightFormat format;

    private MatrixCode(WeightFormat format) => this.format = format;

    /// <summary>The code for the model's layer matrices.</summary>
    public static MatrixCode For(ModelSpec spec) => new(spec.Weights);

    /// <summary>The code for the unembedding: a Q4 model keeps it in 8 bits (its errors go straight into the logits).</summary>
    public static MatrixCode ForUnembedding(ModelSpec spec) => new(spec.Weights == WeightFormat.Q4 ? WeightFormat.Q8 : spec.Weights);

    /// <summary>Whether the unembedding is stored in another format than the layer matrices (and needs row loops of its own).</summary>
    public static bool UnembeddingDiffers(ModelSpec spec) => spec.Weights == WeightFormat.Q4;

    public bool IsFloat32 => format == WeightFormat.F32;

    /// <summary>Whether four-row products must start on a row that is a multiple of four (Q8 and Q4 store rows in groups of four).</summary>
    public bool FourRowsStartOnGroups => format is WeightFormat.Q8 or WeightFormat.Q4;

    /// <summary>Whether each product quantizes its input first (Q8 and Q4), so two passes over one input would quantize it twice.</summary>
    public bool QuantizesInput => format is WeightFormat.Q8 or WeightFormat.Q4;

    /// <summary>The C# type of a stored projection matrix.</summary>
    public string TypeName => format switch
    {
        WeightFormat.BF16 => $"{Names.Bf16Matrix}",
        WeightFormat.Q8 => $"{Names.Q8Matrix}",
        WeightFormat.Q4 => $"{Names.Q4Matrix}",
        _ => $"{Names.WeightTensor}",
    };

    /// <summary>
    /// Converts a loaded tensor expression to the stored format (Q8 copies a GGUF file's Q8_0 blocks as
    /// they are when the tensor carries them, and quantizes its float32 values otherwise).
    /// </summary>
    public string FromFloat32(string tensor) => format switch
    {
        WeightFormat.BF16 => $"{Names.Bf16Matrix}.FromFloat32({tensor})",
        WeightFormat.Q8 => $"{Names.Q8Matrix}.FromTensor({tensor})",
        WeightFormat.Q4 => $"{Names.Q4Matrix}.FromTensor({tensor})",
        _ => tensor,
    };

    /// <summary>Declares what the row loop reads the input through: <c>x</c> (for bf16 reordered for its kernels), and for Q8 its quantized blocks.</summary>
    public void EmitInput(IndentedWriter w, string inputReference, string columnsName, int columns)
    {
        if (format == WeightFormat.BF16)
        {
            w.Line("// The input in the order the bf16 kernels widen weight pairs in (see Bf16Kernels.PrepareInput).");
            w.Line($"{Names.Span}<float> inputInKernelOrder = stackalloc float[{columnsName}];");
            w.Line($"ref float x = ref {Names.Bf16Kernels}.PrepareInput(ref {inputReference}, {columnsName}, inputInKernelOrder);");
            return;
        }

        w.Line($"ref float x = ref {inputReference};");
        if (QuantizesInput)
        {
            int blocks = (columns + 31) / 32;
            w.Line($"// The input as 8-bit blocks too, so each block's dot product is an integer one.");
            w.Line($"{Names.Span}<sbyte> inputQuants = stackalloc sbyte[{blocks * 32}];");
            w.Line($"{Names.Span}<float> inputScales = stackalloc float[{blocks}];");
            w.Line($"{Names.Q8Kernels}.QuantizeVector({Names.MemoryMarshal}.CreateReadOnlySpan(ref x, {columnsName}), inputQuants, inputScales);");
            w.Line($"ref sbyte xq = ref {Names.MemoryMarshal}.GetReference(inputQuants);");
            if (format == WeightFormat.Q8)
            {
                w.Line($"ref float xs = ref {Names.MemoryMarshal}.GetReference(inputScales);");
            }
        }

        if (format == WeightFormat.Q4)
        {
            int blocks = (columns + 31) / 32;
            w.Line("// Each input block's scale, and its sum times its scale (what the weight blocks' offsets multiply), four times each.");
            w.Line($"{Names.Span}<float> inputFactors = stackalloc float[{blocks * 8}];");
            w.Line($"{Names.Q4Kernels}.InputBlockFactors(inputQuants, inputScales, inputFactors, {blocks});");
            w.Line($"ref float xf = ref {Names.MemoryMarshal}.GetReference(inputFactors);");
        }
    }

    /// <summary>Declares local <c>m{index}</c> for a matrix expression such as <c>layer.Output</c>.</summary>
    public void EmitMatrix(IndentedWriter w, int index, string matrix)
    {
        w.Line(format switch
        {
            WeightFormat.BF16 => $"ref ushort m{index} = ref {matrix}.Data;",
            WeightFormat.Q8 => $"{Names.Q8Matrix} m{index} = {matrix};",
            WeightFormat.Q4 => $"{Names.Q4Matrix} m{index} = {matrix};",
            _ => $"ref float m{index} = ref {matrix}.Data;",
        });
    }

    /// <summary>A Vector128 of the dot products of rows row..row+3 of matrix m{index} with the input.</summary>
    public string FourRows(int index, string columnsName, int columns) => format switch
    {
        WeightFormat.BF16 => $"{Names.Bf16Kernels}.DotFourRows(ref {Names.Unsafe}.Add(ref m{index}, (nint)row * {columnsName}), {columnsName}, ref x)",
        WeightFormat.Q8 => $"{Names.Q8Kernels}.DotFourRows(ref m{index}.RowQuants(row), ref m{index}.RowScales(row), {(columns + 31) / 32}, ref xq, ref xs)",
        WeightFormat.Q4 => $"{Names.Q4Kernels}.DotFourRows(ref m{index}.GroupQuants(row), ref m{index}.RowScales(row), {(columns + 31) / 32}, ref xq, ref xf)",
        _ => $"DotFourRows{columnsName}(ref {Names.Unsafe}.Add(ref m{index}, (nint)row * {columnsName}), ref x)",
    };

    /// <summary>The dot product of row <c>row</c> of matrix m{index} with the input.</summary>
    public string OneRow(int index, string columnsName, int columns) => format switch
    {
        WeightFormat.BF16 => $"{Names.Bf16Kernels}.Dot(ref {Names.Unsafe}.Add(ref m{index}, (nint)row * {columnsName}), ref x, {columnsName})",
        WeightFormat.Q8 => $"{Names.Q8Kernels}.Dot(ref m{index}.RowQuants(row), ref m{index}.RowScales(row), {(columns + 31) / 32}, ref xq, ref xs)",
        WeightFormat.Q4 => $"{Names.Q4Kernels}.Dot(ref m{index}.GroupQuants(row), row & 3, ref m{index}.RowScales(row), {(columns + 31) / 32}, ref xq, ref xf)",
        _ => $"Dot{columnsName}(ref {Names.Unsafe}.Add(ref m{index}, (nint)row * {columnsName}), ref x)",
    };
}
