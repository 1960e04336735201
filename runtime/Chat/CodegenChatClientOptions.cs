using System.Collections.Generic;
using Codegen.Generation;

namespace Codegen.Chat;

/// <summary>Settings of a <see cref="CodegenChatClient"/> that a request's <c>ChatOptions</c> do not carry.</summary>
public sealed record CodegenChatClientOptions
{
    /// <summary>
    /// The generation options a request starts from; the request's <c>ChatOptions</c> override what they name
    /// (<c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>MaxOutputTokens</c>, <c>Seed</c>, the penalties) and add
    /// their <c>StopSequences</c> to these stop strings. Default: <see cref="GenerationOptions"/>' defaults (temperature 1, 256 new tokens).
    /// </summary>
    public GenerationOptions DefaultGenerationOptions { get; init; } = new();

    /// <summary>What a request whose conversation does not fit in the context does. Default <see cref="ContextOverflowPolicy.Refuse"/>.</summary>
    public ContextOverflowPolicy OverflowPolicy { get; init; } = ContextOverflowPolicy.Refuse;

    /// <summary>Extra chat template variables for every request (<see cref="ChatTemplate.Render"/>), or null.</summary>
    public IReadOnlyDictionary<string, object?>? TemplateVariables { get; init; }
}
