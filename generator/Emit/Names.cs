namespace Codegen.Generator.Emit;

/// <summary>
/// Every type and member from the BCL, ILGPU or the runtime that generated code names, written once and
/// <c>global::</c>-qualified: generated code lands in the user's namespace, where any simple name
/// (<c>Math</c>, <c>Span</c>, <c>Vector256</c>, <c>WeightTensor</c>, ...) may already mean something else.
/// </summary>
internal static class Names
{
    // The BCL.
    public const string Math = "global::System.Math";
    public const string MathF = "global::System.MathF";
    public const string Span = "global::System.Span";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan";
    public const string Action = "global::System.Action";
    public const string ArgumentNullException = "global::System.ArgumentNullException";
    public const string ArgumentOutOfRangeException = "global::System.ArgumentOutOfRangeException";
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string MethodImpl = "global::System.Runtime.CompilerServices.MethodImpl";
    public const string MethodImplOptions = "global::System.Runtime.CompilerServices.MethodImplOptions";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string Vector128 = "global::System.Runtime.Intrinsics.Vector128";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";
    public const string List = "global::System.Collections.Generic.List";
    public const string IReadOnlyList = "global::System.Collections.Generic.IReadOnlyList";
    public const string ArgumentException = "global::System.ArgumentException";
    public const string IProgress = "global::System.IProgress";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string OperationCanceledException = "global::System.OperationCanceledException";

    // ILGPU.
    public const string ArrayView = "global::ILGPU.ArrayView";
    public const string Grid = "global::ILGPU.Grid";
    public const string Group = "global::ILGPU.Group";
    public const string Warp = "global::ILGPU.Warp";
    public const string SharedMemory = "global::ILGPU.SharedMemory";
    public const string Accelerator = "global::ILGPU.Runtime.Accelerator";
    public const string KernelConfig = "global::ILGPU.KernelConfig";
    public const string LoadStreamKernel = "global::ILGPU.Runtime.KernelLoaders.LoadStreamKernel";

    // The runtime.
    public const string ModelFamily = "global::Codegen.ModelFamily";
    public const string IInferenceSession = "global::Codegen.IInferenceSession";
    public const string Backend = "global::Codegen.Backend";
    public const string WeightTensor = "global::Codegen.WeightTensor";
    public const string Bf16Matrix = "global::Codegen.Bf16Matrix";
    public const string Q8Matrix = "global::Codegen.Q8Matrix";
    public const string Q4Matrix = "global::Codegen.Q4Matrix";
    public const string ModelLoadException = "global::Codegen.ModelLoadException";
    public const string SafetensorsWeights = "global::Codegen.Formats.SafetensorsWeights";
    public const string SafetensorsFile = "global::Codegen.Formats.SafetensorsFile";
    public const string ExpectedTensor = "global::Codegen.Formats.ExpectedTensor";
    public const string SafetensorsTensorInfo = "global::Codegen.Formats.SafetensorsTensorInfo";
    public const string Llama2cHeader = "global::Codegen.Formats.Llama2cHeader";
    public const string HuggingFaceConfig = "global::Codegen.Formats.HuggingFaceConfig";
    public const string SafetensorsCheckpoint = "global::Codegen.Formats.SafetensorsCheckpoint";
    public const string HuggingFaceWeights = "global::Codegen.Formats.HuggingFaceWeights";
    public const string HuggingFaceLlamaConfig = "global::Codegen.Formats.HuggingFaceLlamaConfig";
    public const string LlamaFamilyShape = "global::Codegen.Formats.LlamaFamilyShape";
    public const string Directory = "global::System.IO.Directory";
    public const string StringComparison = "global::System.StringComparison";
    public const string Llama2cCheckpoint = "global::Codegen.Formats.Llama2cCheckpoint";
    public const string LoadProgress = "global::Codegen.Formats.LoadProgress";

    public const string GgufLlamaWeights = "global::Codegen.Formats.Gguf.GgufLlamaWeights";

    public const string GgufLlamaShape = "global::Codegen.Formats.Gguf.GgufLlamaShape";
    public const string WeightFormat = "global::Codegen.WeightFormat";
    public const string WorkerPool = "global::Codegen.Threading.WorkerPool";
    public const string RowRangeAction = "global::Codegen.Threading.RowRangeAction";
    public const string CpuSessionBase = "global::Codegen.Sessions.CpuSessionBase";
    public const string CpuBatchSessionBase = "global::Codegen.Sessions.CpuBatchSessionBase";
    public const string CpuInspectingSessionBase = "global::Codegen.Inspection.CpuInspectingSessionBase";
    public const string InspectionRecorder = "global::Codegen.Inspection.InspectionRecorder";
    public const string ResidualBlockKind = "global::Codegen.Inspection.ResidualBlockKind";
    public const string Kernels = "global::Codegen.Kernels";
    public const string IModelShape = "global::Codegen.Kernels.IModelShape";
    public const string SimdMath = "global::Codegen.Kernels.SimdMath";
    public const string F32Products = "global::Codegen.Kernels.F32Products";
    public const string F32BatchProducts = "global::Codegen.Kernels.F32BatchProducts";
    public const string CpuAttention = "global::Codegen.Kernels.CpuAttention";
    public const string KeyCache = "global::Codegen.Kernels.KeyCache";
    public const string Norms = "global::Codegen.Kernels.Norms";
    public const string RotaryPositions = "global::Codegen.Kernels.RotaryPositions";
    public const string Elementwise = "global::Codegen.Kernels.Elementwise";
    public const string Bf16Kernels = "global::Codegen.Kernels.Bf16Kernels";
    public const string Q8Kernels = "global::Codegen.Kernels.Q8Kernels";
    public const string Q4Kernels = "global::Codegen.Kernels.Q4Kernels";
    public const string Q4BatchProducts = "global::Codegen.Kernels.Q4BatchProducts";
    public const string Q8BatchProducts = "global::Codegen.Kernels.Q8BatchProducts";
    public const string FeatureMajorProducts = "global::Codegen.Kernels.FeatureMajorProducts";
    public const string Bf16Broadcast = "global::Codegen.Kernels.Bf16Broadcast";
    public const string DequantizedTileProducts = "global::Codegen.Kernels.DequantizedTileProducts";
    public const string GpuDevice = "global::Codegen.Gpu.GpuDevice";
    public const string GpuBackend = "global::Codegen.Gpu.GpuBackend";
    public const string GpuSessionBase = "global::Codegen.Gpu.GpuSessionBase";
    public const string GpuReductions = "global::Codegen.Gpu.GpuReductions";
    public const string GpuRows4 = "global::Codegen.Gpu.GpuRows4";

    /// <summary>On every generated type: tools (coverage, analyzers) see the code as generated, and by which generator version.</summary>
    public static readonly string GeneratedCodeAttribute =
        $"[{GeneratedCode}(\"Codegen.Generator\", \"{typeof(Names).Assembly.GetName().Version}\")]";

    /// <summary>The method attribute that asks the JIT to inline a call (the forwarders to the runtime's kernels).</summary>
    public const string AggressiveInlining = "[" + MethodImpl + "(" + MethodImplOptions + ".AggressiveInlining)]";

    /// <summary>The method attribute that keeps the JIT from tiering a hot method: straight to full optimization.</summary>
    public const string AggressiveOptimization = "[" + MethodImpl + "(" + MethodImplOptions + ".AggressiveOptimization)]";
}
