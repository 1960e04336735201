using System;
using System.Collections.Generic;
using System.Text;
using Codegen.Chat;
using Xunit;

namespace Codegen.Tests.Chat;

/// <summary>
/// The golden templates, each cut and spliced at random (seeded) many times: every mutant either renders or
/// fails with a <see cref="ChatTemplateException"/>, never another exception type.
/// </summary>
public sealed class ChatTemplateMutationTests
{
    private const string Pieces = "{}%#-'\"()[]|.,:=~+*/ \nnotinisif";

    public static IEnumerable<object[]> Templates() => ChatTemplateGoldenTests.Templates();

    [Theory]
    [MemberData(nameof(Templates))]
    public void Mutated_templates_fail_only_with_chat_template_errors(string golden)
    {
        ChatTemplateGoldens.Golden file = ChatTemplateGoldens.Load(golden);
        string source = ChatTemplateGoldens.LoadTemplate(file).Source;
        int seed = 12345;
        foreach (char c in golden)
        {
            seed = (seed * 31) + c;
        }

        var random = new Random(seed);
        var conversation = new List<ChatMessage> { new("system", "s"), new("user", "u"), new("assistant", "a"), new("user", "v") };
        int failed = 0;
        for (int i = 0; i < 500; i++)
        {
            string mutant = Mutate(source, random);
            try
            {
                ChatTemplate.Parse(mutant, "<s>", "</s>").Render(conversation, random.Next(2) == 0);
            }
            catch (ChatTemplateException)
            {
                failed++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutant {i} of {golden} threw {e.GetType().Name}: {e.Message}\n--- template ---\n{mutant}");
            }
        }

        Assert.True(failed > 0, "no mutant failed, so the mutations test nothing");
    }

    private static string Mutate(string source, Random random)
    {
        var text = new StringBuilder(source);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && text.Length > 0; e++)
        {
            int at = random.Next(text.Length);
            switch (random.Next(3))
            {
                case 0:
                    text.Remove(at, Math.Min(1 + random.Next(8), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Pieces[random.Next(Pieces.Length)]);
                    break;
                default:
                    int from = random.Next(text.Length);
                    int length = Math.Min(1 + random.Next(40), text.Length - from);
                    text.Insert(at, text.ToString(from, length));
                    break;
            }
        }

        return text.ToString();
    }
}
