using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Loading;

/// <summary>
/// The generated <c>Load(path, progress, cancellationToken)</c> of every format: progress rises to exactly 1, and a
/// load cancelled before it starts or in the middle throws <see cref="OperationCanceledException"/>, reports no 1 and
/// leaves no handle open on the file (counted in /proc/self/fd), which then loads again and can be deleted. Each test
/// loads its own copy of the shared file, so no other test's handles are counted.
/// </summary>
public sealed class LoadCancellationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("codegen-load-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A model's loader: path, progress, cancellation token.</summary>
    private delegate object Loader(string path, IProgress<double>? progress, CancellationToken cancellationToken);

    private static readonly Dictionary<string, (Loader Load, string[] Source)> Cases = new()
    {
        ["llama2.c"] = ((p, r, c) => Stories260KModel.Load(p, r, c), ["stories260K", "stories260K.bin"]),
        ["gguf F32"] = ((p, r, c) => Stories260KModel.Load(p, r, c), ["stories260K", "stories260K.gguf"]),
        ["gguf Q8_0, kept as Q8"] = ((p, r, c) => Stories260KContext128Q8.Load(p, r, c), ["stories260K", "gguf", "stories260K-Q8_0.gguf"]),
        ["gguf Q4_K_M, dequantized"] = ((p, r, c) => Stories260KContext128.Load(p, r, c), ["stories260K", "gguf", "stories260K-Q4_K_M.gguf"]),
        ["safetensors folder"] = ((p, r, c) => Gpt2Tiny.Load(Path.GetDirectoryName(p)!, r, c), ["gpt2-tiny", "model.safetensors"]),
    };

    public static TheoryData<string> Formats => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Formats))]
    public void ProgressRisesFromZeroToExactlyOne(string format)
    {
        (Loader load, string file) = Prepare(format);
        var progress = new RecordingProgress();

        Assert.NotNull(load(file, progress, CancellationToken.None));

        List<double> values = progress.Values;
        Assert.True(values.Count >= 3, $"{values.Count} reports: {string.Join(", ", values)}");
        Assert.Equal(0, values[0]);
        Assert.Equal(1, values[^1]);
        for (int i = 1; i < values.Count; i++)
        {
            Assert.True(values[i] > values[i - 1], $"report {i} ({values[i]}) is not above report {i - 1} ({values[i - 1]})");
        }

        Assert.Equal(0, OpenHandles.To(file));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void CancelledBeforeTheLoadThrowsAndOpensNothing(string format)
    {
        (Loader load, string file) = Prepare(format);
        var progress = new RecordingProgress();

        Assert.ThrowsAny<OperationCanceledException>(() => load(file, progress, new CancellationToken(canceled: true)));

        Assert.Empty(progress.Values);
        Assert.Equal(0, OpenHandles.To(file));
        File.Delete(file);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void CancelledInTheMiddleThrowsClosesTheFileAndTheFileLoadsAgain(string format)
    {
        (Loader load, string file) = Prepare(format);
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(value =>
        {
            if (value > 0)
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => load(file, progress, cancellation.Token));

        Assert.Contains(progress.Values, value => value > 0);
        Assert.DoesNotContain(1.0, progress.Values);
        Assert.Equal(0, OpenHandles.To(file));
        Assert.NotNull(load(file, null, CancellationToken.None));
        Assert.Equal(0, OpenHandles.To(file));
        File.Delete(file);
        Assert.False(File.Exists(file));
    }

    /// <summary>A copy of the case's file (and, for a folder, its config.json) in this test's folder.</summary>
    private (Loader Load, string File) Prepare(string format)
    {
        (Loader load, string[] source) = Cases[format];
        string copy = Path.Combine(folder, source[^1]);
        File.Copy(TestModels.Path(source), copy);
        string config = Path.Combine(Path.GetDirectoryName(TestModels.Path(source))!, "config.json");
        if (File.Exists(config))
        {
            File.Copy(config, Path.Combine(folder, "config.json"));
        }

        return (load, copy);
    }
}
