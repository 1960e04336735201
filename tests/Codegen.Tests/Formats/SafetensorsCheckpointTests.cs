using Codegen.Formats;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// <see cref="SafetensorsCheckpoint"/>: the folder layouts it opens, every way an index can disagree with its
/// shards, reads across shards and dtypes, row ranges, and <see cref="SafetensorsCheckpoint.Validate"/>.
/// </summary>
public sealed class SafetensorsCheckpointTests : IDisposable
{
    private const string Shard1 = "model-00001-of-00002.safetensors";
    private const string Shard2 = "model-00002-of-00002.safetensors";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static ShardedCheckpointWriter TwoShards() => new ShardedCheckpointWriter()
        .Shard(Shard1).AddSequence("model.embed_tokens.weight", 0, 4, 3).AddSequence("model.norm.weight", 100, 3)
        .Shard(Shard2).AddSequence("lm_head.weight", 200, 4, 3);

    private string IndexPath => Path.Combine(directory.FullPath, SafetensorsCheckpoint.IndexFileName);

    [Fact]
    public void OpensAShardedFolderAndReadsAcrossShards()
    {
        TwoShards().WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);

        Assert.Equal(directory.FullPath, checkpoint.Path);
        Assert.Equal(IndexPath, checkpoint.IndexPath);
        Assert.Equal([Shard1, Shard2], checkpoint.ShardPaths.Select(Path.GetFileName));
        Assert.Equal(["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"], checkpoint.TensorNames.Order());
        Assert.Equal(Path.Combine(directory.FullPath, Shard2), checkpoint.ShardPathOf("lm_head.weight"));
        Assert.True(checkpoint.TryGetTensor("model.norm.weight", out SafetensorsTensorInfo norm));
        Assert.Equal([3], norm.Shape);
        Assert.False(checkpoint.TryGetTensor("transformer.wte.weight", out _));

        var head = new float[12];
        checkpoint.ReadFloat32("lm_head.weight", head);
        Assert.Equal(Enumerable.Range(200, 12).Select(i => (float)i), head);
        var normValues = new float[3];
        checkpoint.ReadFloat32("model.norm.weight", normValues);
        Assert.Equal([100f, 101f, 102f], normValues);
    }

    [Fact]
    public void OpensTheIndexFileItself()
    {
        TwoShards().WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(IndexPath);
        Assert.Equal(3, checkpoint.TensorNames.Count);
    }

    [Fact]
    public void OpensAFolderWithModelSafetensorsAndPrefersItToAnIndex()
    {
        directory.Write("model.safetensors", new SafetensorsBuilder().AddF32Sequence("w", 2, 2).Build());
        directory.Write(SafetensorsCheckpoint.IndexFileName, "not even JSON");
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        Assert.Null(checkpoint.IndexPath);
        Assert.Equal(["w"], checkpoint.TensorNames);
    }

    [Fact]
    public void OpensASingleFile()
    {
        string path = directory.Write("weights.safetensors", new SafetensorsBuilder().AddF32Sequence("w", 2, 2).Build());
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(path);
        Assert.Equal(path, checkpoint.Path);
        Assert.Equal([path], checkpoint.ShardPaths);
        var values = new float[4];
        checkpoint.ReadFloat32("w", values);
        Assert.Equal([0f, 1f, 2f, 3f], values);
    }

    [Fact]
    public void AnEmptyFolderSaysWhatItLookedFor()
    {
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsCheckpoint.Open(directory.FullPath));
        Assert.Equal(directory.FullPath, exception.FilePath);
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", exception.Message);
    }

    [Fact]
    public void F32F16AndBf16ReadTheSameValues()
    {
        // Values with at most 8 significant bits, exact in all three.
        float[] values = [1f, -2.5f, 0.375f, 96f, -0.0078125f, 3f];
        new ShardedCheckpointWriter()
            .Shard(Shard1).AddFloats("f32", "F32", [2, 3], values).AddFloats("f16", "F16", [2, 3], values)
            .Shard(Shard2).AddFloats("bf16", "BF16", [2, 3], values)
            .WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        foreach (string name in new[] { "f32", "f16", "bf16" })
        {
            var read = new float[6];
            checkpoint.ReadFloat32(name, read);
            Assert.Equal(values, read);

            var rows = new float[3];
            checkpoint.ReadRowsFloat32(name, 1, 1, rows);
            Assert.Equal(values[3..], rows);
        }
    }

    [Fact]
    public void ReadsRowRangesOfMatricesAndVectors()
    {
        new ShardedCheckpointWriter().Shard(Shard1).AddSequence("m", 0, 5, 3).AddSequence("v", 10, 6).WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);

        var rows = new float[6];
        checkpoint.ReadRowsFloat32("m", 2, 2, rows);
        Assert.Equal([6f, 7f, 8f, 9f, 10f, 11f], rows);

        var last = new float[3];
        checkpoint.ReadRowsFloat32("m", 4, 1, last);
        Assert.Equal([12f, 13f, 14f], last);

        checkpoint.ReadRowsFloat32("m", 5, 0, Span<float>.Empty);

        var elements = new float[3];
        checkpoint.ReadRowsFloat32("v", 3, 3, elements);
        Assert.Equal([13f, 14f, 15f], elements);
    }

    [Fact]
    public void RowRangesAreBoundsChecked()
    {
        new ShardedCheckpointWriter().Shard(Shard1).AddSequence("m", 0, 5, 3).AddSequence("cube", 0, 2, 2, 2).WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        string shardPath = Path.Combine(directory.FullPath, Shard1);

        var past = Assert.Throws<ModelLoadException>(() => checkpoint.ReadRowsFloat32("m", 4, 2, new float[6]));
        Assert.Equal(shardPath, past.FilePath);
        Assert.Contains("tensor 'm' has 5 rows (shape [5, 3]); rows 4 to 5 were asked for", past.Message);

        var huge = Assert.Throws<ModelLoadException>(() => checkpoint.ReadRowsFloat32("m", int.MaxValue, 1, new float[3]));
        Assert.Contains("has 5 rows", huge.Message);

        var destination = Assert.Throws<ModelLoadException>(() => checkpoint.ReadRowsFloat32("m", 0, 2, new float[5]));
        Assert.Contains("2 rows of tensor 'm' (shape [5, 3]) are 6 elements but the destination holds 5", destination.Message);

        var cube = Assert.Throws<ModelLoadException>(() => checkpoint.ReadRowsFloat32("cube", 0, 1, new float[4]));
        Assert.Contains("tensor 'cube' has shape [2, 2, 2]; a row range needs a 1-D or 2-D tensor", cube.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint.ReadRowsFloat32("m", -1, 1, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint.ReadRowsFloat32("m", 0, -1, new float[3]));

        var missing = Assert.Throws<ModelLoadException>(() => checkpoint.ReadRowsFloat32("absent", 0, 1, new float[3]));
        Assert.Equal(directory.FullPath, missing.FilePath);
        Assert.Contains("missing tensor 'absent'", missing.Message);
    }

    [Fact]
    public void ValidateListsEveryProblemWithItsShard()
    {
        new ShardedCheckpointWriter()
            .Shard(Shard1).AddSequence("a", 0, 2, 3).Add("ids", "I64", [2], new byte[16])
            .Shard(Shard2).AddSequence("b", 0, 4).AddSequence("extra", 0, 1)
            .WriteTo(directory);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);

        checkpoint.Validate([new("a", [2, 3]), new("b", [4])]);
        var exception = Assert.Throws<ModelLoadException>(() =>
            checkpoint.Validate([new("a", [3, 2]), new("ids", [2]), new("b", [4]), new("gone", [1])]));
        Assert.Equal(directory.FullPath, exception.FilePath);
        Assert.Contains("3 problems", exception.Message);
        Assert.Contains($"tensor 'a' in {Shard1} has shape [2, 3], expected [3, 2]", exception.Message);
        Assert.Contains($"tensor 'ids' in {Shard1} has dtype I64; expected F32, F16 or BF16", exception.Message);
        Assert.Contains("missing tensor 'gone' (in none of the 2 shards)", exception.Message);
        Assert.DoesNotContain("extra", exception.Message);
    }

    [Fact]
    public void OpeningAndReadingRowsDoesNotReadTheShardIntoMemory()
    {
        // An 8 MiB shard: opening it twice and reading one row allocates a small fraction of that.
        new ShardedCheckpointWriter()
            .Shard(Shard1).Add("big", "F32", [2048, 1024], new byte[2048 * 1024 * 4])
            .Shard(Shard2).AddSequence("small", 0, 4)
            .WriteTo(directory);
        var row = new float[1024];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2; i++)
        {
            using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
            checkpoint.ReadRowsFloat32("big", 2047, 1, row);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 512 * 1024, $"opening twice and reading a row allocated {allocated} bytes");
    }

    [Fact]
    public void DisposeClosesEveryShard()
    {
        TwoShards().WriteTo(directory);
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        checkpoint.Dispose();
        Assert.Throws<ObjectDisposedException>(() => checkpoint.ReadFloat32("model.norm.weight", new float[3]));
        Assert.Throws<ObjectDisposedException>(() => checkpoint.ReadFloat32("lm_head.weight", new float[12]));

        // Closed handles: the files can be deleted and replaced.
        File.Delete(Path.Combine(directory.FullPath, Shard1));
    }

    // ---- index violations ----

    private ModelLoadException OpenFails(string index)
    {
        directory.Write(SafetensorsCheckpoint.IndexFileName, index);
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsCheckpoint.Open(directory.FullPath));
        return exception;
    }

    private ModelLoadException IndexFails(Dictionary<string, string>? weightMap = null, long? totalSize = null)
    {
        ShardedCheckpointWriter writer = TwoShards();
        writer.WriteTo(directory, index: false);
        ModelLoadException exception = OpenFails(writer.Index(weightMap, totalSize));
        Assert.Equal(IndexPath, exception.FilePath);
        return exception;
    }

    [Theory]
    [InlineData("[]", "index must be a JSON object, found Array")]
    [InlineData("{\"metadata\": {}}", "the index has no 'weight_map'")]
    [InlineData("{\"weight_map\": [\"a\"]}", "field 'weight_map' must be an object of tensor name to shard file name, found [\"a\"]")]
    [InlineData("{\"weight_map\": {}}", "weight_map is empty")]
    [InlineData("{\"weight_map\": {\"a\": 3}}", "weight_map entry 'a' must be a shard file name (a string), found 3")]
    [InlineData("{\"weight_map\": {\"a\": \"x.safetensors\", \"a\": \"x.safetensors\"}}", "weight_map lists 'a' twice")]
    [InlineData("{\"metadata\": [], \"weight_map\": {\"a\": \"x\"}}", "field 'metadata' must be an object, found []")]
    [InlineData("{\"metadata\": {\"total_size\": \"12\"}, \"weight_map\": {\"a\": \"x\"}}", "field 'metadata.total_size' must be a non-negative integer, found \"12\"")]
    [InlineData("{\"metadata\": {\"total_size\": -1}, \"weight_map\": {\"a\": \"x\"}}", "field 'metadata.total_size' must be a non-negative integer, found -1")]
    [InlineData("{\"metadata\": {\"total_size\": 1.5}, \"weight_map\": {\"a\": \"x\"}}", "field 'metadata.total_size' must be a non-negative integer, found 1.5")]
    [InlineData("{\"weight_map\": ", "index is not valid JSON")]
    public void MalformedIndexIsRefusedByName(string index, string message)
    {
        ModelLoadException exception = OpenFails(index);
        Assert.Equal(IndexPath, exception.FilePath);
        Assert.Contains(message, exception.Message);
    }

    [Theory]
    [InlineData("../model-00001-of-00002.safetensors", "which has a directory part")]
    [InlineData("sub/model.safetensors", "which has a directory part")]
    [InlineData("sub\\\\model.safetensors", "which has a directory part")]
    [InlineData("/etc/passwd", "which has a directory part")]
    [InlineData("..", "which is not a file name")]
    [InlineData(".", "which is not a file name")]
    [InlineData("", "an empty name")]
    [InlineData("a\\u0000b", "which has a character no file name may hold")]
    public void ShardNamesMustBePlainFileNames(string shard, string problem)
    {
        ModelLoadException exception = OpenFails($"{{\"weight_map\": {{\"w\": \"{shard}\"}}}}");
        Assert.Equal(IndexPath, exception.FilePath);
        Assert.Contains($"weight_map entry 'w' names shard", exception.Message);
        Assert.Contains(problem, exception.Message);
        Assert.Contains("a shard must be a plain file name in the index's folder", exception.Message);
    }

    [Fact]
    public void AMissingShardIsNamedWithItsEntry()
    {
        Dictionary<string, string> map = TwoShards().WeightMap();
        map["lm_head.weight"] = "model-00003-of-00003.safetensors";
        ModelLoadException exception = IndexFails(map);
        Assert.Contains("weight_map entry 'lm_head.weight' names shard 'model-00003-of-00003.safetensors', which does not exist", exception.Message);
    }

    [Fact]
    public void AShardThatIsADirectoryIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(directory.FullPath, "model-00003-of-00003.safetensors"));
        Dictionary<string, string> map = TwoShards().WeightMap();
        map["lm_head.weight"] = "model-00003-of-00003.safetensors";
        ModelLoadException exception = IndexFails(map);
        Assert.Contains("which is a directory, not a file", exception.Message);
    }

    [Fact]
    public void AnEmptyShardIsRefusedThroughModelFile()
    {
        TwoShards().WriteTo(directory);
        directory.Write(Shard2, Array.Empty<byte>());
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsCheckpoint.Open(directory.FullPath));
        Assert.Equal(Path.Combine(directory.FullPath, Shard2), exception.FilePath);
        Assert.Contains("has length 0", exception.Message);
    }

    [Fact]
    public void ASymbolicLinkedShardIsFollowed()
    {
        // The Hugging Face cache's layout: snapshot files are links to blobs.
        ShardedCheckpointWriter writer = TwoShards();
        using var blobs = new TempDirectory();
        string blob = blobs.Write("blob-sha", writer.ShardBytes(Shard2));
        writer.WriteTo(directory);
        File.Delete(Path.Combine(directory.FullPath, Shard2));
        File.CreateSymbolicLink(Path.Combine(directory.FullPath, Shard2), blob);

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        var head = new float[12];
        checkpoint.ReadFloat32("lm_head.weight", head);
        Assert.Equal(200f, head[0]);
    }

    [Fact]
    public void ATensorMappedToAShardWithoutItIsNamed()
    {
        Dictionary<string, string> map = TwoShards().WeightMap();
        (map["lm_head.weight"], map["model.norm.weight"]) = (Shard1, Shard2);
        ModelLoadException exception = IndexFails(map);
        Assert.Contains("2 problems", exception.Message);
        Assert.Contains($"weight_map maps 'lm_head.weight' to '{Shard1}', but that tensor is in '{Shard2}'", exception.Message);
        Assert.Contains($"weight_map maps 'model.norm.weight' to '{Shard2}', but that tensor is in '{Shard1}'", exception.Message);
    }

    [Fact]
    public void AShardTheIndexNoLongerNamesIsNotOpened()
    {
        // Every tensor mapped to the first shard: the second is never opened, so its tensor is in no shard named.
        Dictionary<string, string> map = TwoShards().WeightMap();
        map["lm_head.weight"] = Shard1;
        ModelLoadException exception = IndexFails(map);
        Assert.Contains("2 problems", exception.Message);
        Assert.Contains("metadata.total_size is 108, but the shards' tensors hold 60 bytes", exception.Message);
        Assert.Contains($"weight_map maps 'lm_head.weight' to '{Shard1}', but that shard has no such tensor", exception.Message);
    }

    [Fact]
    public void ATensorNoShardHasIsNamed()
    {
        Dictionary<string, string> map = TwoShards().WeightMap();
        map["model.layers.0.mlp.up_proj.weight"] = Shard2;
        ModelLoadException exception = IndexFails(map);
        Assert.Contains($"weight_map maps 'model.layers.0.mlp.up_proj.weight' to '{Shard2}', but that shard has no such tensor (nor has any other shard the index names)", exception.Message);
    }

    [Fact]
    public void ATensorAbsentFromTheIndexIsNamedWithItsShard()
    {
        Dictionary<string, string> map = TwoShards().WeightMap();
        map.Remove("model.norm.weight");
        ModelLoadException exception = IndexFails(map, totalSize: TwoShards().TotalSize);
        Assert.Contains($"tensor 'model.norm.weight' of shard '{Shard1}' is not in the weight_map", exception.Message);
    }

    [Fact]
    public void ATensorInTwoShardsNamesBoth()
    {
        ShardedCheckpointWriter writer = new ShardedCheckpointWriter()
            .Shard(Shard1).AddSequence("a", 0, 2).AddSequence("dup", 0, 2)
            .Shard(Shard2).AddSequence("dup", 5, 2);
        writer.WriteTo(directory, index: false);
        ModelLoadException exception = OpenFails(writer.Index(new Dictionary<string, string> { ["a"] = Shard1, ["dup"] = Shard2 }));
        Assert.Contains($"tensor 'dup' is in two shards, '{Shard1}' and '{Shard2}'", exception.Message);
    }

    [Fact]
    public void TotalSizeMustBeTheShardsBytesAndSaysBoth()
    {
        long truth = TwoShards().TotalSize;
        Assert.Equal(108, truth);
        ModelLoadException exception = IndexFails(totalSize: truth + 2);
        Assert.Contains($"metadata.total_size is {truth + 2}, but the shards' tensors hold {truth} bytes", exception.Message);
    }

    [Fact]
    public void TotalSizeMayBeAbsent()
    {
        TwoShards().WriteTo(directory, index: false);
        directory.Write(SafetensorsCheckpoint.IndexFileName,
            $"{{\"metadata\": {{\"total_parameters\": 27}}, \"weight_map\": {{\"model.embed_tokens.weight\": \"{Shard1}\", \"model.norm.weight\": \"{Shard1}\", \"lm_head.weight\": \"{Shard2}\"}}}}");
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(directory.FullPath);
        Assert.Equal(3, checkpoint.TensorNames.Count);
    }

    [Fact]
    public void EveryDisagreementIsListedAtOnce()
    {
        Dictionary<string, string> map = TwoShards().WeightMap();
        map["lm_head.weight"] = Shard1;
        map["ghost"] = Shard2;
        map.Remove("model.norm.weight");
        ModelLoadException exception = IndexFails(map, totalSize: 1);
        Assert.Contains("4 problems", exception.Message);
    }

    [Fact]
    public void AShardWithABadHeaderIsNamedByItsPath()
    {
        TwoShards().WriteTo(directory);
        directory.Write(Shard1, SafetensorsBuilder.Assemble("{\"a\": 1}", 0));
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsCheckpoint.Open(directory.FullPath));
        Assert.Equal(Path.Combine(directory.FullPath, Shard1), exception.FilePath);
    }
}
