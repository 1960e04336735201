using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Codegen.Tests.Generator;

/// <summary>The test references plus the GPU runtime (Codegen.Runtime.Gpu and ILGPU): with them the generator also writes the ILGPU backend.</summary>
internal static class GpuTestReferences
{
    public static ImmutableArray<MetadataReference> All { get; } = TestReferences.All.AddRange(new MetadataReference[]
    {
        MetadataReference.CreateFromFile(typeof(Codegen.Gpu.GpuDevice).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(global::ILGPU.Runtime.Accelerator).Assembly.Location),
    });
}
