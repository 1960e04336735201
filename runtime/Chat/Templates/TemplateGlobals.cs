using System;
using System.Collections.Generic;

namespace Codegen.Chat.Templates;

/// <summary>
/// The functions every template sees: Jinja's <c>range</c>, <c>namespace</c> and <c>dict</c>, and Hugging Face's
/// <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class TemplateGlobals
{
    /// <summary>The globals, with <paramref name="now"/> as the clock of <c>strftime_now</c>.</summary>
    public static Dictionary<string, object?> Create(Func<DateTime> now) => new(StringComparer.Ordinal)
    {
        ["range"] = new TemplateCallable("range", Range),
        ["namespace"] = new TemplateCallable("namespace", Namespace),
        ["dict"] = new TemplateCallable("dict", arguments =>
        {
            var dict = new TemplateDict();
            foreach (KeyValuePair<string, object?> pair in arguments.Named)
            {
                dict.Set(pair.Key, pair.Value);
            }

            return dict;
        }),
        ["raise_exception"] = new TemplateCallable("raise_exception", arguments =>
            throw ChatTemplateException.Raised(TemplateValues.ToText(arguments.Get(0, "message", "")))),
        ["strftime_now"] = new TemplateCallable("strftime_now", arguments =>
            PythonStrftime.Format(now(), TemplateMethods.RequireString(arguments.Get(0, "format", null), "strftime_now"))),
    };

    private static object? Range(CallArguments arguments)
    {
        if (arguments.Positional.Count is 0 or > 3)
        {
            throw new TemplateRuntimeError("range() takes 1 to 3 integer arguments");
        }

        long Integer(int i) => arguments.Positional[i] is long or bool
            ? TemplateValues.ToLong(arguments.Positional[i])
            : throw new TemplateRuntimeError($"range() needs integers, found '{TemplateValues.TypeName(arguments.Positional[i])}'");
        long start = arguments.Positional.Count == 1 ? 0 : Integer(0);
        long stop = arguments.Positional.Count == 1 ? Integer(0) : Integer(1);
        long step = arguments.Positional.Count == 3 ? Integer(2) : 1;
        if (step == 0)
        {
            throw new TemplateRuntimeError("range() step must not be zero");
        }

        var values = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (values.Count >= TemplateLimits.MaxLength)
            {
                throw new TemplateRuntimeError($"range() would make more than {TemplateLimits.MaxLength} numbers");
            }

            values.Add(i);
        }

        return values;
    }

    private static object? Namespace(CallArguments arguments)
    {
        var ns = new TemplateNamespace();
        foreach (object? positional in arguments.Positional)
        {
            if (positional is not TemplateDict initial)
            {
                throw new TemplateRuntimeError($"namespace() takes keyword arguments or a dict, found '{TemplateValues.TypeName(positional)}'");
            }

            foreach (string key in initial.Keys)
            {
                ns.Attributes.Set(key, initial[key]);
            }
        }

        foreach (KeyValuePair<string, object?> pair in arguments.Named)
        {
            ns.Attributes.Set(pair.Key, pair.Value);
        }

        return ns;
    }
}
