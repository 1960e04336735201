using System;
using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>
/// Variables visible at one point of a template. <c>set</c> writes into the innermost scope, so what a loop
/// body or macro sets stays there (as in Jinja, where only a <c>namespace</c> carries values out of a loop).
/// </summary>
internal sealed class TemplateScope
{
    private readonly Dictionary<string, object?> variables;
    private readonly TemplateScope? parent;

    public TemplateScope(TemplateScope? parent, Dictionary<string, object?>? variables = null)
    {
        this.parent = parent;
        this.variables = variables ?? new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    /// <summary>The variable's value, from the innermost scope that has it, or an undefined value.</summary>
    public object? Get(string name)
    {
        for (TemplateScope? scope = this; scope is not null; scope = scope.parent)
        {
            if (scope.variables.TryGetValue(name, out object? value))
            {
                return value;
            }
        }

        return new TemplateUndefined($"'{name}'");
    }

    /// <summary>Sets a variable in this scope.</summary>
    public void Set(string name, object? value) => variables[name] = value;
}
