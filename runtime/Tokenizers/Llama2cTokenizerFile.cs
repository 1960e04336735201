using System;
using System.Buffers.Binary;
using Codegen.Formats;

namespace Codegen.Tokenizers;

/// <summary>
/// Reads llama2.c's tokenizer file (<c>tokenizer.bin</c>, <c>tok512.bin</c>): int32
/// max_token_length, then per token a float32 score, an int32 byte length and that many bytes of
/// UTF-8. All numbers are little-endian. Tokens after the model's vocabulary are ignored, as run.c
/// does, but they must be whole: a file that ends inside one was cut short.
/// </summary>
internal static class Llama2cTokenizerFile
{
    /// <summary>The pieces and merge scores of the first <paramref name="vocabularySize"/> tokens.</summary>
    public static (byte[][] Pieces, float[] Scores) Read(string path, int vocabularySize)
    {
        byte[] file = ReadAllBytes(path);
        if (file.Length < 4)
        {
            throw new ModelLoadException(path, $"the file is {file.Length} bytes, too short for the int32 max_token_length at its start");
        }

        int maxTokenLength = BinaryPrimitives.ReadInt32LittleEndian(file);
        if (maxTokenLength <= 0)
        {
            throw new ModelLoadException(path, $"max_token_length is {maxTokenLength}; it must be positive");
        }

        // Each token takes at least 8 bytes (its score and length), so the file bounds the count
        // before anything the size of the vocabulary is allocated.
        int mostTokens = (file.Length - 4) / 8;
        if (vocabularySize > mostTokens)
        {
            throw new ModelLoadException(path,
                $"the model's vocabulary of {vocabularySize} tokens cannot be in this file: " +
                $"the file's {file.Length} bytes hold at most {mostTokens} tokens (8 bytes each at least)");
        }

        var pieces = new byte[vocabularySize][];
        var scores = new float[vocabularySize];
        int offset = 4;
        for (int token = 0; token < vocabularySize; token++)
        {
            if (file.Length - offset < 8)
            {
                throw new ModelLoadException(path,
                    $"token {token}: the file ends at byte {file.Length}, before its score and length at byte {offset} " +
                    $"(the file holds fewer than the model's {vocabularySize} tokens)");
            }

            scores[token] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(offset));
            int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 4));
            offset += 8;
            if (length < 0 || length > maxTokenLength)
            {
                throw new ModelLoadException(path,
                    $"token {token}: length {length} at byte {offset - 4} is outside 0..{maxTokenLength} (max_token_length)");
            }

            if (file.Length - offset < length)
            {
                throw new ModelLoadException(path,
                    $"token {token}: length {length} runs past the end of the file at byte {file.Length}");
            }

            pieces[token] = file.AsSpan(offset, length).ToArray();
            offset += length;
        }

        CheckTokensAfterTheModels(path, file, offset, maxTokenLength, vocabularySize);
        return (pieces, scores);
    }

    /// <summary>
    /// The bytes after the model's tokens, which run.c ignores, must be whole tokens: a file that
    /// ends inside a token there was cut short (or the model's vocabulary size is wrong).
    /// </summary>
    private static void CheckTokensAfterTheModels(string path, byte[] file, int offset, int maxTokenLength, int vocabularySize)
    {
        int end = offset;
        for (int token = vocabularySize; offset < file.Length; token++)
        {
            string? fault = null;
            int length = 0;
            if (file.Length - offset < 8)
            {
                fault = $"only {file.Length - offset} bytes are left, fewer than the 8 of its score and length";
            }
            else
            {
                length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 4));
                if (length < 0 || length > maxTokenLength)
                {
                    fault = $"its length {length} is outside 0..{maxTokenLength} (max_token_length)";
                }
                else if (file.Length - offset - 8 < length)
                {
                    fault = $"its {length} bytes run past the end of the file at byte {file.Length}";
                }
            }

            if (fault is not null)
            {
                throw new ModelLoadException(path,
                    $"the file goes on for {file.Length - end} bytes after the model's {vocabularySize} tokens, but they are not whole tokens " +
                    $"(is the file cut short?): token {token} at byte {offset}: {fault}");
            }

            offset += 8 + length;
        }
    }

    /// <summary>Largest tokenizer file accepted, in bytes (Llama 2's is 424 KB).</summary>
    private const long MaxFileLength = 1L << 30;

    private static byte[] ReadAllBytes(string path) => ModelFile.ReadAllBytes(path, "tokenizer", MaxFileLength);
}
