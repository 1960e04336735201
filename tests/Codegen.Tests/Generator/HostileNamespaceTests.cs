using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Codegen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// Generated code lands in the user's namespace, where any simple name may already mean something else:
/// it must compile inside a namespace that defines its own types with the names of the BCL, ILGPU and
/// runtime types the generated code uses, and nested namespaces called System, Codegen and ILGPU.
/// </summary>
public sealed class HostileNamespaceTests
{
    /// <summary>Types a user may well have, named like what generated code uses.</summary>
    private static readonly string[] PlainNames =
    {
        "Math", "MathF", "Half", "Unsafe", "MemoryMarshal", "Vector128", "Vector256", "Vector512", "BitConverter",
        "Array", "Buffer", "Action", "Func", "Type", "Exception", "ArgumentException", "ArgumentNullException",
        "ArgumentOutOfRangeException", "ObjectDisposedException", "InvalidOperationException", "IDisposable", "Lazy",
        "MethodImpl", "MethodImplAttribute", "MethodImplOptions", "GeneratedCode", "GeneratedCodeAttribute", "File", "Path",
        "Stream", "FileStream", "BinaryReader", "Encoding", "Interlocked", "Volatile", "Span", "ReadOnlySpan",
        "WeightTensor", "Bf16Matrix", "Q8Matrix", "SimdMath", "Bf16Kernels", "Q8Kernels", "WorkerPool", "RowRangeAction",
        "IInferenceSession", "ModelLoadException", "Backend", "Llama2cCheckpoint", "SafetensorsFile", "SafetensorsWeights",
        "HuggingFaceConfig", "ExpectedTensor", "SafetensorsTensorInfo", "List", "Directory", "CpuSessionBase", "SessionChecks",
        "ArrayView", "Grid", "Group", "Warp", "SharedMemory", "KernelConfig", "Accelerator", "GpuDevice", "GpuBackend",
        "GpuSessionBase", "GpuReductions", "GpuRows4", "MemoryBuffer1D", "Stride1D", "CpuInspectingSessionBase", "InspectionRecorder",
        "ResidualBlockKind", "InspectionResult",
    };

    /// <summary>Generic look-alikes: a generic name only hides a type of the same arity.</summary>
    private static readonly string[] GenericNames =
    {
        "Span<T>", "ReadOnlySpan<T>", "Vector128<T>", "Vector256<T>", "ArrayView<T>", "Action<T1, T2>", "Func<T1, T2>", "Lazy<T>", "List<T>",
    };

    public static TheoryData<string> Declarations => new()
    {
        "DModel = 64, Heads = 8, KvHeads = 4, Layers = 2, FfnDim = 172, Vocab = 512, Context = 64",
        "DModel = 48, Heads = 4, Layers = 2, Vocab = 300, Context = 40, TiedEmbeddings = false, Weights = global::Codegen.WeightFormat.BF16",
        "DModel = 64, Heads = 4, KvHeads = 2, Layers = 2, Vocab = 256, Context = 32, Weights = global::Codegen.WeightFormat.Q8, Inspectable = true",
        "Family = global::Codegen.ModelFamily.Gpt2, DModel = 40, Heads = 4, Layers = 2, Vocab = 200, Context = 48, Inspectable = true",
        "DModel = 2304, Heads = 8, Layers = 1, FfnDim = 6144, Vocab = 2000, Context = 16",
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedCodeCompilesAmongSameNamedTypes(string arguments)
    {
        string source = HostileSource(arguments);
        CSharpCompilation compilation = GeneratorHarness.Compile(source)
            .AddReferences(MetadataReference.CreateFromFile(typeof(Codegen.Gpu.GpuDevice).Assembly.Location))
            .AddReferences(MetadataReference.CreateFromFile(typeof(global::ILGPU.Runtime.Accelerator).Assembly.Location));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result.GeneratedSources, file => file.HintName.EndsWith(".GpuKernels.g.cs"));

        List<Diagnostic> errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} errors, first ones:\n" + string.Join("\n", errors.Take(15)));
    }

    private static string HostileSource(string arguments)
    {
        var source = new System.Text.StringBuilder();
        source.AppendLine("namespace Hostile.Models");
        source.AppendLine("{");
        foreach (string name in PlainNames)
        {
            source.AppendLine($"    public sealed class {name} {{ }}");
        }

        foreach (string name in GenericNames)
        {
            source.AppendLine($"    public sealed class {name} {{ }}");
        }

        source.AppendLine("    namespace System { public sealed class Placeholder { } }");
        source.AppendLine("    namespace Codegen { public sealed class Placeholder { } }");
        source.AppendLine("    namespace ILGPU { public sealed class Placeholder { } }");
        source.AppendLine($"    [global::Codegen.TransformerModel({arguments})]");
        source.AppendLine("    public partial class Model { }");
        source.AppendLine("}");
        return source.ToString();
    }
}
