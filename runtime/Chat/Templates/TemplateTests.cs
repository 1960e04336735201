using System;
using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>The tests of <c>value is name(arguments)</c>, as Jinja defines them.</summary>
internal static class TemplateTests
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false",
        "mapping", "iterable", "sequence", "callable", "odd", "even", "divisibleby", "lower", "upper",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
        "in", "sameas",
    };

    /// <summary>True when a test of that name exists.</summary>
    public static bool IsKnown(string name) => Names.Contains(name);

    /// <summary>The result of test <paramref name="name"/> on <paramref name="value"/>.</summary>
    public static bool Run(string name, object? value, IReadOnlyList<object?> arguments)
    {
        switch (name)
        {
            case "defined": return value is not TemplateUndefined;
            case "undefined": return value is TemplateUndefined;
            case "none": return value is null;
            case "string": return value is string;
            case "number": return value is long or double or bool;
            case "integer": return value is long;
            case "float": return value is double;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "mapping": return value is TemplateDict;
            case "iterable": return value is string or List<object?> or TemplateDict or TemplateUndefined;
            case "sequence": return value is string or List<object?> or TemplateDict;
            case "callable": return value is TemplateCallable;
            case "odd": return TemplateValues.ToLong(RequireNumber(value, name)) % 2 != 0;
            case "even": return TemplateValues.ToLong(RequireNumber(value, name)) % 2 == 0;
            case "divisibleby":
                long divisor = TemplateValues.ToLong(RequireNumber(Argument(arguments, name), name));
                return divisor != 0 && TemplateValues.ToLong(RequireNumber(value, name)) % divisor == 0;
            case "lower": return value is string lower && lower == lower.ToLowerInvariant();
            case "upper": return value is string upper && upper == upper.ToUpperInvariant();
            case "eq" or "equalto" or "==": return TemplateValues.AreEqual(value, Argument(arguments, name));
            case "ne" or "!=": return !TemplateValues.AreEqual(value, Argument(arguments, name));
            case "lt" or "lessthan" or "<": return TemplateValues.Compare(value, Argument(arguments, name), "<") < 0;
            case "le" or "<=": return TemplateValues.Compare(value, Argument(arguments, name), "<=") <= 0;
            case "gt" or "greaterthan" or ">": return TemplateValues.Compare(value, Argument(arguments, name), ">") > 0;
            case "ge" or ">=": return TemplateValues.Compare(value, Argument(arguments, name), ">=") >= 0;
            case "in": return TemplateOperators.Contains(Argument(arguments, name), value);
            case "sameas":
                object? other = Argument(arguments, name);
                return value is null or bool ? Equals(value, other) : ReferenceEquals(value, other);
            default:
                throw new TemplateRuntimeError($"unknown test '{name}'");
        }
    }

    private static object? Argument(IReadOnlyList<object?> arguments, string name) =>
        arguments.Count > 0 ? arguments[0] : throw new TemplateRuntimeError($"the test '{name}' needs an argument");

    private static object? RequireNumber(object? value, string name) =>
        TemplateValues.IsNumber(value) ? value : throw new TemplateRuntimeError($"the test '{name}' needs a number, found '{TemplateValues.TypeName(value)}'");
}
