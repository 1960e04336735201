using System;
using System.Collections.Generic;
using System.Text;
using Codegen.Generation;
using AI = Microsoft.Extensions.AI;

namespace Codegen.Chat;

/// <summary>Turns Microsoft.Extensions.AI's messages and <c>ChatOptions</c> into a conversation and <see cref="GenerationOptions"/>, refusing what cannot be honoured.</summary>
internal static class ChatOptionsMapping
{
    public static GenerationOptions ToGenerationOptions(GenerationOptions defaults, AI.ChatOptions? options)
    {
        if (options is null)
        {
            return defaults;
        }

        if (options.Tools is { Count: > 0 })
        {
            throw new NotSupportedException(
                $"CodegenChatClient cannot call tools: the request lists {options.Tools.Count} ({Names(options.Tools)}). " +
                "The chat template is rendered without tools and the answer is plain text, so a function-invocation pipeline would never see a call. Remove the tools or use a client that supports them.");
        }

        if (options.ResponseFormat is AI.ChatResponseFormatJson)
        {
            throw new NotSupportedException("CodegenChatClient cannot constrain the answer to JSON (ResponseFormat); ask for text.");
        }

        GenerationOptions result = defaults;
        if (options.Temperature is float temperature)
        {
            result = result with { Temperature = temperature };
        }

        if (options.TopP is float topP)
        {
            result = result with { TopP = topP };
        }

        if (options.TopK is int topK)
        {
            result = result with { TopK = topK };
        }

        if (options.MaxOutputTokens is int maxOutputTokens)
        {
            result = result with { MaxNewTokens = maxOutputTokens };
        }

        if (options.Seed is long seed)
        {
            result = result with { Seed = unchecked((ulong)seed) };
        }

        if (options.FrequencyPenalty is float frequencyPenalty)
        {
            result = result with { FrequencyPenalty = frequencyPenalty };
        }

        if (options.PresencePenalty is float presencePenalty)
        {
            result = result with { PresencePenalty = presencePenalty };
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            var all = new List<string>(result.StopStrings);
            all.AddRange(stops);
            result = result with { StopStrings = all };
        }

        return result;
    }

    /// <summary>The messages as the chat template sees them (role and text), with the options' instructions first as a system message.</summary>
    public static List<ChatMessage> ToConversation(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            conversation.Add(new ChatMessage("system", options.Instructions));
        }

        int index = 0;
        foreach (AI.ChatMessage message in messages)
        {
            if (message is null)
            {
                throw new ArgumentException($"Message {index} is null.", nameof(messages));
            }

            var text = new StringBuilder();
            foreach (AI.AIContent content in message.Contents)
            {
                if (content is AI.TextContent textContent)
                {
                    text.Append(textContent.Text);
                }
                else
                {
                    throw new NotSupportedException(
                        $"CodegenChatClient takes text only, but message {index} ({message.Role}) holds {content.GetType().Name}.");
                }
            }

            conversation.Add(new ChatMessage(message.Role.Value, text.ToString()));
            index++;
        }

        return conversation;
    }

    public static AI.ChatFinishReason ToFinishReason(FinishReason? reason) => reason switch
    {
        FinishReason.Length => AI.ChatFinishReason.Length,
        _ => AI.ChatFinishReason.Stop,
    };

    private static string Names(IList<AI.AITool> tools)
    {
        var names = new List<string>();
        foreach (AI.AITool tool in tools)
        {
            names.Add(tool?.Name ?? "null");
        }

        return string.Join(", ", names);
    }
}
