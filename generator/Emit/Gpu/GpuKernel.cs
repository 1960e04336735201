using System.Collections.Generic;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// One generated ILGPU kernel as the session sees it: the static method in <c>GpuKernels</c> and the
/// types of its parameters, from which the loaded delegate's type and its load call are written.
/// </summary>
/// <param name="Name">The kernel method's name, also the name of its loaded delegate.</param>
/// <param name="ParameterTypes">The C# types of its parameters, in order (views and scalars).</param>
internal sealed record GpuKernel(string Name, IReadOnlyList<string> ParameterTypes)
{
    public const string View = $"{Names.ArrayView}<float>";
    public const string Int = "int";

    /// <summary>The type arguments of the delegate and of <c>LoadStreamKernel</c>: the parameter types.</summary>
    public string TypeArguments => string.Join(", ", ParameterTypes);

    /// <summary>The delegate type of the loaded kernel: a launch configuration, then the parameters.</summary>
    public string DelegateType => $"{Names.Action}<{Names.KernelConfig}, {TypeArguments}>";

    /// <summary>A kernel of <paramref name="views"/> float views followed by <paramref name="scalars"/> int parameters.</summary>
    public static GpuKernel Of(string name, int views, int scalars = 0)
    {
        var types = new List<string>();
        for (int i = 0; i < views; i++)
        {
            types.Add(View);
        }

        for (int i = 0; i < scalars; i++)
        {
            types.Add(Int);
        }

        return new GpuKernel(name, types);
    }
}
