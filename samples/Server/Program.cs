using System;
using System.IO;
using Codegen.Server;

// An OpenAI-compatible server over stories260K (whose code the generator wrote from Stories260K.cs):
//   dotnet run -c Release --project samples/Server -- [--url http://127.0.0.1:8080] [--concurrent 4]
//   curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \
//        -d '{"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":60,"temperature":0}'
string url = "http://127.0.0.1:8080";
int concurrent = Math.Max(1, Environment.ProcessorCount);
string folder = Path.Combine("..", "shared", "models", "stories260K");
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--url": url = value; i++; break;
        case "--concurrent": concurrent = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); i++; break;
        case "--models": folder = value; i++; break;
        default:
            Console.Error.WriteLine($"error: unknown option {args[i]}. Options: --url <url>, --concurrent <requests>, --models <stories260K folder>.");
            return 2;
    }
}

string checkpoint = Path.Combine(folder, "stories260K.bin");
string tokenizer = Path.Combine(folder, "tok512.bin");
foreach (string path in new[] { checkpoint, tokenizer })
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"error: {Path.GetFullPath(path)} not found; run from the repository root or pass --models <folder>.");
        return 1;
    }
}

var app = ServerApp.Build(ServedModel.Stories260K(checkpoint, tokenizer), concurrent, url);
Console.WriteLine($"Serving stories260k on {url}/v1 ({concurrent} requests at once). Ctrl+C stops.");
app.Run();
return 0;
