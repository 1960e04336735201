using System;
using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>
/// A name or member that does not exist, as Jinja's default <c>Undefined</c>: printed as nothing, false, empty
/// when iterated, <c>is defined</c> false; reading a member of it or doing arithmetic with it is an error.
/// </summary>
internal sealed class TemplateUndefined
{
    public TemplateUndefined(string description)
    {
        Description = description;
    }

    /// <summary>What was looked up, for messages: <c>'x' is undefined</c>.</summary>
    public string Description { get; }
}

/// <summary>A dict: string keys in insertion order, as JSON objects and Python dicts keep them.</summary>
internal sealed class TemplateDict
{
    private readonly Dictionary<string, object?> values = new(StringComparer.Ordinal);
    private readonly List<string> keys = new();

    /// <summary>The keys in insertion order.</summary>
    public IReadOnlyList<string> Keys => keys;

    /// <summary>How many entries.</summary>
    public int Count => keys.Count;

    /// <summary>Sets a key, keeping its first position when it exists.</summary>
    public void Set(string key, object? value)
    {
        if (!values.ContainsKey(key))
        {
            keys.Add(key);
        }

        values[key] = value;
    }

    /// <summary>The value of a key, when present.</summary>
    public bool TryGet(string key, out object? value) => values.TryGetValue(key, out value);

    /// <summary>The value of a key that is present.</summary>
    public object? this[string key] => values[key];
}

/// <summary>The object <c>namespace(...)</c> makes: attributes a template may assign inside loops.</summary>
internal sealed class TemplateNamespace
{
    /// <summary>The attributes.</summary>
    public TemplateDict Attributes { get; } = new();
}

/// <summary>Arguments as a callable receives them.</summary>
internal sealed record CallArguments(IReadOnlyList<object?> Positional, IReadOnlyList<KeyValuePair<string, object?>> Named)
{
    /// <summary>The argument at <paramref name="position"/> or named <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public object? Get(int position, string name, object? fallback)
    {
        if (position >= 0 && position < Positional.Count)
        {
            return Positional[position];
        }

        foreach (KeyValuePair<string, object?> pair in Named)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return fallback;
    }

    /// <summary>True when an argument is at <paramref name="position"/> or named <paramref name="name"/>.</summary>
    public bool Has(int position, string name)
    {
        if (position >= 0 && position < Positional.Count)
        {
            return true;
        }

        foreach (KeyValuePair<string, object?> pair in Named)
        {
            if (pair.Key == name)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Something a template can call: a global function, a macro, a bound string or dict method.</summary>
internal sealed class TemplateCallable
{
    public TemplateCallable(string name, Func<CallArguments, object?> invoke)
    {
        Name = name;
        Invoke = invoke;
    }

    /// <summary>The name, for messages.</summary>
    public string Name { get; }

    /// <summary>Runs the call.</summary>
    public Func<CallArguments, object?> Invoke { get; }
}

/// <summary>The <c>loop</c> variable inside a <c>for</c> body.</summary>
internal sealed class LoopInfo
{
    public LoopInfo(IReadOnlyList<object?> items)
    {
        Items = items;
    }

    /// <summary>The items looped over (after the loop's <c>if</c> filter).</summary>
    public IReadOnlyList<object?> Items { get; }

    /// <summary>The 0-based position of the current item.</summary>
    public int Index0 { get; set; }

    /// <summary>A property of the loop, or an undefined value.</summary>
    public object? Get(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(Items.Count - Index0),
        "revindex0" => (long)(Items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Items.Count - 1,
        "length" => (long)Items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? Items[Index0 - 1] : new TemplateUndefined("'loop.previtem'"),
        "nextitem" => Index0 + 1 < Items.Count ? Items[Index0 + 1] : new TemplateUndefined("'loop.nextitem'"),
        "cycle" => new TemplateCallable("loop.cycle", arguments =>
            arguments.Positional.Count == 0 ? throw new TemplateRuntimeError("loop.cycle() needs at least one value")
                                            : arguments.Positional[Index0 % arguments.Positional.Count]),
        _ => new TemplateUndefined($"'loop' has no attribute '{name}'"),
    };
}

/// <summary>An error while rendering; the evaluator adds the line and column of the expression that failed.</summary>
internal sealed class TemplateRuntimeError : Exception
{
    public TemplateRuntimeError(string message)
        : base(message)
    {
    }
}
