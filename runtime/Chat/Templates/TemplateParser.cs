using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// Builds the statement tree of a template from its tokens, with Jinja's operator precedence: the conditional
/// <c>a if c else b</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then postfix access, calls, filters (<c>|</c>) and tests (<c>is</c>).
/// </summary>
internal sealed class TemplateParser
{
    private static readonly HashSet<string> ComparisonOperators = new(StringComparer.Ordinal) { "==", "!=", "<", ">", "<=", ">=" };
    private static readonly HashSet<string> WordsThatEndATestArgument = new(StringComparer.Ordinal)
        { "else", "or", "and", "if", "not", "in", "is" };

    private readonly List<TemplateToken> tokens;
    private int index;
    private int nesting;

    private TemplateParser(List<TemplateToken> tokens)
    {
        this.tokens = tokens;
    }

    /// <summary>The statements of <paramref name="template"/>.</summary>
    /// <exception cref="ChatTemplateException">A syntax error, naming its line and column and what was expected.</exception>
    public static IReadOnlyList<TemplateNode> Parse(string template)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(template));
        (List<TemplateNode> body, TemplateToken? end) = parser.ParseBody();
        if (end is { } unexpected)
        {
            throw Error($"'{unexpected.Value}' has no block to close", unexpected);
        }

        return body;
    }

    private TemplateToken Current => tokens[index];

    /// <summary>Counts one more level of nested statements or expressions; too deep is an error, not a stack overflow.</summary>
    private NestingLevel Nest(TemplateToken at)
    {
        if (++nesting > TemplateLimits.MaxSyntaxNesting)
        {
            throw Error($"statements or expressions are nested more than {TemplateLimits.MaxSyntaxNesting} levels deep", at);
        }

        return new NestingLevel(this);
    }

    private readonly struct NestingLevel(TemplateParser parser) : IDisposable
    {
        public void Dispose() => parser.nesting--;
    }

    private TemplateToken Peek(int ahead = 1) => tokens[Math.Min(index + ahead, tokens.Count - 1)];

    private TemplateToken Advance()
    {
        TemplateToken token = tokens[index];
        if (index < tokens.Count - 1)
        {
            index++;
        }

        return token;
    }

    /// <summary>
    /// Statements until the end of the template or a block tag whose name is in <paramref name="endNames"/>;
    /// that tag's name token is returned (the parser stands after it) and null at the end of the template.
    /// </summary>
    private (List<TemplateNode> Body, TemplateToken? End) ParseBody(params string[] endNames)
    {
        var body = new List<TemplateNode>();
        while (true)
        {
            TemplateToken token = Current;
            switch (token.Kind)
            {
                case TemplateTokenKind.End:
                    if (endNames.Length > 0)
                    {
                        throw Error($"the template ends inside a block: expected {Expected(endNames)}", token);
                    }

                    return (body, null);
                case TemplateTokenKind.Text:
                    Advance();
                    body.Add(new TextNode(token.Value, token.Line, token.Column));
                    break;
                case TemplateTokenKind.VariableBegin:
                    Advance();
                    TemplateExpression expression = ParseExpression();
                    Expect(TemplateTokenKind.VariableEnd, "'}}' to close the expression");
                    body.Add(new OutputNode(expression, token.Line, token.Column));
                    break;
                case TemplateTokenKind.BlockBegin:
                    TemplateToken name = Peek();
                    if (name.Kind == TemplateTokenKind.Name && Array.IndexOf(endNames, name.Value) >= 0)
                    {
                        Advance();
                        Advance();
                        return (body, name);
                    }

                    Advance();
                    body.Add(ParseStatement(token));
                    break;
                default:
                    throw Error($"unexpected {token.Describe()}", token);
            }
        }
    }

    private static string Expected(string[] names)
    {
        var text = new StringBuilder();
        for (int i = 0; i < names.Length; i++)
        {
            text.Append(i == 0 ? "" : i == names.Length - 1 ? " or " : ", ").Append("'{% ").Append(names[i]).Append(" %}'");
        }

        return text.ToString();
    }

    private TemplateNode ParseStatement(TemplateToken begin)
    {
        using NestingLevel level = Nest(begin);
        TemplateToken keyword = Current;
        if (keyword.Kind != TemplateTokenKind.Name)
        {
            throw Error($"expected a statement name after '{{%', found {keyword.Describe()}", keyword);
        }

        Advance();
        switch (keyword.Value)
        {
            case "if": return ParseIf(keyword);
            case "for": return ParseFor(keyword);
            case "set": return ParseSet(keyword);
            case "macro": return ParseMacro(keyword);
            case "call": return ParseCallBlock(keyword);
            case "break":
                ExpectBlockEnd("break");
                return new BreakNode(keyword.Line, keyword.Column);
            case "continue":
                ExpectBlockEnd("continue");
                return new ContinueNode(keyword.Line, keyword.Column);
            case "endif" or "endfor" or "endset" or "endmacro" or "endcall" or "endgeneration":
                throw Error($"'{keyword.Value}' has no block to close", keyword);
            case "elif" or "else":
                throw Error($"'{keyword.Value}' is outside any 'if' (or 'for', for 'else')", keyword);
            case "generation":
                ExpectBlockEnd("generation");
                (List<TemplateNode> body, _) = ParseBody("endgeneration");
                ExpectBlockEnd("endgeneration");
                return new SequenceNode(body, keyword.Line, keyword.Column);
            default:
                throw Error(
                    $"unknown statement '{keyword.Value}' (supported: if, for, set, macro, call, break, continue, generation)",
                    keyword);
        }
    }

    private IfNode ParseIf(TemplateToken keyword)
    {
        var branches = new List<ConditionalBranch>();
        TemplateExpression condition = ParseExpression();
        ExpectBlockEnd("if");
        while (true)
        {
            (List<TemplateNode> body, TemplateToken? end) = ParseBody("elif", "else", "endif");
            branches.Add(new ConditionalBranch(condition, body));
            switch (end!.Value.Value)
            {
                case "elif":
                    condition = ParseExpression();
                    ExpectBlockEnd("elif");
                    continue;
                case "else":
                    ExpectBlockEnd("else");
                    (List<TemplateNode> elseBody, _) = ParseBody("endif");
                    ExpectBlockEnd("endif");
                    return new IfNode(branches, elseBody, keyword.Line, keyword.Column);
                default:
                    ExpectBlockEnd("endif");
                    return new IfNode(branches, null, keyword.Line, keyword.Column);
            }
        }
    }

    private ForNode ParseFor(TemplateToken keyword)
    {
        List<string> targets = ParseTargetNames("for");
        if (!Current.IsName("in"))
        {
            throw Error($"expected 'in' after the loop variables, found {Current.Describe()}", Current);
        }

        Advance();
        TemplateExpression iterable = ParseExpression(allowConditional: false);
        TemplateExpression? filter = null;
        if (Current.IsName("if"))
        {
            Advance();
            filter = ParseExpression(allowConditional: false);
        }

        if (Current.IsName("recursive"))
        {
            throw Error("recursive loops are not supported", Current);
        }

        ExpectBlockEnd("for");
        (List<TemplateNode> body, TemplateToken? end) = ParseBody("else", "endfor");
        List<TemplateNode>? elseBody = null;
        if (end!.Value.Value == "else")
        {
            ExpectBlockEnd("else");
            (elseBody, _) = ParseBody("endfor");
        }

        ExpectBlockEnd("endfor");
        return new ForNode(targets, iterable, filter, body, elseBody, keyword.Line, keyword.Column);
    }

    private List<string> ParseTargetNames(string statement)
    {
        var names = new List<string>();
        bool parenthesized = Current.IsOperator("(");
        if (parenthesized)
        {
            Advance();
        }

        do
        {
            if (Current.Kind != TemplateTokenKind.Name)
            {
                throw Error($"expected a variable name in '{statement}', found {Current.Describe()}", Current);
            }

            names.Add(Advance().Value);
        }
        while (Current.IsOperator(",") && Advance().Kind == TemplateTokenKind.Operator);

        if (parenthesized)
        {
            Expect(")", $"')' after the variables of '{statement}'");
        }

        return names;
    }

    private TemplateNode ParseSet(TemplateToken keyword)
    {
        if (Current.Kind == TemplateTokenKind.Name && Peek().IsOperator("."))
        {
            string target = Advance().Value;
            Advance();
            if (Current.Kind != TemplateTokenKind.Name)
            {
                throw Error($"expected an attribute name after '{target}.', found {Current.Describe()}", Current);
            }

            string attribute = Advance().Value;
            Expect("=", $"'=' after '{target}.{attribute}'");
            TemplateExpression value = ParseExpression();
            ExpectBlockEnd("set");
            return new SetNode(new[] { target }, attribute, value, keyword.Line, keyword.Column);
        }

        List<string> targets = ParseTargetNames("set");
        if (targets.Count == 1 && Current.Kind == TemplateTokenKind.BlockEnd)
        {
            Advance();
            (List<TemplateNode> body, _) = ParseBody("endset");
            ExpectBlockEnd("endset");
            return new SetBlockNode(targets[0], body, keyword.Line, keyword.Column);
        }

        Expect("=", "'=' after the variable of 'set'");
        TemplateExpression assigned = ParseExpression();
        if (Current.IsOperator(","))
        {
            var items = new List<TemplateExpression> { assigned };
            while (Current.IsOperator(","))
            {
                Advance();
                items.Add(ParseExpression());
            }

            assigned = new ListExpression(items, assigned.Line, assigned.Column);
        }

        ExpectBlockEnd("set");
        return new SetNode(targets, null, assigned, keyword.Line, keyword.Column);
    }

    private MacroNode ParseMacro(TemplateToken keyword)
    {
        if (Current.Kind != TemplateTokenKind.Name)
        {
            throw Error($"expected the macro's name, found {Current.Describe()}", Current);
        }

        string name = Advance().Value;
        Expect("(", $"'(' after the macro name '{name}'");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind != TemplateTokenKind.Name)
            {
                throw Error($"expected a parameter name in macro '{name}', found {Current.Describe()}", Current);
            }

            string parameter = Advance().Value;
            TemplateExpression? defaultValue = null;
            if (Current.IsOperator("="))
            {
                Advance();
                defaultValue = ParseExpression();
            }

            parameters.Add(new MacroParameter(parameter, defaultValue));
            if (!Current.IsOperator(","))
            {
                break;
            }

            Advance();
        }

        Expect(")", $"')' to close the parameters of macro '{name}'");
        ExpectBlockEnd("macro");
        (List<TemplateNode> body, _) = ParseBody("endmacro");
        ExpectBlockEnd("endmacro");
        return new MacroNode(name, parameters, body, keyword.Line, keyword.Column);
    }

    private CallBlockNode ParseCallBlock(TemplateToken keyword)
    {
        TemplateExpression call = ParseExpression();
        if (call is not CallExpression callExpression)
        {
            throw Error("'call' needs a macro call, such as '{% call render(x) %}'", keyword);
        }

        ExpectBlockEnd("call");
        (List<TemplateNode> body, _) = ParseBody("endcall");
        ExpectBlockEnd("endcall");
        return new CallBlockNode(callExpression, body, keyword.Line, keyword.Column);
    }

    private void ExpectBlockEnd(string statement)
    {
        if (Current.Kind != TemplateTokenKind.BlockEnd)
        {
            throw Error($"expected '%}}' to end '{statement}', found {Current.Describe()}", Current);
        }

        Advance();
    }

    private void Expect(TemplateTokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error($"expected {what}, found {Current.Describe()}", Current);
        }

        Advance();
    }

    private void Expect(string op, string what)
    {
        if (!Current.IsOperator(op))
        {
            throw Error($"expected {what}, found {Current.Describe()}", Current);
        }

        Advance();
    }

    private TemplateExpression ParseExpression(bool allowConditional = true)
    {
        using NestingLevel level = Nest(Current);
        TemplateExpression expression = ParseOr();
        while (allowConditional && Current.IsName("if"))
        {
            Advance();
            TemplateExpression condition = ParseOr();
            TemplateExpression? otherwise = null;
            if (Current.IsName("else"))
            {
                Advance();
                otherwise = ParseExpression();
            }

            expression = new ConditionalExpression(condition, expression, otherwise, expression.Line, expression.Column);
        }

        return expression;
    }

    private TemplateExpression ParseOr()
    {
        TemplateExpression left = ParseAnd();
        while (Current.IsName("or"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression("or", left, ParseAnd(), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParseAnd()
    {
        TemplateExpression left = ParseNot();
        while (Current.IsName("and"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression("and", left, ParseNot(), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            using NestingLevel level = Nest(Current);
            TemplateToken op = Advance();
            return new UnaryExpression("not", ParseNot(), op.Line, op.Column);
        }

        return ParseComparison();
    }

    private TemplateExpression ParseComparison()
    {
        TemplateExpression left = ParseAdditive();
        while (true)
        {
            TemplateToken token = Current;
            string? op = null;
            if (token.Kind == TemplateTokenKind.Operator && ComparisonOperators.Contains(token.Value))
            {
                op = token.Value;
                Advance();
            }
            else if (token.IsName("in"))
            {
                op = "in";
                Advance();
            }
            else if (token.IsName("not") && Peek().IsName("in"))
            {
                op = "not in";
                Advance();
                Advance();
            }

            if (op is null)
            {
                return left;
            }

            left = new BinaryExpression(op, left, ParseAdditive(), token.Line, token.Column);
        }
    }

    private TemplateExpression ParseAdditive()
    {
        TemplateExpression left = ParseConcatenation();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression(op.Value, left, ParseConcatenation(), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParseConcatenation()
    {
        TemplateExpression left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression("~", left, ParseMultiplicative(), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParseMultiplicative()
    {
        TemplateExpression left = ParsePower();
        while (Current.IsOperator("*") || Current.IsOperator("/") || Current.IsOperator("//") || Current.IsOperator("%"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression(op.Value, left, ParsePower(), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParsePower()
    {
        TemplateExpression left = ParseUnary(withFilters: true);
        while (Current.IsOperator("**"))
        {
            TemplateToken op = Advance();
            left = new BinaryExpression("**", left, ParseUnary(withFilters: true), op.Line, op.Column);
        }

        return left;
    }

    private TemplateExpression ParseUnary(bool withFilters)
    {
        TemplateExpression node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            using NestingLevel level = Nest(Current);
            TemplateToken op = Advance();
            node = new UnaryExpression(op.Value, ParseUnary(withFilters: false), op.Line, op.Column);
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilters ? ParseFiltersAndTests(node) : node;
    }

    private TemplateExpression ParsePrimary()
    {
        TemplateToken token = Advance();
        switch (token.Kind)
        {
            case TemplateTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpression(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpression(null, token.Line, token.Column),
                    _ => new NameExpression(token.Value, token.Line, token.Column),
                };
            case TemplateTokenKind.String:
                var text = new StringBuilder(token.Value);
                while (Current.Kind == TemplateTokenKind.String)
                {
                    text.Append(Advance().Value);
                }

                return new LiteralExpression(text.ToString(), token.Line, token.Column);
            case TemplateTokenKind.Integer:
                if (!long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long integer))
                {
                    throw Error($"the integer {token.Value} is too large", token);
                }

                return new LiteralExpression(integer, token.Line, token.Column);
            case TemplateTokenKind.Float:
                return new LiteralExpression(double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture), token.Line, token.Column);
            case TemplateTokenKind.Operator when token.Value == "(":
                return ParseParenthesized(token);
            case TemplateTokenKind.Operator when token.Value == "[":
                return new ListExpression(ParseItems("]"), token.Line, token.Column);
            case TemplateTokenKind.Operator when token.Value == "{":
                return ParseDict(token);
            default:
                throw Error($"expected a value (a name, a literal, '(', '[' or '{{'), found {token.Describe()}", token);
        }
    }

    private TemplateExpression ParseParenthesized(TemplateToken open)
    {
        if (Current.IsOperator(")"))
        {
            Advance();
            return new ListExpression(new List<TemplateExpression>(), open.Line, open.Column);
        }

        TemplateExpression first = ParseExpression();
        if (!Current.IsOperator(","))
        {
            Expect(")", "')' to close the parenthesis");
            return first;
        }

        var items = new List<TemplateExpression> { first };
        while (Current.IsOperator(","))
        {
            Advance();
            if (Current.IsOperator(")"))
            {
                break;
            }

            items.Add(ParseExpression());
        }

        Expect(")", "')' to close the tuple");
        return new ListExpression(items, open.Line, open.Column);
    }

    private List<TemplateExpression> ParseItems(string close)
    {
        var items = new List<TemplateExpression>();
        while (!Current.IsOperator(close))
        {
            items.Add(ParseExpression());
            if (!Current.IsOperator(","))
            {
                break;
            }

            Advance();
        }

        Expect(close, $"',' or '{close}' in the list");
        return items;
    }

    private DictExpression ParseDict(TemplateToken open)
    {
        var entries = new List<KeyValuePair<TemplateExpression, TemplateExpression>>();
        while (!Current.IsOperator("}"))
        {
            TemplateExpression key = ParseExpression();
            Expect(":", "':' between a dict key and its value");
            entries.Add(new(key, ParseExpression()));
            if (!Current.IsOperator(","))
            {
                break;
            }

            Advance();
        }

        Expect("}", "',' or '}' in the dict");
        return new DictExpression(entries, open.Line, open.Column);
    }

    private TemplateExpression ParsePostfix(TemplateExpression node)
    {
        while (true)
        {
            TemplateToken token = Current;
            if (token.IsOperator("."))
            {
                Advance();
                TemplateToken name = Advance();
                node = name.Kind switch
                {
                    TemplateTokenKind.Name => new AttributeExpression(node, name.Value, token.Line, token.Column),
                    TemplateTokenKind.Integer => new IndexExpression(
                        node, new LiteralExpression(long.Parse(name.Value, CultureInfo.InvariantCulture), name.Line, name.Column), token.Line, token.Column),
                    _ => throw Error($"expected an attribute name after '.', found {name.Describe()}", name),
                };
            }
            else if (token.IsOperator("["))
            {
                Advance();
                node = ParseSubscript(node, token);
            }
            else if (token.IsOperator("("))
            {
                Advance();
                node = new CallExpression(node, ParseArguments(), token.Line, token.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private TemplateExpression ParseSubscript(TemplateExpression target, TemplateToken open)
    {
        TemplateExpression? start = Current.IsOperator(":") ? null : ParseExpression();
        if (!Current.IsOperator(":"))
        {
            Expect("]", "']' to close the subscript");
            return new IndexExpression(target, start!, open.Line, open.Column);
        }

        Advance();
        TemplateExpression? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        TemplateExpression? step = null;
        if (Current.IsOperator(":"))
        {
            Advance();
            step = Current.IsOperator("]") ? null : ParseExpression();
        }

        Expect("]", "']' to close the slice");
        return new SliceExpression(target, start, stop, step, open.Line, open.Column);
    }

    /// <summary>Arguments after an opening parenthesis, through the closing one.</summary>
    private TemplateArguments ParseArguments()
    {
        var positional = new List<TemplateExpression>();
        var named = new List<KeyValuePair<string, TemplateExpression>>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == TemplateTokenKind.Name && Peek().IsOperator("="))
            {
                string name = Advance().Value;
                Advance();
                named.Add(new(name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw Error("a positional argument cannot follow a keyword argument", Current);
                }

                positional.Add(ParseExpression());
            }

            if (!Current.IsOperator(","))
            {
                break;
            }

            Advance();
        }

        Expect(")", "',' or ')' in the argument list");
        return new TemplateArguments(positional, named);
    }

    private TemplateExpression ParseFiltersAndTests(TemplateExpression node)
    {
        while (true)
        {
            TemplateToken token = Current;
            if (token.IsOperator("|"))
            {
                Advance();
                TemplateToken name = Advance();
                if (name.Kind != TemplateTokenKind.Name)
                {
                    throw Error($"expected a filter name after '|', found {name.Describe()}", name);
                }

                if (!TemplateFilters.IsKnown(name.Value))
                {
                    throw Error($"unknown filter '{name.Value}'", name);
                }

                TemplateArguments arguments = TemplateArguments.None;
                if (Current.IsOperator("("))
                {
                    Advance();
                    arguments = ParseArguments();
                }

                node = new FilterExpression(node, name.Value, arguments, name.Line, name.Column);
            }
            else if (token.IsName("is"))
            {
                Advance();
                bool negated = false;
                if (Current.IsName("not"))
                {
                    Advance();
                    negated = true;
                }

                TemplateToken name = Advance();
                if (name.Kind != TemplateTokenKind.Name && !(name.Kind == TemplateTokenKind.Operator && ComparisonOperators.Contains(name.Value)))
                {
                    throw Error($"expected a test name after 'is', found {name.Describe()}", name);
                }

                string testName = name.Value == "none" || name.Value == "None" ? "none" : name.Value;
                if (!TemplateTests.IsKnown(testName))
                {
                    throw Error($"unknown test '{name.Value}'", name);
                }

                TemplateArguments arguments = TemplateArguments.None;
                if (Current.IsOperator("("))
                {
                    Advance();
                    arguments = ParseArguments();
                }
                else if (StartsTestArgument(Current))
                {
                    TemplateExpression argument = ParsePostfix(ParsePrimary());
                    arguments = new TemplateArguments(new[] { argument }, new List<KeyValuePair<string, TemplateExpression>>());
                }

                node = new TestExpression(node, testName, arguments, negated, name.Line, name.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private static bool StartsTestArgument(TemplateToken token) => token.Kind switch
    {
        TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float => true,
        TemplateTokenKind.Name => !WordsThatEndATestArgument.Contains(token.Value),
        TemplateTokenKind.Operator => token.Value == "[" || token.Value == "{",
        _ => false,
    };

    private static ChatTemplateException Error(string message, TemplateToken at) => new(message, at.Line, at.Column);
}
