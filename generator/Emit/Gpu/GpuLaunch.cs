using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// One launch of the GPU forward pass, lowered from the plan: a projection together with the norm
/// before it (every group normalizes the residual stream into shared memory itself, so the norm needs
/// no launch of its own) and, for the query/key/value projection, rotary positions and the cache stores.
/// </summary>
/// <param name="Norm">The norm fused in front, or null when the projection reads a vector as it is.</param>
/// <param name="Projection">The projection.</param>
/// <param name="Rotary">Whether query and key rows are stored turned by the rotary angle.</param>
internal sealed record GpuLaunch(NormOperation? Norm, ProjectionOperation Projection, bool Rotary)
{
    /// <summary>The kernel's name: the norm's, then the projection's, for example <c>RmsNormProjectQueryKeyValue</c>.</summary>
    public string Name => (Norm is null ? string.Empty : Norm.Kind.ToString()) + Projection.Name;

    /// <summary>The launch configuration's field on the session.</summary>
    public string ConfigField => char.ToLowerInvariant(Projection.Name[0]) + Projection.Name.Substring(1) + "Config";

    /// <summary>The constant that counts the warps for one tile of four rows each.</summary>
    public string WarpsConstant => Projection.Name + "Warps";

    /// <summary>The kernel's parameters in order, as (type, name) pairs.</summary>
    public IReadOnlyList<(string Type, string Name)> Parameters
    {
        get
        {
            var parameters = new List<(string, string)>();
            if (Norm is null)
            {
                parameters.Add((GpuKernel.View, Projection.Input));
            }
            else
            {
                parameters.Add((GpuKernel.View, "residual"));
                parameters.Add((GpuKernel.View, "normWeight"));
                if (Norm.Bias is not null)
                {
                    parameters.Add((GpuKernel.View, "normBias"));
                }
            }

            foreach (ProjectedMatrix matrix in Projection.Matrices)
            {
                parameters.Add((GpuKernel.View, Lower(matrix.Weight) + "Weight"));
                if (matrix.Bias is not null)
                {
                    parameters.Add((GpuKernel.View, Lower(matrix.Weight) + "Bias"));
                }
            }

            if (Rotary)
            {
                parameters.Add((GpuKernel.View, "rotaryCos"));
                parameters.Add((GpuKernel.View, "rotarySin"));
            }

            switch (Projection.Epilogue)
            {
                case Epilogue.Store:
                    parameters.Add((GpuKernel.View, "query"));
                    parameters.Add((GpuKernel.View, "keys"));
                    parameters.Add((GpuKernel.View, "values"));
                    parameters.Add((GpuKernel.Int, "position"));
                    break;
                case Epilogue.AddToResidual:
                    if (Norm is null)
                    {
                        parameters.Add((GpuKernel.View, "residual"));
                    }

                    break;
                default:
                    parameters.Add((GpuKernel.View, "hidden"));
                    break;
            }

            return parameters;
        }
    }

    /// <summary>The kernel as the session loads it.</summary>
    public GpuKernel Kernel
    {
        get
        {
            var types = new List<string>();
            foreach ((string type, _) in Parameters)
            {
                types.Add(type);
            }

            return new GpuKernel(Name, types);
        }
    }

    /// <summary>The session's arguments for the parameters, in order: layer weights, the session's vectors, this layer's cache.</summary>
    public string Arguments
    {
        get
        {
            var arguments = new List<string>();
            foreach ((_, string name) in Parameters)
            {
                arguments.Add(name switch
                {
                    "normWeight" => $"layer.{Norm!.Weight}",
                    "normBias" => $"layer.{Norm!.Bias}",
                    "rotaryCos" => "weights.RotaryCos",
                    "rotarySin" => "weights.RotarySin",
                    _ when name.EndsWith("Weight") => $"layer.{Capitalize(name.Substring(0, name.Length - "Weight".Length))}",
                    _ when name.EndsWith("Bias") => $"layer.{Capitalize(name.Substring(0, name.Length - "Bias".Length))}Bias",
                    _ => name,
                });
            }

            return string.Join(", ", arguments);
        }
    }

    /// <summary>Every projection of the plan's layer as a launch, with the norms before them fused in.</summary>
    public static IReadOnlyList<GpuLaunch> Of(ModelPlan plan)
    {
        var launches = new List<GpuLaunch>();
        foreach (ResidualBlock block in plan.Blocks)
        {
            NormOperation? pending = null;
            foreach (LayerOperation operation in block.Operations)
            {
                if (operation is NormOperation norm)
                {
                    pending = norm;
                }
                else if (operation is ProjectionOperation projection)
                {
                    launches.Add(new GpuLaunch(pending, projection, projection.Epilogue == Epilogue.Store && plan.Has<RotaryOperation>()));
                    pending = null;
                }
            }
        }

        return launches;
    }

    public static string Lower(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string Capitalize(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);
}
