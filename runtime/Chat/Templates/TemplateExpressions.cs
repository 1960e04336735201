using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>An expression of the template, with the line and column where it starts.</summary>
internal abstract record TemplateExpression(int Line, int Column);

/// <summary>A literal: a string, an integer (<see cref="long"/>), a float (<see cref="double"/>), a boolean or <c>none</c> (null).</summary>
internal sealed record LiteralExpression(object? Value, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary>A variable.</summary>
internal sealed record NameExpression(string Name, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary>A list or tuple literal (both are lists here).</summary>
internal sealed record ListExpression(IReadOnlyList<TemplateExpression> Items, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary>A dict literal, its entries in order.</summary>
internal sealed record DictExpression(IReadOnlyList<KeyValuePair<TemplateExpression, TemplateExpression>> Entries, int Line, int Column)
    : TemplateExpression(Line, Column);

/// <summary><c>target.name</c></summary>
internal sealed record AttributeExpression(TemplateExpression Target, string Name, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary><c>target[index]</c></summary>
internal sealed record IndexExpression(TemplateExpression Target, TemplateExpression Index, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary><c>target[start:stop:step]</c>, each part optional.</summary>
internal sealed record SliceExpression(TemplateExpression Target, TemplateExpression? Start, TemplateExpression? Stop, TemplateExpression? Step, int Line, int Column)
    : TemplateExpression(Line, Column);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record TemplateArguments(IReadOnlyList<TemplateExpression> Positional, IReadOnlyList<KeyValuePair<string, TemplateExpression>> Named)
{
    /// <summary>No arguments.</summary>
    public static readonly TemplateArguments None = new(new List<TemplateExpression>(), new List<KeyValuePair<string, TemplateExpression>>());
}

/// <summary><c>callee(arguments)</c></summary>
internal sealed record CallExpression(TemplateExpression Callee, TemplateArguments Arguments, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary><c>operand | name(arguments)</c></summary>
internal sealed record FilterExpression(TemplateExpression Operand, string Name, TemplateArguments Arguments, int Line, int Column)
    : TemplateExpression(Line, Column);

/// <summary><c>operand is [not] name(arguments)</c></summary>
internal sealed record TestExpression(TemplateExpression Operand, string Name, TemplateArguments Arguments, bool Negated, int Line, int Column)
    : TemplateExpression(Line, Column);

/// <summary><c>not operand</c>, <c>-operand</c>, <c>+operand</c>.</summary>
internal sealed record UnaryExpression(string Operator, TemplateExpression Operand, int Line, int Column) : TemplateExpression(Line, Column);

/// <summary>A binary operator: arithmetic, <c>~</c>, a comparison, <c>in</c>, <c>not in</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpression(string Operator, TemplateExpression Left, TemplateExpression Right, int Line, int Column)
    : TemplateExpression(Line, Column);

/// <summary><c>whenTrue if condition else whenFalse</c>; without <c>else</c> the result is undefined when the condition is false.</summary>
internal sealed record ConditionalExpression(TemplateExpression Condition, TemplateExpression WhenTrue, TemplateExpression? WhenFalse, int Line, int Column)
    : TemplateExpression(Line, Column);
