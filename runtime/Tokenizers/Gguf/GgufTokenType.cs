namespace Codegen.Tokenizers;

/// <summary>
/// A token's kind in <c>tokenizer.ggml.token_type</c>, with llama.cpp's numbering.
/// </summary>
public enum GgufTokenType
{
    /// <summary>No kind recorded; decoded to no text, as llama.cpp does.</summary>
    Undefined = 0,

    /// <summary>An ordinary piece of text.</summary>
    Normal = 1,

    /// <summary>The unknown token; decoded to no text.</summary>
    Unknown = 2,

    /// <summary>A control token such as BOS or EOS: never matched in plain text, decoded to no text.</summary>
    Control = 3,

    /// <summary>A token added by the model's authors, matched whole in plain text before merging.</summary>
    UserDefined = 4,

    /// <summary>A reserved token that is never produced; decoded to no text.</summary>
    Unused = 5,

    /// <summary>A byte-fallback token <c>&lt;0xHH&gt;</c>, decoded to its byte.</summary>
    Byte = 6,
}
