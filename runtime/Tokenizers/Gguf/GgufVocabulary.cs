using System;
using System.Collections.Generic;
using Codegen.Formats.Gguf;

namespace Codegen.Tokenizers;

/// <summary>
/// The <c>tokenizer.ggml.*</c> metadata of a GGUF file, read and checked: the tokens, their
/// scores and kinds, the merges of a byte-level vocabulary, the special token ids and flags.
/// Every problem is a <see cref="ModelLoadException"/> naming the file and the key.
/// </summary>
internal sealed class GgufVocabulary
{
    public const string ModelKey = "tokenizer.ggml.model";
    public const string PreKey = "tokenizer.ggml.pre";
    public const string TokensKey = "tokenizer.ggml.tokens";
    public const string ScoresKey = "tokenizer.ggml.scores";
    public const string TokenTypeKey = "tokenizer.ggml.token_type";
    public const string MergesKey = "tokenizer.ggml.merges";

    private GgufVocabulary(string path, string model)
    {
        Path = path;
        Model = model;
    }

    /// <summary>The file the vocabulary came from, for messages.</summary>
    public string Path { get; }

    /// <summary><c>tokenizer.ggml.model</c>: "llama" or "gpt2".</summary>
    public string Model { get; }

    /// <summary><c>tokenizer.ggml.pre</c>, or null when absent.</summary>
    public string? Pre { get; private init; }

    /// <summary>Each token's text, indexed by id.</summary>
    public string[] Tokens { get; private init; } = Array.Empty<string>();

    /// <summary>Each token's score; all zero when the file has no scores (llama.cpp's default).</summary>
    public float[] Scores { get; private init; } = Array.Empty<float>();

    /// <summary>Each token's kind; all <see cref="GgufTokenType.Normal"/> when the file has no types (llama.cpp's default).</summary>
    public GgufTokenType[] Types { get; private init; } = Array.Empty<GgufTokenType>();

    /// <summary><c>tokenizer.ggml.merges</c>, or null when absent.</summary>
    public string[]? Merges { get; private init; }

    /// <summary><c>tokenizer.ggml.bos_token_id</c>, or the model's default (1 for "llama", -1 for "gpt2").</summary>
    public int Bos { get; private init; }

    /// <summary><c>tokenizer.ggml.eos_token_id</c>, or the model's default (2 for "llama", -1 for "gpt2").</summary>
    public int Eos { get; private init; }

    /// <summary><c>tokenizer.ggml.unknown_token_id</c>, or the model's default (0 for "llama", -1 for "gpt2").</summary>
    public int Unknown { get; private init; }

    /// <summary><c>tokenizer.ggml.eot_token_id</c> (end of turn), or -1.</summary>
    public int Eot { get; private init; }

    /// <summary><c>tokenizer.ggml.eom_token_id</c> (end of message), or -1.</summary>
    public int Eom { get; private init; }

    /// <summary><c>tokenizer.ggml.padding_token_id</c>, or -1.</summary>
    public int Padding { get; private init; }

    /// <summary><c>tokenizer.ggml.add_bos_token</c>, or the model's default (true for "llama", false for "gpt2").</summary>
    public bool AddBos { get; private init; }

    /// <summary><c>tokenizer.ggml.add_space_prefix</c>, or the model's default (true for "llama", false for "gpt2").</summary>
    public bool AddSpacePrefix { get; private init; }

    /// <summary>Reads the vocabulary of an open GGUF file.</summary>
    /// <exception cref="ModelLoadException">A key is missing, of the wrong type, out of range or inconsistent with another.</exception>
    public static GgufVocabulary Read(GgufFile file)
    {
        var reader = new MetadataReader(file);
        string model = reader.RequireString(ModelKey);
        bool spm = model switch
        {
            "llama" => true,
            "gpt2" => false,
            _ => throw new ModelLoadException(file.Path,
                $"metadata key '{ModelKey}' is \"{model}\"; the tokenizers supported are \"llama\" (SentencePiece-style BPE) and \"gpt2\" (byte-level BPE)"),
        };

        string[] tokens = reader.RequireArray<string>(TokensKey, GgufValueType.String);
        if (tokens.Length == 0)
        {
            throw new ModelLoadException(file.Path, $"metadata key '{TokensKey}' is an empty array");
        }

        float[] scores = spm
            ? reader.RequireArray<float>(ScoresKey, GgufValueType.Float32)
            : reader.OptionalArray<float>(ScoresKey, GgufValueType.Float32) ?? new float[tokens.Length];
        RequireSameLength(file.Path, ScoresKey, scores.Length, tokens.Length);

        int[]? typeValues = reader.OptionalArray<int>(TokenTypeKey, GgufValueType.Int32);
        var types = new GgufTokenType[tokens.Length];
        if (typeValues is null)
        {
            Array.Fill(types, GgufTokenType.Normal);
        }
        else
        {
            RequireSameLength(file.Path, TokenTypeKey, typeValues.Length, tokens.Length);
            for (int id = 0; id < types.Length; id++)
            {
                if (typeValues[id] is < (int)GgufTokenType.Undefined or > (int)GgufTokenType.Byte)
                {
                    throw new ModelLoadException(file.Path,
                        $"metadata key '{TokenTypeKey}': token {id} has type {typeValues[id]}, but the types are 0 to 6");
                }

                types[id] = (GgufTokenType)typeValues[id];
            }
        }

        string[]? merges = reader.OptionalArray<string>(MergesKey, GgufValueType.String);
        if (!spm && merges is null)
        {
            throw new ModelLoadException(file.Path, $"metadata key '{MergesKey}' is missing; a \"gpt2\" tokenizer needs its merges");
        }

        return new GgufVocabulary(file.Path, model)
        {
            Pre = reader.OptionalString(PreKey),
            Tokens = tokens,
            Scores = scores,
            Types = types,
            Merges = merges,
            Bos = reader.TokenId("tokenizer.ggml.bos_token_id", tokens.Length, spm ? 1 : -1),
            Eos = reader.TokenId("tokenizer.ggml.eos_token_id", tokens.Length, spm ? 2 : -1),
            Unknown = reader.TokenId("tokenizer.ggml.unknown_token_id", tokens.Length, spm ? 0 : -1),
            Eot = reader.TokenId("tokenizer.ggml.eot_token_id", tokens.Length, -1),
            Eom = reader.TokenId("tokenizer.ggml.eom_token_id", tokens.Length, -1),
            Padding = reader.TokenId("tokenizer.ggml.padding_token_id", tokens.Length, -1),
            AddBos = reader.OptionalBool("tokenizer.ggml.add_bos_token") ?? spm,
            AddSpacePrefix = reader.OptionalBool("tokenizer.ggml.add_space_prefix") ?? spm,
        };
    }

    /// <summary>The tokens that end generation: EOS, end of turn and end of message, each once, where present.</summary>
    public int[] StopTokens()
    {
        var stops = new List<int>(3);
        foreach (int id in new[] { Eos, Eot, Eom })
        {
            if (id >= 0 && !stops.Contains(id))
            {
                stops.Add(id);
            }
        }

        return stops.ToArray();
    }

    private static void RequireSameLength(string path, string key, int length, int tokenCount)
    {
        if (length != tokenCount)
        {
            throw new ModelLoadException(path,
                $"metadata key '{key}' has {length} elements, but '{TokensKey}' has {tokenCount}: one for each token is needed");
        }
    }

    /// <summary>Typed look-ups of metadata keys, each error naming the file and the key.</summary>
    private sealed class MetadataReader(GgufFile file)
    {
        public string RequireString(string key) =>
            OptionalString(key) ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is missing");

        public string? OptionalString(string key)
        {
            if (!file.Metadata.TryGetValue(key, out GgufValue? value))
            {
                return null;
            }

            return value.Value as string
                ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be a string");
        }

        public T[] RequireArray<T>(string key, GgufValueType elementType) =>
            OptionalArray<T>(key, elementType) ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is missing");

        public T[]? OptionalArray<T>(string key, GgufValueType elementType)
        {
            if (!file.Metadata.TryGetValue(key, out GgufValue? value))
            {
                return null;
            }

            if (value.Value is GgufArray { Items: T[] items })
            {
                return items;
            }

            throw new ModelLoadException(file.Path,
                $"metadata key '{key}' is {value}, but it must be an array of {GgufValueTypes.Name(elementType)}");
        }

        public bool? OptionalBool(string key)
        {
            if (!file.Metadata.TryGetValue(key, out GgufValue? value))
            {
                return null;
            }

            return value.Value as bool?
                ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be a bool");
        }

        /// <summary>
        /// A token id key: an integer from 0 to the token count less one, or -1 (none) for -1 or
        /// 0xFFFFFFFF, llama.cpp's "no token"; <paramref name="fallback"/> when absent.
        /// </summary>
        public int TokenId(string key, int tokenCount, int fallback)
        {
            if (!file.Metadata.TryGetValue(key, out GgufValue? value))
            {
                return fallback < tokenCount ? fallback : -1;
            }

            if (!value.TryGetInteger(out long id))
            {
                throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be an integer token id");
            }

            // llama.cpp writes "no such token" as -1, which in its uint32 keys is 0xFFFFFFFF.
            if (id is -1 or uint.MaxValue)
            {
                return -1;
            }

            if (id < 0 || id >= tokenCount)
            {
                throw new ModelLoadException(file.Path,
                    $"metadata key '{key}' is {id}, but the token ids are 0 to {tokenCount - 1}");
            }

            return (int)id;
        }
    }
}
