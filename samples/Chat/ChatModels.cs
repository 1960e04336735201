using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Codegen;
using Codegen.Chat;
using Codegen.Generation;
using Codegen.Tokenizers;

namespace ChatSample;

/// <summary>What the chat runs on: a session, its tokenizer, its chat template, a banner and the default options.</summary>
internal sealed record ChatModel(IInferenceSession Session, ITokenizer Tokenizer, ChatTemplate Template, string Banner, GenerationOptions Options);

/// <summary>Loads the model the command line names.</summary>
internal static class ChatModels
{
    /// <summary>
    /// stories260K's template: the conversation as one story, each answer continuing it (the model knows no roles). It
    /// starts with the BOS token, which the model was trained with before every story.
    /// </summary>
    public const string Stories260KTemplate =
        "{{ bos_token }}{% for message in messages %}{% if message['role'] != 'system' %}{{ message['content'] }}" +
        "{% if message['role'] == 'assistant' %}{{ '\\n' }}{% endif %}{% endif %}{% endfor %}";

    /// <summary>stories260K from the shared models folder beside the repository (or <paramref name="folder"/>).</summary>
    public static ChatModel LoadStories260K(string? folder)
    {
        folder ??= FindSharedModels("stories260K");
        var model = Stories260K.Load(Path.Combine(folder, "stories260K.bin"));
        var tokenizer = Llama2cTokenizer.Load(Path.Combine(folder, "tok512.bin"), Stories260K.Vocab);
        var template = ChatTemplate.Parse(Stories260KTemplate, bosToken: "<s>", eosToken: null);
        string banner =
            "stories260K (260K parameters, context 512) is a story model, not a chat model: it knows no roles and continues\n" +
            "what you type as a children's story, one paragraph an answer. Build with -p:ModelFolder=<folder> and pass\n" +
            "--folder for a real chat model.";
        return new ChatModel(model.CreateSession(), tokenizer, template, banner,
            new GenerationOptions { Temperature = 0, MaxNewTokens = 100, StopStrings = new[] { "\n" } });
    }

    /// <summary>The Hugging Face model this sample was built for, from <paramref name="folder"/> (null: the folder it was built with).</summary>
    public static ChatModel LoadHuggingFace(string? folder, string? templatePath)
    {
#if CHAT_HUGGING_FACE_MODEL
        folder ??= typeof(HuggingFaceModel).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "ModelFolder").Value!;
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"{Path.GetFullPath(folder)} is not a folder; pass a Hugging Face model folder of the shape this build was made for.");
        }

        var model = HuggingFaceModel.Load(folder);
        ITokenizer tokenizer = HuggingFaceTokenizer.Load(folder);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(templatePath ?? Path.Combine(folder, "tokenizer_config.json"));
        string banner =
            $"{Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar))}: {HuggingFaceModel.Family}, {HuggingFaceModel.Layers} layers of {HuggingFaceModel.DModel}, " +
            $"vocabulary {HuggingFaceModel.Vocab}, context {HuggingFaceModel.Context}; chat template from {templatePath ?? "its tokenizer_config.json"}.";
        return new ChatModel(model.CreateSession(), tokenizer, template, banner, new GenerationOptions { Temperature = 0, MaxNewTokens = 256 });
#else
        throw new ArgumentException(
            "--folder needs the model's shape at build time: build with -p:ModelFolder=<folder>, for example\n" +
            "  dotnet run -c Release --project samples/Chat -p:ModelFolder=$HOME/models/SmolLM2-135M-Instruct -- --folder");
#endif
    }

    private static string FindSharedModels(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codegen.sln")))
            {
                return Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "models", name));
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Codegen.sln above {AppContext.BaseDirectory}; pass --stories <folder holding stories260K.bin and tok512.bin>.");
    }
}
