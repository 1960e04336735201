namespace Codegen.Chat.Templates;

/// <summary>What a <see cref="TemplateToken"/> is.</summary>
internal enum TemplateTokenKind
{
    /// <summary>Literal text between tags, whitespace control already applied.</summary>
    Text,

    /// <summary><c>{{</c></summary>
    VariableBegin,

    /// <summary><c>}}</c></summary>
    VariableEnd,

    /// <summary><c>{%</c></summary>
    BlockBegin,

    /// <summary><c>%}</c></summary>
    BlockEnd,

    /// <summary>A name: a variable, a keyword, a filter or test name.</summary>
    Name,

    /// <summary>A string literal, its escapes resolved.</summary>
    String,

    /// <summary>An integer literal.</summary>
    Integer,

    /// <summary>A floating-point literal.</summary>
    Float,

    /// <summary>An operator or punctuation: <c>+ - * / // % ** ~ == != &lt; &gt; &lt;= &gt;= = ( ) [ ] { } , . : |</c>.</summary>
    Operator,

    /// <summary>The end of the template.</summary>
    End,
}

/// <summary>One token of a template, with its 1-based line and column.</summary>
internal readonly record struct TemplateToken(TemplateTokenKind Kind, string Value, int Line, int Column)
{
    /// <summary>True when this is the operator <paramref name="op"/>.</summary>
    public bool IsOperator(string op) => Kind == TemplateTokenKind.Operator && Value == op;

    /// <summary>True when this is the name <paramref name="name"/>.</summary>
    public bool IsName(string name) => Kind == TemplateTokenKind.Name && Value == name;

    /// <summary>The token as a message names it.</summary>
    public string Describe() => Kind switch
    {
        TemplateTokenKind.End => "the end of the template",
        TemplateTokenKind.Text => "text",
        TemplateTokenKind.VariableBegin => "'{{'",
        TemplateTokenKind.VariableEnd => "'}}'",
        TemplateTokenKind.BlockBegin => "'{%'",
        TemplateTokenKind.BlockEnd => "'%}'",
        TemplateTokenKind.String => "a string",
        _ => $"'{Value}'",
    };
}
