using System;
using System.IO;
using System.Linq;

namespace Codegen.Tests.Loading;

/// <summary>Whether this process still holds a file open: on Linux, by its descriptors in /proc/self/fd.</summary>
internal static class OpenHandles
{
    /// <summary>How many of this process's file descriptors point at <paramref name="path"/> (Linux only; elsewhere throws).</summary>
    public static int To(string path)
    {
        string full = Path.GetFullPath(path);
        if (!Directory.Exists("/proc/self/fd"))
        {
            throw new PlatformNotSupportedException("/proc/self/fd is needed to count open handles");
        }

        return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == full;
            }
            catch (IOException)
            {
                return false; // a descriptor closed while we looked
            }
        });
    }
}
