using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Codegen.Generator;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The pipeline's values are plain, comparable data: declarations that mean the same model give equal
/// specs (so an edit that changes nothing about the model leaves the generated code cached), and no
/// value holds a symbol, a compilation, syntax or any other Roslyn object, which would keep whole
/// compilations alive and make every comparison fail.
/// </summary>
public sealed class SpecModelTests
{
    private const string Plain = """
        using Codegen;

        namespace Models;

        [TransformerModel(DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128)]
        internal partial class Model
        {
        }
        """;

    /// <summary>Declarations of the same model as <see cref="Plain"/>, written differently.</summary>
    public static TheoryData<string, string> Equivalent => new()
    {
        {
            "whitespace, line breaks and comments",
            """
            using Codegen;
            namespace Models;
            [TransformerModel(
                DModel=64,   // residual width
                Heads =8,
                Layers= 2,
                /* vocabulary */ Vocab = 512,
                Context = 128)]
            internal   partial   class   Model { }
            """
        },
        {
            "the arguments in another order",
            """
            using Codegen;

            namespace Models;

            [TransformerModel(Context = 128, Vocab = 512, Layers = 2, Heads = 8, DModel = 64)]
            internal partial class Model
            {
            }
            """
        },
        {
            "every default written out",
            """
            using Codegen;

            namespace Models;

            [TransformerModel(DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128, KvHeads = 8, FfnDim = 256,
                Family = ModelFamily.Llama, NormEpsilon = 1e-5, RopeTheta = 10000, TiedEmbeddings = true, Weights = WeightFormat.F32)]
            internal partial class Model
            {
            }
            """
        },
        {
            "constant expressions and the attribute's full name",
            """
            namespace Models;

            [Codegen.TransformerModelAttribute(DModel = Sizes.Width, Heads = Sizes.Width / 8, Layers = 1 + 1, Vocab = 1 << 9, Context = 128, NormEpsilon = 0.00001)]
            internal partial class Model
            {
            }

            internal static class Sizes
            {
                public const int Width = 64;
            }
            """
        },
        {
            "members and other attributes on the class",
            """
            using System;
            using Codegen;

            namespace Models;

            [Obsolete("not yet")]
            [TransformerModel(DModel = 64, Heads = 8, Layers = 2, Vocab = 512, Context = 128)]
            [Serializable]
            internal sealed partial class Model
            {
                public int Extra => 1;
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Equivalent))]
    public void EquivalentDeclarationsGiveEqualSpecs(string difference, string source)
    {
        ModelSpec expected = SpecOf(Plain);
        ModelSpec actual = SpecOf(source);

        Assert.True(expected.Equals(actual), $"Written with {difference}: {actual} differs from {expected}.");
        Assert.Equal(expected.GetHashCode(), actual.GetHashCode());
    }

    [Theory]
    [InlineData("Layers = 2", "Layers = 3")]
    [InlineData("Context = 128)]", "Context = 128, Weights = WeightFormat.BF16)]")]
    [InlineData("Context = 128)]", "Context = 128, TiedEmbeddings = false)]")]
    [InlineData("internal partial class", "public partial class")]
    [InlineData("namespace Models;", "namespace Other;")]
    public void ADifferentModelGivesADifferentSpec(string from, string to) =>
        Assert.NotEqual(SpecOf(Plain), SpecOf(Plain.Replace(from, to)));

    /// <summary>Sources whose pipeline values cover every kind: a spec, a warning with code, errors with additional locations.</summary>
    public static TheoryData<string> Sources => new()
    {
        Plain,
        Plain.Replace("Context = 128)]", "Context = 128, KvHeads = 4, Weights = WeightFormat.Q8, TiedEmbeddings = false)]"),
        Plain.Replace("DModel = 64", "Family = ModelFamily.Gpt2, DModel = 64").Replace("Context = 128)]", "Context = 128, RopeTheta = 500000.0)]"),
        Plain.Replace("Heads = 8", "Heads = 6").Replace("partial class", "class"),
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void NoPipelineValueHoldsARoslynObject(string source)
    {
        GeneratorRunResult result = GeneratorHarness.Run(GeneratorHarness.Compile(TestReferences.WithGpu, source)).Result;
        var values = new List<(string Step, object Value)>();
        foreach (string step in TrackedStepNames())
        {
            // A step that no value reached (no diagnostics, no valid spec) is not in the run's steps.
            if (result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
            {
                values.AddRange(runs.SelectMany(run => run.Outputs).Select(output => (step, output.Value)));
            }
        }

        Assert.Contains(values, value => value.Value is ParseResult);
        foreach ((string step, object value) in values)
        {
            // A spec holds nothing of Roslyn's at all; a diagnostic's location is a file path and two plain spans.
            Type[] allowed = value is ModelSpec ? [] : [typeof(TextSpan), typeof(LinePositionSpan), typeof(LinePosition)];
            Assert.Empty(RoslynObjectsIn(value, step, allowed));
        }
    }

    /// <summary>The walk itself finds what it looks for: Roslyn objects inside an equatable array, as values and as declared field types.</summary>
    [Fact]
    public void TheWalkFindsRoslynObjectsInsideEquatableArrays()
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText("class C { }");
        var values = new EquatableArray<Holder>(ImmutableArray.Create(new Holder(42), new Holder(tree.GetRoot().GetLocation()), new Holder("fine")));
        var declared = new EquatableArray<TreeHolder>(ImmutableArray.Create(new TreeHolder(null)));

        Assert.Contains(RoslynObjectsIn(values, "values", []), path => path.StartsWith("values.items.array[1].", StringComparison.Ordinal) && path.EndsWith("SourceLocation", StringComparison.Ordinal));
        Assert.Contains(RoslynObjectsIn(declared, "declared", []), path => path.Contains("declared Microsoft.CodeAnalysis.SyntaxTree", StringComparison.Ordinal));
        Assert.Empty(RoslynObjectsIn(new EquatableArray<Holder>(ImmutableArray.Create(new Holder(42), new Holder("fine"))), "clean", []));
    }

    /// <summary>Every step name the generator declares in <see cref="TrackingNames"/>.</summary>
    internal static string[] TrackedStepNames() => typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToArray();

    private static ModelSpec SpecOf(string source)
    {
        GeneratorRunResult result = GeneratorHarness.Run(source).Result;
        Assert.Empty(result.Diagnostics);
        return (ModelSpec)result.TrackedSteps[TrackingNames.Specs].SelectMany(step => step.Outputs).Single().Value;
    }

    /// <summary>
    /// Walks the object graph from <paramref name="root"/> through every instance field (private ones,
    /// record backing fields, array elements, the immutable arrays inside <see cref="EquatableArray{T}"/>)
    /// and lists the path of each object, or field declared, of a type from a Roslyn assembly other than
    /// the <paramref name="allowed"/> plain values.
    /// </summary>
    private static List<string> RoslynObjectsIn(object root, string rootName, Type[] allowed)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Value, string Path)>();
        pending.Push((root, rootName));
        while (pending.Count > 0)
        {
            (object value, string path) = pending.Pop();
            Type type = value.GetType();
            if (type.IsPrimitive || type.IsEnum || value is string or decimal)
            {
                continue;
            }

            if (IsRoslyn(type, allowed))
            {
                found.Add($"{path}: {type.FullName}");
                continue;
            }

            if (!type.IsValueType && !visited.Add(value))
            {
                continue;
            }

            if (value is Array array)
            {
                for (int i = 0; i < array.Length; i++)
                {
                    if (array.GetValue(i) is { } element)
                    {
                        pending.Push((element, $"{path}[{i}]"));
                    }
                }

                continue;
            }

            for (Type? declaring = type; declaring is not null; declaring = declaring.BaseType)
            {
                foreach (FieldInfo field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (IsRoslyn(field.FieldType, allowed))
                    {
                        found.Add($"{path}.{field.Name}: declared {field.FieldType.FullName}");
                    }

                    if (field.GetValue(value) is { } fieldValue)
                    {
                        pending.Push((fieldValue, $"{path}.{field.Name}"));
                    }
                }
            }
        }

        return found;
    }

    private static bool IsRoslyn(Type type, Type[] allowed)
    {
        if (allowed.Contains(type))
        {
            return false;
        }

        if (type.HasElementType)
        {
            return IsRoslyn(type.GetElementType()!, allowed);
        }

        return type.Assembly.GetName().Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
            || (type.IsGenericType && type.GetGenericArguments().Any(argument => IsRoslyn(argument, allowed)));
    }

    /// <summary>Values for the walk's own test: anything as a value, and a syntax tree as a declared field type.</summary>
    private sealed record Holder(object Anything);

    private sealed record TreeHolder(SyntaxTree? Tree);
}
