using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Codegen.Formats;
using Codegen.Tests.Formats;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated <c>model.safetensors.index.json</c> files beside two valid shards, through
/// <see cref="SafetensorsCheckpoint.Open"/> on the folder: open, read every float tensor whole and its last
/// row, permute the query rows as a Llama loader does, then validate against the seed's tensors.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class SafetensorsIndexFuzzTests(ITestOutputHelper output)
{
    private const string Shard1 = "model-00001-of-00002.safetensors";
    private const string Shard2 = "model-00002-of-00002.safetensors";

    private static readonly ShardedCheckpointWriter Checkpoint = new ShardedCheckpointWriter()
        .Shard(Shard1).AddSequence("model.embed_tokens.weight", 0, 4, 4).AddSequence("model.layers.0.self_attn.q_proj.weight", 50, 4, 4)
        .Shard(Shard2).AddFloats("model.norm.weight", "BF16", [4], [1f, 2f, 3f, 4f]).Add("ids", "I64", [2], new byte[16]);

    private static readonly ExpectedTensor[] SeedTensors =
    [
        new("model.embed_tokens.weight", [4, 4]), new("model.layers.0.self_attn.q_proj.weight", [4, 4]), new("model.norm.weight", [4]),
    ];

    /// <summary>The index of the two shards, indented as transformers writes it.</summary>
    internal static Seed IndexSeed { get; } = new(
        "built: model.safetensors.index.json of two shards (F32 matrices, a BF16 vector, an I64 tensor)",
        Encoding.UTF8.GetBytes(Checkpoint.Index()));

    [Fact]
    public void IndexOpensReadsOrFailsWithATypedError()
    {
        Seed seed = IndexSeed;
        var target = new FuzzTarget(
            "safetensors index (SafetensorsCheckpoint)",
            SafetensorsCheckpoint.IndexFileName,
            Checkpoint.AllShardBytes(),
            path => OpenAndReadEverything(Path.GetDirectoryName(path)!));

        FuzzDriver.Run(target, JsonFileCases.Systematic(seed, pathLimit: 60), random => JsonFileCases.Random(seed, random), output);
    }

    private static string? OpenAndReadEverything(string folder)
    {
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        foreach (string name in checkpoint.TensorNames)
        {
            Assert.True(checkpoint.TryGetTensor(name, out SafetensorsTensorInfo tensor));
            if (!tensor.DType.IsFloat32Convertible())
            {
                continue;
            }

            checkpoint.ReadFloat32(name, new float[tensor.ElementCount]);
            if (tensor.Shape.Length is 1 or 2 && tensor.Shape[0] > 0)
            {
                checkpoint.ReadRowsFloat32(name, tensor.Shape[0] - 1, 1, new float[tensor.Shape.Length == 2 ? tensor.Shape[1] : 1]);
            }
        }

        if (checkpoint.TryGetTensor("model.layers.0.self_attn.q_proj.weight", out _))
        {
            HuggingFaceWeights.ReadRotary(checkpoint, "model.layers.0.self_attn.q_proj.weight", "layers[0].query", 0, 2, 2, 4);
        }

        checkpoint.Validate(SeedTensors);
        return checkpoint.TensorNames.Count == SeedTensors.Length + 1
            ? null
            : $"the open succeeded with {checkpoint.TensorNames.Count} tensors: {string.Join(", ", checkpoint.TensorNames.Order())}";
    }
}
