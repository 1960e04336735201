using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using Codegen.Chat;
using Codegen.Generation;

namespace Codegen.Server;

/// <summary>Turns the wire requests into what the runtime takes, naming the field of anything it cannot accept.</summary>
public static class RequestReader
{
    /// <summary>The conversation: each message's role and text (content as a string, or as text parts).</summary>
    public static IReadOnlyList<ChatMessage> Messages(ChatCompletionRequest request)
    {
        if (request.Messages is null || request.Messages.Count == 0)
        {
            throw BadRequestException.Invalid("'messages' must hold at least one message.", "messages");
        }

        var messages = new List<ChatMessage>(request.Messages.Count);
        for (int i = 0; i < request.Messages.Count; i++)
        {
            WireMessage message = request.Messages[i];
            if (string.IsNullOrEmpty(message.Role))
            {
                throw BadRequestException.Invalid($"messages[{i}] has no 'role'.", $"messages[{i}].role");
            }

            messages.Add(new ChatMessage(message.Role, Text(message.Content, $"messages[{i}].content")));
        }

        return messages;
    }

    /// <summary>The prompt of a completion request: a string, or an array holding one string.</summary>
    public static string Prompt(CompletionRequest request)
    {
        JsonElement? prompt = request.Prompt;
        if (prompt is { ValueKind: JsonValueKind.String })
        {
            return prompt.Value.GetString()!;
        }

        if (prompt is { ValueKind: JsonValueKind.Array } && prompt.Value.GetArrayLength() == 1 && prompt.Value[0].ValueKind == JsonValueKind.String)
        {
            return prompt.Value[0].GetString()!;
        }

        throw BadRequestException.Invalid("'prompt' must be a string (or an array of one string).", "prompt");
    }

    /// <summary>
    /// The generation options of a request whose prompt is <paramref name="promptTokens"/> tokens: unset ones as
    /// OpenAI's defaults (temperature 1, top_p 1), the answer at most what the context leaves.
    /// </summary>
    public static GenerationOptions Options(SamplingRequest request, int promptTokens, int contextLength, IReadOnlyList<int> stopTokens)
    {
        if (request.N is not null and not 1)
        {
            throw BadRequestException.Invalid($"'n' must be 1: this server writes one answer a request, not {request.N}.", "n");
        }

        if (promptTokens > contextLength)
        {
            throw new BadRequestException(400, $"The prompt is {promptTokens} tokens, more than the model's context of {contextLength}.", "invalid_request_error", "messages", "context_length_exceeded");
        }

        int room = contextLength - promptTokens + 1;
        int? asked = request.MaxCompletionTokens ?? request.MaxTokens;
        string maxName = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        if (asked is < 1)
        {
            throw BadRequestException.Invalid($"'{maxName}' must be at least 1, but it is {asked}.", maxName);
        }

        if (asked > room)
        {
            throw new BadRequestException(400, $"The prompt ({promptTokens} tokens) leaves room for {room} new tokens in the model's context of {contextLength}, but '{maxName}' asks for {asked}.", "invalid_request_error", maxName, "context_length_exceeded");
        }

        var options = new GenerationOptions
        {
            MaxNewTokens = asked ?? room,
            Temperature = request.Temperature ?? 1.0f,
            TopP = request.TopP ?? 1.0f,
            TopK = request.TopK ?? 0,
            MinP = request.MinP ?? 0,
            FrequencyPenalty = request.FrequencyPenalty ?? 0,
            PresencePenalty = request.PresencePenalty ?? 0,
            Seed = request.Seed is long seed ? unchecked((ulong)seed) : null,
            StopTokens = stopTokens,
            StopStrings = StopStrings(request.Stop),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw BadRequestException.Invalid(e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal), WireName(e.ParamName));
        }

        return options;
    }

    private static IReadOnlyList<string> StopStrings(JsonElement? stop)
    {
        if (stop is null || stop.Value.ValueKind == JsonValueKind.Null)
        {
            return Array.Empty<string>();
        }

        if (stop.Value.ValueKind == JsonValueKind.String)
        {
            return new[] { stop.Value.GetString()! };
        }

        if (stop.Value.ValueKind == JsonValueKind.Array)
        {
            var strings = new List<string>();
            foreach (JsonElement item in stop.Value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length == 0)
                {
                    throw BadRequestException.Invalid("'stop' must be a string or an array of non-empty strings.", "stop");
                }

                strings.Add(item.GetString()!);
            }

            return strings;
        }

        throw BadRequestException.Invalid("'stop' must be a string or an array of non-empty strings.", "stop");
    }

    private static string Text(JsonElement? content, string param)
    {
        if (content is { ValueKind: JsonValueKind.String })
        {
            return content.Value.GetString()!;
        }

        if (content is { ValueKind: JsonValueKind.Array })
        {
            var text = new StringBuilder();
            foreach (JsonElement part in content.Value.EnumerateArray())
            {
                if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out JsonElement type) || type.ValueEquals("text") is false
                    || !part.TryGetProperty("text", out JsonElement partText) || partText.ValueKind != JsonValueKind.String)
                {
                    throw BadRequestException.Invalid($"'{param}' may hold only text parts ({{\"type\": \"text\", \"text\": ...}}): this model reads text.", param);
                }

                text.Append(partText.GetString());
            }

            return text.ToString();
        }

        throw BadRequestException.Invalid($"'{param}' must be a string or an array of text parts.", param);
    }

    /// <summary>The wire name of a GenerationOptions property named in a validation error.</summary>
    private static string? WireName(string? option) => option switch
    {
        nameof(GenerationOptions.Temperature) => "temperature",
        nameof(GenerationOptions.TopP) => "top_p",
        nameof(GenerationOptions.TopK) => "top_k",
        nameof(GenerationOptions.MinP) => "min_p",
        nameof(GenerationOptions.FrequencyPenalty) => "frequency_penalty",
        nameof(GenerationOptions.PresencePenalty) => "presence_penalty",
        nameof(GenerationOptions.StopStrings) => "stop",
        _ => option,
    };
}
