namespace Codegen.Tokenizers;

/// <summary>
/// What this runtime reads of <c>tokenizer_config.json</c>: <c>bos_token</c> and <c>eos_token</c> (a
/// string, an object with <c>content</c>, or null) and <c>add_bos_token</c>/<c>add_eos_token</c>
/// (true, false, or missing for "as the post-processor does").
/// </summary>
internal sealed record TokenizerConfigJson(string? BosToken, JsonField? BosNode, string? EosToken, JsonField? EosNode, bool? AddBos, bool? AddEos)
{
    public static readonly TokenizerConfigJson Empty = new(null, null, null, null, null, null);

    public static TokenizerConfigJson Read(JsonField root)
    {
        JsonField? bos = root.Optional("bos_token");
        JsonField? eos = root.Optional("eos_token");
        return new TokenizerConfigJson(TokenText(bos), bos, TokenText(eos), eos,
            root.Optional("add_bos_token")?.Bool(), root.Optional("add_eos_token")?.Bool());
    }

    private static string? TokenText(JsonField? node) => node switch
    {
        null => null,
        { Kind: System.Text.Json.JsonValueKind.String } text => text.String(),
        { Kind: System.Text.Json.JsonValueKind.Object } token => token.Required("content").String(),
        JsonField other => throw other.Fail("is neither a token's text nor an object with its \"content\""),
    };
}
