using System.Collections.Generic;
using Xunit;
using static Codegen.Tests.Chat.TemplateTestHelpers;

namespace Codegen.Tests.Chat;

/// <summary>if/elif/else, for with loop variables, filters and else, set and namespace scoping, macros, call blocks, break and continue.</summary>
public sealed class ChatTemplateStatementTests
{
    [Fact]
    public void If_elif_else_takes_the_first_true_branch()
    {
        const string template = "{% for m in messages %}{% if m.role == 'user' %}U{% elif m.role == 'assistant' %}A{% else %}S{% endif %}{% endfor %}";
        Assert.Equal("SUAU", Render(template));
    }

    [Fact]
    public void Loop_variables_count_from_both_ends()
    {
        const string template = "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.length }}"
            + "{{ 'F' if loop.first }}{{ 'L' if loop.last }};{% endfor %}";
        Assert.Equal("1044F;2134;3224;4314L;", Render(template));
    }

    [Fact]
    public void Loop_neighbours_and_cycle_follow_the_items()
    {
        const string template = "{% for x in ['a', 'b', 'c'] %}{{ loop.previtem | default('^') }}{{ x }}{{ loop.nextitem | default('$') }}"
            + "{{ loop.cycle('+', '-') }}{{ loop.revindex0 }} {% endfor %}";
        Assert.Equal("^ab+2 abc-1 bc$+0 ", Render(template));
    }

    [Fact]
    public void A_loop_filter_is_applied_before_the_loop_variables_are_counted()
    {
        const string template = "{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}:{{ m.content }} {% endfor %}";
        Assert.Equal("1/2:Hi 2/2:Bye ", Render(template));
    }

    [Fact]
    public void For_else_runs_when_there_is_nothing_to_loop_over()
    {
        Assert.Equal("empty", Render("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}"));
        Assert.Equal("empty", Render("{% for x in missing %}{{ x }}{% else %}empty{% endfor %}"));
        Assert.Equal("12", Render("{% for x in [1, 2] %}{{ x }}{% else %}empty{% endfor %}"));
    }

    [Fact]
    public void Dict_items_unpack_into_two_loop_variables_in_insertion_order()
    {
        Assert.Equal("b=1,a=2,", Render("{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}={{ v }},{% endfor %}"));
        Assert.Equal("b=1,a=2,", Render("{% for k, v in {'b': 1, 'a': 2} | items %}{{ k }}={{ v }},{% endfor %}"));
        Assert.Equal("ba", Render("{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}"));
    }

    [Fact]
    public void Set_inside_a_loop_stays_in_the_loop_and_a_namespace_carries_values_out()
    {
        const string template = "{% set count = 0 %}{% set ns = namespace(count=0, last='') %}"
            + "{% for m in messages %}{% set count = count + 1 %}{% set ns.count = ns.count + 1 %}{% set ns.last = m.content %}{% endfor %}"
            + "{{ count }} {{ ns.count }} {{ ns.last }}";
        Assert.Equal("0 4 Bye", Render(template));
    }

    [Fact]
    public void Set_at_the_top_level_inside_an_if_is_visible_after_it()
    {
        Assert.Equal("yes", Render("{% if true %}{% set answer = 'yes' %}{% endif %}{{ answer }}"));
    }

    [Fact]
    public void A_block_set_captures_its_rendered_body()
    {
        Assert.Equal("[<s>x]", Render("{% set text %}{{ bos_token }}x{% endset %}[{{ text }}]"));
    }

    [Fact]
    public void Assigning_an_attribute_of_something_that_is_not_a_namespace_is_an_error()
    {
        var error = Assert.Throws<Codegen.Chat.ChatTemplateException>(() => Render("{% set x = 1 %}\n{% set x.y = 2 %}"));
        Assert.Equal(2, error.Line);
        Assert.Contains("not a namespace", error.Message);
    }

    [Fact]
    public void Macros_take_positional_keyword_and_default_arguments()
    {
        const string template = "{% macro tag(name, body='-', close=true) %}<{{ name }}>{{ body }}{% if close %}</{{ name }}>{% endif %}{% endmacro %}"
            + "{{ tag('a') }}{{ tag('b', 'x') }}{{ tag(name='c', close=false) }}";
        Assert.Equal("<a>-</a><b>x</b><c>-", Render(template));
    }

    [Fact]
    public void A_call_block_passes_its_body_as_caller()
    {
        Assert.Equal("[inside]", Render("{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inside{% endcall %}"));
    }

    [Fact]
    public void Break_and_continue_leave_the_loop_or_the_iteration()
    {
        Assert.Equal("13", Render("{% for x in range(10) %}{% if x == 4 %}{% break %}{% endif %}{% if x % 2 == 0 %}{% continue %}{% endif %}{{ x }}{% endfor %}"));
    }

    [Fact]
    public void Generation_markers_render_their_body()
    {
        Assert.Equal("abc", Render("a{% generation %}b{% endgeneration %}c"));
    }

    [Fact]
    public void Extra_variables_are_visible_and_can_override_the_special_tokens()
    {
        var variables = new Dictionary<string, object?>
        {
            ["eos_token"] = "<end>",
            ["tools"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "f", ["n"] = 2 } },
        };
        Assert.Equal("<end> f 2", Render("{{ eos_token }} {{ tools[0].name }} {{ tools[0]['n'] }}", variables));
    }
}
