using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// Writes the GPU side of a model: its weights on a device (uploaded once per model and device), its
/// kernels loaded once per device, and <c>GpuSession</c>, whose Forward runs the whole forward pass
/// on the device with a device-resident KV cache and copies back only the logits (or only the argmax).
/// The family emitters supply the launches of a layer; buffers, checks and bookkeeping are shared.
/// Written only when the consumer references Codegen.Runtime.Gpu.
/// </summary>
internal static class GpuSessionEmitter
{
    /// <summary>The type whose presence in the compilation says the consumer references the GPU runtime.</summary>
    public const string GpuDeviceMetadataName = "Codegen.Gpu.GpuDevice";

    /// <summary>Session buffers besides the KV cache: field name, length, what it holds.</summary>
    private static readonly (string Name, string Length, string Comment)[] Activations =
    {
        ("residual", "DModel", "The residual stream: the current token's vector, refined layer by layer."),
        ("query", "DModel", "The query of every head, concatenated."),
        ("attention", "DModel", "The weighted sums of values of every head, concatenated."),
        ("hidden", "FfnDim", "The MLP's hidden vector."),
        ("scores", "Heads * Context", "Attention weights of each head over the positions so far, one row of Context per head."),
        ("logits", "Vocab", "One logit per token of the vocabulary."),
    };

    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// Starts a session (its own KV cache) on <paramref name=\"device\"/>. The model's weights are uploaded to the");
            w.Line("/// device by the first session there and shared by every later one; the device keeps them until it is disposed.");
            w.Line("/// </summary>");
            w.Line($"public GpuSession CreateGpuSession({Names.GpuDevice} device) => new GpuSession(this, device ?? throw new {Names.ArgumentNullException}(nameof(device)));");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Starts a session on the chosen backend: the CPU kernels (<see cref=\"CreateSession()\"/>), or the GPU kernels on");
            w.Line($"/// the process-wide device <see cref=\"{Names.GpuBackend}.Shared\"/> (CUDA, else OpenCL, else the ILGPU CPU accelerator).");
            w.Line("/// </summary>");
            using (w.Block($"public {Names.IInferenceSession} CreateSession({Names.Backend} backend) => backend switch", "};"))
            {
                w.Line($"{Names.Backend}.Cpu => CreateSession(),");
                w.Line($"{Names.Backend}.Gpu => CreateGpuSession({Names.GpuBackend}.Shared),");
                w.Line($"_ => throw new {Names.ArgumentOutOfRangeException}(nameof(backend), backend, \"Choose {Names.Backend}.Cpu or {Names.Backend}.Gpu.\"),");
            }

            w.Line();
            EmitWeights(w, spec, plan);
            w.Line();
            EmitKernelSet(w, plan);
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// One sequence on a GPU device: the KV cache and every intermediate vector live on the device, allocated once;");
            w.Line("/// Forward launches the whole forward pass there and copies back only the logits (ForwardArgMax: only the");
            w.Line("/// most likely token). Not thread-safe; sessions on one device take turns on it. Dispose releases the");
            w.Line("/// session's device memory (the shared weights stay with the device).");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block($"public sealed class GpuSession : {Names.GpuSessionBase}"))
            {
                EmitSessionFields(w, plan);
                w.Line();
                EmitSessionConstructor(w, spec, plan);
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"protected override {Names.ArrayView}<float> Logits => logits;");
                w.Line();
                EmitRun(w, plan);
            }
        }
    }

    private static void EmitWeights(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        IReadOnlyList<TensorDefinition> global = TensorCatalog.Global(spec.Family);
        IReadOnlyList<TensorDefinition> perLayer = TensorCatalog.PerLayer(spec);
        bool rotary = plan.Has<RotaryOperation>();

        w.Line("/// <summary>The model's weights on one device, uploaded once and shared by every session of the model there.</summary>");
        w.Line(Names.GeneratedCodeAttribute);
        using (w.Block("internal sealed class GpuWeights"))
        {
            using (w.Block($"internal GpuWeights({spec.ClassName} model, {Names.GpuDevice} device)"))
            {
                w.Line("ModelWeights source = model.Weights;");
                foreach (TensorDefinition tensor in global)
                {
                    w.Line($"{tensor.Member} = device.Upload(source.{tensor.Member}).View;");
                }

                w.Line(spec.TiedEmbeddings
                    ? "Unembedding = device.Upload(source.Unembedding).View; // tied: the same tensor, so the same buffer"
                    : "Unembedding = device.Upload(source.Unembedding).View;");
                if (rotary)
                {
                    w.Line("RotaryCos = device.Upload(model.RotaryCos).View;");
                    w.Line("RotarySin = device.Upload(model.RotarySin).View;");
                }

                w.Line("var layers = new GpuLayerWeights[Layers];");
                using (w.Block("for (int layer = 0; layer < Layers; layer++)"))
                {
                    w.Line("layers[layer] = new GpuLayerWeights(source.Layers[layer], device);");
                }

                w.Line("ByLayer = layers;");
            }

            foreach (TensorDefinition tensor in global)
            {
                w.Line();
                w.Line($"/// <summary>{tensor.Description}</summary>");
                w.Line($"internal readonly {Names.ArrayView}<float> {tensor.Member};");
            }

            w.Line();
            w.Line($"/// <summary>{TensorCatalog.Unembedding.Description}</summary>");
            w.Line($"internal readonly {Names.ArrayView}<float> Unembedding;");
            if (rotary)
            {
                w.Line();
                w.Line("/// <summary>Rotary position table: cos of position * frequency, [Context, HeadDim / 2].</summary>");
                w.Line($"internal readonly {Names.ArrayView}<float> RotaryCos;");
                w.Line();
                w.Line("/// <summary>Rotary position table: sin of position * frequency, [Context, HeadDim / 2].</summary>");
                w.Line($"internal readonly {Names.ArrayView}<float> RotarySin;");
            }

            w.Line();
            w.Line("/// <summary>The layers, first to last.</summary>");
            w.Line("internal readonly GpuLayerWeights[] ByLayer;");
        }

        w.Line();
        w.Line("/// <summary>One layer's weights on a device.</summary>");
        w.Line(Names.GeneratedCodeAttribute);
        using (w.Block("internal sealed class GpuLayerWeights"))
        {
            using (w.Block($"internal GpuLayerWeights(LayerWeights source, {Names.GpuDevice} device)"))
            {
                foreach (TensorDefinition tensor in perLayer)
                {
                    w.Line($"{tensor.Member} = device.Upload(source.{tensor.Member}).View;");
                }
            }

            foreach (TensorDefinition tensor in perLayer)
            {
                w.Line();
                w.Line($"/// <summary>{tensor.Description}</summary>");
                w.Line($"internal readonly {Names.ArrayView}<float> {tensor.Member};");
            }
        }
    }

    private static void EmitKernelSet(IndentedWriter w, ModelPlan plan)
    {
        IReadOnlyList<GpuKernel> kernels = GpuKernelsEmitter.Kernels(plan);
        w.Line("/// <summary>The kernels compiled for one device: loaded (and compiled by ILGPU) once per device, shared by every session there.</summary>");
        w.Line(Names.GeneratedCodeAttribute);
        using (w.Block("internal sealed class GpuKernelSet"))
        {
            using (w.Block($"internal GpuKernelSet({Names.Accelerator} accelerator)"))
            {
                foreach (GpuKernel kernel in kernels)
                {
                    w.Line($"{kernel.Name} = {Names.LoadStreamKernel}<{kernel.TypeArguments}>(accelerator, GpuKernels.{kernel.Name});");
                }
            }

            foreach (GpuKernel kernel in kernels)
            {
                w.Line();
                w.Line($"internal readonly {kernel.DelegateType} {kernel.Name};");
            }
        }
    }

    private static void EmitSessionFields(IndentedWriter w, ModelPlan plan)
    {
        w.Line("private readonly GpuWeights weights;");
        w.Line("private readonly GpuKernelSet kernels;");
        w.Line();
        w.Line("// Device vectors, owned by the session (the base class gives them back on Dispose).");
        foreach ((string name, _, string comment) in Activations)
        {
            w.Line($"// {comment}");
            w.Line($"private readonly {Names.ArrayView}<float> {name};");
        }

        w.Line("// The KV cache: keys and values of every position so far, one [Context, KvDim] block per layer.");
        w.Line($"private readonly {Names.ArrayView}<float>[] keyCache = new {Names.ArrayView}<float>[Layers];");
        w.Line($"private readonly {Names.ArrayView}<float>[] valueCache = new {Names.ArrayView}<float>[Layers];");
        w.Line();
        w.Line("// Launch shapes: groups of the device's group size; projections compute a tile of four rows per warp.");
        w.Line($"private readonly {Names.KernelConfig} embedConfig;");
        w.Line($"private readonly {Names.KernelConfig} attentionConfig;");
        foreach (GpuLaunch launch in GpuLaunch.Of(plan))
        {
            w.Line($"private readonly {Names.KernelConfig} {launch.ConfigField};");
        }

        w.Line($"private readonly {Names.KernelConfig} unembedConfig;");
    }

    private static void EmitSessionConstructor(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        w.Line($"internal GpuSession({spec.ClassName} model, {Names.GpuDevice} device)");
        using (w.Block("    : base(device, Vocab, Context)"))
        {
            w.Line("weights = device.GetOrCreate(model, d => new GpuWeights(model, d));");
            w.Line($"kernels = device.GetOrCreate(typeof({spec.ClassName}), static d => new GpuKernelSet(d.Accelerator));");
            foreach ((string name, string length, _) in Activations)
            {
                w.Line($"{name} = Allocate({length});");
            }

            using (w.Block("for (int layer = 0; layer < Layers; layer++)"))
            {
                w.Line("keyCache[layer] = Allocate((long)Context * KvDim);");
                w.Line("valueCache[layer] = Allocate((long)Context * KvDim);");
            }

            w.Line();
            w.Line("int warps = device.WarpsPerGroup;");
            w.Line("embedConfig = LaunchFor(DModel, device.GroupSize);");
            w.Line("attentionConfig = LaunchFor(Heads, 1); // a group per query head");
            foreach (GpuLaunch launch in GpuLaunch.Of(plan))
            {
                w.Line($"{launch.ConfigField} = LaunchFor(GpuKernels.{launch.WarpsConstant}, warps);");
            }

            w.Line("unembedConfig = LaunchFor(GpuKernels.UnembedWarps, warps);");
        }
    }

    private static void EmitRun(IndentedWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>Queues the whole forward pass for <paramref name=\"token\"/> at <paramref name=\"position\"/> on the device.</summary>");
        using (w.Block("protected override void Run(int token, int position)"))
        {
            if (plan.LearnedPositions)
            {
                w.Line("// Token and position embeddings: the residual stream starts as their sum.");
                w.Line("kernels.Embed(embedConfig, weights.TokenEmbedding, weights.PositionEmbedding, residual, token, position);");
            }
            else
            {
                w.Line("// Token embedding: the residual stream starts as the token's row of the embedding matrix.");
                w.Line("kernels.Embed(embedConfig, weights.TokenEmbedding, residual, token);");
            }

            w.Line();
            using (w.Block("for (int layerIndex = 0; layerIndex < Layers; layerIndex++)"))
            {
                w.Line("GpuLayerWeights layer = weights.ByLayer[layerIndex];");
                w.Line($"{Names.ArrayView}<float> keys = keyCache[layerIndex];");
                w.Line($"{Names.ArrayView}<float> values = valueCache[layerIndex];");
                w.Line();
                EmitLayer(w, plan);
            }

            w.Line();
            string finalBias = plan.FinalNorm.Bias is null ? string.Empty : $", weights.{plan.FinalNorm.Bias}";
            w.Line($"// Final {plan.FinalNorm.KindName} and unembedding: one logit per token of the vocabulary.");
            w.Line($"kernels.{plan.FinalNorm.Kind}Unembed(unembedConfig, residual, weights.{plan.FinalNorm.Weight}{finalBias}, weights.Unembedding, logits);");

        }
    }

    /// <summary>One layer's launches, lowered from the plan: each projection with the norm before it, and attention.</summary>
    private static void EmitLayer(IndentedWriter w, ModelPlan plan)
    {
        IReadOnlyList<GpuLaunch> launches = GpuLaunch.Of(plan);
        int next = 0;
        foreach (ResidualBlock block in plan.Blocks)
        {
            if (block != plan.Attention)
            {
                w.Line();
            }

            w.Comment(block.Summary);
            foreach (LayerOperation operation in block.Operations)
            {
                if (operation is ProjectionOperation)
                {
                    GpuLaunch launch = launches[next++];
                    w.Line($"kernels.{launch.Name}({launch.ConfigField}, {launch.Arguments});");
                }
                else if (operation is AttentionOperation)
                {
                    w.Line("kernels.Attention(attentionConfig, query, keys, values, scores, attention, position);");
                }
            }
        }
    }
}
