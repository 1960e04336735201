using Codegen.Formats;
using System;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// <see cref="HuggingFaceWeights"/>: whole tensors, parts of fused ones, and the rotate-half to adjacent-pair
/// permutation of query and key rows, checked by hand and by the dot products it must keep.
/// </summary>
public sealed class HuggingFaceWeightsTests : IDisposable
{
    private const string Shard = "model-00001-of-00001.safetensors";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private SafetensorsCheckpoint Open(ShardedCheckpointWriter writer)
    {
        writer.WriteTo(directory);
        return SafetensorsCheckpoint.Open(directory.FullPath);
    }

    [Fact]
    public void ReadChecksTheShape()
    {
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard).AddSequence("w", 0, 2, 3));
        WeightTensor tensor = HuggingFaceWeights.Read(checkpoint, "w", "layers[0].w", [2, 3]);
        Assert.Equal("layers[0].w", tensor.Name);
        Assert.Equal([2, 3], tensor.Shape.ToArray());
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], tensor.Values.ToArray());

        var exception = Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.Read(checkpoint, "w", "w", [3, 2]));
        Assert.Equal(checkpoint.ShardPathOf("w"), exception.FilePath);
        Assert.Contains("tensor 'w' has shape [2, 3], expected [3, 2]", exception.Message);

        var missing = Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.Read(checkpoint, "nope", "w", [1]));
        Assert.Contains("missing tensor 'nope'", missing.Message);
    }

    [Fact]
    public void ReadRowsSplitsAFusedMatrix()
    {
        // Phi-3's gate_up_proj: [2 * ffn, d], gate rows first.
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard).AddSequence("gate_up", 0, 6, 2));
        WeightTensor gate = HuggingFaceWeights.ReadRows(checkpoint, "gate_up", "gate", 0, 3, 2);
        WeightTensor up = HuggingFaceWeights.ReadRows(checkpoint, "gate_up", "up", 3, 3, 2);
        Assert.Equal([3, 2], gate.Shape.ToArray());
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], gate.Values.ToArray());
        Assert.Equal([6f, 7f, 8f, 9f, 10f, 11f], up.Values.ToArray());

        var columns = Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.ReadRows(checkpoint, "gate_up", "up", 3, 3, 3));
        Assert.Contains("tensor 'gate_up' has shape [6, 2], expected a matrix [n, 3]", columns.Message);
        var rows = Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.ReadRows(checkpoint, "gate_up", "up", 4, 3, 2));
        Assert.Contains("has 6 rows", rows.Message);
    }

    [Fact]
    public void ReadRowsVectorSplitsAFusedBias()
    {
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard).AddSequence("b", 10, 7).AddSequence("m", 0, 2, 2));
        WeightTensor part = HuggingFaceWeights.ReadRowsVector(checkpoint, "b", "v_bias", 4, 3);
        Assert.Equal([3], part.Shape.ToArray());
        Assert.Equal([14f, 15f, 16f], part.Values.ToArray());
        Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.ReadRowsVector(checkpoint, "m", "x", 0, 2));
    }

    [Fact]
    public void ReadRotaryInterleavesTheHalvesOfEachHeadByHand()
    {
        // Two heads of width 4, two columns: stored row r holds [10r, 10r + 1]. Within each head, new rows are
        // stored rows (0, 2, 1, 3): new 2j <- j, new 2j + 1 <- j + 2.
        float[] values = Enumerable.Range(0, 8).SelectMany(r => new[] { 10f * r, (10f * r) + 1 }).ToArray();
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard)
            .AddFloats("q", "F32", [8, 2], values)
            .AddFloats("qb", "F32", [8], Enumerable.Range(0, 8).Select(i => (float)i).ToArray())
            .AddFloats("qkv", "BF16", [12, 2], Enumerable.Range(0, 12).SelectMany(r => new[] { 10f * r, (10f * r) + 1 }).ToArray()));

        WeightTensor q = HuggingFaceWeights.ReadRotary(checkpoint, "q", "layers[0].query", 0, 2, 4, 2);
        Assert.Equal([8, 2], q.Shape.ToArray());
        int[] order = [0, 2, 1, 3, 4, 6, 5, 7];
        Assert.Equal(order.SelectMany(r => new[] { 10f * r, (10f * r) + 1 }), q.Values.ToArray());

        WeightTensor bias = HuggingFaceWeights.ReadRotary(checkpoint, "qb", "layers[0].query_bias", 0, 2, 4, 1);
        Assert.Equal([8], bias.Shape.ToArray());
        Assert.Equal(order.Select(r => (float)r), bias.Values.ToArray());

        // The key part of a fused qkv_proj (rows 4..7 here: one key head after one query head).
        WeightTensor key = HuggingFaceWeights.ReadRotary(checkpoint, "qkv", "layers[0].key", 4, 1, 4, 2);
        Assert.Equal(new[] { 4, 6, 5, 7 }.SelectMany(r => new[] { 10f * r, (10f * r) + 1 }), key.Values.ToArray());
    }

    [Fact]
    public void ReadRotaryRefusesOddHeadsAndShortTensors()
    {
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard).AddSequence("q", 0, 6, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => HuggingFaceWeights.ReadRotary(checkpoint, "q", "q", 0, 2, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => HuggingFaceWeights.ReadRotary(checkpoint, "q", "q", 0, 0, 2, 2));
        var shortTensor = Assert.Throws<ModelLoadException>(() => HuggingFaceWeights.ReadRotary(checkpoint, "q", "q", 0, 2, 4, 2));
        Assert.Contains("tensor 'q' has 6 rows", shortTensor.Message);
    }

    [Theory]
    [InlineData(2, 2, 8, 16, 1)]
    [InlineData(4, 2, 6, 12, 2)]
    [InlineData(3, 1, 16, 5, 3)]
    public void PermutedQueriesAndKeysKeepEveryDotProductAfterRotation(int heads, int kvHeads, int headDim, int dModel, int seed)
    {
        // Hugging Face: q = Wq x (+ b), rotate-half at position p; ours: q' = Wq' x (+ b'), adjacent pairs at p.
        // Every head's q . k must agree (to float rounding) for every pair of positions.
        var random = new Random(seed);
        float[] Randoms(int n) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        float[] wq = Randoms(heads * headDim * dModel);
        float[] wk = Randoms(kvHeads * headDim * dModel);
        float[] bq = Randoms(heads * headDim);
        float[] bk = Randoms(kvHeads * headDim);
        using SafetensorsCheckpoint checkpoint = Open(new ShardedCheckpointWriter().Shard(Shard)
            .AddFloats("q_proj.weight", "F32", [heads * headDim, dModel], wq)
            .AddFloats("k_proj.weight", "F32", [kvHeads * headDim, dModel], wk)
            .AddFloats("q_proj.bias", "F32", [heads * headDim], bq)
            .AddFloats("k_proj.bias", "F32", [kvHeads * headDim], bk));
        float[] wqP = HuggingFaceWeights.ReadRotary(checkpoint, "q_proj.weight", "q", 0, heads, headDim, dModel).Values.ToArray();
        float[] wkP = HuggingFaceWeights.ReadRotary(checkpoint, "k_proj.weight", "k", 0, kvHeads, headDim, dModel).Values.ToArray();
        float[] bqP = HuggingFaceWeights.ReadRotary(checkpoint, "q_proj.bias", "qb", 0, heads, headDim, 1).Values.ToArray();
        float[] bkP = HuggingFaceWeights.ReadRotary(checkpoint, "k_proj.bias", "kb", 0, kvHeads, headDim, 1).Values.ToArray();

        const float theta = 10000f;
        for (int trial = 0; trial < 5; trial++)
        {
            float[] x = Randoms(dModel);
            float[] y = Randoms(dModel);
            int queryPosition = random.Next(0, 300);
            int keyPosition = random.Next(0, 300);

            float[] q = Project(wq, bq, x);
            float[] k = Project(wk, bk, y);
            float[] qP = Project(wqP, bqP, x);
            float[] kP = Project(wkP, bkP, y);
            RotateHalf(q, headDim, queryPosition, theta);
            RotateHalf(k, headDim, keyPosition, theta);
            RotateAdjacentPairs(qP, headDim, queryPosition, theta);
            RotateAdjacentPairs(kP, headDim, keyPosition, theta);

            for (int h = 0; h < heads; h++)
            {
                int kvHead = h / (heads / kvHeads);
                double expected = Dot(q.AsSpan(h * headDim, headDim), k.AsSpan(kvHead * headDim, headDim));
                double actual = Dot(qP.AsSpan(h * headDim, headDim), kP.AsSpan(kvHead * headDim, headDim));
                Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)),
                    $"head {h}, positions {queryPosition}/{keyPosition}: rotate-half {expected}, adjacent pairs {actual}");
            }

            // The permuted vectors are the same values in another order: nothing was lost or changed.
            Assert.Equal(q.Order(), qP.Order());
        }
    }

    private static float[] Project(float[] weight, float[] bias, float[] x)
    {
        var result = new float[bias.Length];
        for (int r = 0; r < result.Length; r++)
        {
            double sum = bias[r];
            for (int c = 0; c < x.Length; c++)
            {
                sum += (double)weight[(r * x.Length) + c] * x[c];
            }

            result[r] = (float)sum;
        }

        return result;
    }

    /// <summary>transformers' apply_rotary_pos_emb: pair (j, j + headDim/2) turns by position * theta^(-2j / headDim).</summary>
    private static void RotateHalf(float[] v, int headDim, int position, float theta)
    {
        int half = headDim / 2;
        for (int start = 0; start < v.Length; start += headDim)
        {
            for (int j = 0; j < half; j++)
            {
                Turn(ref v[start + j], ref v[start + j + half], Angle(position, j, headDim, theta));
            }
        }
    }

    /// <summary>The kernels' (llama2.c's) rotation: pair (2j, 2j + 1) turns by the same angle.</summary>
    private static void RotateAdjacentPairs(float[] v, int headDim, int position, float theta)
    {
        for (int start = 0; start < v.Length; start += headDim)
        {
            for (int j = 0; j < headDim / 2; j++)
            {
                Turn(ref v[start + (2 * j)], ref v[start + (2 * j) + 1], Angle(position, j, headDim, theta));
            }
        }
    }

    private static double Angle(int position, int j, int headDim, float theta) => position * Math.Pow(theta, -2.0 * j / headDim);

    private static void Turn(ref float a, ref float b, double angle)
    {
        float c = (float)Math.Cos(angle);
        float s = (float)Math.Sin(angle);
        (a, b) = ((a * c) - (b * s), (a * s) + (b * c));
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
