using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Codegen.Server;

// The OpenAI wire format, as far as this server speaks it. Fields that take several JSON shapes (a message's
// content, "stop") stay JsonElement and are read by RequestReader.

/// <summary>A request to <c>/v1/chat/completions</c>.</summary>
public sealed class ChatCompletionRequest : SamplingRequest
{
    public List<WireMessage>? Messages { get; set; }

    public JsonElement? Tools { get; set; }
}

/// <summary>A request to <c>/v1/completions</c>.</summary>
public sealed class CompletionRequest : SamplingRequest
{
    public JsonElement? Prompt { get; set; }
}

/// <summary>What both endpoints take: the model, the sampling options, streaming.</summary>
public abstract class SamplingRequest
{
    public string? Model { get; set; }

    public float? Temperature { get; set; }

    public float? TopP { get; set; }

    public int? TopK { get; set; }

    public float? MinP { get; set; }

    public int? MaxTokens { get; set; }

    public int? MaxCompletionTokens { get; set; }

    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }

    public float? FrequencyPenalty { get; set; }

    public float? PresencePenalty { get; set; }

    public int? N { get; set; }

    public bool? Stream { get; set; }

    public StreamOptions? StreamOptions { get; set; }
}

public sealed class StreamOptions
{
    public bool? IncludeUsage { get; set; }
}

public sealed class WireMessage
{
    public string? Role { get; set; }

    public JsonElement? Content { get; set; }
}

public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage? Usage);

public sealed record ChatChoice(int Index, AssistantMessage? Message, AssistantMessage? Delta, string? FinishReason);

public sealed record AssistantMessage(string? Role, string? Content);

public sealed record TextCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<TextChoice> Choices, Usage? Usage);

public sealed record TextChoice(int Index, string Text, string? FinishReason);

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

public sealed record ErrorResponse(ErrorBody Error);

public sealed record ErrorBody(string Message, string Type, string? Param, string? Code);

/// <summary>Source-generated JSON for every wire type (no reflection: the server stays trimmable).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ErrorResponse))]
public sealed partial class OpenAiJson : JsonSerializerContext
{
}
