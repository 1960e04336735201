using System;
using System.Linq;
using Codegen.Kernels;
using Codegen.Tests.Forward;
using Codegen.Tests.Kernels;
using Xunit;

namespace Codegen.Tests.Quantized;

// Two of the forward-pass test shapes again, with bf16 and with 8-bit weights. HeadDim10 has KvDim 50,
// so the key and value rows of a query/key/value range start off a four-row group; Pooled splits every
// product over the worker pool and has 7001 unembedding rows (a partial last group).

/// <summary>The HeadDim 10 test shape with 8-bit weights.</summary>
[TransformerModel(DModel = 100, Heads = 10, KvHeads = 5, FfnDim = 257, Vocab = 131, Context = 23, Layers = 1, Weights = WeightFormat.Q8)]
internal partial class LlamaHeadDim10Q8Model
{
}

/// <summary>The HeadDim 10 test shape with bf16 weights.</summary>
[TransformerModel(DModel = 100, Heads = 10, KvHeads = 5, FfnDim = 257, Vocab = 131, Context = 23, Layers = 1, Weights = WeightFormat.BF16)]
internal partial class LlamaHeadDim10Bf16Model
{
}

/// <summary>The pooled test shape with 8-bit weights.</summary>
[TransformerModel(DModel = 264, Heads = 6, KvHeads = 3, FfnDim = 700, Vocab = 7001, Context = 300, Layers = 1, Weights = WeightFormat.Q8)]
internal partial class LlamaPooledQ8Model
{
}

/// <summary>The HeadDim 10 test shape with 4-bit weights (its unembedding in 8 bits).</summary>
[TransformerModel(DModel = 100, Heads = 10, KvHeads = 5, FfnDim = 257, Vocab = 131, Context = 23, Layers = 1, Weights = WeightFormat.Q4)]
internal partial class LlamaHeadDim10Q4Model
{
}

/// <summary>The pooled test shape with 4-bit weights (its unembedding in 8 bits).</summary>
[TransformerModel(DModel = 264, Heads = 6, KvHeads = 3, FfnDim = 700, Vocab = 7001, Context = 300, Layers = 1, Weights = WeightFormat.Q4)]
internal partial class LlamaPooledQ4Model
{
}

/// <summary>The ragged GPT-2 test shape (HeadDim 12, FfnDim 150, biases) with 8-bit weights.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 60, Heads = 5, FfnDim = 150, Vocab = 113, Context = 48, Layers = 2, Weights = WeightFormat.Q8)]
internal partial class Gpt2RaggedQ8Model
{
}

/// <summary>The ragged GPT-2 test shape with 4-bit weights (its unembedding in 8 bits).</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 60, Heads = 5, FfnDim = 150, Vocab = 113, Context = 48, Layers = 2, Weights = WeightFormat.Q4)]
internal partial class Gpt2RaggedQ4Model
{
}

/// <summary>The pooled test shape with bf16 weights.</summary>
[TransformerModel(DModel = 264, Heads = 6, KvHeads = 3, FfnDim = 700, Vocab = 7001, Context = 300, Layers = 1, Weights = WeightFormat.BF16)]
internal partial class LlamaPooledBf16Model
{
}

/// <summary>
/// Generated sessions with bf16, 8-bit and 4-bit weights against the float64 reference forward pass fed the
/// weights as each format represents them (bf16-rounded, 8-bit quants times block scales, or 4-bit quants
/// times block scales plus offsets with an 8-bit unembedding; the token embedding lookup stays float32) and,
/// for 8- and 4-bit weights, each projection's input rounded to 8 bits as the kernels do. What is left is float32 arithmetic, so the tolerance stays tight.
/// </summary>
/// <remarks>
/// One allowance for 8- and 4-bit weights (both quantize the input): float32 and float64 can put a projection input on opposite sides of
/// a rounding boundary of its 8-bit quantization, one quant step apart, which moves that position's
/// logits by about 1e-2 of the largest (seen: 15 of the pooled shape's 300 positions). So for 8-bit
/// weights every position must be within <see cref="Q8FlipTolerance"/>, and all but one position and a
/// tenth of the rest within <see cref="LogitTolerance"/>. A misread row or block is off by the size of
/// the logits themselves.
/// </remarks>
public sealed class QuantizedForwardTests
{
    /// <summary>Allowed max |logit error| / max |logit|.</summary>
    private const double LogitTolerance = 1e-4;

    /// <summary>Allowed max |logit error| / max |logit| at a position where an 8-bit input rounding went the other way.</summary>
    private const double Q8FlipTolerance = 3e-2;

    public static TheoryData<string> Models => new()
    {
        nameof(LlamaHeadDim10Q8Model), nameof(LlamaHeadDim10Bf16Model), nameof(LlamaPooledQ8Model), nameof(LlamaPooledBf16Model),
        nameof(LlamaHeadDim10Q4Model), nameof(LlamaPooledQ4Model),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchTheReferenceAtEveryPositionOfTheContext(string model)
    {
        (ShapeDims dims, LlamaWeightData weights) = Weights(model);
        int[] tokens = Tokens(dims, dims.Context, seed: 81);
        double[][] expected = Reference(model, weights).Run(tokens);
        using IInferenceSession session = Open(model, weights);
        var checker = new LogitChecker(model);
        for (int position = 0; position < tokens.Length; position++)
        {
            checker.Check(expected[position], session.Forward(tokens[position], position), $"{model} at position {position}");
        }

        checker.AssertFewFlips(tokens.Length);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefillGivesTheReferenceLogitsOfItsLastToken(string model)
    {
        (ShapeDims dims, LlamaWeightData weights) = Weights(model);
        int prompt = Math.Min(dims.Context - 3, 70);
        int[] tokens = Tokens(dims, prompt + 3, seed: 82);
        double[][] expected = Reference(model, weights).Run(tokens);
        using IInferenceSession session = Open(model, weights);
        var checker = new LogitChecker(model);
        checker.Check(expected[prompt - 1], session.Prefill(tokens.AsSpan(0, prompt), 0), $"{model} after prefill of {prompt} tokens");
        for (int position = prompt; position < tokens.Length; position++)
        {
            checker.Check(expected[position], session.Forward(tokens[position], position), $"{model} at position {position} after prefill");
        }

        checker.AssertFewFlips(tokens.Length - prompt + 1);
    }

    public static TheoryData<string> Gpt2Models => new() { nameof(Gpt2RaggedQ8Model), nameof(Gpt2RaggedQ4Model) };

    /// <summary>GPT-2 (LayerNorm, GELU, learned positions, biases on every projection) with 8- and 4-bit weights, prefill and decode.</summary>
    [Theory]
    [MemberData(nameof(Gpt2Models))]
    public void Gpt2LogitsMatchTheReferenceAfterPrefillAndAtEveryPosition(string model)
    {
        ShapeDims dims = TestShapes.Of(nameof(Gpt2RaggedModel));
        Gpt2WeightData weights = Gpt2WeightData.Random(dims, seed: 2025);
        int prompt = 20;
        int[] tokens = Tokens(dims, dims.Context, seed: 83);
        double[][] expected = Gpt2Reference(model, weights).Run(tokens);
        WeightTensor[][] layers = weights.Layers.Select(layer => layer.Tensors(dims)).ToArray();
        using IInferenceSession session = model == nameof(Gpt2RaggedQ8Model)
            ? Gpt2RaggedQ8Model.FromWeights(new Gpt2RaggedQ8Model.ModelWeights(weights.TokenEmbeddingTensor, weights.PositionEmbeddingTensor, weights.FinalNormTensor, weights.FinalNormBiasTensor,
                layers.Select(t => new Gpt2RaggedQ8Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15])).ToArray())).CreateSession()
            : Gpt2RaggedQ4Model.FromWeights(new Gpt2RaggedQ4Model.ModelWeights(weights.TokenEmbeddingTensor, weights.PositionEmbeddingTensor, weights.FinalNormTensor, weights.FinalNormBiasTensor,
                layers.Select(t => new Gpt2RaggedQ4Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15])).ToArray())).CreateSession();
        var checker = new LogitChecker(model);
        checker.Check(expected[prompt - 1], session.Prefill(tokens.AsSpan(0, prompt), 0), $"{model} after prefill of {prompt} tokens");
        for (int position = prompt; position < tokens.Length; position++)
        {
            checker.Check(expected[position], session.Forward(tokens[position], position), $"{model} at position {position}");
        }

        checker.AssertFewFlips(tokens.Length - prompt + 1);
    }

    private static bool IsQ8(string model) => model.EndsWith("Q8Model", StringComparison.Ordinal);

    private static bool IsQ4(string model) => model.EndsWith("Q4Model", StringComparison.Ordinal);

    /// <summary>The tolerances above: every position against the tight one, or for 8-bit weights counted against it.</summary>
    private sealed class LogitChecker(string model)
    {
        private readonly bool q8 = IsQ8(model) || IsQ4(model);
        private int flips;

        public void Check(double[] expected, ReadOnlySpan<float> actual, string what)
        {
            if (!q8)
            {
                Approx.CloseRelativeToMax(expected, actual, LogitTolerance, what);
                return;
            }

            Approx.CloseRelativeToMax(expected, actual, Q8FlipTolerance, what);
            double largest = expected.Max(Math.Abs);
            double error = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                error = Math.Max(error, Math.Abs(actual[i] - expected[i]));
            }

            if (error > LogitTolerance * largest)
            {
                flips++;
            }
        }

        public void AssertFewFlips(int positions) =>
            Assert.True(flips <= 1 + (positions / 10), $"{model}: {flips} of {positions} positions are off by more than {LogitTolerance} of the largest logit.");
    }

    private static (ShapeDims Dims, LlamaWeightData Weights) Weights(string model)
    {
        ShapeDims dims = TestShapes.Of(model.StartsWith("LlamaHeadDim10", StringComparison.Ordinal) ? nameof(LlamaHeadDim10Model) : nameof(LlamaPooledModel));
        return (dims, LlamaWeightData.Random(dims, tied: true, seed: 2024));
    }

    private static int[] Tokens(ShapeDims dims, int count, int seed)
    {
        var random = new TestRandom(seed);
        int[] tokens = Enumerable.Range(0, count).Select(_ => random.Next(dims.Vocab)).ToArray();
        tokens[1] = dims.Vocab - 1;
        tokens[2] = 0;
        return tokens;
    }

    private static IInferenceSession Open(string model, LlamaWeightData weights)
    {
        WeightTensor[][] layers = weights.Layers.Select(layer => layer.Tensors(weights.Dims)).ToArray();
        return model switch
        {
            nameof(LlamaHeadDim10Q8Model) => LlamaHeadDim10Q8Model.FromWeights(new LlamaHeadDim10Q8Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaHeadDim10Q8Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            nameof(LlamaHeadDim10Bf16Model) => LlamaHeadDim10Bf16Model.FromWeights(new LlamaHeadDim10Bf16Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaHeadDim10Bf16Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            nameof(LlamaPooledQ8Model) => LlamaPooledQ8Model.FromWeights(new LlamaPooledQ8Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaPooledQ8Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            nameof(LlamaPooledBf16Model) => LlamaPooledBf16Model.FromWeights(new LlamaPooledBf16Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaPooledBf16Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            nameof(LlamaHeadDim10Q4Model) => LlamaHeadDim10Q4Model.FromWeights(new LlamaHeadDim10Q4Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaHeadDim10Q4Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            nameof(LlamaPooledQ4Model) => LlamaPooledQ4Model.FromWeights(new LlamaPooledQ4Model.ModelWeights(
                weights.TokenEmbeddingTensor, weights.FinalNormTensor, layers.Select(t => new LlamaPooledQ4Model.LayerWeights(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])).ToArray())).CreateSession(),
            _ => throw new ArgumentException($"No quantized test model named {model}.", nameof(model)),
        };
    }

    /// <summary>The reference over the weights as <paramref name="model"/>'s format represents them.</summary>
    private static LlamaReference Reference(string model, LlamaWeightData weights)
    {
        ShapeDims dims = weights.Dims;
        bool q8 = IsQ8(model), q4 = IsQ4(model);
        float[] Represent(float[] matrix, int rows, int columns) =>
            q4 ? Q4Values(matrix, rows, columns) : q8 ? Q8Values(matrix, rows, columns) : Bf16Values(matrix);
        var represented = new LlamaWeightData
        {
            Dims = dims,
            TokenEmbedding = weights.TokenEmbedding,
            FinalNorm = weights.FinalNorm,
            Unembedding = q4 ? Q8Values(weights.Classifier, dims.Vocab, dims.DModel) : Represent(weights.Classifier, dims.Vocab, dims.DModel),
            Layers = weights.Layers.Select(layer => new LlamaLayerData
            {
                AttentionNorm = layer.AttentionNorm,
                Query = Represent(layer.Query, dims.DModel, dims.DModel),
                Key = Represent(layer.Key, dims.KvDim, dims.DModel),
                Value = Represent(layer.Value, dims.KvDim, dims.DModel),
                Output = Represent(layer.Output, dims.DModel, dims.DModel),
                FfnNorm = layer.FfnNorm,
                Gate = Represent(layer.Gate, dims.FfnDim, dims.DModel),
                Up = Represent(layer.Up, dims.FfnDim, dims.DModel),
                Down = Represent(layer.Down, dims.DModel, dims.FfnDim),
            }).ToArray(),
        };
        return new LlamaReference(represented, q8 || q4 ? RoundToQ8 : null);
    }

    /// <summary>The GPT-2 reference over the weights as the model's format represents them: layer matrices in 8 or 4 bits, the classifier (the token embedding) in 8 bits, biases and norms float32.</summary>
    private static Gpt2Reference Gpt2Reference(string model, Gpt2WeightData weights)
    {
        ShapeDims dims = weights.Dims;
        float[] Represent(float[] matrix, int rows, int columns) => IsQ4(model) ? Q4Values(matrix, rows, columns) : Q8Values(matrix, rows, columns);
        var represented = new Gpt2WeightData
        {
            Dims = dims,
            TokenEmbedding = weights.TokenEmbedding,
            PositionEmbedding = weights.PositionEmbedding,
            FinalNorm = weights.FinalNorm,
            FinalNormBias = weights.FinalNormBias,
            Layers = weights.Layers.Select(layer => new Gpt2LayerData
            {
                AttentionNorm = layer.AttentionNorm,
                AttentionNormBias = layer.AttentionNormBias,
                Query = Represent(layer.Query, dims.DModel, dims.DModel),
                QueryBias = layer.QueryBias,
                Key = Represent(layer.Key, dims.DModel, dims.DModel),
                KeyBias = layer.KeyBias,
                Value = Represent(layer.Value, dims.DModel, dims.DModel),
                ValueBias = layer.ValueBias,
                Output = Represent(layer.Output, dims.DModel, dims.DModel),
                OutputBias = layer.OutputBias,
                FfnNorm = layer.FfnNorm,
                FfnNormBias = layer.FfnNormBias,
                Up = Represent(layer.Up, dims.FfnDim, dims.DModel),
                UpBias = layer.UpBias,
                Down = Represent(layer.Down, dims.DModel, dims.FfnDim),
                DownBias = layer.DownBias,
            }).ToArray(),
        };
        return new Gpt2Reference(represented, RoundToQ8, Q8Values(weights.TokenEmbedding, dims.Vocab, dims.DModel));
    }

    private static float[] Bf16Values(float[] matrix) => matrix.Select(v => Bf16Matrix.ToFloat32(Bf16Matrix.Round(v))).ToArray();

    private static float[] Q8Values(float[] matrix, int rows, int columns) =>
        Dequantized(Q8Matrix.FromFloat32("m", rows, columns, matrix).Dequantize, rows, columns);

    private static float[] Q4Values(float[] matrix, int rows, int columns) =>
        Dequantized(Q4Matrix.FromFloat32("m", rows, columns, matrix).Dequantize, rows, columns);

    /// <summary>A quantized matrix's values, row-major, as its <c>Dequantize(row, column)</c> gives them.</summary>
    private static float[] Dequantized(Func<int, int, float> dequantize, int rows, int columns)
    {
        var values = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                values[(r * columns) + c] = dequantize(r, c);
            }
        }

        return values;
    }

    /// <summary>A projection input as the 8-bit kernels see it: rounded to float32, then to 8-bit blocks.</summary>
    private static double[] RoundToQ8(double[] x)
    {
        float[] values = x.Select(v => (float)v).ToArray();
        int blocks = Q8Kernels.BlockCount(values.Length);
        var quants = new sbyte[blocks * Q8Kernels.BlockSize];
        var scales = new float[blocks];
        Q8Kernels.QuantizeVector(values, quants, scales);
        return Enumerable.Range(0, x.Length).Select(i => (double)quants[i] * scales[i / Q8Kernels.BlockSize]).ToArray();
    }
}
