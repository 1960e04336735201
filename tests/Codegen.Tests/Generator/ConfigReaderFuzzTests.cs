using System;
using System.Text;
using Codegen.Generator.Parsing;
using Xunit;

namespace Codegen.Tests.Generator;

/// <summary>
/// The generator's config reader runs inside the compiler, where an exception it does not expect fails the whole
/// generator run (CS8785) instead of naming the problem: mutated configs (bytes changed, inserted, removed, the file
/// cut short, values swapped for others) give a shape or a <see cref="ConfigProblemException"/>, nothing else.
/// </summary>
public sealed class ConfigReaderFuzzTests
{
    private static readonly string[] Replacements =
    {
        "0", "-1", "1e400", "-1e400", "NaN", "Infinity", "2147483648", "3.5", "null", "true", "[]", "{}", "\"x\"", "[[[[", "\"\\ud800\"",
    };

    [Fact]
    public void MutatedConfigsGiveAShapeOrADiagnostic()
    {
        string[] seeds =
        {
            ConfigDiagnosticTests.LlamaConfig(",\n  \"rope_scaling\": { \"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64 }"),
            ConfigDiagnosticTests.LlamaConfig().Replace("LlamaForCausalLM", "MistralForCausalLM").Replace("\"llama\"", "\"mistral\""),
            """{ "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 32, "n_head": 4, "n_layer": 2, "n_positions": 64, "vocab_size": 100 }""",
        };
        var random = new Random(20261205);
        int shapes = 0, problems = 0;
        for (int i = 0; i < 6000; i++)
        {
            string mutated = Mutate(seeds[i % seeds.Length], random);
            try
            {
                HuggingFaceConfigReader.Read(mutated);
                shapes++;
            }
            catch (ConfigProblemException)
            {
                problems++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message}\nfor the config:\n{mutated}");
            }
        }

        Assert.True(shapes > 100 && problems > 100, $"{shapes} shapes, {problems} problems");
    }

    /// <summary>The whole generator (reading, resolving, emitting) over mutated configs: diagnostics or code, never an exception.</summary>
    [Fact]
    public void TheGeneratorNeverFailsOnAMutatedConfig()
    {
        const string Source = """
            using Codegen;

            [TransformerModel(Config = "model/config.json")]
            internal partial class Model
            {
            }
            """;
        Microsoft.CodeAnalysis.Compilation compilation = GeneratorHarness.Compile(Source);
        string seed = ConfigDiagnosticTests.LlamaConfig(",\n  \"sliding_window\": 16");
        var random = new Random(5122026);
        int generated = 0;
        for (int i = 0; i < 300; i++)
        {
            string mutated = Mutate(seed, random);
            Microsoft.CodeAnalysis.GeneratorRunResult result = GeneratorHarness.Run(compilation, new InMemoryAdditionalText("/p/model/config.json", mutated)).Result;
            Assert.True(result.Exception is null, $"{result.Exception}\nfor the config:\n{mutated}");
            generated += result.GeneratedSources.Length > 0 ? 1 : 0;
        }

        Assert.True(generated > 10, $"{generated} of 300 mutated configs generated a model");
    }

    private static string Mutate(string text, Random random)
    {
        var builder = new StringBuilder(text);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && builder.Length > 0; e++)
        {
            int at = random.Next(builder.Length);
            switch (random.Next(5))
            {
                case 0:
                    builder[at] = (char)random.Next(32, 127);
                    break;
                case 1:
                    builder.Insert(at, (char)random.Next(32, 127));
                    break;
                case 2:
                    builder.Remove(at, 1);
                    break;
                case 3:
                    builder.Length = at;
                    break;
                default:
                    // A value swapped for another: the text after a colon up to the next comma or brace.
                    int colon = builder.ToString().IndexOf(':', at);
                    if (colon >= 0)
                    {
                        int end = colon + 1;
                        while (end < builder.Length && builder[end] is not (',' or '}'))
                        {
                            end++;
                        }

                        builder.Remove(colon + 1, end - colon - 1).Insert(colon + 1, " " + Replacements[random.Next(Replacements.Length)]);
                    }

                    break;
            }
        }

        return builder.ToString();
    }
}
