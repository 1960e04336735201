using Xunit;
using static Codegen.Tests.Chat.TemplateTestHelpers;

namespace Codegen.Tests.Chat;

/// <summary>Filters, string and dict methods, and tojson as Hugging Face defines it.</summary>
public sealed class ChatTemplateFilterTests
{
    [Theory]
    [InlineData("'  a b  ' | trim", "a b")]
    [InlineData("'xxaxx' | trim('x')", "a")]
    [InlineData("'\u001f\u00a0 a \u2003\n' | trim ~ '|' ~ 'a\u001cb'.split() | join(',')", "a|a,b")]
    [InlineData("'héllo wörld' | upper", "HÉLLO WÖRLD")]
    [InlineData("'ABC' | lower", "abc")]
    [InlineData("'hello big-world' | title", "Hello Big-World")]
    [InlineData("'hELLO' | capitalize", "Hello")]
    [InlineData("'a-b-c' | replace('-', '+')", "a+b+c")]
    [InlineData("messages | length ~ 'abc' | length ~ {'a': 1} | length", "431")]
    [InlineData("messages | map(attribute='role') | join(',')", "system,user,assistant,user")]
    [InlineData("messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(' ')", "Hi Bye")]
    [InlineData("messages | rejectattr('role', 'in', ['user', 'system']) | map(attribute='content') | list", "['Hello']")]
    [InlineData("messages | selectattr('nope') | list | length", "0")]
    [InlineData("['a', 'code', 'b'] | reject('equalto', 'code') | join(', ')", "a, b")]
    [InlineData("[1, 2] | first ~ [1, 2] | last ~ 'xyz' | first", "12x")]
    [InlineData("missing | default('dflt') ~ '' | default('empty', true) ~ 'v' | d('no')", "dfltemptyv")]
    [InlineData("1 | string ~ ' ' ~ '42' | int ~ ' ' ~ '3.9' | int ~ ' ' ~ 'x' | int ~ ' ' ~ '2.5' | float ~ ' ' ~ 'q' | float(1.5)", "1 42 3 0 2.5 1.5")]
    [InlineData("'ab' | list", "['a', 'b']")]
    [InlineData("({'a': 1, 'b': 2} | items | list)[1][0] ~ ({'a': 1} | items | list | length)", "b1")]
    [InlineData("[1, 2, 3] | reverse | list", "[3, 2, 1]")]
    [InlineData("-3 | abs", "3")]
    [InlineData("['a', 'b'] | map('upper') | join", "AB")]
    [InlineData("'<b>' | safe", "<b>")]
    [InlineData("'a\nb' | indent(2)", "a\n  b")]
    public void Filters_behave_as_in_Jinja(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Theory]
    [InlineData("'  x  '.strip() ~ '|' ~ '  x  '.lstrip() ~ '|' ~ '  x  '.rstrip() ~ '|' ~ 'xxyxx'.strip('x')", "x|x  |  x|y")]
    [InlineData("'a b  c'.split() ~ 'a,b,,c'.split(',') ~ 'a,b,c'.split(',', 1)", "['a', 'b', 'c']['a', 'b', '', 'c']['a', 'b,c']")]
    [InlineData("'hello'.startswith('he') and 'hello'.endswith(('x', 'lo')) and not 'hello'.startswith('lo')", "True")]
    [InlineData("'Mixed Case'.upper() ~ 'Mixed Case'.lower() ~ \"they're bill's\".title()", "MIXED CASEmixed caseThey'Re Bill'S")]
    [InlineData("'aaa'.replace('a', 'b', 2)", "bba")]
    [InlineData("'{} and {name} {{x}}'.format('x', name='y') ~ '{1}{0}{1}'.format('a', 'b')", "x and y {x}bab")]
    [InlineData("', '.join(['a', 'b'])", "a, b")]
    [InlineData("{'a': 1, 'b': 2}.keys() | list ~ {'a': 1}.values() | list ~ {'a': 1}.get('a') ~ {'a': 1}.get('z', 'none')", "['a', 'b'][1]1none")]
    public void String_and_dict_methods_behave_as_in_Python(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Theory]
    [InlineData("{'a': [1, 2.5, true, none], 'b': 'x'} | tojson", "{\"a\": [1, 2.5, true, null], \"b\": \"x\"}")]
    [InlineData("'Grüße 日本 🙂' | tojson", "\"Grüße 日本 🙂\"")]
    [InlineData("'q\"\\\\ \n\t\u0001' | tojson", "\"q\\\"\\\\ \\n\\t\\u0001\"")]
    [InlineData("{'a': [1, {'b': []}], 'c': {}} | tojson(indent=2)", "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}")]
    [InlineData("[1] | tojson(indent=4)", "[\n    1\n]")]
    [InlineData("['é', {'b': 1, 'a': 2}] | tojson(true, sort_keys=true)", "[\"\\u00e9\", {\"a\": 2, \"b\": 1}]")]
    [InlineData("{'a': [1, 2]} | tojson(separators=(',', ':'))", "{\"a\":[1,2]}")]
    public void Tojson_writes_Pythons_json_dumps_without_ensure_ascii(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Fact]
    public void Tojson_of_an_undefined_value_is_an_error()
    {
        var error = Assert.Throws<Codegen.Chat.ChatTemplateException>(() => Eval("missing | tojson"));
        Assert.Contains("not JSON serializable", error.Message);
    }
}
