using System;
using System.Linq;
using Codegen.Gpu;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace Codegen.Tests.Gpu;

/// <summary>Device choice, weight upload and the release of device memory.</summary>
[Collection(GpuCollection.Name)]
public sealed class GpuDeviceTests
{
    private readonly GpuFixture fixture;

    public GpuDeviceTests(GpuFixture fixture) => this.fixture = fixture;

    [Fact]
    public void TheDeviceReportsItself()
    {
        GpuDevice device = fixture.Device;
        if (device.Kind == GpuDeviceKind.CpuAccelerator)
        {
            Assert.Equal("ILGPU CPU accelerator", device.Name);
        }
        else
        {
            Assert.StartsWith(device.Kind == GpuDeviceKind.Cuda ? "CUDA: " : "OpenCL: ", device.Name);
        }

        Assert.Equal(device.Name, device.ToString());
        Assert.Equal(0, device.GroupSize % device.WarpSize);
        Assert.InRange(device.WarpsPerGroup, 1, GpuDevice.MaxWarpsPerGroup);
    }

    [Fact]
    public void TheCpuAcceleratorReportsItself()
    {
        using GpuDevice device = GpuDevice.Open(GpuDevicePreference.CpuAccelerator);
        Assert.Equal(GpuDeviceKind.CpuAccelerator, device.Kind);
        Assert.Equal("ILGPU CPU accelerator", device.ToString());
    }

    [Fact]
    public void ACudaPreferenceGetsCudaOrSaysWhyNot()
    {
        GpuDevice? device = null;
        try
        {
            device = GpuDevice.Open(GpuDevicePreference.Cuda);
            Assert.Equal(GpuDeviceKind.Cuda, device.Kind);
            Assert.StartsWith("CUDA: ", device.Name);
        }
        catch (GpuDeviceUnavailableException e)
        {
            Assert.Contains("No usable CUDA device", e.Message);
            Assert.Contains("CpuAccelerator", e.Message);
        }
        finally
        {
            device?.Dispose();
        }
    }

    [Fact]
    public void TheAutomaticChoiceAlwaysFindsADevice()
    {
        using GpuDevice device = GpuDevice.Open(GpuDevicePreference.Auto);
        Assert.False(string.IsNullOrEmpty(device.Name));
        Assert.Equal(device.Name, device.ToString());
    }

    [Fact]
    public void ATensorIsUploadedOnce()
    {
        WeightTensor tensor = fixture.Stories.Weights.FinalNorm;
        var first = fixture.Device.Upload(tensor);
        var second = fixture.Device.Upload(tensor);

        Assert.Same(first, second);
        Assert.Equal(tensor.Values.ToArray(), first.GetAsArray1D());
    }

    [Fact]
    public void SessionsShareTheUploadedWeightsAndGiveTheirOwnMemoryBack()
    {
        using (fixture.Stories.CreateGpuSession(fixture.Device))
        {
            // The first session on the device uploads the weights.
        }

        long idle = fixture.Device.AllocatedBytes;
        var first = fixture.Stories.CreateGpuSession(fixture.Device);
        long oneSession = fixture.Device.AllocatedBytes - idle;
        var second = fixture.Stories.CreateGpuSession(fixture.Device);
        long twoSessions = fixture.Device.AllocatedBytes - idle;

        // Each session holds its KV cache (two blocks of Layers * Context * KvDim floats) and scratch vectors, no weights.
        long kvCache = 2L * GpuStories260K.Layers * GpuStories260K.Context * GpuStories260K.KvDim * sizeof(float);
        Assert.InRange(oneSession, kvCache, kvCache + (64 * 1024));
        Assert.Equal(2 * oneSession, twoSessions);

        first.Dispose();
        second.Dispose();
        Assert.Equal(idle, fixture.Device.AllocatedBytes);
    }

    [Fact]
    public void ADisposedSessionCanBeDisposedAgainButNotRun()
    {
        var session = fixture.Stories.CreateGpuSession(fixture.Device);
        session.Forward(1, 0);

        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Forward(1, 1));
        Assert.Throws<ObjectDisposedException>(() => session.ForwardArgMax(1, 1));
    }

    [Fact]
    public void DisposingTheDeviceReleasesEverythingAndStopsItsSessions()
    {
        GpuDevice device = GpuDevice.Open(GpuFixture.Preference);
        var session = fixture.Gpt2.CreateGpuSession(device);
        session.Forward(98, 0);
        Assert.True(device.AllocatedBytes > 0);

        device.Dispose();
        device.Dispose();

        Assert.True(device.IsDisposed);
        Assert.Equal(0, device.AllocatedBytes);
        Assert.Throws<ObjectDisposedException>(() => session.Forward(98, 1));
        Assert.Throws<ObjectDisposedException>(() => fixture.Gpt2.CreateGpuSession(device));
        session.Dispose();
    }

    [Fact]
    public void ForwardChecksItsArgumentsLikeTheCpuSession()
    {
        using var session = fixture.Stories.CreateGpuSession(fixture.Device);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(GpuStories260K.Vocab, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(1, GpuStories260K.Context));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(1, 1));
    }

    [Fact]
    public void TheBackendSwitchPicksTheCpuSession()
    {
        using IInferenceSession session = fixture.Stories.CreateSession(Backend.Cpu);
        Assert.IsType<GpuStories260K.CpuSession>(session);
        Assert.Equal(Backend.Gpu, BackendNames.Parse("GPU"));
        Assert.Equal("cpu", BackendNames.Name(Backend.Cpu));
        Assert.Throws<ArgumentException>(() => BackendNames.Parse("tpu"));
    }
}
