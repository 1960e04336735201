using System;
using System.IO;
using System.Linq;
using System.Threading;
using Codegen.Tests.EndToEnd;
using Codegen.Tests.Formats;
using Xunit;

namespace Codegen.Tests.Loading;

/// <summary>
/// The Hugging Face folder path of a Llama-family <c>Load(path, progress, cancellationToken)</c>, on stories260K written
/// as two shards with an index (<see cref="HuggingFaceStoryTests.WriteHuggingFaceFolder"/>): progress rises to exactly
/// 1 across both shards, and a load cancelled in the middle closes both.
/// </summary>
public sealed class HuggingFaceLoadCancellationTests
{
    [Fact]
    public void ProgressRisesToExactlyOneAcrossTwoShards()
    {
        using var folder = new TempDirectory();
        HuggingFaceStoryTests.WriteHuggingFaceFolder(folder, shards: 2);
        var progress = new RecordingProgress();

        Assert.NotNull(HfStories260K.Load(folder.FullPath, progress, CancellationToken.None));

        Assert.True(progress.Values.Count >= 3, $"{progress.Values.Count} reports");
        Assert.Equal(0, progress.Values[0]);
        Assert.Equal(1, progress.Values[^1]);
        Assert.True(progress.Values.Zip(progress.Values.Skip(1)).All(pair => pair.Second > pair.First), string.Join(", ", progress.Values));
    }

    [Fact]
    public void CancelledInTheMiddleClosesBothShards()
    {
        using var folder = new TempDirectory();
        HuggingFaceStoryTests.WriteHuggingFaceFolder(folder, shards: 2);
        string[] shards = Directory.GetFiles(folder.FullPath, "*.safetensors");
        Assert.Equal(2, shards.Length);
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(value =>
        {
            if (value >= 0.5)
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => HfStories260K.Load(folder.FullPath, progress, cancellation.Token));

        Assert.DoesNotContain(1.0, progress.Values);
        Assert.All(shards, shard => Assert.Equal(0, OpenHandles.To(shard)));
    }
}
