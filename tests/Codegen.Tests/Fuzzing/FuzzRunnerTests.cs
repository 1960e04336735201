using System;
using System.IO;
using System.Threading;
using Xunit;

namespace Codegen.Tests.Fuzzing;

/// <summary>The fuzz harness itself: each way a case can go wrong is reported as a failure, and only typed errors pass.</summary>
public sealed class FuzzRunnerTests
{
    private static readonly FuzzCase Case = new("test seed", "test mutation", [1, 2, 3]);

    [Fact]
    public void ALoadThatReturnsIsCountedAsLoaded()
    {
        FuzzReport report = RunOne(_ => null);

        Assert.Equal(1, report.Loaded);
        Assert.Empty(report.Failures);
    }

    [Fact]
    public void AModelLoadExceptionNamingTheFileIsARejection()
    {
        FuzzReport report = RunOne(path => throw new ModelLoadException(path, "bad header"));

        Assert.Equal(1, report.Rejected);
        Assert.Empty(report.Failures);
    }

    [Fact]
    public void AModelLoadExceptionNamingAnotherFileFails()
    {
        FuzzReport report = RunOne(_ => throw new ModelLoadException("/elsewhere/file.bin", "bad header"));

        Assert.Equal("ModelLoadException that does not name the file", Assert.Single(report.Failures).Kind);
    }

    [Fact]
    public void AnUntypedExceptionFailsWithTheCaseInTheMessage()
    {
        FuzzReport report = RunOne(_ => throw new IndexOutOfRangeException("index 9"));

        FuzzFailure failure = Assert.Single(report.Failures);
        Assert.Equal("untyped exception", failure.Kind);
        string message = report.FailureMessage("test format", "test settings");
        Assert.Contains("IndexOutOfRangeException: index 9", message);
        Assert.Contains("seed test seed; mutation: test mutation", message);
    }

    [Fact]
    public void AnArgumentExceptionFailsForFileContent()
    {
        FuzzReport report = RunOne(_ => throw new ArgumentOutOfRangeException("count"));

        Assert.Equal("ArgumentException for file content", Assert.Single(report.Failures).Kind);
    }

    [Fact]
    public void AnArgumentExceptionPassesWhenTheCaseVariesAnArgument()
    {
        var target = new FuzzTarget("test", "file.bin", FuzzTarget.NoCompanions, _ => throw new ArgumentOutOfRangeException("count"), AllowsArgumentExceptions: true);
        using var runner = new FuzzRunner(target, TimeSpan.FromSeconds(10));

        runner.Run(Case);

        Assert.Equal(1, runner.Report.Rejected);
    }

    [Fact]
    public void ASilentFaultFails()
    {
        FuzzReport report = RunOne(_ => "logit 3 is NaN");

        Assert.Equal("silent fault after a successful load", Assert.Single(report.Failures).Kind);
    }

    [Fact]
    public void AHangFailsAfterTheTimeoutAndTheRunGoesOn()
    {
        using var release = new ManualResetEventSlim();
        var target = new FuzzTarget("test", "file.bin", FuzzTarget.NoCompanions, _ => { release.Wait(); return null; });
        using var runner = new FuzzRunner(target, TimeSpan.FromMilliseconds(200));

        runner.Run(Case);
        release.Set();

        Assert.Equal("hang", Assert.Single(runner.Report.Failures).Kind);
        Assert.Equal(1, runner.Report.Hangs);
    }

    [Fact]
    public void TheCaseFileHoldsTheMutatedBytesBesideTheCompanions()
    {
        byte[]? seen = null;
        bool companionThere = false;
        var companions = new System.Collections.Generic.Dictionary<string, byte[]> { ["config.json"] = [9] };
        var target = new FuzzTarget("test", "file.bin", companions, path =>
        {
            seen = File.ReadAllBytes(path);
            companionThere = File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "config.json"));
            return null;
        });
        using var runner = new FuzzRunner(target, TimeSpan.FromSeconds(10));

        runner.Run(Case);

        Assert.Equal(Case.Content, seen);
        Assert.True(companionThere);
    }

    private static FuzzReport RunOne(Func<string, string?> loadAndUse)
    {
        var target = new FuzzTarget("test", "file.bin", FuzzTarget.NoCompanions, loadAndUse);
        using var runner = new FuzzRunner(target, TimeSpan.FromSeconds(10));
        runner.Run(Case);
        return runner.Report;
    }
}
