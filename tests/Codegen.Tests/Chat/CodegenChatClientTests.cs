using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Chat;
using Codegen.Generation;
using Microsoft.Extensions.AI;
using Xunit;
using static Codegen.Tests.Chat.ChatTestModel;
using CodegenMessage = Codegen.Chat.ChatMessage;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Codegen.Tests.Chat;

/// <summary>CodegenChatClient over stories260K: text, streaming, usage, finish reasons, options, cancellation, cache reuse and the refusals.</summary>
public sealed class CodegenChatClientTests
{
    private static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 16 };

    private readonly List<RecordingSession> sessions = new();

    private CodegenChatClient NewClient(CodegenChatClientOptions? options = null, CancellationTokenSource? cancelAfterFirstChunk = null) =>
        new(() =>
            {
                var session = new RecordingSession(Model.Value.CreateSession()) { CancelAfterFirstChunk = cancelAfterFirstChunk };
                sessions.Add(session);
                return session;
            },
            Tokenizer.Value,
            Template(),
            "stories260K",
            options);

    private static ChatMessage[] Conversation(params string[] userMessages) =>
        userMessages.Select(text => new ChatMessage(ChatRole.User, text)).ToArray();

    /// <summary>What TextGeneration gives for the same rendered prompt, with the stops the chat session adds.</summary>
    private static (string Text, TextGenerationStream Stream, int PromptLength) Reference(IReadOnlyList<CodegenMessage> messages, GenerationOptions options)
    {
        int[] prompt = PromptTokens(Template(), messages);
        using var session = Model.Value.CreateSession();
        TextGenerationStream stream = TextGeneration.GenerateText(session, Tokenizer.Value, prompt, options with
        {
            StopTokens = new[] { 1, 2 },
            StopStrings = options.StopStrings.Append("</s>").ToArray(),
        });
        return (string.Concat(stream), stream, prompt.Length);
    }

    [Fact]
    public async Task ResponseIsWhatTextGenerationGivesGreedilyWithUsageAndFinishReason()
    {
        using var client = NewClient();
        ChatResponse response = await client.GetResponseAsync(Conversation("Tell me a story."), Greedy);
        var (text, stream, promptLength) = Reference(new[] { new CodegenMessage("user", "Tell me a story.") }, new GenerationOptions { Temperature = 0, MaxNewTokens = 16 });
        Assert.Equal(text, response.Text);
        Assert.NotEmpty(text);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
        Assert.Equal(promptLength, response.Usage!.InputTokenCount);
        Assert.Equal(stream.GeneratedTokenCount, response.Usage.OutputTokenCount);
        Assert.Equal(promptLength + stream.GeneratedTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(0, response.Usage.CachedInputTokenCount);
        Assert.Equal(stream.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("stories260K", response.ModelId);
    }

    [Fact]
    public async Task StreamingUpdatesConcatenateToTheSameTextAndTheLastCarriesUsageAndFinishReason()
    {
        using var client = NewClient();
        string whole = (await client.GetResponseAsync(Conversation("Hello"), Greedy)).Text;
        using var other = NewClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in other.GetStreamingResponseAsync(Conversation("Hello"), Greedy))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count > 2);
        Assert.Equal(whole, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.NotNull(updates[^1].FinishReason);
        Assert.Single(updates[^1].Contents.OfType<UsageContent>());
        ChatResponse combined = updates.ToChatResponse();
        Assert.Equal(whole, combined.Text);
        Assert.NotNull(combined.Usage);
    }

    [Fact]
    public async Task MaxOutputTokensEndsWithLength()
    {
        using var client = NewClient();
        ChatResponse response = await client.GetResponseAsync(Conversation("Once upon a time"), new ChatOptions { Temperature = 0, MaxOutputTokens = 5 });
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task StopSequenceEndsWithStopAndIsNotReturned()
    {
        using var client = NewClient();
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 200, StopSequences = new[] { "." } };
        ChatResponse response = await client.GetResponseAsync(Conversation("Once upon a time"), options);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.DoesNotContain(".", response.Text);
        var (text, _, _) = Reference(new[] { new CodegenMessage("user", "Once upon a time") }, new GenerationOptions { Temperature = 0, MaxNewTokens = 200, StopStrings = new[] { "." } });
        Assert.Equal(text, response.Text);
    }

    [Fact]
    public async Task EosEndsWithStop()
    {
        // A bias that forces the EOS token first: the answer is empty and ends with Stop after one token.
        var defaults = new GenerationOptions { LogitBias = new Dictionary<int, float> { [2] = 100 } };
        using var client = NewClient(new CodegenChatClientOptions { DefaultGenerationOptions = defaults });
        ChatResponse response = await client.GetResponseAsync(Conversation("Hello"), Greedy);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(string.Empty, response.Text);
        Assert.Equal(1, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task OptionsMapOntoGenerationOptionsAndASeedIsReproducible()
    {
        var options = new ChatOptions
        {
            Temperature = 1.0f, TopP = 0.95f, TopK = 40, MaxOutputTokens = 20, Seed = 7,
            FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, StopSequences = new[] { "!" },
        };
        GenerationOptions mapped = ChatOptionsMapping.ToGenerationOptions(new GenerationOptions { StopStrings = new[] { "?" } }, options);
        Assert.Equal(1.0f, mapped.Temperature);
        Assert.Equal(0.95f, mapped.TopP);
        Assert.Equal(40, mapped.TopK);
        Assert.Equal(20, mapped.MaxNewTokens);
        Assert.Equal(7UL, mapped.Seed);
        Assert.Equal(0.5f, mapped.FrequencyPenalty);
        Assert.Equal(0.25f, mapped.PresencePenalty);
        Assert.Equal(new[] { "?", "!" }, mapped.StopStrings);

        using var client = NewClient();
        string first = (await client.GetResponseAsync(Conversation("Once upon a time"), options)).Text;
        string again = (await client.GetResponseAsync(Conversation("Once upon a time"), options)).Text;
        using var other = NewClient();
        string elsewhere = (await other.GetResponseAsync(Conversation("Once upon a time"), options)).Text;
        Assert.Equal(first, again);
        Assert.Equal(first, elsewhere);

        // The seed is used: other seeds give other text (at least one of five).
        var others = new List<string>();
        for (long seed = 1; seed <= 5; seed++)
        {
            options.Seed = seed;
            others.Add((await client.GetResponseAsync(Conversation("Once upon a time"), options)).Text);
        }

        Assert.Contains(others, text => text != first);
    }

    [Fact]
    public async Task AGrowingConversationReusesTheCachedPrefixAndAnswersAsAFreshClient()
    {
        using var client = NewClient();
        var history = Conversation("Tell me about the cat.").ToList();
        ChatResponse first = await client.GetResponseAsync(history, Greedy);
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.User, "What did the dog do?"));
        RecordingSession session = Assert.Single(sessions);
        session.ClearRecord();
        ChatResponse second = await client.GetResponseAsync(history, Greedy);

        var prefill = Assert.Single(session.Prefills);
        Assert.True(prefill.Position > first.Usage!.InputTokenCount / 2, $"prefill from {prefill.Position}");
        Assert.Equal(prefill.Position, second.Usage!.CachedInputTokenCount);
        Assert.Equal(second.Usage.InputTokenCount - prefill.Position, prefill.Tokens.Length);

        using var fresh = NewClient();
        Assert.Equal((await fresh.GetResponseAsync(history, Greedy)).Text, second.Text);
    }

    [Fact]
    public async Task CancellationInsideALongPromptsPrefillThrows()
    {
        using var source = new CancellationTokenSource();
        using var client = NewClient(cancelAfterFirstChunk: source);
        string longMessage = string.Join(" ", Enumerable.Repeat("The little dog ran to the park.", 12));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Conversation(longMessage), Greedy, source.Token));
        RecordingSession session = Assert.Single(sessions);
        Assert.True(Assert.Single(session.Prefills).Tokens.Length > 64);
        Assert.Empty(session.Steps);

        // The client still serves requests afterwards.
        Assert.NotNull((await client.GetResponseAsync(Conversation("Hello"), Greedy)).FinishReason);
    }

    [Fact]
    public async Task PreCancelledTokenThrows()
    {
        using var client = NewClient();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Conversation("Hello"), Greedy, new CancellationToken(canceled: true)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Conversation("Hello"), Greedy, new CancellationToken(canceled: true)))
            {
            }
        });
    }

    [Fact]
    public async Task ToolsFailClearlyThroughAFunctionInvocationPipeline()
    {
        using var client = NewClient();
        IChatClient pipeline = new ChatClientBuilder(client).UseFunctionInvocation().Build();
        var options = new ChatOptions { Temperature = 0, Tools = new List<AITool> { AIFunctionFactory.Create(() => 42, "answer") } };
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => pipeline.GetResponseAsync(Conversation("What is the answer?"), options));
        Assert.Contains("cannot call tools", e.Message);
        Assert.Contains("answer", e.Message);
        await Assert.ThrowsAsync<NotSupportedException>(async () =>
        {
            await foreach (var update in pipeline.GetStreamingResponseAsync(Conversation("What is the answer?"), options))
            {
            }
        });
        Assert.Empty(sessions);
    }

    [Fact]
    public async Task NonTextContentAndJsonFormatAreRefused()
    {
        using var client = NewClient();
        var image = new ChatMessage(ChatRole.User, new List<AIContent> { new DataContent(new byte[] { 1, 2, 3 }, "image/png") });
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(new[] { image }, Greedy));
        Assert.Contains("DataContent", e.Message);
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Conversation("Hi"), new ChatOptions { ResponseFormat = ChatResponseFormat.Json }));
    }

    [Fact]
    public async Task InstructionsBecomeTheFirstSystemMessage()
    {
        using var client = NewClient();
        ChatResponse response = await client.GetResponseAsync(Conversation("Hello"), new ChatOptions { Temperature = 0, MaxOutputTokens = 8, Instructions = "Be brief." });
        var (text, _, promptLength) = Reference(
            new[] { new CodegenMessage("system", "Be brief."), new CodegenMessage("user", "Hello") },
            new GenerationOptions { Temperature = 0, MaxNewTokens = 8 });
        Assert.Equal(text, response.Text);
        Assert.Equal(promptLength, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task ConcurrentRequestsAreServedOneAfterTheOther()
    {
        using var client = NewClient();
        await using IAsyncEnumerator<ChatResponseUpdate> first = client.GetStreamingResponseAsync(Conversation("Hello"), Greedy).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        Task<ChatResponse> second = client.GetResponseAsync(Conversation("Hi"), Greedy);
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        while (await first.MoveNextAsync())
        {
        }

        Assert.NotNull((await second.WaitAsync(TimeSpan.FromSeconds(30))).FinishReason);
        Assert.Single(sessions);
    }

    [Fact]
    public async Task ABadOptionIsNamedAndTheClientGoesOn()
    {
        using var client = NewClient();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Conversation("Hello"), new ChatOptions { TopP = 1.5f }));
        Assert.StartsWith("TopP must be in (0, 1]", e.Message);
        Assert.NotNull((await client.GetResponseAsync(Conversation("Hello"), Greedy)).FinishReason);
    }

    [Fact]
    public void GetServiceGivesTheMetadata()
    {
        using var client = NewClient();
        var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal("Codegen", metadata.ProviderName);
        Assert.Equal("stories260K", metadata.DefaultModelId);
        Assert.Same(client, client.GetService(typeof(CodegenChatClient)));
        Assert.Null(client.GetService(typeof(string)));
        Assert.Null(client.GetService(typeof(ChatClientMetadata), "key"));
    }
}
