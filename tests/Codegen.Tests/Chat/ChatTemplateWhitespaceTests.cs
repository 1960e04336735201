using Xunit;
using static Codegen.Tests.Chat.TemplateTestHelpers;

namespace Codegen.Tests.Chat;

/// <summary>Whitespace control as Hugging Face's Jinja environment has it: '-' markers, trim_blocks, lstrip_blocks, the trailing newline.</summary>
public sealed class ChatTemplateWhitespaceTests
{
    [Fact]
    public void Dash_markers_strip_all_whitespace_on_their_side()
    {
        Assert.Equal("a|b", Render("a  \n {{- '|' -}} \n\n b"));
        Assert.Equal("ab", Render("a \n\t{%- if true -%}\n  b{% endif %}"));
        Assert.Equal("ab", Render("a  {#- comment -#}  b"));
    }

    [Fact]
    public void Trim_blocks_removes_the_first_newline_after_a_block_or_comment_tag_only()
    {
        Assert.Equal("A\nB", Render("{% if true %}\nA\n{% endif %}\nB"));
        Assert.Equal("x\n\ny", Render("x\n{# note #}\n\ny"));
        Assert.Equal("1\n2", Render("{{ 1 }}\n{{ 2 }}"));
    }

    [Fact]
    public void Lstrip_blocks_removes_indentation_before_a_block_tag_at_the_start_of_a_line()
    {
        Assert.Equal("    x\n", Render("    {% if true %}\n    x\n    {% endif %}\n\n"));
        Assert.Equal("a   b", Render("a   {% if true %}b{% endif %}"));
        Assert.Equal("  ab", Render("  {{ 'a' }}b"));
    }

    [Fact]
    public void A_plus_marker_keeps_the_indentation_lstrip_blocks_would_remove()
    {
        Assert.Equal("  x", Render("  {%+ if true %}x{% endif %}"));
    }

    [Fact]
    public void One_trailing_newline_of_the_template_is_dropped()
    {
        Assert.Equal("text", Render("text\n"));
        Assert.Equal("text\n", Render("text\n\n"));
    }

    [Fact]
    public void A_loop_written_over_indented_lines_renders_without_the_layout()
    {
        const string template = """
            {%- for message in messages %}
                {{- message.role + ': ' + message.content + '\n' }}
            {%- endfor %}
            """;
        Assert.Equal("system: Be brief.\nuser: Hi\nassistant: Hello\nuser: Bye\n", Render(template));
    }
}
