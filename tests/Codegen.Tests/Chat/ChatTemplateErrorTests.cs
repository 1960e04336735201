using System.IO;
using Codegen.Chat;
using Xunit;
using static Codegen.Tests.Chat.TemplateTestHelpers;

namespace Codegen.Tests.Chat;

/// <summary>Syntax errors with line, column and what was expected; raise_exception; the guards; tokenizer_config.json problems.</summary>
public sealed class ChatTemplateErrorTests
{
    [Theory]
    [InlineData("{% if true %}\nno end", 2, 7, "the template ends inside a block: expected '{% elif %}', '{% else %}' or '{% endif %}'")]
    [InlineData("a\n{% endfor %}", 2, 4, "'endfor' has no block to close")]
    [InlineData("{{ 1 +  }}", 1, 9, "expected a value")]
    [InlineData("{{ 'open }}", 1, 4, "the string is never closed")]
    [InlineData("x {{ y ", 1, 3, "never closed: expected '}}'")]
    [InlineData("{# note", 1, 1, "the comment is never closed")]
    [InlineData("{% for x of y %}{% endfor %}", 1, 10, "expected 'in'")]
    [InlineData("{% whilst %}", 1, 4, "unknown statement 'whilst'")]
    [InlineData("{{ x | frobnicate }}", 1, 8, "unknown filter 'frobnicate'")]
    [InlineData("{{ x is frob }}", 1, 9, "unknown test 'frob'")]
    [InlineData("{{ [1, 2 }}", 1, 10, "expected ',' or ']'")]
    [InlineData("{{ a ? b }}", 1, 6, "unexpected character '?'")]
    public void A_syntax_error_names_its_line_column_and_what_was_expected(string template, int line, int column, string message)
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.StartsWith($"chat template line {line}, column {column}: ", error.Message);
    }

    [Fact]
    public void Raise_exception_carries_the_templates_message_unchanged()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% if messages[0].role == 'system' %}{{ raise_exception('No system messages, got ' + messages[0].role + '!') }}{% endif %}"));
        Assert.Equal("No system messages, got system!", error.Message);
        Assert.True(error.RaisedByTemplate);
        Assert.Null(error.Line);
    }

    [Fact]
    public void Runaway_macro_recursion_is_stopped_with_a_clear_error()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        Assert.Contains("nested more than 64", error.Message);
    }

    [Theory]
    [InlineData("{{ ", "(", "1", ")", " }}")]
    [InlineData("{{ ", "not ", "1", "", " }}")]
    [InlineData("{{ ", "-", "1", "", " }}")]
    [InlineData("", "{% if true %}", "x", "{% endif %}", "")]
    public void Deeply_nested_syntax_is_an_error_not_a_stack_overflow(string start, string open, string middle, string close, string end)
    {
        string template = start + string.Concat(System.Linq.Enumerable.Repeat(open, 100_000)) + middle
            + string.Concat(System.Linq.Enumerable.Repeat(close, 100_000)) + end;
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains("nested more than 200 levels", error.Message);
    }

    [Fact]
    public void A_very_long_operator_chain_is_an_error_when_evaluated_not_a_stack_overflow()
    {
        string template = "{{ 1" + string.Concat(System.Linq.Enumerable.Repeat(" + 1", 100_000)) + " }}";
        var error = Assert.Throws<ChatTemplateException>(() => Render(template));
        Assert.Contains("nested more than 1000 levels", error.Message);
        Assert.Equal("200", Render("{{ 1" + string.Concat(System.Linq.Enumerable.Repeat(" + 1", 199)) + " }}"));
    }

    [Fact]
    public void A_value_nested_too_deep_to_print_is_an_error()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% set ns = namespace(v=[]) %}{% for i in range(1000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v }}"));
        Assert.Contains("nested more than 256 levels", error.Message);
    }

    [Fact]
    public void Output_longer_than_the_limit_is_refused()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% for i in range(100) %}{{ 'x' * 1000000 }}{% endfor %}"));
        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public void Looping_over_none_or_a_number_is_an_error_not_a_crash()
    {
        Assert.Contains("cannot loop over none", Assert.Throws<ChatTemplateException>(() => Render("{% for x in none %}{% endfor %}")).Message);
        Assert.Contains("'int' object is not iterable", Assert.Throws<ChatTemplateException>(() => Render("{% for x in 3 %}{% endfor %}")).Message);
        Assert.Contains("cannot unpack", Assert.Throws<ChatTemplateException>(() => Render("{% for a, b in [1] %}{% endfor %}")).Message);
    }

    [Fact]
    public void A_tokenizer_config_without_a_chat_template_is_refused_by_name()
    {
        string path = TestModels.Path("tokenizers", "llama2", "tokenizer_config.json");
        var error = Assert.Throws<ModelLoadException>(() => ChatTemplate.FromTokenizerConfig(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("has no chat_template", error.Message);
    }

    [Fact]
    public void A_tokenizer_config_may_list_named_templates_and_give_tokens_as_objects()
    {
        string path = WriteConfig("""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}D{{ eos_token }}"}],
             "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}
            """);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(path);
        Assert.Equal("<s>D</s>", template.Render(Conversation, false));
        Assert.Equal("<s>", template.BosToken);
    }

    [Fact]
    public void A_tokenizer_config_listing_no_default_template_names_the_ones_it_has()
    {
        string path = WriteConfig("""{"chat_template": [{"name": "tool_use", "template": "T"}]}""");
        var error = Assert.Throws<ModelLoadException>(() => ChatTemplate.FromTokenizerConfig(path));
        Assert.Contains("no template named \"default\" (it has: tool_use)", error.Message);
    }

    [Fact]
    public void A_syntax_error_in_a_tokenizer_configs_template_names_the_file_and_the_place()
    {
        string path = WriteConfig("""{"chat_template": "line\n{% if %}"}""");
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromTokenizerConfig(path));
        Assert.Contains(path, error.Message);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void A_tokenizer_config_that_is_not_json_is_a_load_error()
    {
        string path = WriteConfig("{\"chat_template\": ");
        Assert.Throws<ModelLoadException>(() => ChatTemplate.FromTokenizerConfig(path));
    }

    private static string WriteConfig(string json)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"codegen-chat-template-{System.Environment.ProcessId}-{System.Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "tokenizer_config.json");
        File.WriteAllText(path, json);
        return path;
    }
}
