using System;
using System.Collections.Generic;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Float64 reference math, written for clarity and nothing else: plain loops over row-major
/// [rows, columns] matrices, every intermediate in double. The kernel tests and the reference forward
/// passes check the generated float32 code against these.
/// </summary>
internal static class ReferenceMath
{
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }

    public static double Dot(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        double sum = 0;
        for (int i = 0; i < left.Length; i++)
        {
            sum += (double)left[i] * right[i];
        }

        return sum;
    }

    /// <summary>The size of a dot product's terms, sqrt(sum of (left[i] right[i])^2): the scale of its rounding error.</summary>
    public static double TermScale(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        double sum = 0;
        for (int i = 0; i < left.Length; i++)
        {
            double term = (double)left[i] * right[i];
            sum += term * term;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>matrix [rows, input.Length] times input.</summary>
    public static double[] MatrixVector(float[] matrix, int rows, ReadOnlySpan<double> input)
    {
        int columns = input.Length;
        var output = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            double sum = 0;
            for (int column = 0; column < columns; column++)
            {
                sum += matrix[(row * columns) + column] * input[column];
            }

            output[row] = sum;
        }

        return output;
    }

    public static double[] Add(ReadOnlySpan<double> left, ReadOnlySpan<float> right)
    {
        var sum = new double[left.Length];
        for (int i = 0; i < left.Length; i++)
        {
            sum[i] = left[i] + right[i];
        }

        return sum;
    }

    public static void AddInPlace(double[] target, ReadOnlySpan<double> source)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    /// <summary>RMSNorm: weight[i] x[i] / sqrt(mean(x^2) + epsilon).</summary>
    public static double[] RmsNorm(ReadOnlySpan<double> x, ReadOnlySpan<float> weight, double epsilon)
    {
        double meanSquare = 0;
        foreach (double value in x)
        {
            meanSquare += value * value;
        }

        meanSquare /= x.Length;
        double inverse = 1.0 / Math.Sqrt(meanSquare + epsilon);
        var output = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            output[i] = weight[i] * x[i] * inverse;
        }

        return output;
    }

    /// <summary>LayerNorm: (x[i] - mean) / sqrt(variance + epsilon) weight[i] + bias[i], the biased variance.</summary>
    public static double[] LayerNorm(ReadOnlySpan<double> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, double epsilon)
    {
        double mean = 0;
        foreach (double value in x)
        {
            mean += value;
        }

        mean /= x.Length;
        double variance = 0;
        foreach (double value in x)
        {
            variance += (value - mean) * (value - mean);
        }

        variance /= x.Length;
        double inverse = 1.0 / Math.Sqrt(variance + epsilon);
        var output = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            output[i] = ((x[i] - mean) * inverse * weight[i]) + bias[i];
        }

        return output;
    }

    /// <summary>SiLU (swish): x sigmoid(x).</summary>
    public static double Silu(double x) => x / (1.0 + Math.Exp(-x));

    /// <summary>GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).</summary>
    public static double Gelu(double x) => 0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + (0.044715 * x * x * x))));

    public static double[] Softmax(ReadOnlySpan<double> scores)
    {
        double max = double.NegativeInfinity;
        foreach (double score in scores)
        {
            max = Math.Max(max, score);
        }

        var weights = new double[scores.Length];
        double total = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            weights[i] = Math.Exp(scores[i] - max);
            total += weights[i];
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] /= total;
        }

        return weights;
    }

    /// <summary>The rotary angle of pair <paramref name="pair"/> at <paramref name="position"/>: position * theta^(-2 pair / headDim).</summary>
    public static double RotaryAngle(int position, int pair, int headDim, double theta) =>
        position * Math.Pow(theta, -2.0 * pair / headDim);

    /// <summary>Rotates pairs (2j, 2j + 1) of every head of <paramref name="vector"/> by <see cref="RotaryAngle"/>.</summary>
    public static void Rotate(double[] vector, int headDim, int position, double theta)
    {
        for (int headStart = 0; headStart < vector.Length; headStart += headDim)
        {
            for (int pair = 0; pair < headDim / 2; pair++)
            {
                double angle = RotaryAngle(position, pair, headDim, theta);
                double cos = Math.Cos(angle), sin = Math.Sin(angle);
                int i = headStart + (2 * pair);
                double x = vector[i], y = vector[i + 1];
                vector[i] = (x * cos) - (y * sin);
                vector[i + 1] = (x * sin) + (y * cos);
            }
        }
    }

    /// <summary>
    /// The attention probabilities of one query (all heads, concatenated) over keys[0..position]: per head, the softmax of
    /// the scaled scores, as <see cref="CausalAttention"/> weighs the values with them.
    /// </summary>
    public static double[][] CausalAttentionWeights(ReadOnlySpan<double> query, IReadOnlyList<double[]> keys, int position, int heads, int kvHeads, int headDim)
    {
        var weights = new double[heads][];
        for (int head = 0; head < heads; head++)
        {
            int kvHead = head / (heads / kvHeads);
            var scores = new double[position + 1];
            for (int t = 0; t <= position; t++)
            {
                double score = 0;
                for (int d = 0; d < headDim; d++)
                {
                    score += query[(head * headDim) + d] * keys[t][(kvHead * headDim) + d];
                }

                scores[t] = score / Math.Sqrt(headDim);
            }

            weights[head] = Softmax(scores);
        }

        return weights;
    }

    /// <summary>
    /// Causal grouped-query attention of one query (all heads, concatenated) over keys[0..position] and
    /// values[0..position] (each KvHeads * headDim wide): query head h reads key/value head
    /// h / (heads / kvHeads), scores are scaled by 1/sqrt(headDim).
    /// </summary>
    public static double[] CausalAttention(ReadOnlySpan<double> query, IReadOnlyList<double[]> keys, IReadOnlyList<double[]> values, int position, int heads, int kvHeads, int headDim, int firstVisible = 0)
    {
        var output = new double[heads * headDim];
        for (int head = 0; head < heads; head++)
        {
            int kvHead = head / (heads / kvHeads);
            var scores = new double[position + 1 - firstVisible];
            for (int t = firstVisible; t <= position; t++)
            {
                double score = 0;
                for (int d = 0; d < headDim; d++)
                {
                    score += query[(head * headDim) + d] * keys[t][(kvHead * headDim) + d];
                }

                scores[t - firstVisible] = score / Math.Sqrt(headDim);
            }

            double[] weights = Softmax(scores);
            for (int d = 0; d < headDim; d++)
            {
                double sum = 0;
                for (int t = firstVisible; t <= position; t++)
                {
                    sum += weights[t - firstVisible] * values[t][(kvHead * headDim) + d];
                }

                output[(head * headDim) + d] = sum;
            }
        }

        return output;
    }
}
