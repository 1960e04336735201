using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Codegen.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Codegen.Server.Tests;

/// <summary>The server over stories260K on a free localhost port, started for a test and stopped after it.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private RunningServer(WebApplication app, ServedModel model)
    {
        this.app = app;
        Model = model;
        Address = new Uri(app.Urls.Single());
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        Pool = app.Services.GetRequiredService<SessionPool>();
    }

    public ServedModel Model { get; }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public SessionPool Pool { get; }

    /// <param name="concurrentRequests">Requests served at once.</param>
    /// <param name="stepDelay">A pause before each decode step of the served sessions (to make an answer take time), or zero.</param>
    public static async Task<RunningServer> StartAsync(int concurrentRequests = 2, TimeSpan stepDelay = default)
    {
        ServedModel model = Stories260KModel;
        if (stepDelay > TimeSpan.Zero)
        {
            Func<IInferenceSession> open = model.OpenSession;
            model = model with { OpenSession = () => new SlowSession(open(), stepDelay) };
        }

        WebApplication app = ServerApp.Build(model, concurrentRequests, "http://127.0.0.1:0", quiet: true);
        await app.StartAsync();
        return new RunningServer(app, model);
    }

    /// <summary>The greedy answer of a fresh session to <paramref name="prompt"/> (BOS first), as the server should give it.</summary>
    public string Greedy(string prompt, int maxTokens)
    {
        using IInferenceSession session = Model.OpenSession();
        int[] tokens = Model.Tokenizer.Encode(prompt, addBos: true);
        var options = new GenerationOptions { Temperature = 0, MaxNewTokens = maxTokens, StopTokens = Model.Tokenizer.StopTokens };
        return string.Concat(TextGeneration.GenerateText(session, Model.Tokenizer, tokens, options));
    }

    /// <summary>The prompt the chat template makes of one user message.</summary>
    public string ChatPrompt(string userMessage) =>
        Model.Template.Render(new[] { new Codegen.Chat.ChatMessage("user", userMessage) }, addGenerationPrompt: true);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static ServedModel Stories260KModel
    {
        get
        {
            string folder = Path.Combine(RepositoryRoot(), "..", "shared", "models", "stories260K");
            return ServedModel.Stories260K(Path.Combine(folder, "stories260K.bin"), Path.Combine(folder, "tok512.bin"));
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Codegen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Codegen.sln above {AppContext.BaseDirectory}.");
    }
}
