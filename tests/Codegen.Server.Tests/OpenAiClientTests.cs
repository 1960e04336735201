using System;
using System.ClientModel;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using OpenAI;
using Xunit;
using OpenAIChat = OpenAI.Chat;

namespace Codegen.Server.Tests;

/// <summary>The official OpenAI .NET client, and Microsoft.Extensions.AI's IChatClient over it, against the server on localhost.</summary>
public sealed class OpenAiClientTests
{
    private const string Question = "Tell me a story about a cat";

    private static OpenAIChat.ChatClient ClientOf(RunningServer server) =>
        new("stories260k", new ApiKeyCredential("no key needed"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) });

    [Fact]
    public async Task AChatCompletionIsTheGreedyAnswerToTheTemplatedPrompt()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        OpenAIChat.ChatCompletion completion = await ClientOf(server).CompleteChatAsync(
            new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(Question) },
            new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 });

        string expected = server.Greedy(server.ChatPrompt(Question), 40);
        Assert.Equal(expected, completion.Content.Single().Text);
        Assert.Equal(OpenAIChat.ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(server.Model.Tokenizer.Encode(server.ChatPrompt(Question), addBos: true).Length, completion.Usage.InputTokenCount);
        Assert.Equal(40, completion.Usage.OutputTokenCount);
        Assert.Equal("stories260k", completion.Model);
    }

    [Fact]
    public async Task AStreamedChatCompletionGivesTheSameTextPieceByPiece()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        var text = new StringBuilder();
        int updates = 0;
        OpenAIChat.ChatFinishReason? finish = null;
        await foreach (OpenAIChat.StreamingChatCompletionUpdate update in ClientOf(server).CompleteChatStreamingAsync(
            new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(Question) },
            new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 }))
        {
            updates++;
            foreach (OpenAIChat.ChatMessageContentPart part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(server.Greedy(server.ChatPrompt(Question), 30), text.ToString());
        Assert.True(updates > 10, $"only {updates} updates: the answer should arrive piece by piece");
        Assert.Equal(OpenAIChat.ChatFinishReason.Length, finish);
    }

    [Fact]
    public async Task AStopSequenceEndsTheAnswerBeforeIt()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        string full = server.Greedy(server.ChatPrompt(Question), 40);
        string stop = full.Substring(12, 4);
        var options = new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        options.StopSequences.Add(stop);
        OpenAIChat.ChatCompletion completion = await ClientOf(server).CompleteChatAsync(new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(Question) }, options);
        Assert.Equal(full.Substring(0, full.IndexOf(stop, StringComparison.Ordinal)), completion.Content.Single().Text);
        Assert.Equal(OpenAIChat.ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiTalksToTheServerThroughTheOpenAiClient()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        IChatClient client = ClientOf(server).AsIChatClient();
        ChatResponse response = await client.GetResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 25 });
        Assert.Equal(server.Greedy(server.ChatPrompt(Question), 25), response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(25, response.Usage?.OutputTokenCount);

        var streamed = new StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 25 }))
        {
            streamed.Append(update.Text);
        }

        Assert.Equal(response.Text, streamed.ToString());
    }

    [Fact]
    public async Task SeveralRequestsAtOnceEachGetTheirOwnAnswer()
    {
        await using RunningServer server = await RunningServer.StartAsync(concurrentRequests: 3);
        string[] questions = { "Tell me about a dog", "Where is the ball?", "Sing a song" };
        OpenAIChat.ChatClient client = ClientOf(server);
        OpenAIChat.ChatCompletion[] answers = await Task.WhenAll(questions.Select(question => Task.Run(async () =>
            (OpenAIChat.ChatCompletion)await client.CompleteChatAsync(
                new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(question) },
                new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 120 }))));
        for (int i = 0; i < questions.Length; i++)
        {
            Assert.Equal(server.Greedy(server.ChatPrompt(questions[i]), 120), answers[i].Content.Single().Text);
        }
    }

    [Fact]
    public async Task ARequestWhileEverySessionIsBusyIsRefusedWith429()
    {
        await using RunningServer server = await RunningServer.StartAsync(concurrentRequests: 1);
        OpenAIChat.ChatClient client = ClientOf(server);
        using (SessionPool.Lease? busy = server.Pool.TryRent())
        {
            Assert.NotNull(busy);
            var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(
                new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(Question) },
                new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5 }));
            Assert.Equal(429, error.Status);
            Assert.Contains("All 1 of the server's sessions are answering other requests", error.Message);
        }

        // With the session back, the same request is answered.
        OpenAIChat.ChatCompletion answer = await client.CompleteChatAsync(
            new OpenAIChat.ChatMessage[] { new OpenAIChat.UserChatMessage(Question) },
            new OpenAIChat.ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5 });
        Assert.Equal(server.Greedy(server.ChatPrompt(Question), 5), answer.Content.Single().Text);
    }
}
