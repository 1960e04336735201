using System;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>Tensor storage sizes beyond one array are an argument error naming the count, not an <see cref="OverflowException"/>.</summary>
public sealed class WeightStorageTests
{
    [Theory]
    [InlineData(-1L)]
    [InlineData(2_147_483_648L)]
    [InlineData(long.MaxValue)]
    public void RefusesACountOutsideOneArray(long count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WeightTensor.AllocateStorage(count));

        Assert.Equal("count", error.ParamName);
        Assert.Contains(count.ToString(), error.Message);
    }
}
