using System;
using System.Collections.Generic;
using System.Threading;
using ChatSample;
using Codegen;
using Codegen.Chat;
using Codegen.Generation;
using Codegen.Samples;

// An interactive chat (README: "Chat"): each line you type is a user message; the answer streams as it is generated.
// /reset starts a new conversation, /exit (or the end of the input) quits, Ctrl+C stops the answer being written.
string usage =
    "usage: dotnet run -c Release --project samples/Chat [-p:ModelFolder=<folder>] -- [--stories <folder>] [--folder [<folder>]] [--template <tokenizer_config.json>]\n" +
    "         [--system <text>] [--temperature <t>] [--top-k <k>] [--top-p <p>] [--min-p <p>] [--repetition-penalty <r>] [--seed <n>] [--max-tokens <n>]\n" +
    "  (default: stories260K from ../shared/models/stories260K, or the --stories folder holding stories260K.bin and tok512.bin; --folder: the Hugging Face model this build was made for, with its chat template)";

string? folder = null;
string? storiesFolder = null;
bool huggingFace = false;
string? templatePath = null;
string? system = null;
var rest = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-h" or "--help":
            Console.WriteLine(usage);
            return 0;
        case "--folder":
            huggingFace = true;
            if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                folder = args[++i];
            }

            break;
        case "--stories" when i + 1 < args.Length:
            storiesFolder = args[++i];
            break;
        case "--template" when i + 1 < args.Length:
            templatePath = args[++i];
            break;
        case "--system" when i + 1 < args.Length:
            system = args[++i];
            break;
        case "--prompt":
            Console.Error.WriteLine("error: the chat reads its messages from standard input; --prompt is for the other samples.");
            return 2;
        default:
            rest.Add(args[i]);
            break;
    }
}

ChatModel model;
GenerationOptions options;
try
{
    model = huggingFace ? ChatModels.LoadHuggingFace(folder, templatePath) : ChatModels.LoadStories260K(storiesFolder);
    (_, options) = GenerationArguments.Parse(rest.ToArray(), 0, string.Empty, model.Options);
    options.Validate();
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or ModelLoadException or ChatTemplateException or System.IO.IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}

using IInferenceSession session = model.Session;
var chat = new ChatSession(session, model.Tokenizer, model.Template, ContextOverflowPolicy.TrimOldestTurns);
if (system is not null)
{
    chat.Add(new ChatMessage("system", system));
}

Console.WriteLine(model.Banner);
Console.WriteLine("Type a message. /reset starts over, /exit quits, Ctrl+C stops an answer.");

// Ctrl+C cancels the answer being written, never the program (/exit or the end of the input quits).
CancellationTokenSource? answering = null;
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Volatile.Read(ref answering)?.Cancel();
};

bool echo = Console.IsInputRedirected;
while (true)
{
    Console.Write("> ");
    string? line = Console.ReadLine();
    if (line is null || line.Trim() == "/exit")
    {
        if (echo && line is not null)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        return 0;
    }

    if (echo)
    {
        Console.WriteLine(line);
    }

    if (line.Trim() == "/reset")
    {
        chat.Reset();
        if (system is not null)
        {
            chat.Add(new ChatMessage("system", system));
        }

        Console.WriteLine("(a new conversation)");
        continue;
    }

    if (line.Trim().Length == 0)
    {
        continue;
    }

    using var cancellation = new CancellationTokenSource();
    Volatile.Write(ref answering, cancellation);
    try
    {
        ChatReply reply = chat.Send(line, options, cancellation.Token);
        foreach (string piece in reply)
        {
            Console.Write(piece);
        }

        Console.WriteLine();
        Console.Error.WriteLine(
            $"[{reply.FinishReason}: {reply.GeneratedTokenCount} tokens; prompt {reply.PromptTokenCount} tokens, {reply.ReusedTokenCount} of them reused from the cache" +
            (reply.TrimmedMessageCount > 0 ? $"; {reply.TrimmedMessageCount} oldest messages dropped to fit the context" : string.Empty) + "]");
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine();
        Console.Error.WriteLine("[stopped; the conversation is as it was before this message]");
    }
    catch (Exception e) when (e is ChatContextOverflowException or ChatTemplateException or NonFiniteLogitsException)
    {
        Console.WriteLine();
        Console.Error.WriteLine($"error: {e.Message}");
    }
    finally
    {
        Volatile.Write(ref answering, null);
    }
}
