using Xunit;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// The fuzz tests run one after another, not beside each other: each holds a case-timeout clock, and
/// a long run shares its time budget evenly between them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection
{
    public const string Name = "Fuzz";
}
