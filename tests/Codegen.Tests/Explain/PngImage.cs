using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Codegen.Tests.Explain;

/// <summary>
/// A PNG decoded to RGBA pixels: enough of the format for a browser's screenshot (8-bit RGB or RGBA, not
/// interlaced), so the test can look at what was drawn without an image library.
/// </summary>
internal sealed class PngImage
{
    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    private PngImage(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        Rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Four bytes a pixel, row by row.</summary>
    public byte[] Rgba { get; }

    /// <exception cref="InvalidDataException">Not a PNG, or a kind this reader does not handle.</exception>
    public static PngImage Decode(byte[] png)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException("Not a PNG file.");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        int offset = 8;
        while (offset + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(offset + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    byte bitDepth = data[8], colorType = data[9], interlace = data[12];
                    channels = colorType switch { 2 => 3, 6 => 4, _ => 0 };
                    if (bitDepth != 8 || channels == 0 || interlace != 0)
                    {
                        throw new InvalidDataException($"PNG of bit depth {bitDepth}, colour type {colorType}, interlace {interlace}: only 8-bit RGB or RGBA, not interlaced.");
                    }

                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        int stride = width * channels;
        byte[] raw = new byte[height * (stride + 1)];
        using (var inflate = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            inflate.ReadExactly(raw);
        }

        var rgba = new byte[width * height * 4];
        var previous = new byte[stride];
        var row = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            raw.AsSpan((y * (stride + 1)) + 1, stride).CopyTo(row);
            Unfilter(filter, row, previous, channels);
            for (int x = 0; x < width; x++)
            {
                int target = ((y * width) + x) * 4;
                rgba[target] = row[x * channels];
                rgba[target + 1] = row[(x * channels) + 1];
                rgba[target + 2] = row[(x * channels) + 2];
                rgba[target + 3] = channels == 4 ? row[(x * channels) + 3] : (byte)255;
            }

            (previous, row) = (row, previous);
        }

        return new PngImage(width, height, rgba);
    }

    /// <summary>The row's bytes as they were before the PNG filter (none, sub, up, average, Paeth).</summary>
    private static void Unfilter(byte filter, byte[] row, byte[] previous, int bytesPerPixel)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
            int up = previous[i];
            int upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                4 => Paeth(left, up, upLeft),
                _ => throw new InvalidDataException($"Unknown PNG filter {filter}."),
            };
            row[i] = (byte)(row[i] + predictor);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
