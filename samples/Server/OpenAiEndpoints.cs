using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Chat;
using Codegen.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Codegen.Server;

/// <summary>
/// The OpenAI-compatible endpoints: <c>/v1/chat/completions</c> (the conversation through the model's chat template),
/// <c>/v1/completions</c> (a raw prompt) and <c>/v1/models</c>. Answers stream as server-sent events when the request
/// asks (<c>"stream": true</c>). Each request runs on a session of its own from the pool; a client that goes away
/// cancels its generation, between tokens or between the prompt's chunks.
/// </summary>
public sealed class OpenAiEndpoints(ServedModel model, SessionPool pool)
{
    private static readonly long StartedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/models", (HttpContext context) => WriteJson(context, 200, new ModelList("list", new[] { new ModelEntry(model.Id, "model", StartedAt, "codegen") }), OpenAiJson.Default.ModelList));
        routes.MapPost("/v1/chat/completions", (HttpContext context) => Answer(context, ChatCompletionAsync));
        routes.MapPost("/v1/completions", (HttpContext context) => Answer(context, CompletionAsync));
    }

    /// <summary>Runs an endpoint, answering a refused request with OpenAI's error object.</summary>
    private static async Task Answer(HttpContext context, Func<HttpContext, Task> endpoint)
    {
        try
        {
            await endpoint(context);
        }
        catch (BadRequestException e) when (!context.Response.HasStarted)
        {
            if (e.Status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await WriteJson(context, e.Status, new ErrorResponse(new ErrorBody(e.Message, e.Type, e.Param, e.Code)), OpenAiJson.Default.ErrorResponse);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody is left to answer.
        }
    }

    private async Task ChatCompletionAsync(HttpContext context)
    {
        ChatCompletionRequest request = await ReadAsync(context, OpenAiJson.Default.ChatCompletionRequest);
        CheckModel(request.Model);
        if (request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
        {
            throw BadRequestException.Invalid("This server does not call tools: send the request without 'tools'.", "tools");
        }

        IReadOnlyList<ChatMessage> messages = RequestReader.Messages(request);
        string prompt;
        try
        {
            prompt = model.Template.Render(messages, addGenerationPrompt: true);
        }
        catch (ChatTemplateException e)
        {
            throw BadRequestException.Invalid($"The model's chat template refused the conversation: {e.Message}", "messages");
        }

        // A template that writes the BOS token itself gets no second one from the tokenizer.
        bool templateWritesBos = model.Template.BosToken is { Length: > 0 } bos && prompt.StartsWith(bos, StringComparison.Ordinal);
        int[] tokens = model.Tokenizer.Encode(prompt, addBos: !templateWritesBos);
        await GenerateAsync(context, request, tokens, chat: true);
    }

    private async Task CompletionAsync(HttpContext context)
    {
        CompletionRequest request = await ReadAsync(context, OpenAiJson.Default.CompletionRequest);
        CheckModel(request.Model);
        int[] tokens = model.Tokenizer.Encode(RequestReader.Prompt(request), addBos: true);
        await GenerateAsync(context, request, tokens, chat: false);
    }

    private async Task GenerateAsync(HttpContext context, SamplingRequest request, int[] tokens, bool chat)
    {
        using SessionPool.Lease lease = pool.TryRent()
            ?? throw new BadRequestException(429, $"All {pool.Capacity} of the server's sessions are answering other requests; retry in a moment.", "server_busy", code: "server_busy");
        GenerationOptions options = RequestReader.Options(request, tokens.Length, lease.Session.ContextLength, model.Tokenizer.StopTokens);
        AsyncTextGenerationStream run = TextGeneration.GenerateTextAsync(lease.Session, model.Tokenizer, tokens, options, context.RequestAborted);
        string id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream == true)
        {
            await StreamAsync(context, run, id, created, chat, request.StreamOptions?.IncludeUsage == true);
            return;
        }

        var text = new StringBuilder();
        await foreach (string piece in run.WithCancellation(context.RequestAborted))
        {
            text.Append(piece);
        }

        Usage usage = UsageOf(run);
        if (chat)
        {
            var answer = new ChatCompletion(id, "chat.completion", created, model.Id, new[] { new ChatChoice(0, new AssistantMessage("assistant", text.ToString()), null, FinishReasonOf(run)) }, usage);
            await WriteJson(context, 200, answer, OpenAiJson.Default.ChatCompletion);
        }
        else
        {
            var answer = new TextCompletion(id, "text_completion", created, model.Id, new[] { new TextChoice(0, text.ToString(), FinishReasonOf(run)) }, usage);
            await WriteJson(context, 200, answer, OpenAiJson.Default.TextCompletion);
        }
    }

    /// <summary>Server-sent events: a chunk per piece of text, one with the finish reason, the usage if asked, then [DONE].</summary>
    private async Task StreamAsync(HttpContext context, AsyncTextGenerationStream run, string id, long created, bool chat, bool includeUsage)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        if (chat)
        {
            await WriteEvent(context, ChatChunk(id, created, new AssistantMessage("assistant", string.Empty), null));
        }

        await foreach (string piece in run.WithCancellation(context.RequestAborted))
        {
            await WriteEvent(context, chat ? ChatChunk(id, created, new AssistantMessage(null, piece), null) : TextChunk(id, created, piece, null, null));
        }

        await WriteEvent(context, chat ? ChatChunk(id, created, new AssistantMessage(null, null), FinishReasonOf(run)) : TextChunk(id, created, string.Empty, FinishReasonOf(run), null));
        if (includeUsage)
        {
            await WriteEvent(context, chat
                ? JsonSerializer.Serialize(new ChatCompletion(id, "chat.completion.chunk", created, model.Id, Array.Empty<ChatChoice>(), UsageOf(run)), OpenAiJson.Default.ChatCompletion)
                : TextChunk(id, created, null, null, UsageOf(run)));
        }

        await WriteEvent(context, "[DONE]");
    }

    private string ChatChunk(string id, long created, AssistantMessage delta, string? finishReason) =>
        JsonSerializer.Serialize(new ChatCompletion(id, "chat.completion.chunk", created, model.Id, new[] { new ChatChoice(0, null, delta, finishReason) }, null), OpenAiJson.Default.ChatCompletion);

    private string TextChunk(string id, long created, string? text, string? finishReason, Usage? usage) =>
        JsonSerializer.Serialize(new TextCompletion(id, "text_completion", created, model.Id, text is null ? Array.Empty<TextChoice>() : new[] { new TextChoice(0, text, finishReason) }, usage), OpenAiJson.Default.TextCompletion);

    private static async Task WriteEvent(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private void CheckModel(string? requested)
    {
        if (!string.IsNullOrEmpty(requested) && requested != model.Id)
        {
            throw new BadRequestException(404, $"The model '{requested}' does not exist here; this server serves '{model.Id}' (see /v1/models).", "invalid_request_error", "model", "model_not_found");
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted)
                ?? throw BadRequestException.Invalid("The request body is JSON null; send a JSON object.", null);
        }
        catch (JsonException e)
        {
            throw BadRequestException.Invalid($"The request body is not a valid request: {e.Message}", e.Path);
        }
    }

    private static Task WriteJson<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value, type), context.RequestAborted);
    }

    private static Usage UsageOf(TextGenerationRun run) => new(run.PromptTokenCount, run.GeneratedTokenCount, run.PromptTokenCount + run.GeneratedTokenCount);

    private static string FinishReasonOf(TextGenerationRun run) => run.FinishReason == Generation.FinishReason.Length ? "length" : "stop";
}
