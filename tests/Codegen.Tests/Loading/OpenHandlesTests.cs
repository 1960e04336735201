using System.IO;
using Xunit;

namespace Codegen.Tests.Loading;

/// <summary>The handle count the cancellation tests rely on sees an open file, and sees it closed.</summary>
public sealed class OpenHandlesTests
{
    [Fact]
    public void CountsADescriptorWhileTheFileIsOpenAndNoneAfter()
    {
        string path = Path.GetTempFileName();
        try
        {
            using (File.OpenHandle(path))
            {
                Assert.Equal(1, OpenHandles.To(path));
            }

            Assert.Equal(0, OpenHandles.To(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
