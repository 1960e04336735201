using System.Collections.Generic;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// Renders a parsed template: runs its statements in order, evaluating expressions with Python's semantics.
/// Every failure is a <see cref="ChatTemplateException"/> that names the line and column of the expression or
/// statement that failed (or the template's own message, for <c>raise_exception</c>).
/// </summary>
internal sealed class TemplateEvaluator
{
    private readonly StringBuilder output = new();
    private int callDepth;
    private int evaluationDepth;
    private long iterations;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <summary>The text <paramref name="template"/> renders with <paramref name="globals"/> and <paramref name="variables"/>.</summary>
    public static string Render(IReadOnlyList<TemplateNode> template, Dictionary<string, object?> globals, Dictionary<string, object?> variables)
    {
        var evaluator = new TemplateEvaluator();
        var scope = new TemplateScope(new TemplateScope(null, globals), variables);
        evaluator.ExecuteBody(template, scope, evaluator.output);
        return evaluator.output.ToString();
    }

    private Flow ExecuteBody(IReadOnlyList<TemplateNode> body, TemplateScope scope, StringBuilder into)
    {
        foreach (TemplateNode node in body)
        {
            Flow flow;
            try
            {
                flow = Execute(node, scope, into);
            }
            catch (TemplateRuntimeError error)
            {
                throw new ChatTemplateException(error.Message, node.Line, node.Column);
            }

            if (flow != Flow.Normal)
            {
                return flow;
            }

            if (into.Length > TemplateLimits.MaxLength)
            {
                throw new ChatTemplateException($"the output is longer than {TemplateLimits.MaxLength} characters", node.Line, node.Column);
            }
        }

        return Flow.Normal;
    }

    private Flow Execute(TemplateNode node, TemplateScope scope, StringBuilder into)
    {
        switch (node)
        {
            case TextNode text:
                into.Append(text.Text);
                return Flow.Normal;
            case OutputNode print:
                into.Append(TemplateValues.ToText(Evaluate(print.Expression, scope)));
                return Flow.Normal;
            case IfNode conditional:
                foreach (ConditionalBranch branch in conditional.Branches)
                {
                    if (TemplateValues.IsTrue(Evaluate(branch.Condition, scope)))
                    {
                        return ExecuteBody(branch.Body, scope, into);
                    }
                }

                return conditional.ElseBody is null ? Flow.Normal : ExecuteBody(conditional.ElseBody, scope, into);
            case ForNode loop:
                ExecuteFor(loop, scope, into);
                return Flow.Normal;
            case SetNode set:
                ExecuteSet(set, scope);
                return Flow.Normal;
            case SetBlockNode setBlock:
                var captured = new StringBuilder();
                ExecuteBody(setBlock.Body, scope, captured);
                scope.Set(setBlock.Target, captured.ToString());
                return Flow.Normal;
            case MacroNode macro:
                scope.Set(macro.Name, DefineMacro(macro, scope));
                return Flow.Normal;
            case CallBlockNode callBlock:
                into.Append(TemplateValues.ToText(ExecuteCallBlock(callBlock, scope)));
                return Flow.Normal;
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            case SequenceNode sequence:
                return ExecuteBody(sequence.Body, scope, into);
            default:
                throw new TemplateRuntimeError($"unknown statement {node.GetType().Name}");
        }
    }

    private void ExecuteFor(ForNode loop, TemplateScope scope, StringBuilder into)
    {
        object? iterable = Evaluate(loop.Iterable, scope);
        if (iterable is null)
        {
            throw new TemplateRuntimeError("cannot loop over none");
        }

        List<object?> items = TemplateValues.Iterate(iterable);
        var loopScope = new TemplateScope(scope);
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (object? item in items)
            {
                CountIteration();
                BindTargets(loop.Targets, item, loopScope);
                if (TemplateValues.IsTrue(Evaluate(loop.Filter, loopScope)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        var info = new LoopInfo(items);
        for (int i = 0; i < items.Count; i++)
        {
            CountIteration();
            info.Index0 = i;
            BindTargets(loop.Targets, items[i], loopScope);
            loopScope.Set("loop", info);
            if (ExecuteBody(loop.Body, loopScope, into) == Flow.Break)
            {
                break;
            }
        }

        if (items.Count == 0 && loop.ElseBody is not null)
        {
            ExecuteBody(loop.ElseBody, scope, into);
        }
    }

    private void CountIteration()
    {
        if (++iterations > TemplateLimits.MaxLoopIterations)
        {
            throw new TemplateRuntimeError($"the template ran more than {TemplateLimits.MaxLoopIterations} loop iterations");
        }
    }

    private static void BindTargets(IReadOnlyList<string> targets, object? value, TemplateScope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }

        if (value is not List<object?> parts || parts.Count != targets.Count)
        {
            throw new TemplateRuntimeError(
                $"cannot unpack '{TemplateValues.TypeName(value)}' into {targets.Count} variables ({string.Join(", ", targets)})");
        }

        for (int i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], parts[i]);
        }
    }

    private void ExecuteSet(SetNode set, TemplateScope scope)
    {
        object? value = Evaluate(set.Value, scope);
        if (set.Attribute is null)
        {
            BindTargets(set.Targets, value, scope);
            return;
        }

        object? target = scope.Get(set.Targets[0]);
        if (target is not TemplateNamespace ns)
        {
            throw new TemplateRuntimeError(
                $"cannot assign '{set.Targets[0]}.{set.Attribute}': '{set.Targets[0]}' is a {TemplateValues.TypeName(target)}, not a namespace(...)");
        }

        ns.Attributes.Set(set.Attribute, value);
    }

    private TemplateCallable DefineMacro(MacroNode macro, TemplateScope definitionScope) =>
        new(macro.Name, arguments =>
        {
            if (callDepth >= TemplateLimits.MaxCallDepth)
            {
                throw new TemplateRuntimeError($"macro calls are nested more than {TemplateLimits.MaxCallDepth} deep (is '{macro.Name}' recursive?)");
            }

            if (arguments.Positional.Count > macro.Parameters.Count)
            {
                throw new TemplateRuntimeError($"macro '{macro.Name}' takes {macro.Parameters.Count} arguments, {arguments.Positional.Count} were given");
            }

            var macroScope = new TemplateScope(definitionScope);
            var bound = new HashSet<string>();
            for (int i = 0; i < arguments.Positional.Count; i++)
            {
                macroScope.Set(macro.Parameters[i].Name, arguments.Positional[i]);
                bound.Add(macro.Parameters[i].Name);
            }

            foreach (KeyValuePair<string, object?> named in arguments.Named)
            {
                bool isParameter = named.Key == "caller";
                foreach (MacroParameter parameter in macro.Parameters)
                {
                    isParameter |= parameter.Name == named.Key;
                }

                if (!isParameter)
                {
                    throw new TemplateRuntimeError($"macro '{macro.Name}' has no parameter '{named.Key}'");
                }

                macroScope.Set(named.Key, named.Value);
                bound.Add(named.Key);
            }

            foreach (MacroParameter parameter in macro.Parameters)
            {
                if (!bound.Contains(parameter.Name))
                {
                    macroScope.Set(
                        parameter.Name,
                        parameter.Default is null ? new TemplateUndefined($"'{parameter.Name}'") : Evaluate(parameter.Default, macroScope));
                }
            }

            var rendered = new StringBuilder();
            callDepth++;
            try
            {
                ExecuteBody(macro.Body, macroScope, rendered);
            }
            finally
            {
                callDepth--;
            }

            return rendered.ToString();
        });

    private object? ExecuteCallBlock(CallBlockNode callBlock, TemplateScope scope)
    {
        object? callee = Evaluate(callBlock.Call.Callee, scope);
        CallArguments arguments = EvaluateArguments(callBlock.Call.Arguments, scope);
        var caller = new TemplateCallable("caller", _ =>
        {
            var rendered = new StringBuilder();
            ExecuteBody(callBlock.Body, new TemplateScope(scope), rendered);
            return rendered.ToString();
        });
        var named = new List<KeyValuePair<string, object?>>(arguments.Named) { new("caller", caller) };
        return Invoke(callee, new CallArguments(arguments.Positional, named));
    }

    private object? Evaluate(TemplateExpression expression, TemplateScope scope)
    {
        if (++evaluationDepth > TemplateLimits.MaxEvaluationDepth)
        {
            throw new ChatTemplateException(
                $"the expression is nested more than {TemplateLimits.MaxEvaluationDepth} levels deep", expression.Line, expression.Column);
        }

        try
        {
            return EvaluateUnchecked(expression, scope);
        }
        catch (TemplateRuntimeError error)
        {
            throw new ChatTemplateException(error.Message, expression.Line, expression.Column);
        }
        finally
        {
            evaluationDepth--;
        }
    }

    private object? EvaluateUnchecked(TemplateExpression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.Get(name.Name);
            case ListExpression list:
                var items = new List<object?>(list.Items.Count);
                foreach (TemplateExpression item in list.Items)
                {
                    items.Add(Evaluate(item, scope));
                }

                return items;
            case DictExpression dictionary:
                var dict = new TemplateDict();
                foreach (KeyValuePair<TemplateExpression, TemplateExpression> entry in dictionary.Entries)
                {
                    object? key = Evaluate(entry.Key, scope);
                    if (key is not string text)
                    {
                        throw new TemplateRuntimeError($"dict keys must be strings here, found '{TemplateValues.TypeName(key)}'");
                    }

                    dict.Set(text, Evaluate(entry.Value, scope));
                }

                return dict;
            case AttributeExpression attribute:
                return TemplateOperators.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case IndexExpression index:
                return TemplateOperators.GetItem(Evaluate(index.Target, scope), Evaluate(index.Index, scope));
            case SliceExpression slice:
                return TemplateOperators.Slice(
                    Evaluate(slice.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case CallExpression call:
                return Invoke(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope));
            case FilterExpression filter:
                return TemplateFilters.Apply(filter.Name, Evaluate(filter.Operand, scope), EvaluateArguments(filter.Arguments, scope));
            case TestExpression test:
                bool passed = TemplateTests.Run(test.Name, Evaluate(test.Operand, scope), EvaluateArguments(test.Arguments, scope).Positional);
                return passed != test.Negated;
            case UnaryExpression unary:
                return EvaluateUnary(unary, scope);
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case ConditionalExpression conditional:
                if (TemplateValues.IsTrue(Evaluate(conditional.Condition, scope)))
                {
                    return Evaluate(conditional.WhenTrue, scope);
                }

                return conditional.WhenFalse is null ? new TemplateUndefined("the conditional expression's missing 'else'") : Evaluate(conditional.WhenFalse, scope);
            default:
                throw new TemplateRuntimeError($"unknown expression {expression.GetType().Name}");
        }
    }

    private CallArguments EvaluateArguments(TemplateArguments arguments, TemplateScope scope)
    {
        var positional = new List<object?>(arguments.Positional.Count);
        foreach (TemplateExpression argument in arguments.Positional)
        {
            positional.Add(Evaluate(argument, scope));
        }

        var named = new List<KeyValuePair<string, object?>>(arguments.Named.Count);
        foreach (KeyValuePair<string, TemplateExpression> argument in arguments.Named)
        {
            named.Add(new(argument.Key, Evaluate(argument.Value, scope)));
        }

        return new CallArguments(positional, named);
    }

    private static object? Invoke(object? callee, CallArguments arguments) => callee switch
    {
        TemplateCallable callable => callable.Invoke(arguments),
        TemplateUndefined undefined => throw new TemplateRuntimeError($"{undefined.Description} is undefined, so it cannot be called"),
        _ => throw new TemplateRuntimeError($"'{TemplateValues.TypeName(callee)}' object is not callable"),
    };

    private object? EvaluateUnary(UnaryExpression unary, TemplateScope scope)
    {
        object? operand = Evaluate(unary.Operand, scope);
        switch (unary.Operator)
        {
            case "not":
                return !TemplateValues.IsTrue(operand);
            case "-":
                return operand switch
                {
                    long l => l == long.MinValue ? throw new TemplateRuntimeError("integer overflow in negation") : (object)(-l),
                    double d => -d,
                    bool b => b ? -1L : 0L,
                    _ => throw new TemplateRuntimeError($"bad operand type for unary -: '{TemplateValues.TypeName(operand)}'"),
                };
            default:
                return TemplateValues.IsNumber(operand)
                    ? (operand is bool b2 ? (b2 ? 1L : 0L) : operand)
                    : throw new TemplateRuntimeError($"bad operand type for unary +: '{TemplateValues.TypeName(operand)}'");
        }
    }

    private object? EvaluateBinary(BinaryExpression binary, TemplateScope scope)
    {
        object? left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return TemplateValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return TemplateValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
        }

        object? right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "==" => TemplateValues.AreEqual(left, right),
            "!=" => !TemplateValues.AreEqual(left, right),
            "<" => TemplateValues.Compare(left, right, "<") < 0,
            "<=" => TemplateValues.Compare(left, right, "<=") <= 0,
            ">" => TemplateValues.Compare(left, right, ">") > 0,
            ">=" => TemplateValues.Compare(left, right, ">=") >= 0,
            "in" => TemplateOperators.Contains(right, left),
            "not in" => !TemplateOperators.Contains(right, left),
            _ => TemplateOperators.Arithmetic(binary.Operator, left, right),
        };
    }
}
