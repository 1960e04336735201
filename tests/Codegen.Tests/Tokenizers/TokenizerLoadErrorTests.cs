using System;
using System.IO;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>Missing and broken tokenizer files fail with a <see cref="ModelLoadException"/> that names the file and the fault.</summary>
public sealed class TokenizerLoadErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("codegen-tokenizer-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Write(string name, string content) => Write(name, System.Text.Encoding.UTF8.GetBytes(content));

    private static byte[] Tok512() => File.ReadAllBytes(TestModels.Path("stories260K", "tok512.bin"));

    [Fact]
    public void MissingLlama2cFileIsNamed()
    {
        string path = Path.Combine(_folder, "tokenizer.bin");

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(path, 512));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void TruncatedLlama2cFileNamesTheToken()
    {
        byte[] whole = Tok512();
        string path = Write("tok512.bin", whole[..^1]);

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(path, 512));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("token 511: length", error.Message);
        Assert.Contains($"runs past the end of the file at byte {whole.Length - 1}", error.Message);
    }

    [Fact]
    public void Llama2cFileWithFewerTokensThanTheModelIsRejected()
    {
        string path = Write("tok512.bin", Tok512());

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(path, 513));

        Assert.Contains("token 512", error.Message);
        Assert.Contains("fewer than the model's 513 tokens", error.Message);
    }

    [Fact]
    public void Llama2cTokenLengthOutOfRangeIsNamed()
    {
        byte[] broken = Tok512();
        BitConverter.TryWriteBytes(broken.AsSpan(4 + 4), 9999); // token 0's length

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(Write("tok512.bin", broken), 512));

        Assert.Contains("token 0: length 9999 at byte 8 is outside 0..7", error.Message);
    }

    [Fact]
    public void TooShortLlama2cFileIsRejected()
    {
        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(Write("tok512.bin", new byte[] { 7, 0 }), 512));

        Assert.Contains("the file is 2 bytes", error.Message);
    }

    [Fact]
    public void MissingGpt2FilesAreNamed()
    {
        var noVocabulary = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));
        Assert.Equal(Path.Combine(_folder, "vocab.json"), noVocabulary.FilePath);

        Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        var noMerges = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));
        Assert.Equal(Path.Combine(_folder, "merges.txt"), noMerges.FilePath);
        Assert.Contains("does not exist", noMerges.Message);
    }

    [Theory]
    [InlineData("{\"a\": 0, \"b\": ", "not valid JSON")]
    [InlineData("[\"a\", \"b\"]", "expected a JSON object")]
    [InlineData("{\"a\": 0, \"b\": \"one\"}", "token \"b\": the id \"one\" is not a non-negative integer")]
    [InlineData("{\"a\": 0, \"b\": 0}", "tokens \"a\" and \"b\" both have id 0")]
    [InlineData("{\"a\": 0, \"b\": 5}", "token \"b\": id 5 is out of range")]
    [InlineData("{\"a\": 0, \"a\": 1}", "token \"a\" appears twice")]
    [InlineData("{}", "the vocabulary is empty")]
    [InlineData("{\"a b\": 0}", "has the character U+0020, which is not in GPT-2's byte-level alphabet")]
    public void BrokenVocabularyIsNamed(string vocabulary, string fault)
    {
        string path = Write("vocab.json", vocabulary);
        Write("merges.txt", "#version: 0.2\n");

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(fault, error.Message);
    }

    [Theory]
    [InlineData("#version: 0.2\na\n", "line 2: expected two tokens")]
    [InlineData("#version: 0.2\na b c\n", "line 2: expected two tokens")]
    [InlineData("#version: 0.2\na b\nb c\n", "line 3: merge \"b c\" uses \"c\", which is not in the vocabulary")]
    [InlineData("#version: 0.2\nb a\n", "uses \"ba\", which is not in the vocabulary")]
    [InlineData("#version: 0.2\na b\r\na b\r\n", "line 3: merge \"a b\" repeats line 2")]
    public void BrokenMergesAreNamed(string merges, string fault)
    {
        Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        string path = Write("merges.txt", merges);

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(fault, error.Message);
    }

    [Fact]
    public void SmallVocabularyWithoutEndOfTextHasNoStopToken()
    {
        Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Write("merges.txt", "#version: 0.2\na b\n");

        var tokenizer = Gpt2Tokenizer.Load(_folder);

        Assert.Equal(-1, tokenizer.EosToken);
        Assert.Equal(-1, tokenizer.BosToken);
        Assert.Empty(tokenizer.StopTokens);
        Assert.Equal(new[] { 2, 0 }, tokenizer.Encode("aba", addBos: true));
        Assert.Equal("aba", tokenizer.Decode(new[] { 2, 0 }));
    }

    [Fact]
    public void InvalidUtf8InAVocabularyTokenIsNamed()
    {
        byte[] vocabulary = Encoding.UTF8.GetBytes("{\"a\": 0, \"b?\": 1}");
        vocabulary[Array.IndexOf(vocabulary, (byte)'?')] = 0xFF;
        string path = Write("vocab.json", vocabulary);
        Write("merges.txt", "#version: 0.2\n");

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("byte 11 (line 1) is not valid UTF-8 (0xFF)", error.Message);
    }

    [Theory]
    [InlineData("{\"a\": 0, \"\\ud800\": 1}", "the key at byte 9 (line 1)")]
    [InlineData("{\"x\\udc00y\": 0}", "the key at byte 1 (line 1)")]
    public void LoneSurrogateEscapeInAVocabularyTokenIsNamed(string vocabulary, string entry)
    {
        string path = Write("vocab.json", vocabulary);
        Write("merges.txt", "#version: 0.2\n");

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"{entry} escapes a lone or reversed surrogate", error.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(100_000)]
    public void Llama2cVocabularyLargerThanTheFileCanHoldIsRejectedBeforeAllocating(int vocabularySize)
    {
        byte[] file = Tok512();
        string path = Write("tok512.bin", file);

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(path, vocabularySize));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"the model's vocabulary of {vocabularySize} tokens", error.Message);
        Assert.Contains($"the file's {file.Length} bytes hold at most {(file.Length - 4) / 8} tokens (8 bytes each at least)", error.Message);
    }

    [Theory]
    [InlineData(3, "only 3 bytes are left, fewer than the 8 of its score and length")]
    [InlineData(8 + 2, "its 3 bytes run past the end of the file at byte 6237")]
    public void Llama2cFileWithAPartialTokenAfterTheModelsTokensIsRejected(int extraBytes, string fault)
    {
        // tok512.bin with a 513th token (" zzz", score -1) cut short: the model's 512 tokens are
        // whole, but the file was cut inside the one after them.
        byte[] whole = Tok512();
        byte[] extraToken = new byte[8 + 3];
        BitConverter.TryWriteBytes(extraToken.AsSpan(0), -1f);
        BitConverter.TryWriteBytes(extraToken.AsSpan(4), 3);
        "zzz"u8.CopyTo(extraToken.AsSpan(8));
        string path = Write("tok512.bin", [.. whole, .. extraToken[..extraBytes]]);

        var error = Assert.Throws<ModelLoadException>(() => Llama2cTokenizer.Load(path, 512));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"the file goes on for {extraBytes} bytes after the model's 512 tokens, but they are not whole tokens", error.Message);
        Assert.Contains($"token 512 at byte {whole.Length}: {fault}", error.Message);
    }

    [Fact]
    public void Llama2cFileWithWholeTokensAfterTheModelsTokensLoads()
    {
        // run.c reads only the model's tokens; whole tokens after them are not a fault.
        string path = Write("tok512.bin", Tok512());

        Assert.Equal(300, Llama2cTokenizer.Load(path, 300).VocabularySize);
    }

    [Fact]
    public void MergesCutInsideTheirLastLineAreRejected()
    {
        // "ab cd" cut to "ab c": what is left is still a merge of tokens in the vocabulary.
        Write("vocab.json", "{\"a\": 0, \"b\": 1, \"c\": 2, \"d\": 3, \"ab\": 4, \"cd\": 5, \"abc\": 6, \"abcd\": 7}");
        string path = Write("merges.txt", "#version: 0.2\na b\nc d\nab c");

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("line 4: the file ends inside this line (\"ab c\"), without the line break that ends every merge", error.Message);
    }

    [Fact]
    public void Gpt2MergesCutInsideTheirLastLineAreRejected()
    {
        // GPT-2's merges.txt cut inside its last line, "\u0120g azed", where what is left of it,
        // "\u0120g aze", is still a merge of tokens in the vocabulary.
        string merges = File.ReadAllText(TestModels.Path("gpt2-tokenizer", "merges.txt"));
        Assert.EndsWith("\u0120g azed\n", merges);
        File.Copy(TestModels.Path("gpt2-tokenizer", "vocab.json"), Path.Combine(_folder, "vocab.json"));
        string path = Write("merges.txt", merges[..^2]);
        int lastLine = merges.Count(c => c == '\n');

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"line {lastLine}: the file ends inside this line (\"\u0120g aze\"), without the line break that ends every merge", error.Message);
    }

    [Fact]
    public void VocabularyCutInsideItsLastEntryIsRejectedWithItsPosition()
    {
        byte[] vocabulary = File.ReadAllBytes(TestModels.Path("gpt2-tokenizer", "vocab.json"));
        string path = Write("vocab.json", vocabulary[..^4]); // "...\"<|endoftext|>\": 502"
        Write("merges.txt", "#version: 0.2\n");

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("not valid JSON", error.Message);
        Assert.Contains($"line 1, byte {vocabulary.Length - 4 + 1} of that line", error.Message); // just after its last byte
    }
}
