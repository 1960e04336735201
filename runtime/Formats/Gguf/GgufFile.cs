using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats.Gguf;

/// <summary>
/// An open GGUF file (versions 2 and 3, little-endian): its metadata and tensor infos, read and
/// checked at <see cref="Open"/>, and its tensors, read on demand. The header is read front to back
/// and every count, length and offset in it is checked against the file before use; tensor data is
/// not read until asked for. Every error is a <see cref="ModelLoadException"/> naming the file and
/// the key or tensor.
/// </summary>
public sealed class GgufFile : IDisposable
{
    /// <summary>The 4-byte magic at the start of every GGUF file: "GGUF" in ASCII.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>The alignment of the data section and of tensor offsets when <c>general.alignment</c> is absent.</summary>
    public const uint DefaultAlignment = 32;

    /// <summary>The metadata key that sets the alignment.</summary>
    public const string AlignmentKey = "general.alignment";

    private readonly SafeFileHandle handle;
    private readonly Dictionary<string, GgufTensorInfo> tensorsByName;
    private readonly LoadProgress progress;

    private GgufFile(
        string path, SafeFileHandle handle, uint version, Dictionary<string, GgufValue> metadata,
        List<GgufTensorInfo> tensors, long alignment, long dataStart, LoadProgress progress)
    {
        Path = path;
        this.progress = progress;
        this.handle = handle;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataStart = dataStart;
        tensorsByName = new Dictionary<string, GgufTensorInfo>(StringComparer.Ordinal);
        foreach (GgufTensorInfo tensor in tensors)
        {
            tensorsByName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The file's path, as given.</summary>
    public string Path { get; }

    /// <summary>The format version: 2 or 3.</summary>
    public uint Version { get; }

    /// <summary>The metadata, by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>The tensor infos, in the file's order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The alignment of the data section and of every tensor offset (a power of two).</summary>
    public long Alignment { get; }

    /// <summary>The byte offset of the data section: the end of the tensor infos rounded up to <see cref="Alignment"/>.</summary>
    public long DataStart { get; }

    /// <summary>Whether <paramref name="bytes"/> start with the GGUF magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    /// <summary>Opens <paramref name="path"/> through <see cref="ModelFile"/> and reads and checks its header.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or blank.</exception>
    /// <exception cref="ModelLoadException">The file cannot be opened or is not a well-formed GGUF file of version 2 or 3.</exception>
    public static GgufFile Open(string path) => Open(path, LoadProgress.None);

    /// <summary>
    /// <see cref="Open(string)"/>, with tensor reads that count their bytes with <paramref name="progress"/> and stop
    /// when it is cancelled (the caller tells it with <see cref="LoadProgress.Expect"/> how many bytes it will read).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or blank.</exception>
    /// <exception cref="ModelLoadException">As <see cref="Open(string)"/>.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static GgufFile Open(string path, LoadProgress progress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        SafeFileHandle handle = ModelFile.OpenRead(path, "GGUF", out long length);
        try
        {
            return ReadHeader(path, handle, length, progress);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>, or null when the file has none.</summary>
    public GgufTensorInfo? FindTensor(string name) => tensorsByName.GetValueOrDefault(name);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="ModelLoadException">The file has no such tensor.</exception>
    public GgufTensorInfo RequireTensor(string name) =>
        FindTensor(name) ?? throw new ModelLoadException(Path, $"tensor '{name}' is missing (the file has {Tensors.Count} tensors)");

    /// <summary>Reads the raw bytes of <paramref name="tensor"/> (as stored: quantized blocks for quantized types).</summary>
    /// <exception cref="ModelLoadException">The tensor is larger than one array, or the file cannot be read.</exception>
    public byte[] ReadBytes(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.ByteLength > Array.MaxLength)
        {
            throw new ModelLoadException(
                Path, $"tensor {tensor.Describe()} is {tensor.ByteLength} bytes, more than one array holds ({Array.MaxLength})");
        }

        var bytes = new byte[tensor.ByteLength];
        ModelFile.ReadExactly(Path, handle, bytes, DataStart + tensor.Offset, $"tensor '{tensor.Name}'", progress);
        return bytes;
    }

    /// <summary>
    /// Reads <paramref name="tensor"/> and converts it to float32 into pinned storage, in the file's
    /// element order (innermost dimension fastest, which is row-major for the reversed shape).
    /// A NaN or infinity after conversion is refused by <see cref="FiniteWeights"/>, naming the tensor.
    /// </summary>
    /// <exception cref="ModelLoadException">
    /// The tensor's type cannot be dequantized, it is larger than one array, the file cannot be read,
    /// or a value is not finite.
    /// </exception>
    /// <remarks>
    /// F32 data is read straight into the returned array; other types are read a run of whole blocks at a time
    /// (at most <see cref="LoadProgress.ChunkBytes"/>) into a scratch buffer and converted from it, so the tensor's
    /// bytes are never held whole beside its float32 values.
    /// </remarks>
    public float[] ReadAsFloat32(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        RequireFloat32Convertible(tensor);
        float[] values = WeightTensor.AllocateStorage(tensor.ElementCount);
        string what = $"tensor '{tensor.Name}'";
        long offset = DataStart + tensor.Offset;
        if (tensor.Type == GgmlType.F32)
        {
            ModelFile.ReadFloat32(Path, handle, values, offset, what, progress);
        }
        else
        {
            GgmlTypes.TryGetBlock((uint)tensor.Type, out int blockElements, out int blockBytes);
            int blocksPerChunk = Math.Max(1, LoadProgress.ChunkBytes / blockBytes);
            long blocks = tensor.ElementCount / blockElements;
            byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(blocks, blocksPerChunk) * blockBytes);
            try
            {
                for (long first = 0; first < blocks; first += blocksPerChunk)
                {
                    int count = (int)Math.Min(blocksPerChunk, blocks - first);
                    Span<byte> raw = scratch.AsSpan(0, count * blockBytes);
                    ModelFile.ReadExactly(Path, handle, raw, offset + (first * blockBytes), what, progress);
                    GgufDequantizer.Dequantize(tensor.Type, raw, values.AsSpan((int)(first * blockElements), count * blockElements));
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        RequireFinite(tensor, values);
        return values;
    }

    /// <summary>
    /// <see cref="ReadAsFloat32"/> of bytes already read with <see cref="ReadBytes"/>, for a caller that
    /// keeps them too (a Q8 model copies a Q8_0 tensor's blocks and also needs its float32 values).
    /// </summary>
    /// <exception cref="ModelLoadException">The tensor's type cannot be dequantized, it is larger than one array, or a value is not finite.</exception>
    public float[] ToFloat32(GgufTensorInfo tensor, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(bytes);
        RequireFloat32Convertible(tensor);
        float[] values = WeightTensor.AllocateStorage(tensor.ElementCount);
        GgufDequantizer.Dequantize(tensor.Type, bytes, values);
        RequireFinite(tensor, values);
        return values;
    }

    private void RequireFinite(GgufTensorInfo tensor, float[] values)
    {
        // Every dimension is at most the element count, which fits an int here.
        int[] shape = Array.ConvertAll(tensor.RowMajorShape(), dimension => (int)dimension);
        FiniteWeights.Require(Path, tensor.Name, shape, values);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => handle.Dispose();

    private void RequireFloat32Convertible(GgufTensorInfo tensor)
    {
        if (!GgufDequantizer.Supports(tensor.Type))
        {
            throw new ModelLoadException(
                Path, $"tensor {tensor.Describe()}: type {tensor.Type} cannot be converted to float32 (supported: {GgufDequantizer.SupportedNames})");
        }

        if (tensor.ElementCount > Array.MaxLength)
        {
            throw new ModelLoadException(
                Path, $"tensor {tensor.Describe()} has {tensor.ElementCount} elements, more than one array holds ({Array.MaxLength})");
        }
    }

    private static GgufFile ReadHeader(string path, SafeFileHandle handle, long length, LoadProgress progress)
    {
        var cursor = new GgufCursor(path, handle, length);
        Span<byte> magic = stackalloc byte[4];
        cursor.Read(magic, "the 4-byte GGUF magic");
        if (!HasMagic(magic))
        {
            throw new ModelLoadException(
                path, $"the file does not start with the GGUF magic \"GGUF\" (47 47 55 46); it starts with {Convert.ToHexString(magic)}");
        }

        uint version = cursor.ReadUInt32("the GGUF version");
        if (version is not (2 or 3))
        {
            string why = version switch
            {
                1 => "GGUF version 1 (32-bit counts and lengths) is not supported; convert the file again with a current llama.cpp",
                _ when BinaryPrimitives.ReverseEndianness(version) is 2 or 3 => "this looks like a big-endian GGUF file, which is not supported",
                _ => "it is not a version this reader knows",
            };
            throw new ModelLoadException(path, $"GGUF version is {version}, but only versions 2 and 3 are supported: {why}");
        }

        int tensorCount = cursor.ReadCount("tensors (tensor_count)", GgufTensorInfoReader.MinimumInfoBytes);
        int metadataCount = cursor.ReadCount("metadata entries (metadata_kv_count)", GgufMetadataReader.MinimumPairBytes);
        Dictionary<string, GgufValue> metadata = GgufMetadataReader.Read(cursor, metadataCount);
        long alignment = ReadAlignment(path, metadata);
        List<GgufTensorInfo> tensors = GgufTensorInfoReader.Read(cursor, tensorCount);

        // Position <= length, and alignment is at most 2^32, so the sum cannot overflow.
        long dataStart = (cursor.Position + alignment - 1) / alignment * alignment;
        if (dataStart > length && tensors.Count > 0)
        {
            throw new ModelLoadException(
                path, $"the data section would start at byte {dataStart} (the tensor infos end at byte {cursor.Position}, aligned to {alignment}), past the end of the {length}-byte file");
        }

        dataStart = Math.Min(dataStart, length);
        GgufTensorInfoReader.CheckPlacement(path, tensors, dataStart, length, alignment);
        return new GgufFile(path, handle, version, metadata, tensors, alignment, dataStart, progress);
    }

    private static long ReadAlignment(string path, Dictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue(AlignmentKey, out GgufValue? value))
        {
            return DefaultAlignment;
        }

        if (value.Value is not uint alignment)
        {
            throw new ModelLoadException(path, $"metadata key '{AlignmentKey}' is {value}, but it must be a uint32");
        }

        if (alignment == 0 || !BitOperations.IsPow2(alignment))
        {
            throw new ModelLoadException(
                path, $"metadata key '{AlignmentKey}' is {alignment}, but the alignment must be a power of two (1, 2, 4, … 2^31)");
        }

        return alignment;
    }
}
