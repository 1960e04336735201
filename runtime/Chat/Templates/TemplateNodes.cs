using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>A statement of the template, with the line and column of its tag.</summary>
internal abstract record TemplateNode(int Line, int Column);

/// <summary>Literal text.</summary>
internal sealed record TextNode(string Text, int Line, int Column) : TemplateNode(Line, Column);

/// <summary><c>{{ expression }}</c></summary>
internal sealed record OutputNode(TemplateExpression Expression, int Line, int Column) : TemplateNode(Line, Column);

/// <summary>One <c>if</c> or <c>elif</c> branch.</summary>
internal sealed record ConditionalBranch(TemplateExpression Condition, IReadOnlyList<TemplateNode> Body);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c></summary>
internal sealed record IfNode(IReadOnlyList<ConditionalBranch> Branches, IReadOnlyList<TemplateNode>? ElseBody, int Line, int Column)
    : TemplateNode(Line, Column);

/// <summary><c>{% for targets in iterable if filter %}...{% else %}...{% endfor %}</c></summary>
internal sealed record ForNode(
    IReadOnlyList<string> Targets,
    TemplateExpression Iterable,
    TemplateExpression? Filter,
    IReadOnlyList<TemplateNode> Body,
    IReadOnlyList<TemplateNode>? ElseBody,
    int Line,
    int Column) : TemplateNode(Line, Column);

/// <summary><c>{% set name = value %}</c>, <c>{% set a, b = value %}</c> or <c>{% set ns.attribute = value %}</c> (Attribute set).</summary>
internal sealed record SetNode(IReadOnlyList<string> Targets, string? Attribute, TemplateExpression Value, int Line, int Column)
    : TemplateNode(Line, Column);

/// <summary><c>{% set name %}...{% endset %}</c>: the rendered body becomes the value.</summary>
internal sealed record SetBlockNode(string Target, IReadOnlyList<TemplateNode> Body, int Line, int Column) : TemplateNode(Line, Column);

/// <summary>A macro parameter and its default.</summary>
internal sealed record MacroParameter(string Name, TemplateExpression? Default);

/// <summary><c>{% macro name(parameters) %}...{% endmacro %}</c></summary>
internal sealed record MacroNode(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<TemplateNode> Body, int Line, int Column)
    : TemplateNode(Line, Column);

/// <summary><c>{% call macro(arguments) %}...{% endcall %}</c>: the macro may call <c>caller()</c> to render the body.</summary>
internal sealed record CallBlockNode(CallExpression Call, IReadOnlyList<TemplateNode> Body, int Line, int Column) : TemplateNode(Line, Column);

/// <summary><c>{% break %}</c></summary>
internal sealed record BreakNode(int Line, int Column) : TemplateNode(Line, Column);

/// <summary><c>{% continue %}</c></summary>
internal sealed record ContinueNode(int Line, int Column) : TemplateNode(Line, Column);

/// <summary>A body that renders as it is: <c>{% generation %}...{% endgeneration %}</c>, which only marks assistant text for training masks.</summary>
internal sealed record SequenceNode(IReadOnlyList<TemplateNode> Body, int Line, int Column) : TemplateNode(Line, Column);
