using System;
using System.IO;
using Codegen;
using Explain;

// Looks inside the stories260K model (or another by --model) with its generated inspecting session and writes one
// self-contained HTML page: the prompt's tokens, every head's attention, the next token's probabilities at three
// temperatures, the logit lens, embedding neighbours and the residual stream's norms.
ExplainOptions options;
try
{
    options = ExplainOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(ExplainOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(ExplainOptions.Usage);
    return 0;
}

try
{
    string page = ExplainRun.WritePage(options);
    Console.WriteLine($"wrote {page}");
    return 0;
}
catch (Exception e) when (e is FileNotFoundException or ModelLoadException or ArgumentException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
