using System;
using Codegen;
using Codegen.Formats.Gguf;

// Reads a Llama GGUF file's metadata and tensor list (not its weights) and prints the declaration of a model
// that loads it, with the matrices' types. Sizes are compile-time constants in Codegen: this is the step from
// a file to a declaration. Usage: gguf-declaration <file.gguf> [ClassName]
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tools/gguf-declaration -- <file.gguf> [ClassName]");
    return 2;
}

try
{
    GgufLlamaDescription description = GgufLlamaDescription.Read(args[0]);
    Console.WriteLine($"// {args[0]}: matrices {description.TypeSummary()}");
    Console.WriteLine(description.Declaration(args.Length == 2 ? args[1] : "MyModel"));
    return 0;
}
catch (ModelLoadException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
