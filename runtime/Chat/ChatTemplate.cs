using System;
using System.Collections.Generic;
using System.Text.Json;
using Codegen.Chat.Templates;
using Codegen.Formats;

namespace Codegen.Chat;

/// <summary>
/// A Hugging Face chat template (the <c>chat_template</c> Jinja text of <c>tokenizer_config.json</c>), parsed
/// once and rendered into a prompt as <c>tokenizer.apply_chat_template(messages, tokenize=False)</c> renders
/// it: with <c>trim_blocks</c> and <c>lstrip_blocks</c>, the variables <c>messages</c>,
/// <c>add_generation_prompt</c>, <c>bos_token</c>, <c>eos_token</c> and any extras, and the functions
/// <c>raise_exception</c> and <c>strftime_now</c>. The Jinja subset and what is left out are in
/// docs/chat-templates.md. A parsed template is immutable: <see cref="Render"/> may run on several threads at once.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The longest tokenizer_config.json read, in bytes.</summary>
    private const long MaxConfigLength = 64L * 1024 * 1024;

    private readonly IReadOnlyList<TemplateNode> nodes;

    private ChatTemplate(string source, IReadOnlyList<TemplateNode> nodes, string? bosToken, string? eosToken)
    {
        Source = source;
        this.nodes = nodes;
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <summary>The template's text.</summary>
    public string Source { get; }

    /// <summary>The beginning-of-sequence token given to the template as <c>bos_token</c>, or null (then the variable is undefined).</summary>
    public string? BosToken { get; }

    /// <summary>The end-of-sequence token given to the template as <c>eos_token</c>, or null (then the variable is undefined).</summary>
    public string? EosToken { get; }

    /// <summary>The clock of <c>strftime_now</c>; the local time unless a test fixes it.</summary>
    internal Func<DateTime> Now { get; set; } = () => DateTime.Now;

    /// <summary>Parses a template.</summary>
    /// <param name="template">The Jinja text.</param>
    /// <param name="bosToken">The value of <c>bos_token</c>, or null to leave it undefined.</param>
    /// <param name="eosToken">The value of <c>eos_token</c>, or null to leave it undefined.</param>
    /// <exception cref="ChatTemplateException">A syntax error; the message names the line, the column and what was expected.</exception>
    public static ChatTemplate Parse(string template, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new ChatTemplate(template, TemplateParser.Parse(template), bosToken, eosToken);
    }

    /// <summary>
    /// Reads the template of a <c>tokenizer_config.json</c>: <c>chat_template</c> as a string, or as a list of
    /// <c>{"name", "template"}</c> entries of which the one named <c>default</c> is taken; <c>bos_token</c> and
    /// <c>eos_token</c> as strings or <c>{"content": ...}</c> objects.
    /// </summary>
    /// <param name="path">The tokenizer_config.json file.</param>
    /// <exception cref="ModelLoadException">The file cannot be read, is not a JSON object, or has no usable chat template.</exception>
    /// <exception cref="ChatTemplateException">The template has a syntax error.</exception>
    public static ChatTemplate FromTokenizerConfig(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using JsonDocument document = JsonFile.ParseObject(path, "tokenizer_config.json", MaxConfigLength);
        JsonElement root = document.RootElement;
        string template = ReadTemplate(path, root);
        string? bos = ReadToken(path, root, "bos_token");
        string? eos = ReadToken(path, root, "eos_token");
        try
        {
            return Parse(template, bos, eos);
        }
        catch (ChatTemplateException e) when (e.Line is int line && e.Column is int column)
        {
            throw new ChatTemplateException($"{path}: chat_template: {e.Reason}", line, column);
        }
    }

    private static string ReadTemplate(string path, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out JsonElement template) || template.ValueKind == JsonValueKind.Null)
        {
            throw new ModelLoadException(path, "has no chat_template (the model may keep it in chat_template.jinja, or have none)");
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString()!;
        }

        if (template.ValueKind != JsonValueKind.Array)
        {
            throw new ModelLoadException(path, $"chat_template must be a string or a list of {{\"name\", \"template\"}} entries, found {template.ValueKind}");
        }

        var names = new List<string>();
        foreach (JsonElement entry in template.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out JsonElement text) || text.ValueKind != JsonValueKind.String)
            {
                throw new ModelLoadException(path, "each chat_template entry must be an object with string \"name\" and \"template\"");
            }

            if (name.GetString() == "default")
            {
                return text.GetString()!;
            }

            names.Add(name.GetString()!);
        }

        throw new ModelLoadException(path, $"chat_template lists no template named \"default\" (it has: {string.Join(", ", names)})");
    }

    private static string? ReadToken(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement token))
        {
            return null;
        }

        switch (token.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return token.GetString();
            case JsonValueKind.Object when token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String:
                return content.GetString();
            default:
                throw new ModelLoadException(path, $"{name} must be a string or an object with a string \"content\", found {token.ValueKind}");
        }
    }

    /// <summary>Renders a conversation into the prompt text.</summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="addGenerationPrompt">Whether to end with the header of the assistant's next turn (<c>add_generation_prompt</c>).</param>
    /// <param name="extraVariables">
    /// More variables, such as <c>tools</c> or <c>date_string</c>: strings, numbers, booleans, null, lists,
    /// string-keyed dictionaries, <see cref="JsonElement"/> or <see cref="ChatMessage"/>. They may override
    /// <c>bos_token</c> and <c>eos_token</c> but not <c>messages</c> or <c>add_generation_prompt</c>.
    /// </param>
    /// <returns>The rendered prompt.</returns>
    /// <exception cref="ChatTemplateException">
    /// The template raised an error (<see cref="ChatTemplateException.RaisedByTemplate"/>, the template's message), or an
    /// operation failed on the values given (the message names the line and column).
    /// </exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extraVariables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (BosToken is not null)
        {
            variables["bos_token"] = BosToken;
        }

        if (EosToken is not null)
        {
            variables["eos_token"] = EosToken;
        }

        if (extraVariables is not null)
        {
            foreach (KeyValuePair<string, object?> pair in extraVariables)
            {
                if (pair.Key is "messages" or "add_generation_prompt")
                {
                    throw new ChatTemplateException($"'{pair.Key}' is set from Render's own arguments and cannot be an extra variable");
                }

                variables[pair.Key] = TemplateValueConversion.FromDotNet(pair.Value, pair.Key);
            }
        }

        var messageList = new List<object?>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i] ?? throw new ChatTemplateException($"messages[{i}] is null");
            if (message.Role is null || message.Content is null)
            {
                throw new ChatTemplateException($"messages[{i}] has a null {(message.Role is null ? "role" : "content")}");
            }

            messageList.Add(TemplateValueConversion.FromDotNet(message, "messages"));
        }

        variables["messages"] = messageList;
        variables["add_generation_prompt"] = addGenerationPrompt;
        return TemplateEvaluator.Render(nodes, TemplateGlobals.Create(Now), variables);
    }
}
