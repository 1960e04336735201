using System.Collections.Generic;
using Codegen.Chat;

namespace Codegen.Tests.Chat;

/// <summary>Renders small templates for the engine's unit tests.</summary>
internal static class TemplateTestHelpers
{
    public static readonly ChatMessage[] Conversation =
    [
        new("system", "Be brief."),
        new("user", "Hi"),
        new("assistant", "Hello"),
        new("user", "Bye"),
    ];

    /// <summary>The template rendered over <see cref="Conversation"/> with add_generation_prompt false and the given extras.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, object?>? variables = null) =>
        ChatTemplate.Parse(template, "<s>", "</s>").Render(Conversation, addGenerationPrompt: false, variables);

    /// <summary>The template's expression rendered alone: <c>{{ expression }}</c>.</summary>
    public static string Eval(string expression, IReadOnlyDictionary<string, object?>? variables = null) =>
        Render("{{ " + expression + " }}", variables);
}
