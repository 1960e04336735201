using System;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The kernel tests make no assumption about the processor: the generated code picks Vector256,
/// Vector128 or scalar code at JIT time, and CI runs these tests again with DOTNET_EnableAVX=0 and with
/// DOTNET_EnableHWIntrinsic=0. This checks that such a run really takes the narrower path, so a pass
/// there means the fallback code was tested.
/// </summary>
public sealed class VectorPathTests
{
    private readonly ITestOutputHelper output;

    public VectorPathTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void DisabledInstructionSetsTurnOffTheirVectorPaths()
    {
        output.WriteLine($"Vector256 accelerated: {Vector256.IsHardwareAccelerated}; Vector128 accelerated: {Vector128.IsHardwareAccelerated}.");
        if (IsZero("DOTNET_EnableHWIntrinsic"))
        {
            Assert.False(Vector128.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 should leave only the scalar path.");
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 should leave only the scalar path.");
        }

        if (IsZero("DOTNET_EnableAVX") || IsZero("DOTNET_EnableAVX2"))
        {
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX=0 or DOTNET_EnableAVX2=0 should turn the Vector256 path off.");
        }

        Assert.True(!Vector256.IsHardwareAccelerated || Vector128.IsHardwareAccelerated, "Vector256 without Vector128 is not a configuration the kernels expect.");
    }

    [Fact]
    public void OnlyModelsLargerThanTheCachesStreamTheirRows()
    {
        // The kernel tests cover both matrix-vector paths: LlamaPooledModel's 10 MB of float32 matrices
        // get the streamed rows (with prefetch), the small models the four interleaved rows.
        // The generated Shape tells the runtime's products which path to compile.
        Assert.True(StreamRows<LlamaPooledModel.Shape>());
        Assert.False(StreamRows<LlamaRaggedModel.Shape>());
    }

    private static bool StreamRows<TShape>()
        where TShape : Codegen.Kernels.IModelShape => TShape.StreamRows;

    private static bool IsZero(string variable) => Environment.GetEnvironmentVariable(variable) == "0";
}
