using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace Codegen.Server.Tests;

/// <summary>The wire format itself, with plain HTTP and with curl: completions, models, server-sent events, errors.</summary>
public sealed class HttpTests
{
    [Fact]
    public async Task ACompletionContinuesTheRawPrompt()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        using JsonDocument answer = await PostAsync(server, "/v1/completions", """{"prompt": "Once upon a time", "max_tokens": 20, "temperature": 0}""", HttpStatusCode.OK);
        JsonElement choice = answer.RootElement.GetProperty("choices")[0];
        Assert.Equal("text_completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal(server.Greedy("Once upon a time", 20), choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(20, answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        using JsonDocument models = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/models"));
        Assert.Equal("list", models.RootElement.GetProperty("object").GetString());
        Assert.Equal("stories260k", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"messages": []}""", 400, "messages", "at least one message")]
    [InlineData("""{"messages": [{"content": "hi"}]}""", 400, "messages[0].role", "no 'role'")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "n": 2}""", 400, "n", "'n' must be 1")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "temperature": -1}""", 400, "temperature", "Temperature must be a finite number")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5000}""", 400, "max_tokens", "leaves room for")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "stop": [3]}""", 400, "stop", "'stop' must be a string")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", 400, "messages[0].content", "only text parts")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f"}}]}""", 400, "tools", "does not call tools")]
    [InlineData("""{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}""", 404, "model", "does not exist here")]
    [InlineData("""{"messages": """, 400, null, "not a valid request")]
    public async Task BadRequestsGetOpenAiErrorsNamingTheField(string body, int status, string? param, string message)
    {
        await using RunningServer server = await RunningServer.StartAsync();
        using JsonDocument error = await PostAsync(server, "/v1/chat/completions", body, (HttpStatusCode)status);
        JsonElement details = error.RootElement.GetProperty("error");
        Assert.Contains(message, details.GetProperty("message").GetString());
        if (param is not null)
        {
            Assert.Equal(param, details.GetProperty("param").GetString());
        }

        Assert.Equal(0, server.Pool.InUse);
    }

    [Fact]
    public async Task CurlStreamsServerSentEventsEndingInDone()
    {
        await using RunningServer server = await RunningServer.StartAsync();
        string body = """{"messages": [{"role": "user", "content": "Tell me a story"}], "max_tokens": 24, "temperature": 0, "stream": true, "stream_options": {"include_usage": true}}""";
        var curl = new ProcessStartInfo("curl", new[] { "-sN", "--fail-with-body", new Uri(server.Address, "/v1/chat/completions").ToString(), "-H", "Content-Type: application/json", "-d", body })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(curl) ?? throw new InvalidOperationException("curl did not start (is it installed?)");
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");

        var text = new StringBuilder();
        var events = new List<string>();
        foreach (string line in output.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            Assert.StartsWith("data: ", line);
            events.Add(line.Substring("data: ".Length));
        }

        Assert.Equal("[DONE]", events[^1]);
        string? finish = null;
        int? completionTokens = null;
        foreach (string data in events.GetRange(0, events.Count - 1))
        {
            using JsonDocument chunk = JsonDocument.Parse(data);
            Assert.Equal("chat.completion.chunk", chunk.RootElement.GetProperty("object").GetString());
            foreach (JsonElement choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out JsonElement content))
                {
                    text.Append(content.GetString());
                }

                if (choice.TryGetProperty("finish_reason", out JsonElement reason))
                {
                    finish = reason.GetString();
                }
            }

            if (chunk.RootElement.TryGetProperty("usage", out JsonElement usage))
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        Assert.Equal(server.Greedy(server.ChatPrompt("Tell me a story"), 24), text.ToString());
        Assert.Equal("length", finish);
        Assert.Equal(24, completionTokens);
    }

    /// <summary>
    /// An answer of 480 steps of 20 ms (about ten seconds) whose client hangs up after the first piece: the generation
    /// stops and the session is free again well before the answer could have finished.
    /// </summary>
    [Fact]
    public async Task AClientThatGoesAwayStopsItsGenerationAndFreesItsSession()
    {
        await using RunningServer server = await RunningServer.StartAsync(concurrentRequests: 1, stepDelay: TimeSpan.FromMilliseconds(20));
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt": "Once upon a time", "max_tokens": 480, "temperature": 1, "stream": true}""", Encoding.UTF8, "application/json"),
        };
        using (HttpResponseMessage response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync());
        }

        var waited = Stopwatch.StartNew();
        while (server.Pool.InUse != 0 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, server.Pool.InUse);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(4), $"the session was busy {waited.Elapsed.TotalSeconds:F1} s after the client left: the generation ran on");
    }

    private static async Task<JsonDocument> PostAsync(RunningServer server, string path, string body, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await server.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text);
    }
}
