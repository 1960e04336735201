using System;
using System.IO;
using System.Linq;
using Codegen.Generation;
using Codegen.Tests.Formats;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// The trained stories260K as Hugging Face saves a Llama: its llama2.c weights written at test time into a folder
/// with transformers' names, the query and key rows of each head in Hugging Face's rotate-half order (the inverse
/// of the loader's reordering, as llama2.c's export.py writes them), in one file or in two shards.
/// The model declared from the config tells the reference C implementation's greedy story.
/// </summary>
public sealed class HuggingFaceStoryTests
{
    private const int Bos = 1;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AHuggingFaceFolderOfStories260KTellsTheReferenceStory(int shards)
    {
        using var folder = new TempDirectory();
        WriteHuggingFaceFolder(folder, shards);

        using IInferenceSession session = HfStories260K.Load(folder.FullPath).CreateSession();
        var options = GenerationOptions.Greedy with { MaxNewTokens = 200 };
        int[] actual = TextGeneration.Generate(session, new[] { Bos }, options).ToArray();

        Assert.Equal(ReferenceIds().Take(200), actual);
    }

    /// <summary>The model declared from the config loads the llama2.c checkpoint and the GGUF file too, and tells the same story.</summary>
    [Theory]
    [InlineData("stories260K.bin")]
    [InlineData("stories260K.gguf")]
    public void TheConfigDeclaredModelLoadsLlama2cAndGgufFilesToo(string file)
    {

        using IInferenceSession session = HfStories260K.Load(TestModels.Path("stories260K", file)).CreateSession();
        int[] actual = TextGeneration.Generate(session, new[] { Bos }, GenerationOptions.Greedy with { MaxNewTokens = 200 }).ToArray();

        Assert.Equal(ReferenceIds().Take(200), actual);
    }

    /// <summary>The ids the reference C implementation samples greedily from BOS.</summary>
    private static int[] ReferenceIds() => File.ReadAllText(TestModels.Path("stories260K", "expected-greedy-256.ids"))
        .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
        .Select(int.Parse)
        .ToArray();

    /// <summary>
    /// Writes stories260K.bin's tensors as a Hugging Face Llama folder: config.json (the test's), and the weights in
    /// <paramref name="shards"/> files (with model.safetensors.index.json when more than one).
    /// </summary>
    internal static void WriteHuggingFaceFolder(TempDirectory folder, int shards)
    {
        Stories260KModel.ModelWeights weights = Stories260KModel.Load(TestModels.Path("stories260K", "stories260K.bin")).Weights;
        var writer = new ShardedCheckpointWriter().Shard(shards == 1 ? "model.safetensors" : "model-00001-of-00002.safetensors");
        writer.AddFloats("model.embed_tokens.weight", "F32", [Stories260KModel.Vocab, Stories260KModel.DModel], weights.TokenEmbedding.Values.ToArray());
        for (int i = 0; i < Stories260KModel.Layers; i++)
        {
            if (shards == 2 && i == Stories260KModel.Layers / 2)
            {
                writer.Shard("model-00002-of-00002.safetensors");
            }

            Stories260KModel.LayerWeights layer = weights.Layers[i];
            string prefix = $"model.layers.{i}.";
            writer.AddFloats(prefix + "input_layernorm.weight", "F32", [Stories260KModel.DModel], layer.AttentionNorm.Values.ToArray());
            writer.AddFloats(prefix + "self_attn.q_proj.weight", "F32", [Stories260KModel.DModel, Stories260KModel.DModel], RotateHalfOrder(layer.Query, Stories260KModel.Heads));
            writer.AddFloats(prefix + "self_attn.k_proj.weight", "F32", [Stories260KModel.KvDim, Stories260KModel.DModel], RotateHalfOrder(layer.Key, Stories260KModel.KvHeads));
            writer.AddFloats(prefix + "self_attn.v_proj.weight", "F32", [Stories260KModel.KvDim, Stories260KModel.DModel], layer.Value.Values.ToArray());
            writer.AddFloats(prefix + "self_attn.o_proj.weight", "F32", [Stories260KModel.DModel, Stories260KModel.DModel], layer.Output.Values.ToArray());
            writer.AddFloats(prefix + "post_attention_layernorm.weight", "F32", [Stories260KModel.DModel], layer.FfnNorm.Values.ToArray());
            writer.AddFloats(prefix + "mlp.gate_proj.weight", "F32", [Stories260KModel.FfnDim, Stories260KModel.DModel], layer.Gate.Values.ToArray());
            writer.AddFloats(prefix + "mlp.up_proj.weight", "F32", [Stories260KModel.FfnDim, Stories260KModel.DModel], layer.Up.Values.ToArray());
            writer.AddFloats(prefix + "mlp.down_proj.weight", "F32", [Stories260KModel.DModel, Stories260KModel.FfnDim], layer.Down.Values.ToArray());
        }

        writer.AddFloats("model.norm.weight", "F32", [Stories260KModel.DModel], weights.FinalNorm.Values.ToArray());
        writer.WriteTo(folder, index: shards > 1);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Golden", "hf", "stories260k", "config.json"), Path.Combine(folder.FullPath, "config.json"));
    }

    /// <summary>
    /// A query or key projection in llama2.c's adjacent-pair order, reordered into Hugging Face's: within each head,
    /// stored row j is row 2j and stored row j + HeadDim/2 is row 2j + 1 (llama2.c's export.py permute_reverse).
    /// </summary>
    private static float[] RotateHalfOrder(WeightTensor projection, int heads)
    {
        const int HeadDim = Stories260KModel.HeadDim;
        int columns = projection.Shape[1];
        ReadOnlySpan<float> adjacent = projection.Values;
        float[] rotateHalf = new float[adjacent.Length];
        for (int head = 0; head < heads; head++)
        {
            for (int j = 0; j < HeadDim / 2; j++)
            {
                int first = (head * HeadDim) + j;
                adjacent.Slice(((head * HeadDim) + (2 * j)) * columns, columns).CopyTo(rotateHalf.AsSpan(first * columns, columns));
                adjacent.Slice(((head * HeadDim) + (2 * j) + 1) * columns, columns).CopyTo(rotateHalf.AsSpan((first + (HeadDim / 2)) * columns, columns));
            }
        }

        return rotateHalf;
    }
}
