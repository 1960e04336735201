using System.Collections.Generic;
using System.Linq;
using Codegen.Formats.Gguf;
using Codegen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// <see cref="GgufLlamaDescription"/>: what a GGUF file asks a declaration for is what the generated loader then
/// checks (the loader accepts the described shape), and the declaration it writes compiles without a diagnostic.
/// </summary>
public sealed class GgufLlamaDescriptionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files => new()
    {
        "stories260K/stories260K.gguf",
        "stories260K/gguf/stories260K-Q8_0.gguf",
        "stories260K/gguf/stories260K-Q4_0.gguf",
        "stories260K/gguf/stories260K-Q4_K_M.gguf",
        "gguf-tiny-random/llama-2-tiny-random.gguf",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void TheLoaderAcceptsTheDescribedShape(string file)
    {
        string path = TestModels.Path(file.Split('/'));
        GgufLlamaDescription description = GgufLlamaDescription.Read(path);
        output.WriteLine(description.Declaration());
        output.WriteLine($"matrices: {description.TypeSummary()}");

        GgufLlamaTensors tensors = GgufLlamaWeights.Read(path, description.Shape);

        Assert.Equal(description.Shape.Layers, tensors.Query.Length);
        Assert.Equal(description.Shape.TiedEmbeddings, tensors.Unembedding is null);
    }

    /// <summary>The llama2.c converter wrote stories260K.gguf with context_length 2048 and a copy of the classifier as output.weight.</summary>
    [Fact]
    public void Stories260KIsDescribedAsTheConverterWroteIt()
    {
        GgufLlamaDescription description = GgufLlamaDescription.Read(TestModels.Path("stories260K", "stories260K.gguf"));

        Assert.Equal(new GgufLlamaShape(64, 172, 5, 8, 4, 512, 2048, 1e-5f, 10000f, TiedEmbeddings: false, WeightFormat.F32), description.Shape);
        Assert.Equal("F32 x 36", description.TypeSummary());
        Assert.Equal(
            "[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 2048, TiedEmbeddings = false)]\npublic partial class Stories { }",
            description.Declaration("Stories").ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("stories260K/gguf/stories260K-Q4_0.gguf", WeightFormat.Q4)]
    [InlineData("stories260K/gguf/stories260K-Q8_0.gguf", WeightFormat.Q8)]
    public void QuantizedFilesSuggestTheirFormatAndTheirSeparateClassifier(string file, WeightFormat expected)
    {
        GgufLlamaDescription description = GgufLlamaDescription.Read(TestModels.Path(file.Split('/')));

        Assert.Equal(expected, description.Shape.Weights);
        // llama.cpp's converter writes output.weight, which its quantizer keeps at 8 bits: declaring it keeps that classifier.
        Assert.False(description.Shape.TiedEmbeddings);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TheDeclarationCompilesWithoutDiagnostics(string file)
    {
        string declaration = GgufLlamaDescription.Read(TestModels.Path(file.Split('/'))).Declaration("Described");

        (GeneratorRunResult result, Compilation compilation) = GeneratorHarness.Run($"using Codegen;\nnamespace Consumer;\n{declaration}");

        Assert.Empty(result.Diagnostics);
        IEnumerable<Diagnostic> errors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error);
        Assert.Empty(errors);
    }

    [Fact]
    public void AFileOfAnotherArchitectureIsRefusedByName()
    {
        string path = System.IO.Path.GetTempFileName();
        try
        {
            System.IO.File.WriteAllBytes(path, new GgufBuilder().AddString("general.architecture", "gpt2").AddF32("token_embd.weight", [2, 3], 0, 1, 2, 3, 4, 5).Build());
            var error = Assert.Throws<ModelLoadException>(() => GgufLlamaDescription.Read(path));
            output.WriteLine(error.Message);
            Assert.Contains("'general.architecture' is 'gpt2'", error.Message);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
