using System;
using System.Diagnostics;
using System.Linq;
using Codegen.Formats.Gguf;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// What loading stories260K-Q8_0.gguf into a Q8 model costs, step by step and in one process, so that
/// the old and the new way are timed alternately on the same (shared, noisy) machine: reported as the
/// median of 25 rounds, not asserted. The old way read every tensor as float32 and quantized each
/// matrix again (<see cref="Q8Matrix.FromFloat32(WeightTensor)"/>); the new way also keeps and checks a
/// Q8_0 matrix's blocks and copies them (<see cref="Q8Matrix.FromTensor"/>).
/// </summary>
public sealed class GgufQ8_0LoadTimingTests(ITestOutputHelper output)
{
    private const int Rounds = 25;

    private static string Q8_0Gguf => TestModels.Path("stories260K", "gguf", "stories260K-Q8_0.gguf");

    [Fact]
    public void ReportsReadAndConversionTimes()
    {
        GgufLlamaShape f32Shape = new(64, 172, 5, 8, 4, 512, 128, 1e-5f, 10000f, TiedEmbeddings: true, WeightFormat.F32);
        GgufLlamaShape q8Shape = f32Shape with { Weights = WeightFormat.Q8 };
        var oldTimes = new double[Rounds];
        var newTimes = new double[Rounds];
        var loadOld = new double[Rounds];
        var loadNew = new double[Rounds];
        for (int round = -1; round < Rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            GgufLlamaTensors asFloat32 = GgufLlamaWeights.Read(Q8_0Gguf, f32Shape);
            int oldBlocks = Matrices(asFloat32).Sum(tensor => Q8Matrix.FromFloat32(tensor).BlocksPerRow);
            double old = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

            start = Stopwatch.GetTimestamp();
            GgufLlamaTensors withBlocks = GgufLlamaWeights.Read(Q8_0Gguf, q8Shape);
            int newBlocks = Matrices(withBlocks).Sum(tensor => Q8Matrix.FromTensor(tensor).BlocksPerRow);
            double @new = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Assert.Equal(oldBlocks, newBlocks);

            start = Stopwatch.GetTimestamp();
            GC.KeepAlive(Stories260KContext128.Load(Q8_0Gguf));
            double f32Load = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            GC.KeepAlive(Stories260KContext128Q8.Load(Q8_0Gguf));
            double q8Load = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (round >= 0)
            {
                oldTimes[round] = old;
                newTimes[round] = @new;
                loadOld[round] = f32Load;
                loadNew[round] = q8Load;
            }
        }

        output.WriteLine($"read + Q8 conversion of the 31 Q8_0 and 5 F16 matrices: old (float32, requantize) {Median(oldTimes):F3} ms, new (keep blocks, copy) {Median(newTimes):F3} ms");
        output.WriteLine($"whole Load(path): F32 declaration {Median(loadOld):F3} ms, Q8 declaration {Median(loadNew):F3} ms (median of {Rounds})");
        Assert.All(newTimes, time => Assert.True(time > 0));
    }

    private static WeightTensor[] Matrices(GgufLlamaTensors tensors) =>
        [tensors.TokenEmbedding, .. tensors.Query, .. tensors.Key, .. tensors.Value, .. tensors.Output, .. tensors.Gate, .. tensors.Down, .. tensors.Up];

    private static double Median(double[] times) => times.Order().ElementAt(times.Length / 2);
}
