using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Codegen.Formats;

/// <summary>
/// A model's weights across one or more safetensors files: a Hugging Face model folder holding
/// <c>model.safetensors</c>, or <c>model.safetensors.index.json</c> and the shards it names
/// (<c>model-00001-of-00003.safetensors</c> ...), or a single <c>.safetensors</c> file.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Open"/> opens every shard once (through <see cref="SafetensorsFile.Open"/>, which validates its
/// header and reads nothing else) and keeps the handles until <see cref="Dispose"/>; reads are positional and
/// bounded, so no shard is ever read whole into memory. Tensor names are exact (no <c>transformer.</c> prefix
/// is tried, unlike <see cref="SafetensorsFile"/>'s GPT-2 look-ups).
/// </para>
/// <para>
/// The index must be consistent with the shards, and every violation is a <see cref="ModelLoadException"/>
/// naming the index and the entry: <c>weight_map</c> is an object of tensor name to shard file name; each shard
/// name is a plain file name in the index's folder (no directory part, not <c>.</c> or <c>..</c>, not rooted)
/// that exists as a regular file (a symbolic link to one, as in the Hugging Face cache, is fine); every tensor
/// the index maps to a shard is in that shard; no tensor is in two shards; every tensor of every shard is in
/// the index; and <c>metadata.total_size</c>, when present, equals the sum of the shards' tensor byte sizes.
/// </para>
/// </remarks>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The index file name looked for in a folder.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Longest index accepted, in bytes (real ones are tens of kilobytes).</summary>
    public const long MaxIndexLength = 64 * 1024 * 1024;

    /// <summary>Longest shard file name accepted (the common file system limit, in bytes, of one name).</summary>
    private const int MaxShardNameLength = 255;

    /// <summary>At most this many index problems are spelt out in one message; the rest are counted.</summary>
    private const int MaxListedProblems = 20;

    private readonly SafetensorsFile[] shards;
    private readonly Dictionary<string, (SafetensorsFile Shard, SafetensorsTensorInfo Info)> tensors;
    private readonly LoadProgress progress;

    private SafetensorsCheckpoint(
        string path, string? indexPath, SafetensorsFile[] shards, Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> tensors, LoadProgress progress)
    {
        Path = path;
        this.progress = progress;
        IndexPath = indexPath;
        this.shards = shards;
        this.tensors = tensors;
        ShardPaths = shards.Select(shard => shard.Path).ToArray();
    }

    /// <summary>The folder or file the checkpoint was opened from, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The index file, or null for a checkpoint of one file.</summary>
    public string? IndexPath { get; }

    /// <summary>The shard files, in the order the index first names them (one entry for a single file).</summary>
    public IReadOnlyList<string> ShardPaths { get; }

    /// <summary>Every tensor of every shard, by the name the files spell.</summary>
    public IReadOnlyCollection<string> TensorNames => tensors.Keys;

    /// <summary>
    /// Opens <paramref name="path"/>: a folder holding <see cref="SafetensorsFile.FolderFileName"/> (preferred when
    /// both are there, as transformers does) or <see cref="IndexFileName"/> and its shards; an index file itself;
    /// or a single safetensors file. Validates the index against the shards as the remarks of
    /// <see cref="SafetensorsCheckpoint"/> describe.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    /// <exception cref="ModelLoadException">A file is missing or malformed, or the index disagrees with the shards.</exception>
    public static SafetensorsCheckpoint Open(string path) => Open(path, LoadProgress.None);

    /// <summary>
    /// <see cref="Open(string)"/>, with reads that count their bytes with <paramref name="progress"/> (which
    /// <see cref="Validate"/> tells how many there will be) and stop when it is cancelled.
    /// </summary>
    /// <exception cref="ModelLoadException">As <see cref="Open(string)"/>.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static SafetensorsCheckpoint Open(string path, LoadProgress progress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        if (Directory.Exists(path))
        {
            string single = System.IO.Path.Combine(path, SafetensorsFile.FolderFileName);
            string index = System.IO.Path.Combine(path, IndexFileName);
            if (IsPresent(single))
            {
                return OpenSingle(path, single, progress);
            }

            if (IsPresent(index))
            {
                return OpenIndex(path, index, progress);
            }

            throw new ModelLoadException(
                path, $"the folder holds neither {SafetensorsFile.FolderFileName} nor {IndexFileName}");
        }

        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenIndex(path, path, progress) : OpenSingle(path, path, progress);
    }

    /// <summary>
    /// Looks a tensor up by its exact name. <paramref name="info"/>'s offsets are relative to its shard's data
    /// buffer; <see cref="ShardPathOf"/> says which shard.
    /// </summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (tensors.TryGetValue(name, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) entry))
        {
            info = entry.Info;
            return true;
        }

        info = null!;
        return false;
    }

    /// <summary>The path of the shard holding tensor <paramref name="name"/>, or null when no shard has it.</summary>
    public string? ShardPathOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return tensors.TryGetValue(name, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) entry) ? entry.Shard.Path : null;
    }

    /// <summary>
    /// Checks that every expected tensor exists with the expected shape and a float dtype (F32, F16 or BF16).
    /// Collects every problem and throws one <see cref="ModelLoadException"/> listing them all, each naming
    /// the shard file, the tensor and both shapes. Tensors the checkpoint has but the list does not are
    /// ignored, as <see cref="SafetensorsFile.Validate"/> ignores them. When every tensor is there, their bytes are
    /// what the load's progress counts to.
    /// </summary>
    public void Validate(IReadOnlyList<ExpectedTensor> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var problems = new List<string>();
        long bytes = 0;
        foreach (ExpectedTensor tensor in expected)
        {
            if (!tensors.TryGetValue(tensor.Name, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) entry))
            {
                problems.Add(shards.Length == 1
                    ? $"missing tensor '{tensor.Name}'"
                    : $"missing tensor '{tensor.Name}' (in none of the {shards.Length} shards)");
                continue;
            }

            bytes += entry.Info.ByteLength;
            string where = FileName(entry.Shard.Path);
            if (!entry.Info.DType.IsFloat32Convertible())
            {
                problems.Add($"tensor '{tensor.Name}' in {where} has dtype {entry.Info.DType}; expected F32, F16 or BF16");
            }

            if (!entry.Info.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                problems.Add($"tensor '{tensor.Name}' in {where} has shape {entry.Info.ShapeText}, expected {SafetensorsFile.FormatShape(tensor.Shape)}");
            }
        }

        if (problems.Count > 0)
        {
            string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            throw new ModelLoadException(Path, $"{count}: {string.Join("; ", problems)}");
        }

        progress.Expect(bytes);
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> as float32 into <paramref name="destination"/>, whose length must
    /// equal the element count (see <see cref="SafetensorsFile.ReadFloat32"/>).
    /// </summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        (SafetensorsFile shard, SafetensorsTensorInfo info) = Get(name);
        shard.ReadFloat32(info.Name, destination);
    }

    /// <summary>
    /// Reads rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>) of a
    /// 2-D tensor, or elements of a 1-D tensor, reading only those from the file (see
    /// <see cref="SafetensorsFile.ReadRowsFloat32"/>).
    /// </summary>
    public void ReadRowsFloat32(string name, int firstRow, int rowCount, Span<float> destination)
    {
        (SafetensorsFile shard, SafetensorsTensorInfo info) = Get(name);
        shard.ReadRowsFloat32(info.Name, firstRow, rowCount, destination);
    }

    /// <summary>Closes every shard; later reads throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        foreach (SafetensorsFile shard in shards)
        {
            shard.Dispose();
        }
    }

    private (SafetensorsFile Shard, SafetensorsTensorInfo Info) Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!tensors.TryGetValue(name, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) entry))
        {
            throw new ModelLoadException(Path, $"missing tensor '{name}'");
        }

        return entry;
    }

    private static SafetensorsCheckpoint OpenSingle(string path, string file, LoadProgress progress)
    {
        SafetensorsFile shard = SafetensorsFile.Open(file, progress);
        var tensors = shard.Tensors.ToDictionary(pair => pair.Key, pair => (shard, pair.Value), StringComparer.Ordinal);
        return new SafetensorsCheckpoint(path, null, [shard], tensors, progress);
    }

    private static SafetensorsCheckpoint OpenIndex(string path, string indexPath, LoadProgress progress)
    {
        (List<(string Tensor, string Shard)> weightMap, long? totalSize) = ReadIndex(indexPath);
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath)) ?? ".";

        // Each shard once, in the order the index first names it.
        var shardNames = new List<string>();
        var firstTensorOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string tensor, string shardName) in weightMap)
        {
            if (firstTensorOf.TryAdd(shardName, tensor))
            {
                shardNames.Add(shardName);
            }
        }

        var opened = new List<SafetensorsFile>();
        try
        {
            foreach (string shardName in shardNames)
            {
                string shardPath = System.IO.Path.Combine(folder, shardName);
                bool present;
                try
                {
                    present = IsPresent(shardPath);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    throw new ModelLoadException(
                        indexPath, $"weight_map entry '{firstTensorOf[shardName]}' names shard '{shardName}', which cannot be looked at: {exception.Message}", exception);
                }

                if (!present)
                {
                    throw new ModelLoadException(
                        indexPath,
                        $"weight_map entry '{firstTensorOf[shardName]}' names shard '{shardName}', which does not exist in {folder}");
                }

                if (Directory.Exists(shardPath))
                {
                    throw new ModelLoadException(
                        indexPath, $"weight_map entry '{firstTensorOf[shardName]}' names shard '{shardName}', which is a directory, not a file");
                }

                progress.ThrowIfCancellationRequested();
                opened.Add(SafetensorsFile.Open(shardPath, progress));
            }

            Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> tensors = CheckAgainstShards(indexPath, weightMap, totalSize, shardNames, opened);
            return new SafetensorsCheckpoint(path, indexPath, opened.ToArray(), tensors, progress);
        }
        catch
        {
            foreach (SafetensorsFile shard in opened)
            {
                shard.Dispose();
            }

            throw;
        }
    }

    private static Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> CheckAgainstShards(
        string indexPath, List<(string Tensor, string Shard)> weightMap, long? totalSize, List<string> shardNames, List<SafetensorsFile> opened)
    {
        var problems = new List<string>();
        var tensors = new Dictionary<string, (SafetensorsFile Shard, SafetensorsTensorInfo Info)>(StringComparer.Ordinal);
        var shardNameOf = new Dictionary<SafetensorsFile, string>();
        long bytes = 0;
        for (int i = 0; i < opened.Count; i++)
        {
            SafetensorsFile shard = opened[i];
            shardNameOf[shard] = shardNames[i];
            foreach (SafetensorsTensorInfo info in shard.Tensors.Values)
            {
                bytes += info.ByteLength;
                if (tensors.TryGetValue(info.Name, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) earlier))
                {
                    problems.Add($"tensor '{info.Name}' is in two shards, '{shardNameOf[earlier.Shard]}' and '{shardNames[i]}'");
                    continue;
                }

                tensors.Add(info.Name, (shard, info));
            }
        }

        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string tensor, string shardName) in weightMap)
        {
            mapped[tensor] = shardName;
            if (!tensors.TryGetValue(tensor, out (SafetensorsFile Shard, SafetensorsTensorInfo Info) entry))
            {
                problems.Add($"weight_map maps '{tensor}' to '{shardName}', but that shard has no such tensor (nor has any other shard the index names)");
            }
            else if (shardNameOf[entry.Shard] != shardName)
            {
                problems.Add($"weight_map maps '{tensor}' to '{shardName}', but that tensor is in '{shardNameOf[entry.Shard]}'");
            }
        }

        foreach ((string name, (SafetensorsFile shard, SafetensorsTensorInfo _)) in tensors)
        {
            if (!mapped.ContainsKey(name))
            {
                problems.Add($"tensor '{name}' of shard '{shardNameOf[shard]}' is not in the weight_map");
            }
        }

        if (totalSize is long declared && declared != bytes)
        {
            problems.Add($"metadata.total_size is {declared}, but the shards' tensors hold {bytes} bytes");
        }

        if (problems.Count > 0)
        {
            string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            IEnumerable<string> listed = problems.Take(MaxListedProblems);
            string more = problems.Count > MaxListedProblems ? $"; and {problems.Count - MaxListedProblems} more" : "";
            throw new ModelLoadException(indexPath, $"the index does not match its shards, {count}: {string.Join("; ", listed)}{more}");
        }

        return tensors;
    }

    /// <summary>Reads <c>weight_map</c> (in file order) and <c>metadata.total_size</c>, checking their types and the shard names.</summary>
    private static (List<(string Tensor, string Shard)> WeightMap, long? TotalSize) ReadIndex(string indexPath)
    {
        using JsonDocument document = JsonFile.ParseObject(indexPath, "index", MaxIndexLength);
        {
            JsonElement root = document.RootElement;
            long? totalSize = null;
            if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind != JsonValueKind.Null)
            {
                if (metadata.ValueKind != JsonValueKind.Object)
                {
                    throw new ModelLoadException(indexPath, $"field 'metadata' must be an object, found {Raw(metadata)}");
                }

                if (metadata.TryGetProperty("total_size", out JsonElement total) && total.ValueKind != JsonValueKind.Null)
                {
                    totalSize = ReadTotalSize(indexPath, total);
                }
            }

            if (!root.TryGetProperty("weight_map", out JsonElement map))
            {
                throw new ModelLoadException(indexPath, "the index has no 'weight_map'");
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(indexPath, $"field 'weight_map' must be an object of tensor name to shard file name, found {Raw(map)}");
            }

            var weightMap = new List<(string, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                if (!seen.Add(entry.Name))
                {
                    throw new ModelLoadException(indexPath, $"weight_map lists '{entry.Name}' twice");
                }

                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new ModelLoadException(
                        indexPath, $"weight_map entry '{entry.Name}' must be a shard file name (a string), found {Raw(entry.Value)}");
                }

                string shard = entry.Value.GetString()!;
                if (PlainFileNameProblem(shard) is string problem)
                {
                    throw new ModelLoadException(
                        indexPath, $"weight_map entry '{entry.Name}' names shard '{shard}', {problem}; a shard must be a plain file name in the index's folder");
                }

                weightMap.Add((entry.Name, shard));
            }

            if (weightMap.Count == 0)
            {
                throw new ModelLoadException(indexPath, "weight_map is empty: the index names no tensor");
            }

            return (weightMap, totalSize);
        }
    }

    private static long ReadTotalSize(string indexPath, JsonElement total)
    {
        if (total.ValueKind == JsonValueKind.Number)
        {
            if (total.TryGetInt64(out long value) && value >= 0)
            {
                return value;
            }

            // transformers writes an integer, but a float that is one (1.5e9) means the same.
            if (total.TryGetDouble(out double number) && number >= 0 && number <= long.MaxValue && Math.Floor(number) == number)
            {
                return (long)number;
            }
        }

        throw new ModelLoadException(indexPath, $"field 'metadata.total_size' must be a non-negative integer, found {Raw(total)}");
    }

    /// <summary>Null when <paramref name="name"/> is a plain file name; else what is wrong with it.</summary>
    private static string? PlainFileNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "an empty name";
        }

        if (name == "." || name == "..")
        {
            return "which is not a file name";
        }

        if (name.Contains('/') || name.Contains('\\') || System.IO.Path.IsPathRooted(name))
        {
            return "which has a directory part";
        }

        if (name.Contains('\0') || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0)
        {
            return "which has a character no file name may hold";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxShardNameLength)
        {
            return $"which is longer than {MaxShardNameLength} bytes";
        }

        return null;
    }

    /// <summary>Whether anything is at <paramref name="path"/>: a file, a folder, or a link (even a dangling one, refused later by name).</summary>
    private static bool IsPresent(string path) =>
        File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static string FileName(string path) => System.IO.Path.GetFileName(path);

    private static string Raw(JsonElement value)
    {
        string text = value.GetRawText();
        return text.Length <= 80 ? text : text[..80] + "...";
    }
}
