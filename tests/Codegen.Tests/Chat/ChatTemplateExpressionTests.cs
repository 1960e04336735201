using System;
using System.Collections.Generic;
using Codegen.Chat;
using Xunit;
using static Codegen.Tests.Chat.TemplateTestHelpers;

namespace Codegen.Tests.Chat;

/// <summary>Expressions with Python's meaning: literals, printing, arithmetic, comparisons, membership, access, slices, the conditional.</summary>
public sealed class ChatTemplateExpressionTests
{
    [Theory]
    [InlineData("'a' ~ 1 ~ none", "a1None")]
    [InlineData("[1, 'a', none, true, 2.5]", "[1, 'a', None, True, 2.5]")]
    [InlineData("{'k': \"it's\"}", "{'k': \"it's\"}")]
    [InlineData("1.0", "1.0")]
    [InlineData("1e20", "1e+20")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("1 / 2", "0.5")]
    [InlineData("7 // 2 ~ ' ' ~ -7 // 2 ~ ' ' ~ -7 % 3 ~ ' ' ~ 2 ** 10", "3 -4 2 1024")]
    [InlineData("1 + 2 * 3 - 4", "3")]
    [InlineData("'ab' * 3", "ababab")]
    [InlineData("[1] + [2, 3]", "[1, 2, 3]")]
    [InlineData("'x' if 1 > 2 else 'y'", "y")]
    [InlineData("'x' if false", "")]
    [InlineData("not true or 1 and 'z'", "z")]
    [InlineData("'ell' in 'hello'", "True")]
    [InlineData("3 not in [1, 2]", "True")]
    [InlineData("'k' in {'k': 1}", "True")]
    [InlineData("1 == 1.0 and 'a' != 'b' and [1, 'a'] == [1, 'a']", "True")]
    [InlineData("'abc'[::-1] ~ [1, 2, 3][1:] ~ [1, 2, 3][:-1] ~ 'abcdef'[1:5:2]", "cba[2, 3][1, 2]bd")]
    [InlineData("messages[-1].content ~ messages[0]['role']", "Byesystem")]
    [InlineData("'a' 'b'", "ab")]
    public void Evaluates_as_Jinja_does(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Fact]
    public void Tuples_are_lists_here_so_they_print_as_lists_where_Python_prints_parentheses()
    {
        Assert.Equal("[1, 2] 2", Eval("(1, 2) ~ ' ' ~ (1, 2) | length"));
    }

    [Theory]
    [InlineData("missing is defined", "False")]
    [InlineData("missing is undefined", "True")]
    [InlineData("missing", "")]
    [InlineData("missing | length", "0")]
    [InlineData("missing is none", "False")]
    [InlineData("messages[0].nope is defined", "False")]
    [InlineData("messages[9] is defined", "False")]
    [InlineData("none is none", "True")]
    [InlineData("'s' is string and 1 is number and 1.5 is float and 2 is integer", "True")]
    [InlineData("{} is mapping and [] is iterable and 'x' is sequence and [] is not mapping", "True")]
    [InlineData("3 is odd and 4 is even and 9 is divisibleby(3)", "True")]
    [InlineData("'a' is eq 'a'", "True")]
    public void Undefined_values_and_tests_behave_as_in_Jinja(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Fact]
    public void An_undefined_variable_is_false_in_a_condition()
    {
        Assert.Equal("no", Render("{% if missing %}yes{% else %}no{% endif %}"));
    }

    [Fact]
    public void Reading_a_member_of_an_undefined_variable_names_the_variable_and_the_place()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("line one\n  {{ missing.field }}"));
        Assert.Equal(2, error.Line);
        Assert.Contains("'missing' is undefined", error.Message);
        Assert.False(error.RaisedByTemplate);
    }

    [Theory]
    [InlineData("'a' + 1", "unsupported operand types for +: 'str' and 'int'")]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("none.x()", "'NoneType object' has no attribute 'x'")]
    [InlineData("1 < 'a'", "'<' is not supported between 'int' and 'str'")]
    [InlineData("1 in 1", "argument of type 'int' is not iterable")]
    [InlineData("messages()", "'list' object is not callable")]
    public void Bad_operations_are_clear_errors_with_a_place(string expression, string message)
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ " + expression + " }}"));
        Assert.Contains(message, error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Strftime_now_formats_the_clock_with_Python_codes()
    {
        ChatTemplate template = ChatTemplate.Parse("{{ strftime_now('%d %b %Y, %A %B %-d %H:%M:%S %p %j %y %%') }}");
        template.Now = () => new DateTime(2024, 7, 5, 13, 4, 9);
        Assert.Equal("05 Jul 2024, Friday July 5 13:04:09 PM 187 24 %", template.Render(Conversation, false));
    }

    [Fact]
    public void Extra_variables_of_many_dotnet_types_become_template_values()
    {
        using var json = System.Text.Json.JsonDocument.Parse("""{"a": [1, 2.5, "x", true, null]}""");
        var variables = new Dictionary<string, object?>
        {
            ["number"] = 3,
            ["real"] = 0.25f,
            ["flag"] = true,
            ["nothing"] = null,
            ["json"] = json.RootElement,
            ["names"] = new[] { "p", "q" },
            ["map"] = new Dictionary<string, string> { ["k"] = "v" },
        };
        Assert.Equal("3 0.25 True None [1, 2.5, 'x', True, None] ['p', 'q'] v",
            Eval("number ~ ' ' ~ real ~ ' ' ~ flag ~ ' ' ~ nothing ~ ' ' ~ json.a ~ ' ' ~ names ~ ' ' ~ map.k", variables));
    }

    [Fact]
    public void An_extra_variable_of_an_unusable_type_is_refused_by_name()
    {
        var variables = new Dictionary<string, object?> { ["clock"] = new object() };
        var error = Assert.Throws<ChatTemplateException>(() => Eval("clock", variables));
        Assert.Contains("'clock'", error.Message);
    }

    [Fact]
    public void Messages_and_add_generation_prompt_cannot_be_overridden_by_extras()
    {
        var variables = new Dictionary<string, object?> { ["messages"] = "x" };
        Assert.Throws<ChatTemplateException>(() => Eval("messages", variables));
    }
}
