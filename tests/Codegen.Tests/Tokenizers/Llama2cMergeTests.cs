using System;
using System.IO;
using Codegen.Benchmarks.Tokenizers;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// The llama2.c encoder's merge loop: the same tokens as run.c's rescanning loop (kept as
/// <see cref="Llama2cReferenceEncoder"/>), with work that grows linearly in the text.
/// </summary>
public sealed class Llama2cMergeTests
{
    private static readonly string Tok512 = TestModels.Path("stories260K", "tok512.bin");
    private static readonly Lazy<Llama2cTokenizer> Tokenizer = new(() => Llama2cTokenizer.Load(Tok512, 512));
    private static readonly Lazy<Llama2cReferenceEncoder> Reference = new(() => new Llama2cReferenceEncoder(Tok512, 512));

    [Theory]
    [InlineData(2_000)]
    [InlineData(8_000)]
    public void PairLookupsGrowLinearly(int length)
    {
        // Each symbol's pair is looked up once at the start and each merge looks up the two new
        // pairs it makes, so a text of n symbols takes at most 3n look-ups; rescanning every pair
        // after each merge took about n * n / 4 (a million for 2,000 characters of prose).
        string text = TokenizerTestTexts.Prose(length);
        int symbols = Encoding.UTF8.GetByteCount(text) + 1;

        int[] tokens = Tokenizer.Value.Encode(text, addBos: false, out int pairLookups);

        Assert.True(tokens.Length < symbols / 2, $"the prose should merge a lot: {tokens.Length} tokens from {symbols} symbols");
        Assert.InRange(pairLookups, symbols - 1, 3 * symbols);
    }

    [Fact]
    public void EncodesAsTheRescanningLoopOnRealAndRandomTexts()
    {
        foreach (string text in TokenizerTestTexts.All())
        {
            Assert.Equal(Reference.Value.Encode(text, addBos: true), Tokenizer.Value.Encode(text, addBos: true));
        }
    }

    [Fact]
    public void EncodesAsTheRescanningLoopWithLlama2sVocabulary()
    {
        // Llama 2's 32000 tokens, exported from its tokenizer.model as llama2.c's tokenizer.py does.
        string folder = Directory.CreateTempSubdirectory("codegen-llama2-tokenizer-").FullName;
        try
        {
            string path = Path.Combine(folder, "tokenizer.bin");
            Assert.Equal(32000, SentencePieceToLlama2c.Convert(TestModels.Path("tokenizers", "llama2", "tokenizer.model"), path));
            var tokenizer = Llama2cTokenizer.Load(path, 32000);
            var reference = new Llama2cReferenceEncoder(path, 32000);

            Assert.Equal(new[] { 1, 15043, 3186 }, tokenizer.Encode("Hello world", addBos: true));
            foreach (string text in TokenizerTestTexts.All())
            {
                Assert.Equal(reference.Encode(text, addBos: true), tokenizer.Encode(text, addBos: true));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void EqualScoresMergeTheLeftmostPairFirst()
    {
        // " aaa" with "aa" as the only merge: the pairs at 1 and 2 score the same, and run.c
        // merges the first, giving " ", "aa", "a" rather than " ", "a", "aa".
        string folder = Directory.CreateTempSubdirectory("codegen-llama2c-ties-").FullName;
        try
        {
            string path = Path.Combine(folder, "tokenizer.bin");
            using (var file = new BinaryWriter(File.Create(path)))
            {
                string[] pieces = { "<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "aa" };
                file.Write(pieces.Max(piece => piece.Length));
                foreach (string piece in pieces)
                {
                    file.Write(piece == "aa" ? 1f : 0f);
                    file.Write(piece.Length);
                    file.Write(Encoding.ASCII.GetBytes(piece));
                }
            }

            var tokenizer = Llama2cTokenizer.Load(path, 6);

            Assert.Equal(new[] { 3, 5, 4 }, tokenizer.Encode("aaa", addBos: false));
            Assert.Equal(new[] { 3, 5, 5, 4 }, tokenizer.Encode("aaaaa", addBos: false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
