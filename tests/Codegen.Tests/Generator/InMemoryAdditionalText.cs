using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Codegen.Tests.Generator;

/// <summary>An AdditionalFiles item held in memory, for generator runs that read a config.json.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly string text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        this.text = text;
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}
