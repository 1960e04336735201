using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats;

/// <summary>The 28-byte header of a llama2.c checkpoint (version 0): seven int32 values.</summary>
public readonly record struct Llama2cHeader(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen)
{
    /// <summary>Size of the header in bytes.</summary>
    public const int SizeInBytes = 7 * sizeof(int);

    /// <summary>A negative vocab_size means a separate classifier follows the other tensors.</summary>
    public bool SharedClassifier => VocabSize > 0;
}

/// <summary>
/// Reads a llama2.c checkpoint: the header, then float32 tensors one after another. The generated
/// loader checks the header against the declared shape with <see cref="RequireField"/> and the
/// length with <see cref="RequireTensorBytes"/> before it reads any tensor.
/// </summary>
public sealed class Llama2cCheckpoint : IDisposable
{
    private readonly SafeFileHandle handle;
    private readonly long length;
    private readonly LoadProgress progress;
    private long position = Llama2cHeader.SizeInBytes;

    private Llama2cCheckpoint(string path, SafeFileHandle handle, long length, Llama2cHeader header, LoadProgress progress)
    {
        Path = path;
        this.progress = progress;
        this.handle = handle;
        this.length = length;
        Header = header;
    }

    /// <summary>The checkpoint's path, as given.</summary>
    public string Path { get; }

    /// <summary>The header as stored in the file.</summary>
    public Llama2cHeader Header { get; }

    /// <summary>Opens the file and reads its header.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    /// <exception cref="ModelLoadException">
    /// The file is missing, not a regular file, locked, unreadable or shorter than the header.
    /// </exception>
    public static Llama2cCheckpoint Open(string path) => Open(path, LoadProgress.None);

    /// <summary>
    /// Opens the file and reads its header; the tensor reads then count their bytes with <paramref name="progress"/>
    /// (which <see cref="RequireTensorBytes"/> tells how many there are) and stop when it is cancelled.
    /// </summary>
    /// <exception cref="ModelLoadException">As <see cref="Open(string)"/>.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static Llama2cCheckpoint Open(string path, LoadProgress progress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        SafeFileHandle handle = ModelFile.OpenRead(path, "checkpoint", out long length);
        try
        {
            if (length < Llama2cHeader.SizeInBytes)
            {
                throw new ModelLoadException(
                    path,
                    $"file is {length} bytes, shorter than the {Llama2cHeader.SizeInBytes}-byte llama2.c header");
            }

            Span<int> fields = stackalloc int[7];
            ModelFile.ReadExactly(path, handle, MemoryMarshal.AsBytes(fields), 0, "the header");
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(fields, fields);
            }

            var header = new Llama2cHeader(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
            return new Llama2cCheckpoint(path, handle, length, header, progress);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Throws when a header field differs from the declared value, naming both.</summary>
    public void RequireField(string field, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ModelLoadException(Path, $"header field {field} is {actual}, but the model declares {expected}");
        }
    }

    /// <summary>
    /// Throws unless |vocab_size| (its sign says where the classifier is) equals <paramref name="expected"/>.
    /// The magnitude is taken in 64 bits, so <see cref="int.MinValue"/> is a mismatch like any other.
    /// </summary>
    public void RequireVocabSize(int expected)
    {
        long magnitude = Math.Abs((long)Header.VocabSize);
        if (magnitude != expected)
        {
            throw new ModelLoadException(
                Path, $"header field |vocab_size| is {magnitude}, but the model declares {expected} (vocab_size is {Header.VocabSize})");
        }
    }

    /// <summary>Throws unless the file's classifier layout (sign of vocab_size) matches the declaration.</summary>
    public void RequireClassifierLayout(bool tiedEmbeddings)
    {
        if (Header.SharedClassifier != tiedEmbeddings)
        {
            throw new ModelLoadException(
                Path,
                Header.SharedClassifier
                    ? $"header field vocab_size is {Header.VocabSize} (positive: the classifier is the token embedding), but the model declares TiedEmbeddings = false"
                    : $"header field vocab_size is {Header.VocabSize} (negative: a separate classifier follows), but the model declares TiedEmbeddings = true");
        }
    }

    /// <summary>Throws unless the checkpoint was made for at least <paramref name="context"/> positions.</summary>
    public void RequireContextAtMost(int context)
    {
        if (Header.SeqLen < context)
        {
            throw new ModelLoadException(
                Path,
                $"header field seq_len is {Header.SeqLen}, shorter than the model's declared Context {context}");
        }
    }

    /// <summary>
    /// float32 values of the RoPE tables llama2.c stores after the weights (freq_cis, real and imaginary
    /// halves: seq_len rows of <paramref name="headDim"/> / 2 each). Call after <see cref="RequireContextAtMost"/>,
    /// which guarantees seq_len is positive.
    /// </summary>
    public long RotaryTableValues(int headDim) => (long)Header.SeqLen * headDim;

    /// <summary>
    /// Throws unless the file holds exactly the header and <paramref name="floatCount"/> float32 values.
    /// The byte count is computed with overflow checks; the message gives seq_len, which sizes the RoPE tables.
    /// </summary>
    public void RequireTensorBytes(long floatCount)
    {
        long expected;
        try
        {
            expected = checked(Llama2cHeader.SizeInBytes + (floatCount * sizeof(float)));
        }
        catch (OverflowException)
        {
            throw new ModelLoadException(
                Path, $"header field seq_len is {Header.SeqLen}: with its RoPE tables the declared shape needs {floatCount} float32 values, more bytes than a file can hold");
        }

        if (length != expected)
        {
            string what = length < expected ? "it is truncated" : "it has trailing bytes";
            throw new ModelLoadException(
                Path,
                $"file is {length} bytes, but the declared shape needs {expected} bytes ({Llama2cHeader.SizeInBytes}-byte header + {floatCount} float32 values; header field seq_len is {Header.SeqLen}, which sizes the RoPE tables); {what}");
        }

        progress.Expect(expected - Llama2cHeader.SizeInBytes);
    }

    /// <summary>Reads the next tensor of the given shape into pinned storage; a NaN or infinity in it is refused by <see cref="FiniteWeights"/>.</summary>
    public WeightTensor Read(string name, int[] shape)
    {
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
        }

        float[] values = WeightTensor.AllocateStorage(count);
        ReadInto(name, values);
        FiniteWeights.Require(Path, name, shape, values);
        return new WeightTensor(name, shape, values);
    }

    /// <summary>Reads one tensor per layer, stored one after another ([layers, ...shape]).</summary>
    public WeightTensor[] ReadPerLayer(string name, int layers, int[] shape)
    {
        var tensors = new WeightTensor[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            tensors[layer] = Read($"layers[{layer}].{name}", shape);
        }

        return tensors;
    }

    /// <summary>Skips <paramref name="floatCount"/> float32 values (for example the stored RoPE tables).</summary>
    public void Skip(long floatCount)
    {
        position += floatCount * sizeof(float);
        progress.Advance(floatCount * sizeof(float));
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => handle.Dispose();

    private void ReadInto(string name, float[] values)
    {
        long bytes = (long)values.Length * sizeof(float);
        if (bytes > length - position)
        {
            throw new ModelLoadException(
                Path, $"tensor {name} at byte {position} needs {bytes} bytes, but the file ends at byte {length}");
        }

        ModelFile.ReadFloat32(Path, handle, values, position, $"tensor {name}", progress);
        position += bytes;
    }
}
