using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Codegen.Formats;
using Codegen.Formats.Gguf;
using Codegen.Tests.EndToEnd;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// Every public loader opens only regular files with contents and reports every file problem (a
/// device, a FIFO, a directory, an empty file, a locked file, a bad path argument) as a
/// <see cref="ModelLoadException"/> naming the file, or an argument exception naming the parameter.
/// </summary>
public sealed class LoaderFileTests : IDisposable
{
    /// <summary>How long a load may take before the test calls it hung (they take milliseconds).</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>The public loaders, each given one file path (the others, when it needs them, are the real test files).</summary>
    public static TheoryData<string> Loaders => new(LoaderTable.Keys);

    private static readonly Dictionary<string, Action<string>> LoaderTable = new()
    {
        ["Llama2cCheckpoint.Open"] = path => Llama2cCheckpoint.Open(path).Dispose(),
        ["generated llama2.c Load"] = path => Stories260KModel.Load(path),
        ["GgufFile.Open"] = path => GgufFile.Open(path).Dispose(),
        ["SafetensorsFile.Open"] = path => SafetensorsFile.Open(path).Dispose(),
        ["SafetensorsFile.OpenFileOrFolder"] = path => SafetensorsFile.OpenFileOrFolder(path).Dispose(),
        ["generated safetensors Load"] = path => Gpt2Tiny.Load(path),
        ["HuggingFaceConfig.Load"] = path => HuggingFaceConfig.Load(path),
        ["Llama2cTokenizer.Load"] = path => Llama2cTokenizer.Load(path, 512),
        ["Gpt2Tokenizer.Load vocab.json"] = path => Gpt2Tokenizer.Load(path, TestModels.Path("gpt2-tiny", "merges.txt")),
        ["Gpt2Tokenizer.Load merges.txt"] = path => Gpt2Tokenizer.Load(TestModels.Path("gpt2-tiny", "vocab.json"), path),
    };

    [Theory]
    [MemberData(nameof(Loaders))]
    public void RefusesACharacterDevice(string loader)
    {
        ModelLoadException error = LoadFails(loader, "/dev/zero");

        Assert.Contains("not a regular file", error.Message);
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void RefusesAFifoWithoutBlocking(string loader)
    {
        string fifo = Path.Combine(folder.FullPath, "fifo");
        MakeFifo(fifo);

        ModelLoadException error = LoadFails(loader, fifo);

        Assert.Contains("not a regular file", error.Message);
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void RefusesADirectory(string loader)
    {
        string directory = Directory.CreateDirectory(Path.Combine(folder.FullPath, "model")).FullName;

        // The safetensors Loads take a folder holding model.safetensors (or shards): that is what is missing.
        ModelLoadException error = LoadFails(loader, directory);

        if (loader is "generated safetensors Load" or "SafetensorsFile.OpenFileOrFolder")
        {
            Assert.Equal(Path.Combine(directory, "model.safetensors"), error.FilePath);
            Assert.Contains("not found", error.Message);
        }
        else if (loader is "generated llama2.c Load")
        {
            // A Llama-family Load takes a folder as a Hugging Face one: its weights are what is missing.
            Assert.Equal(directory, error.FilePath);
            Assert.Contains("the folder holds neither model.safetensors nor model.safetensors.index.json", error.Message);
        }
        else
        {
            Assert.Equal(directory, error.FilePath);
            Assert.Contains("is a directory, not a file", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void RefusesAnEmptyFile(string loader)
    {
        string path = folder.Write("empty", Array.Empty<byte>());

        ModelLoadException error = LoadFails(loader, path);

        Assert.Contains("it is empty", error.Message);
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void ReportsALockedFileAsAModelLoadException(string loader)
    {
        string path = folder.Write("locked", new byte[64]);
        using var holder = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        ModelLoadException error = LoadFails(loader, path);

        Assert.IsType<IOException>(error.InnerException);
        Assert.Contains("cannot open", error.Message);
    }

    [Fact]
    public void FollowsASymbolicLinkToARegularFile()
    {
        string link = Path.Combine(folder.FullPath, "linked.bin");
        File.CreateSymbolicLink(link, TestModels.Path("stories260K", "stories260K.bin"));

        Stories260KModel model = Stories260KModel.Load(link);

        Assert.Equal(5, model.Weights.Layers.Count);
    }

    [Fact]
    public void NamesTheMissingTargetOfADanglingLink()
    {
        string link = Path.Combine(folder.FullPath, "dangling.bin");
        string target = Path.Combine(folder.FullPath, "absent.bin");
        File.CreateSymbolicLink(link, target);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(link));

        Assert.Equal(link, error.FilePath);
        Assert.Contains($"checkpoint file not found: it is a symbolic link to {target}, which does not exist", error.Message);
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void ReportsASymbolicLinkLoop(string loader)
    {
        string first = Path.Combine(folder.FullPath, "first");
        string second = Path.Combine(folder.FullPath, "second");
        File.CreateSymbolicLink(first, second);
        File.CreateSymbolicLink(second, first);

        ModelLoadException error = LoadFails(loader, first);

        Assert.Equal(first, error.FilePath);
    }

    [Fact]
    public void APathBelowARegularFileIsNotFound()
    {
        string file = folder.Write("plain", new byte[4]);

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(file));

        Assert.Equal(Path.Combine(file, "vocab.json"), error.FilePath);
        Assert.Contains("vocabulary file not found: the path does not exist", error.Message);
    }

    [Fact]
    public void ReportsAConfigJsonThatIsAFifoBesideTheWeights()
    {
        string weights = Path.Combine(folder.FullPath, "model.safetensors");
        File.CreateSymbolicLink(weights, TestModels.Path("gpt2-tiny", "model.safetensors"));
        string config = Path.Combine(folder.FullPath, "config.json");
        MakeFifo(config);

        ModelLoadException error = RunWithin(() => Gpt2Tiny.Load(weights), config);

        Assert.Equal(config, error.FilePath);
    }

    [Fact]
    public void ReportsAConfigJsonThatLinksToADevice()
    {
        string weights = Path.Combine(folder.FullPath, "model.safetensors");
        File.CreateSymbolicLink(weights, TestModels.Path("gpt2-tiny", "model.safetensors"));
        string config = Path.Combine(folder.FullPath, "config.json");
        File.CreateSymbolicLink(config, "/dev/zero");

        ModelLoadException error = RunWithin(() => HuggingFaceConfig.TryLoadBeside(weights), config);

        Assert.Equal(config, error.FilePath);
        Assert.Contains("not a regular file", error.Message);
    }

    /// <summary>Each public loader with its path parameters: null, empty and blank paths are argument errors naming the parameter.</summary>
    public static TheoryData<string, string> PathParameters => new()
    {
        { "Llama2cCheckpoint.Open", "path" },
        { "generated llama2.c Load", "path" },
        { "SafetensorsFile.Open", "path" },
        { "SafetensorsFile.OpenFileOrFolder", "path" },
        { "generated safetensors Load", "path" },
        { "HuggingFaceConfig.Load", "configPath" },
        { "HuggingFaceConfig.TryLoadBeside", "weightsPath" },
        { "Llama2cTokenizer.Load", "path" },
        { "Gpt2Tokenizer.Load directory", "directory" },
        { "Gpt2Tokenizer.Load vocab.json", "vocabularyPath" },
        { "Gpt2Tokenizer.Load merges.txt", "mergesPath" },
    };

    [Theory]
    [MemberData(nameof(PathParameters))]
    public void NullPathIsAnArgumentNullExceptionNamingTheParameter(string loader, string parameter)
    {
        var error = Assert.Throws<ArgumentNullException>(() => PathLoader(loader)(null!));

        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [MemberData(nameof(PathParameters))]
    public void EmptyOrBlankPathIsAnArgumentExceptionNamingTheParameter(string loader, string parameter)
    {
        foreach (string path in new[] { string.Empty, "   " })
        {
            var error = Assert.Throws<ArgumentException>(() => PathLoader(loader)(path));

            Assert.Equal(parameter, error.ParamName);
        }
    }

    private static Action<string> PathLoader(string loader) => loader switch
    {
        "HuggingFaceConfig.TryLoadBeside" => path => HuggingFaceConfig.TryLoadBeside(path),
        "Gpt2Tokenizer.Load directory" => path => Gpt2Tokenizer.Load(path),
        _ => LoaderTable[loader],
    };

    private ModelLoadException LoadFails(string loader, string path)
    {
        ModelLoadException error = RunWithin(() => LoaderTable[loader](path), path);
        Assert.StartsWith(error.FilePath + ": ", error.Message);
        return error;
    }

    /// <summary>
    /// Runs <paramref name="load"/> on a task and returns the <see cref="ModelLoadException"/> it throws;
    /// fails if it throws anything else or has not finished within <see cref="HangLimit"/>. A load hung on
    /// a FIFO is released by opening the FIFO for writing, so it does not outlive the test.
    /// </summary>
    private static ModelLoadException RunWithin(Action load, string path)
    {
        Task task = Task.Factory.StartNew(load, TaskCreationOptions.LongRunning);
        bool finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(HangLimit);
        if (!finished)
        {
            Release(path);
            Assert.Fail($"the load of {path} did not finish within {HangLimit.TotalSeconds} s");
        }

        return Assert.IsType<ModelLoadException>(task.Exception?.InnerException);
    }

    private static void Release(string path)
    {
        if (new FileInfo(path).Length == 0 && path.StartsWith(Path.GetTempPath(), StringComparison.Ordinal))
        {
            try
            {
                using var writer = new FileStream(path, FileMode.Open, FileAccess.Write);
            }
            catch (IOException)
            {
                // Not a FIFO after all: nothing to release.
            }
        }
    }

    private static void MakeFifo(string path)
    {
        using Process process = Process.Start("mkfifo", path)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
