using System;
using System.Collections.Generic;

namespace Codegen.Tests.Loading;

/// <summary>
/// An <see cref="IProgress{T}"/> that records every report synchronously, on the reporting thread (a
/// <see cref="Progress{T}"/> posts its reports on, so they may arrive after the load has returned), and can run an
/// action on each report (to cancel the load in the middle).
/// </summary>
internal sealed class RecordingProgress(Action<double>? onReport = null) : IProgress<double>
{
    public List<double> Values { get; } = [];

    public void Report(double value)
    {
        Values.Add(value);
        onReport?.Invoke(value);
    }
}
