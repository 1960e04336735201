using System;
using System.Collections.Generic;
using System.IO;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Codegen.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Bad arguments to every loader, with valid files: null, empty and malformed paths, a path that
/// does not exist, a folder where a file is expected, and llama2.c vocabulary sizes at the edges.
/// An argument that is wrong in itself must give an <see cref="ArgumentException"/>; a path that
/// does not lead to a readable file, a <see cref="ModelLoadException"/> naming it.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class LoaderArgumentFuzzTests(ITestOutputHelper output)
{
    private const string Format = "loader arguments";

    private static readonly int[] VocabularySizes = [int.MinValue, -1, 0, 1, 3, 258, 259, 511, 512, 513, 1 << 20, int.MaxValue];

    [Fact]
    public void LoadersAnswerBadArgumentsWithTypedErrors()
    {
        var report = new FuzzReport();
        foreach (int size in VocabularySizes)
        {
            Run(report, $"Llama2cTokenizer.Load(tok512.bin, vocabularySize: {size})", "tok512.bin", FuzzSeeds.Tok512,
                path => TokenizerUse.EncodeAndDecode(Llama2cTokenizer.Load(path, size)));
        }

        foreach ((string description, Func<string, string?> pathIn) in BadPaths())
        {
            Run(report, $"Llama2cTokenizer.Load({description}, 512)", "tok512.bin", FuzzSeeds.Tok512,
                path => TokenizerUse.EncodeAndDecode(Llama2cTokenizer.Load(pathIn(path)!, 512)));
            Run(report, $"Stories260KModel.Load({description})", "stories260K.bin", FuzzSeeds.Stories260KCheckpoint,
                path => ForwardStep.NonFiniteLogits(Stories260KModel.Load(pathIn(path)!).CreateSession(), token: 1));
            Run(report, $"Gpt2Tiny.Load({description})", "model.safetensors", FuzzSeeds.Gpt2TinyWeights,
                path => ForwardStep.NonFiniteLogits(Gpt2Tiny.Load(pathIn(path)!).CreateSession(), token: 0));
            Run(report, $"SafetensorsFile.Open({description})", "model.safetensors", FuzzSeeds.Gpt2TinyWeights,
                path => { SafetensorsFile.Open(pathIn(path)!).Dispose(); return null; });
            Run(report, $"HuggingFaceConfig.Load({description})", "config.json", FuzzSeeds.Gpt2TinyConfig,
                path => { HuggingFaceConfig.Load(pathIn(path)!); return null; });
            Run(report, $"HuggingFaceConfig.TryLoadBeside({description})", "config.json", FuzzSeeds.Gpt2TinyConfig,
                path => { HuggingFaceConfig.TryLoadBeside(pathIn(path)!); return null; });
            Run(report, $"SafetensorsCheckpoint.Open({description})", "model.safetensors", FuzzSeeds.Gpt2TinyWeights,
                path => { SafetensorsCheckpoint.Open(pathIn(path)!).Dispose(); return null; });
            Run(report, $"SafetensorsCheckpoint.Open(index: {description})", SafetensorsCheckpoint.IndexFileName, SafetensorsIndexFuzzTests.IndexSeed,
                path => { SafetensorsCheckpoint.Open(pathIn(path)!).Dispose(); return null; });
            Run(report, $"HuggingFaceLlamaConfig.Load({description})", "config.json", FuzzSeeds.Gpt2TinyConfig,
                path => { HuggingFaceLlamaConfig.Load(pathIn(path)!); return null; });
            Run(report, $"HuggingFaceLlamaConfig.TryLoad({description})", "config.json", FuzzSeeds.Gpt2TinyConfig,
                path => { HuggingFaceLlamaConfig.TryLoad(pathIn(path)!); return null; });
            Run(report, $"Gpt2Tokenizer.Load(folder: {description})", "vocab.json", FuzzSeeds.Gpt2TinyVocabulary,
                path => TokenizerUse.EncodeAndDecode(Gpt2Tokenizer.Load(pathIn(Path.Combine(Path.GetDirectoryName(path)!, "folder"))!)));
            Run(report, $"Gpt2Tokenizer.Load(vocab.json: {description}, merges.txt)", "vocab.json", FuzzSeeds.Gpt2TinyVocabulary,
                path => TokenizerUse.EncodeAndDecode(Gpt2Tokenizer.Load(pathIn(path)!, Path.Combine(Path.GetDirectoryName(path)!, "merges.txt"))));
        }

        output.WriteLine(report.Summary(Format, "fixed cases", TimeSpan.Zero));
        if (report.Failures.Count > 0)
        {
            Assert.Fail(report.FailureMessage(Format, "fixed cases"));
        }
    }

    /// <summary>
    /// Bad paths, each made from the path where a valid file lies. (A path of spaces is not among
    /// them: on Linux it is a valid file name, so "not found" is the right answer to it.)
    /// </summary>
    private static IEnumerable<(string Description, Func<string, string?> Path)> BadPaths() =>
    [
        ("null", _ => null),
        ("\"\"", _ => ""),
        ("a path with a NUL character", path => path + "\0x"),
        ("a file that does not exist", path => Path.Combine(Path.GetDirectoryName(path)!, "missing.bin")),
        ("the folder instead of the file", path => Path.GetDirectoryName(path)!),
    ];

    private static void Run(FuzzReport report, string call, string fileName, Seed seed, Func<string, string?> loadAndUse)
    {
        var companions = new Dictionary<string, byte[]> { ["merges.txt"] = FuzzSeeds.Gpt2TinyMerges.Bytes };
        var target = new FuzzTarget(Format, fileName, companions, loadAndUse, AllowsArgumentExceptions: true);
        using var runner = new FuzzRunner(target, FuzzSettings.DefaultCaseTimeout, report);
        runner.Run(new FuzzCase(seed.Name, call, seed.Bytes));
    }
}
